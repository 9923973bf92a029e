package annotate

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/labels"
)

// Export formats and granularities.
const (
	FormatDjangoLabeller = "django-labeller"
	FormatMasks          = "masks"
	FormatCOCO           = "coco"
	PerTile              = "tile"
	PerImage             = "image"
)

// Sink receives an export's files: a folder (CLI) or a zip (API).
type Sink interface {
	Create(name string) (io.WriteCloser, error)
}

// DirSink writes into a folder; names never leave it.
type DirSink string

func (d DirSink) Create(name string) (io.WriteCloser, error) {
	p, err := backend.SafeJoin(string(d), name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	return os.Create(p)
}

// ZipSink writes into a zip archive. Its entries are dated Modified, or
// the time they are written when that is zero (zip.Writer.Create would
// leave them at 1980).
type ZipSink struct {
	W        *zip.Writer
	Modified time.Time
}

func (z ZipSink) Create(name string) (io.WriteCloser, error) {
	mod := z.Modified
	if mod.IsZero() {
		mod = time.Now()
	}
	w, err := z.W.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
	return nopCloser{w}, err
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// ExportSummary says what an export wrote.
type ExportSummary struct {
	Format string `json:"format"`
	Per    string `json:"per"`
	Files  int    `json:"files"`
	Items  int    `json:"items"` // tiles or images
	// CompleteOnly: only tiles marked complete (per image: only images all
	// of whose tiles are) were exported; Skipped counts those left out.
	CompleteOnly bool     `json:"complete_only"`
	Skipped      int      `json:"skipped"`
	Problems     []string `json:"problems"`
}

// ExportOptions say what an export writes.
type ExportOptions struct {
	Format string // FormatDjangoLabeller, FormatMasks or FormatCOCO
	Per    string // PerTile or PerImage
	// CompleteOnly leaves out tiles not marked complete: their masks would
	// be all background where nobody labelled yet, which looks like ground
	// truth. Per image, an image goes only when all its tiles are complete.
	CompleteOnly bool
}

// unit is one exported item: a tile, or a whole image with its tiles' labels merged.
type unit struct {
	name   string // file stem
	file   string // the image file the labels belong to
	w, h   int
	id     int64
	labels *labels.File
}

// maxPreviewPixels bounds a colour preview in a mask export.
const maxPreviewPixels = 64 << 20

// Export writes a project's labels in a format, per tile or per image:
// every tile, complete or not (ExportWith can leave incomplete ones out).
func (s *Service) Export(ctx context.Context, projectID int64, format, per string, dst Sink) (*ExportSummary, error) {
	return s.ExportWith(ctx, projectID, ExportOptions{Format: format, Per: per}, dst)
}

// ExportWith writes a project's labels as opts say.
func (s *Service) ExportWith(ctx context.Context, projectID int64, opts ExportOptions, dst Sink) (*ExportSummary, error) {
	format, per := opts.Format, opts.Per
	switch format {
	case FormatDjangoLabeller, FormatMasks, FormatCOCO:
	default:
		return nil, backend.Errorf(backend.EINVALID, "unknown export format %q: use django-labeller, masks or coco", format)
	}
	if per != PerTile && per != PerImage {
		return nil, backend.Errorf(backend.EINVALID, "export per %q: use tile or image", per)
	}
	sch, err := s.Schema(ctx, projectID)
	if err != nil {
		return nil, err
	}
	units, skipped, err := s.units(ctx, projectID, per, opts.CompleteOnly)
	if err != nil {
		return nil, err
	}
	sum := &ExportSummary{Format: format, Per: per, Items: len(units), CompleteOnly: opts.CompleteOnly, Skipped: skipped, Problems: []string{}}
	put := func(name string, write func(io.Writer) error) error {
		w, err := dst.Create(name)
		if err != nil {
			return err
		}
		if err := write(w); err != nil {
			w.Close()
			return fmt.Errorf("export %s: %w", name, err)
		}
		sum.Files++
		return w.Close()
	}
	raw, _ := sch.MarshalJSON()
	if err := put("schema.json", func(w io.Writer) error { _, err := w.Write(raw); return err }); err != nil {
		return nil, err
	}
	switch format {
	case FormatDjangoLabeller:
		for _, u := range units {
			if err := put(u.name+"__labels.json", func(w io.Writer) error { return writeJSONFile(w, u.labels) }); err != nil {
				return nil, err
			}
		}
	case FormatMasks:
		if err := put("classes.json", func(w io.Writer) error { return classTable(w, sch) }); err != nil {
			return nil, err
		}
		for _, u := range units {
			mask, problems := labels.Rasterise(u.labels, sch, u.w, u.h)
			for _, p := range problems {
				sum.Problems = append(sum.Problems, u.name+": "+p.String())
			}
			if err := put("masks/"+u.name+".png", func(w io.Writer) error { return encodePNG(w, mask) }); err != nil {
				return nil, err
			}
			if u.w*u.h > maxPreviewPixels { // 4 bytes a pixel: not for a whole slide
				sum.Problems = append(sum.Problems, fmt.Sprintf("%s: no colour preview (%d×%d is over %d megapixels)", u.name, u.w, u.h, maxPreviewPixels>>20))
				continue
			}
			preview := labels.ColourPreview(mask, sch, "default")
			if err := put("previews/"+u.name+".png", func(w io.Writer) error { return encodePNG(w, preview) }); err != nil {
				return nil, err
			}
		}
	case FormatCOCO:
		imgs := make([]labels.COCOImage, len(units))
		for i, u := range units {
			imgs[i] = labels.COCOImage{ID: u.id, FileName: u.file, W: u.w, H: u.h, Labels: u.labels}
		}
		data, err := labels.COCO(imgs, sch)
		if err != nil {
			return nil, err
		}
		if err := put("annotations.json", func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

func encodePNG(w io.Writer, img image.Image) error {
	return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
}

func writeJSONFile(w io.Writer, f *labels.File) error {
	data, err := f.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// classTable maps mask values to classes: 0 is background.
func classTable(w io.Writer, sch labels.Schema) error {
	type entry struct {
		Value  int      `json:"value"`
		Name   string   `json:"name"`
		Label  string   `json:"label"`
		Colour [3]uint8 `json:"colour"`
	}
	out := []entry{{Value: 0, Name: "background", Label: "Background"}}
	for i, c := range sch.Classes() {
		out = append(out, entry{Value: i + 1, Name: c.Name, Label: c.HumanName, Colour: c.Colour("default")})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// units lists what an export covers: every tile of every image, or every
// image with its tiles' labels merged back onto it; with completeOnly only
// tiles marked complete, or images all of whose tiles are. skipped counts
// the tiles (or images) left out.
func (s *Service) units(ctx context.Context, projectID int64, per string, completeOnly bool) (out []unit, skipped int, err error) {
	err = s.eachImage(ctx, projectID, func(m *backend.Image, tiles []*backend.Tile) error {
		merged := map[labels.TileRect]*labels.File{}
		whole := true
		for _, t := range tiles {
			f, err := s.readLabels(projectID, t.Name)
			if err != nil {
				return err
			}
			if completeOnly && !slices.Contains(f.CompletedTasks, TaskFinished) {
				whole = false
				if per == PerTile {
					skipped++
				}
				continue
			}
			if per == PerTile {
				out = append(out, unit{name: TileStem(t.Name), file: t.Name, w: t.Width, h: t.Height, id: t.ID, labels: f})
				continue
			}
			merged[labels.TileRect{Name: t.Name, X: t.X, Y: t.Y, W: t.Width, H: t.Height}] = f
		}
		if per == PerImage && !whole {
			skipped++
		} else if per == PerImage {
			f := labels.MergeFromTiles(merged)
			f.ImageFilename = m.File
			out = append(out, unit{name: strings.TrimSuffix(m.File, filepath.Ext(m.File)), file: m.File, w: m.Width, h: m.Height, id: m.ID, labels: f})
		}
		return nil
	})
	return out, skipped, err
}

// eachImage calls fn for every tiled image of a project with all its tiles.
func (s *Service) eachImage(ctx context.Context, projectID int64, fn func(*backend.Image, []*backend.Tile) error) error {
	ms, err := s.Store.AllImages(ctx, projectID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		tiles, err := s.Store.AllTiles(ctx, m.ID)
		if err != nil {
			return err
		}
		if len(tiles) == 0 {
			continue
		}
		if err := fn(m, tiles); err != nil {
			return err
		}
	}
	return nil
}
