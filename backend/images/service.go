// Package images brings originals into a project — from paths, uploads and
// the watched input_images/ folder — and tiles them in the background.
package images

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/tiling"
)

// Store is the part of the database the service uses.
type Store interface {
	FindProjectByID(ctx context.Context, id int64) (*backend.Project, error)
	CreateImage(ctx context.Context, m *backend.Image) error
	FindImageByID(ctx context.Context, id int64) (*backend.Image, error)
	FindImageBySHA(ctx context.Context, projectID int64, sha256 string) (*backend.Image, error)
	FindImageByFile(ctx context.Context, projectID int64, file string) (*backend.Image, error)
	FindImages(ctx context.Context, projectID int64, offset, limit int) ([]*backend.Image, int, error)
	FindImagesInState(ctx context.Context, states ...string) ([]*backend.Image, error)
	TilePrefixTaken(ctx context.Context, projectID int64, prefix string) (bool, error)
	SetImageState(ctx context.Context, id int64, state, reason string) error
	RenameImageFile(ctx context.Context, id int64, file string) error
	ReplaceImageSource(ctx context.Context, m *backend.Image) error
	FinishTiling(ctx context.Context, m *backend.Image, tiles []backend.Tile) error
	DeleteImage(ctx context.Context, id int64) error
	FindTiles(ctx context.Context, imageID int64, offset, limit int) ([]*backend.Tile, int, error)
	AllTiles(ctx context.Context, imageID int64) ([]*backend.Tile, error)
	AllImages(ctx context.Context, projectID int64) ([]*backend.Image, error)
	FindTileByID(ctx context.Context, id int64) (*backend.Tile, error)
}

// Service imports and tiles images.
type Service struct {
	Store   Store
	Layout  backend.Layout
	Emitter backend.Emitter // may be nil
	// Limits caps every decode; a project's MaxPixels lowers or raises
	// the pixel cap for its images.
	Limits tiling.Limits
	Logf   func(format string, args ...any)
	// ProgressEvery spaces image.progress events.
	ProgressEvery time.Duration

	// naming makes choosing a file name and tile prefix and recording the
	// image one step, so that two imports of one name at once get two.
	naming sync.Mutex

	tiling backend.Inflight[int64] // images being tiled now, for DeleteImage to stop

	mu              sync.Mutex
	queue           []int64
	queued          map[int64]bool
	tilingProject   map[int64]int64 // the project of each image in tiling
	deletedProjects map[int64]bool  // projects StopProject stopped: none of their images is tiled again
	wake            chan struct{}
	running         sync.WaitGroup
}

// New returns a service with default limits.
func New(st Store, layout backend.Layout, em backend.Emitter) *Service {
	return &Service{Store: st, Layout: layout, Emitter: em, Limits: tiling.DefaultLimits(),
		Logf: func(string, ...any) {}, ProgressEvery: 200 * time.Millisecond,
		queued: map[int64]bool{}, tilingProject: map[int64]int64{}, deletedProjects: map[int64]bool{}, wake: make(chan struct{}, 1)}
}

func (s *Service) emit(typ string, projectID int64, data any) {
	if s.Emitter != nil {
		s.Emitter.Emit(backend.Event{Type: typ, ProjectID: projectID, Data: data, Time: time.Now().UTC()})
	}
}

// ViewerDir holds an image's thumbnail and deep-zoom pyramid.
func (s *Service) ViewerDir(m *backend.Image) string {
	return filepath.Join(s.Layout.ProjectDir(m.ProjectID), ".viewer", "image-"+itoa(m.ID))
}

// ThumbnailPath is the image's JPEG thumbnail.
func (s *Service) ThumbnailPath(m *backend.Image) string {
	return filepath.Join(s.ViewerDir(m), "thumbnail.jpg")
}

// PyramidDir holds <level>/<col>_<row>.jpg.
func (s *Service) PyramidDir(m *backend.Image) string {
	return filepath.Join(s.ViewerDir(m), "pyramid")
}

// OriginalPath is the image's file in input_images/.
func (s *Service) OriginalPath(m *backend.Image) string {
	return filepath.Join(s.Layout.InputImagesDir(m.ProjectID), m.File)
}

// TilePath is a tile's PNG in tiles/.
func (s *Service) TilePath(projectID int64, t *backend.Tile) string {
	return filepath.Join(s.Layout.TilesDir(projectID), t.Name)
}

// limits returns the decode caps for a project.
func (s *Service) limits(p *backend.Project) tiling.Limits {
	l := s.Limits
	if p.MaxPixels > 0 {
		l.MaxPixels = p.MaxPixels
	}
	return l
}

// Images returns a page of a project's images.
func (s *Service) Images(ctx context.Context, projectID int64, offset, limit int) ([]*backend.Image, int, error) {
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return nil, 0, err
	}
	return s.Store.FindImages(ctx, projectID, offset, limit)
}
