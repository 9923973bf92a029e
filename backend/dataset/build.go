// Package dataset builds a training job's folder — the spec's
// trainingjob-{id}/ with config.json, metadata.json, images/, labels/,
// masks/, models/ and train.log — from a project's completed tiles, and
// packs it for an agent.
package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/annotate"
	"github.com/tessera-lab/tessera/backend/labels"
)

// IgnoreIndex marks mask pixels that carry no label.
const IgnoreIndex = 255

// Store is what the builder reads.
type Store interface {
	FindAnnotations(ctx context.Context, projectID int64) ([]*backend.Annotation, error)
	FindTileByName(ctx context.Context, projectID int64, name string) (*backend.Tile, error)
	FindImageByID(ctx context.Context, id int64) (*backend.Image, error)
}

// Options choose what goes in.
type Options struct {
	ProjectID   int64
	PipelineID  string
	JobID       string
	Seed        int64
	ValFraction float64 // of the images (default 0.2)
	Config      map[string]any
}

// Metadata is metadata.json.
type Metadata struct {
	JobID       string       `json:"job_id"`
	PipelineID  string       `json:"pipeline_id"`
	ProjectID   int64        `json:"project_id"`
	Classes     []Class      `json:"classes"`
	Split       Split        `json:"split"`
	SplitBy     string       `json:"split_by"` // "image", or "rows" when the project has one image
	Seed        int64        `json:"seed"`
	ValFraction float64      `json:"val_fraction"`
	IgnoreIndex int          `json:"ignore_index"`
	Tiles       []TileRecord `json:"tiles"`
	CreatedAt   time.Time    `json:"created_at"`
}

// Class is a mask value's class; 0 is background and not listed.
type Class struct {
	Index  int      `json:"index"`
	Name   string   `json:"name"`
	Label  string   `json:"label"`
	Colour [3]uint8 `json:"colour"`
}

// Split names the tiles of each side.
type Split struct {
	Train []string `json:"train"`
	Val   []string `json:"val"`
}

// TileRecord is one tile of the set, where it came from and its hash.
type TileRecord struct {
	Name   string `json:"name"`
	Image  string `json:"image"`
	X      int    `json:"x"`
	Y      int    `json:"y"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	SHA256 string `json:"sha256"`
	Split  string `json:"split"`
}

// Builder writes training sets.
type Builder struct {
	Store  Store
	Labels *annotate.Service
	Layout backend.Layout
}

// JobDir is a job's folder: ml/pipelines/pipeline-{id}/trainingjob-{id}/.
func (b *Builder) JobDir(projectID int64, pipelineID, jobID string) string {
	return filepath.Join(b.Layout.PipelinesDir(projectID), "pipeline-"+pipelineID, "trainingjob-"+jobID)
}

type member struct {
	tile    *backend.Tile
	image   *backend.Image
	classes map[string]int // labels per class, as the annotation index counts them
}

// Build writes the job folder from the project's completed tiles and
// returns its metadata.
func (b *Builder) Build(ctx context.Context, o Options) (*Metadata, error) {
	o.ValFraction = valFraction(o.ValFraction)
	members, sch, err := b.trainable(ctx, o.ProjectID)
	if err != nil {
		return nil, err
	}
	md := &Metadata{JobID: o.JobID, PipelineID: o.PipelineID, ProjectID: o.ProjectID, Seed: o.Seed, ValFraction: o.ValFraction,
		IgnoreIndex: IgnoreIndex, CreatedAt: time.Now().UTC(), Split: Split{Train: []string{}, Val: []string{}}}
	for i, c := range sch.Classes() {
		md.Classes = append(md.Classes, Class{Index: i + 1, Name: c.Name, Label: c.HumanName, Colour: c.Colour("default")})
	}
	val := split(members, o.Seed, o.ValFraction, md)

	dir := b.JobDir(o.ProjectID, o.PipelineID, o.JobID)
	for _, sub := range []string{"images", "labels", "masks", "models"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	for _, m := range members {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		rec, err := b.addTile(ctx, dir, o.ProjectID, m, sch)
		if err != nil {
			return nil, fmt.Errorf("tile %s: %w", m.tile.Name, err)
		}
		rec.Split = "train"
		if val[m.tile.Name] {
			rec.Split = "val"
			md.Split.Val = append(md.Split.Val, m.tile.Name)
		} else {
			md.Split.Train = append(md.Split.Train, m.tile.Name)
		}
		md.Tiles = append(md.Tiles, rec)
	}
	if err := writeJSON(filepath.Join(dir, "metadata.json"), md); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(dir, "config.json"), o.Config); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "train.log"), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return md, f.Close()
}

// completed lists the project's complete tiles in a stable order.
func (b *Builder) completed(ctx context.Context, projectID int64) ([]member, error) {
	as, err := b.Store.FindAnnotations(ctx, projectID)
	if err != nil {
		return nil, err
	}
	imgs := map[int64]*backend.Image{}
	var out []member
	for _, a := range as {
		if !a.Complete {
			continue
		}
		t, err := b.Store.FindTileByName(ctx, projectID, a.TileName)
		if backend.ErrorCode(err) == backend.ENOTFOUND {
			continue // its image was deleted or tiled differently
		} else if err != nil {
			return nil, err
		}
		m := imgs[t.ImageID]
		if m == nil {
			if m, err = b.Store.FindImageByID(ctx, t.ImageID); err != nil {
				return nil, err
			}
			imgs[t.ImageID] = m
		}
		mb := member{tile: t, image: m}
		_ = json.Unmarshal([]byte(a.Classes), &mb.classes)
		out = append(out, mb)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].tile.Name < out[j].tile.Name })
	return out, nil
}

// split chooses the validation tiles: whole images, so that tiles of one
// image never sit on both sides; with a single image, its last rows.
func split(members []member, seed int64, frac float64, md *Metadata) map[string]bool {
	byImage := map[int64][]member{}
	var ids []int64
	for _, m := range members {
		if _, ok := byImage[m.image.ID]; !ok {
			ids = append(ids, m.image.ID)
		}
		byImage[m.image.ID] = append(byImage[m.image.ID], m)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	val := map[string]bool{}
	if len(ids) >= 2 {
		md.SplitBy = "image"
		rng := rand.New(rand.NewPCG(uint64(seed), 0x7e55e7a))
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		n := max(1, int(float64(len(ids))*frac+0.5))
		n = min(n, len(ids)-1)
		for _, id := range ids[:n] {
			for _, m := range byImage[id] {
				val[m.tile.Name] = true
			}
		}
		return val
	}
	md.SplitBy = "rows"
	ms := byImage[ids[0]]
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].tile.Row != ms[j].tile.Row {
			return ms[i].tile.Row > ms[j].tile.Row
		}
		return ms[i].tile.Col > ms[j].tile.Col
	})
	n := min(max(1, int(float64(len(ms))*frac+0.5)), len(ms)-1)
	for _, m := range ms[:n] {
		val[m.tile.Name] = true
	}
	return val
}

// addTile copies a tile's image and label file and writes its mask.
func (b *Builder) addTile(ctx context.Context, dir string, projectID int64, m member, sch labels.Schema) (TileRecord, error) {
	rec := TileRecord{Name: m.tile.Name, Image: m.image.File, X: m.tile.X, Y: m.tile.Y, Width: m.tile.Width, Height: m.tile.Height}
	src := filepath.Join(b.Layout.TilesDir(projectID), m.tile.Name)
	sum, err := copyFile(src, filepath.Join(dir, "images", m.tile.Name))
	if err != nil {
		return rec, err
	}
	rec.SHA256 = sum
	lp := b.Labels.LabelPath(projectID, m.tile.Name)
	if _, err := copyFile(lp, filepath.Join(dir, "labels", filepath.Base(lp))); err != nil {
		return rec, err
	}
	lf, err := os.Open(lp)
	if err != nil {
		return rec, err
	}
	f, err := labels.ParseFile(lf, lp)
	lf.Close()
	if err != nil {
		return rec, err
	}
	mask, _ := labels.Rasterise(f, sch, m.tile.Width, m.tile.Height)
	out, err := os.Create(filepath.Join(dir, "masks", m.tile.Name))
	if err != nil {
		return rec, err
	}
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(out, mask); err != nil {
		out.Close()
		return rec, err
	}
	return rec, out.Close()
}

func copyFile(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		out.Close()
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), out.Close()
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Check says why a project cannot give a training set now, or nil.
func (b *Builder) Check(ctx context.Context, projectID int64) error {
	_, _, err := b.trainable(ctx, projectID)
	return err
}

// trainable returns a project's completed tiles and its schema, or why they
// cannot make a training set.
func (b *Builder) trainable(ctx context.Context, projectID int64) ([]member, labels.Schema, error) {
	sch, err := b.Labels.Schema(ctx, projectID)
	if err != nil {
		return nil, sch, err
	}
	if len(sch.Classes()) == 0 {
		return nil, sch, backend.Errorf(backend.EINVALID, "the project has no label classes yet: add classes and label tiles first")
	}
	ms, err := b.completed(ctx, projectID)
	if err != nil {
		return nil, sch, err
	}
	if len(ms) < 2 {
		return nil, sch, backend.Errorf(backend.EINVALID, "training needs at least 2 completed tiles, the project has %d: mark labelled tiles complete in the editor", len(ms))
	}
	return ms, sch, checkClasses(ms, sch)
}

// valFraction is the share of images kept for validation: f, or 0.2.
func valFraction(f float64) float64 {
	if f <= 0 || f >= 1 {
		return 0.2
	}
	return f
}

// maxTrainingClasses: mask values are class indices from 1, and 255 is the
// ignore index (the trainers take classes up to 253).
const maxTrainingClasses = 253

// checkClasses refuses a training set the schema cannot describe: a
// completed tile's label of a class the schema no longer has would be
// trained as background (a class renamed or removed after labelling).
func checkClasses(ms []member, sch labels.Schema) error {
	if n := len(sch.Classes()); n > maxTrainingClasses {
		return backend.Errorf(backend.EINVALID, "the project has %d label classes; training takes at most %d", n, maxTrainingClasses)
	}
	if err := sch.CheckClassNames(); err != nil {
		return err
	}
	known := map[string]bool{}
	for _, c := range sch.Classes() {
		known[c.Name] = true
	}
	var where []string
	tiles := 0
	for _, m := range ms {
		var missing []string
		for c := range m.classes {
			if !known[c] {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			tiles++
			if len(where) < 5 {
				sort.Strings(missing)
				where = append(where, fmt.Sprintf("%s (%s)", m.tile.Name, strings.Join(missing, ", ")))
			}
		}
	}
	if tiles > len(where) {
		where = append(where, "…")
	}
	if tiles > 0 {
		return backend.Errorf(backend.EINVALID, "%d completed %s labels of classes the project no longer has, which would be trained as background: %s; "+
			"give those labels a class in the editor, or add the classes back", tiles, plural(tiles, "tile has", "tiles have"), strings.Join(where, "; "))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
