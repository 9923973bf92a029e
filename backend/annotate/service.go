// Package annotate keeps a project's label classes and its tiles' labels:
// django-labeller files in annotations/, indexed in the database, imported
// from and exported to the formats people already use.
package annotate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/labels"
)

// Store is the part of the database the service uses.
type Store interface {
	FindProjectByID(ctx context.Context, id int64) (*backend.Project, error)
	LabelSchema(ctx context.Context, projectID int64) (string, error)
	SetLabelSchema(ctx context.Context, projectID int64, schema string) error
	FindAnnotation(ctx context.Context, projectID int64, tile string) (*backend.Annotation, error)
	SaveAnnotation(ctx context.Context, a *backend.Annotation, baseRevision int64, seconds float64) (int64, error)
	FindAnnotations(ctx context.Context, projectID int64) ([]*backend.Annotation, error)
	AnnotationTime(ctx context.Context, projectID int64) ([]backend.UserEffort, error)
	ImageTileCounts(ctx context.Context, projectID int64) ([]backend.ImageProgress, error)
	FindImageByID(ctx context.Context, id int64) (*backend.Image, error)
	AllTiles(ctx context.Context, imageID int64) ([]*backend.Tile, error)
	AllImages(ctx context.Context, projectID int64) ([]*backend.Image, error)
	FindTileByID(ctx context.Context, id int64) (*backend.Tile, error)
	FindTileByName(ctx context.Context, projectID int64, name string) (*backend.Tile, error)
	FindTileAt(ctx context.Context, imageID int64, row, col int) (*backend.Tile, error)
}

// Service implements labelling.
type Service struct {
	Store   Store
	Layout  backend.Layout
	Emitter backend.Emitter // may be nil
	// Now is the clock of who has which tile open; nil means time.Now.
	Now func() time.Time

	saves tileLocks
	open  openTiles
}

func (s *Service) emit(typ string, projectID int64, data any) {
	if s.Emitter != nil {
		s.Emitter.Emit(backend.Event{Type: typ, ProjectID: projectID, Data: data, Time: time.Now().UTC()})
	}
}

// TileStem is a tile's name without its extension: the label file of tile
// a_r000_c001.png is a_r000_c001__labels.json.
func TileStem(tileName string) string { return strings.TrimSuffix(tileName, filepath.Ext(tileName)) }

// LabelPath is the label file of a tile.
func (s *Service) LabelPath(projectID int64, tileName string) string {
	return s.Layout.LabelFile(projectID, tileName)
}

// Schema returns a project's label classes (none for a new project).
func (s *Service) Schema(ctx context.Context, projectID int64) (labels.Schema, error) {
	raw, err := s.Store.LabelSchema(ctx, projectID)
	if err != nil || raw == "" {
		return labels.Schema{}, err
	}
	return labels.ParseSchema(strings.NewReader(raw))
}

// SetSchema replaces a project's label classes; it also writes them as
// annotations/schema.json for django-labeller.
func (s *Service) SetSchema(ctx context.Context, projectID int64, sch labels.Schema) error {
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return err
	}
	if err := sch.Validate(); err != nil {
		return err
	}
	if err := sch.CheckClassNames(); err != nil {
		return err
	}
	raw, err := sch.MarshalJSON()
	if err != nil {
		return err
	}
	if err := s.Store.SetLabelSchema(ctx, projectID, string(raw)); err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := jsonIndent(&pretty, raw); err != nil {
		return err
	}
	dir := s.Layout.AnnotationsDir(projectID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := labels.WriteAtomic(filepath.Join(dir, "schema.json"), pretty.Bytes()); err != nil {
		return err
	}
	s.emit(backend.EventProjectUpdated, projectID, map[string]string{"changed": "schema"})
	return nil
}
