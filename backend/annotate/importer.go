package annotate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/labels"
)

// LabelImport says what became of each label file of an import.
type LabelImport struct {
	Imported []ImportedLabels `json:"imported"`
	Failed   []LabelFailure   `json:"failed"`
	Problems []LabelFailure   `json:"problems"`
}

// ImportedLabels is one label file that landed, on a tile or on a whole
// image (then cut into its tiles).
type ImportedLabels struct {
	Path   string `json:"path"`
	Target string `json:"target"` // "tile" or "image"
	Name   string `json:"name"`
	Labels int    `json:"labels"`
	Tiles  int    `json:"tiles"`
}

// LabelFailure names a file and what is wrong with it.
type LabelFailure struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

const labelSuffix = "__labels.json"

// ImportLabels reads django-labeller label files named <name>__labels.json
// (files or folders of them) and puts their labels on the project's tile
// or image of that name. Labels already on a tile stay; an imported label
// whose object_id the tile already has is skipped. A malformed file is
// reported with its path and position; a label of an unknown class is
// reported, kept, and left out of masks.
func (s *Service) ImportLabels(ctx context.Context, projectID int64, user string, paths []string) (*LabelImport, error) {
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return nil, err
	}
	sch, err := s.Schema(ctx, projectID)
	if err != nil {
		return nil, err
	}
	res := &LabelImport{Imported: []ImportedLabels{}, Failed: []LabelFailure{}, Problems: []LabelFailure{}}
	for _, p := range paths {
		files, err := labelFiles(p)
		if err != nil {
			res.Failed = append(res.Failed, LabelFailure{Path: p, Error: err.Error()})
			continue
		}
		for _, path := range files {
			got, err := s.importFile(ctx, projectID, user, path, sch, res)
			if err != nil {
				res.Failed = append(res.Failed, LabelFailure{Path: path, Error: backend.ErrorMessageOrText(err)})
				continue
			}
			res.Imported = append(res.Imported, *got)
		}
	}
	return res, nil
}

func labelFiles(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(d.Name(), labelSuffix) {
			out = append(out, p)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

func (s *Service) importFile(ctx context.Context, projectID int64, user, path string, sch labels.Schema, res *LabelImport) (*ImportedLabels, error) {
	base := filepath.Base(path)
	if !strings.HasSuffix(base, labelSuffix) {
		return nil, backend.Errorf(backend.EINVALID, "a label file must be named <image>%s", labelSuffix)
	}
	stem := strings.TrimSuffix(base, labelSuffix)
	r, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	f, err := labels.ParseFile(r, path)
	r.Close()
	if err != nil {
		return nil, err
	}
	if t, err := s.Store.FindTileByName(ctx, projectID, stem+".png"); err == nil {
		n, err := s.addToTile(ctx, projectID, user, t, f, path, sch, res)
		return &ImportedLabels{Path: path, Target: "tile", Name: t.Name, Labels: n, Tiles: 1}, err
	}
	m, err := s.imageByStem(ctx, projectID, stem)
	if err != nil {
		return nil, err
	}
	tiles, err := s.Store.AllTiles(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if len(tiles) == 0 {
		return nil, backend.Errorf(backend.EINVALID, "image %s has no tiles yet: import the labels once it is tiled", m.Name)
	}
	rects := make([]labels.TileRect, len(tiles))
	for i, t := range tiles {
		rects[i] = labels.TileRect{Name: t.Name, X: t.X, Y: t.Y, W: t.Width, H: t.Height}
	}
	cut := labels.CutToTiles(f, rects)
	got := &ImportedLabels{Path: path, Target: "image", Name: m.File, Labels: len(f.Labels)}
	for _, t := range tiles {
		part := cut[t.Name]
		if part == nil || len(part.Labels) == 0 {
			continue
		}
		if _, err := s.addToTile(ctx, projectID, user, t, part, path, sch, res); err != nil {
			return nil, err
		}
		got.Tiles++
	}
	return got, nil
}

// addToTile appends labels to a tile's file (skipping object ids it has)
// and reports labels of unknown classes.
func (s *Service) addToTile(ctx context.Context, projectID int64, user string, t *backend.Tile, in *labels.File, path string, sch labels.Schema, res *LabelImport) (int, error) {
	m, err := s.Store.FindImageByID(ctx, t.ImageID)
	if err != nil {
		return 0, err
	}
	cur, err := s.readLabels(projectID, t.Name)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, l := range cur.Labels {
		have[l.ObjectID] = true
	}
	n := 0
	for i, l := range in.Labels {
		if l.ObjectID != "" && have[l.ObjectID] {
			continue
		}
		if _, ok := sch.ClassIndex(l.Class); !ok && l.Class != "" {
			res.Problems = append(res.Problems, LabelFailure{Path: path,
				Error: fmt.Sprintf("label %d (%s): class %q is not in the schema; kept, left out of masks", i, l.ObjectID, l.Class)})
		}
		cur.Labels = append(cur.Labels, l)
		n++
	}
	for _, task := range in.CompletedTasks {
		if !slices.Contains(cur.CompletedTasks, task) {
			cur.CompletedTasks = append(cur.CompletedTasks, task)
		}
	}
	_, err = s.save(ctx, m, t, cur, user, nil, 0)
	return n, err
}

func (s *Service) imageByStem(ctx context.Context, projectID int64, stem string) (*backend.Image, error) {
	ms, err := s.Store.AllImages(ctx, projectID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if strings.TrimSuffix(m.File, filepath.Ext(m.File)) == stem || strings.TrimSuffix(m.Name, filepath.Ext(m.Name)) == stem {
			return m, nil
		}
	}
	return nil, backend.Errorf(backend.ENOTFOUND, "no image or tile of this project is named %s", stem)
}
