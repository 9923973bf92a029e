package annotate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/labels"
)

// TaskFinished is the completed task that marks a tile complete, as
// django-labeller maps its legacy "complete": true.
const TaskFinished = "finished"

// TileLabels is a tile with its labels, for the editor.
type TileLabels struct {
	Tile       *backend.Tile  `json:"tile"`
	Image      *backend.Image `json:"image"`
	Labels     *labels.File   `json:"labels"`
	Revision   int64          `json:"revision"`
	Complete   bool           `json:"complete"`
	Problems   []Problem      `json:"problems"`
	Neighbours Neighbours     `json:"neighbours"`
	// OpenBy are the other people who have the tile open in the editor now
	// (OpenTileLabels); empty otherwise.
	OpenBy []string `json:"open_by"`
}

// Neighbours are the tiles around one: prev/next in reading order, and the
// adjacent ones for context.
type Neighbours struct {
	Prev  *int64 `json:"prev"`
	Next  *int64 `json:"next"`
	Left  *int64 `json:"left"`
	Right *int64 `json:"right"`
	Up    *int64 `json:"up"`
	Down  *int64 `json:"down"`
}

// SaveResult is what a save returns.
type SaveResult struct {
	Revision int64     `json:"revision"`
	Complete bool      `json:"complete"`
	Problems []Problem `json:"problems"`
}

// Problem is a label left out of masks, and why.
type Problem struct {
	Label    int    `json:"label"`
	ObjectID string `json:"object_id"`
	Class    string `json:"class"`
	Reason   string `json:"reason"`
}

// readLabels reads a tile's label file; a tile never labelled has an
// empty one.
func (s *Service) readLabels(projectID int64, tileName string) (*labels.File, error) {
	path := s.LabelPath(projectID, tileName)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &labels.File{ImageFilename: tileName, CompletedTasks: []string{}, Labels: []labels.Label{}}, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	return labels.ParseFile(f, "annotations/"+TileStem(tileName)+"__labels.json")
}

// TileLabels returns a tile, its image, its labels and its neighbours.
func (s *Service) TileLabels(ctx context.Context, tileID int64) (*TileLabels, error) {
	t, err := s.Store.FindTileByID(ctx, tileID)
	if err != nil {
		return nil, err
	}
	m, err := s.Store.FindImageByID(ctx, t.ImageID)
	if err != nil {
		return nil, err
	}
	f, err := s.readLabels(m.ProjectID, t.Name)
	if err != nil {
		return nil, err
	}
	a, err := s.Store.FindAnnotation(ctx, m.ProjectID, t.Name)
	if err != nil {
		return nil, err
	}
	sch, err := s.Schema(ctx, m.ProjectID)
	if err != nil {
		return nil, err
	}
	_, problems := labels.Rasterise(f, sch, t.Width, t.Height)
	tl := &TileLabels{Tile: t, Image: m, Labels: f, Revision: a.Revision, Complete: slices.Contains(f.CompletedTasks, TaskFinished),
		Problems: nonNil(problems), OpenBy: []string{}}
	tl.Neighbours, err = s.neighbours(ctx, m, t)
	return tl, err
}

func nonNil(ps []labels.Problem) []Problem {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		out[i] = Problem{Label: p.Label, ObjectID: p.ObjectID, Class: p.Class, Reason: p.Reason}
	}
	return out
}

func (s *Service) neighbours(ctx context.Context, m *backend.Image, t *backend.Tile) (Neighbours, error) {
	var n Neighbours
	at := func(row, col int) (*int64, error) {
		x, err := s.Store.FindTileAt(ctx, m.ID, row, col)
		if x == nil || err != nil {
			return nil, err
		}
		return &x.ID, nil
	}
	var err error
	steps := []struct {
		dst      **int64
		row, col int
	}{{&n.Left, t.Row, t.Col - 1}, {&n.Right, t.Row, t.Col + 1}, {&n.Up, t.Row - 1, t.Col}, {&n.Down, t.Row + 1, t.Col}}
	for _, st := range steps {
		if *st.dst, err = at(st.row, st.col); err != nil {
			return n, err
		}
	}
	n.Prev, n.Next = n.Left, n.Right
	if n.Prev == nil && t.Row > 0 { // the end of the row above
		if n.Prev, err = at(t.Row-1, columns(m)-1); err != nil {
			return n, err
		}
	}
	if n.Next == nil {
		if n.Next, err = at(t.Row+1, 0); err != nil {
			return n, err
		}
	}
	return n, nil
}

// columns is the number of tile columns of an image.
func columns(m *backend.Image) int {
	stride := m.TileSize - m.Overlap
	if stride <= 0 || m.Width <= m.TileSize {
		return 1
	}
	return 1 + (m.Width-m.TileSize+stride-1)/stride
}

// SaveTileLabels writes a tile's labels (atomically) if baseRevision is
// still the stored revision, records who edited it and for how long, and
// tells the UIs.
func (s *Service) SaveTileLabels(ctx context.Context, user string, tileID int64, f *labels.File, baseRevision int64, editSeconds float64) (*SaveResult, error) {
	t, err := s.Store.FindTileByID(ctx, tileID)
	if err != nil {
		return nil, err
	}
	m, err := s.Store.FindImageByID(ctx, t.ImageID)
	if err != nil {
		return nil, err
	}
	if editSeconds < 0 || editSeconds > 3600 {
		return nil, backend.Errorf(backend.EINVALID, "edit_seconds must be between 0 and 3600, not %g", editSeconds)
	}
	return s.save(ctx, m, t, f, user, &baseRevision, editSeconds)
}

// save writes the file first, then the index: a crash between the two
// leaves a newer file than its index says, never lost labels. Saves of one
// tile take turns, so that of two saves of the same revision the second is
// refused before it writes the file.
func (s *Service) save(ctx context.Context, m *backend.Image, t *backend.Tile, f *labels.File, user string, baseRevision *int64, seconds float64) (*SaveResult, error) {
	defer s.saves.lock(fmt.Sprintf("%d/%s", m.ProjectID, t.Name))()
	cur, err := s.Store.FindAnnotation(ctx, m.ProjectID, t.Name)
	if err != nil {
		return nil, err
	}
	if baseRevision == nil {
		baseRevision = &cur.Revision
	} else if *baseRevision != cur.Revision {
		return nil, backend.Errorf(backend.ECONFLICT, "tile %s was saved by someone else meanwhile (revision %d, yours was %d): reload it", t.Name, cur.Revision, *baseRevision)
	}
	sch, err := s.Schema(ctx, m.ProjectID)
	if err != nil {
		return nil, err
	}
	f.ImageFilename = t.Name
	if f.CompletedTasks == nil {
		f.CompletedTasks = []string{}
	}
	_, problems := labels.Rasterise(f, sch, t.Width, t.Height)
	if err := os.MkdirAll(s.Layout.AnnotationsDir(m.ProjectID), 0o755); err != nil {
		return nil, err
	}
	if err := labels.WriteFile(s.LabelPath(m.ProjectID, t.Name), f); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, l := range f.Labels {
		counts[l.Class]++
	}
	cj, _ := json.Marshal(counts)
	a := &backend.Annotation{ProjectID: m.ProjectID, TileName: t.Name, ImageID: m.ID, Labels: len(f.Labels),
		Complete: slices.Contains(f.CompletedTasks, TaskFinished), Classes: string(cj), EditedBy: user}
	rev, err := s.Store.SaveAnnotation(ctx, a, *baseRevision, seconds)
	if err != nil {
		return nil, err
	}
	s.emit(backend.EventLabelsUpdated, m.ProjectID, map[string]any{"tile_id": t.ID, "image_id": m.ID, "revision": rev,
		"complete": a.Complete, "labels": a.Labels, "user": user})
	return &SaveResult{Revision: rev, Complete: a.Complete, Problems: nonNil(problems)}, nil
}
