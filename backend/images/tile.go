package images

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/tiling"
)

// Viewer settings: a 256-px JPEG pyramid loads fast and a 256-px thumbnail
// is plenty for the grid.
const (
	PyramidTileSize = 256
	ThumbnailSide   = 256
)

// TileImage decodes an image, writes its tiles, thumbnail and pyramid and
// records them. A failure is stored on the image (state failed, with the
// reason) and also returned. progress, if set, hears tiling progress; the
// UIs hear it as image.progress events.
func (s *Service) TileImage(ctx context.Context, id int64, progress func(done, total int)) error {
	m, err := s.Store.FindImageByID(ctx, id)
	if err != nil {
		return err
	}
	if m.State == backend.ImageMissing {
		return nil
	}
	p, err := s.Store.FindProjectByID(ctx, m.ProjectID)
	if err != nil {
		return err
	}
	ctx, done, err := s.startTiling(ctx, m)
	if err != nil {
		return err
	}
	defer done()
	if err := s.setState(ctx, m, backend.ImageTiling, ""); err != nil {
		return err
	}
	err = s.tile(ctx, p, m, progress)
	if err != nil {
		if c := context.Cause(ctx); c == errImageDeleted || c == errProjectDeleted {
			return err // DeleteImage (or the project's deletion) removes what it wrote
		}
		if ctx.Err() != nil {
			// The app is closing: queued again, so that an image still
			// "tiling" at the next start means the app died tiling it.
			if serr := s.setState(context.WithoutCancel(ctx), m, backend.ImageQueued, ""); serr != nil {
				s.Logf("images: put %s back in the queue: %v", m.Name, serr)
			}
			return err
		}
		reason := backend.ErrorMessageOrText(err)
		if serr := s.setState(context.WithoutCancel(ctx), m, backend.ImageFailed, reason); serr != nil {
			return serr
		}
		return fmt.Errorf("%s: %w", m.Name, err)
	}
	m, err = s.Store.FindImageByID(ctx, id)
	if err != nil {
		return err
	}
	s.emit(backend.EventImageUpdated, m.ProjectID, m)
	return nil
}

// errImageDeleted stops the tiling of an image being deleted;
// errProjectDeleted those of a project's images.
var (
	errImageDeleted   = errors.New("the image is being deleted")
	errProjectDeleted = errors.New("the project is being deleted")
)

// startTiling registers m's tiling, for DeleteImage and StopProject to stop;
// a project being deleted starts none. The same image tiled twice at once
// is not stoppable the second time.
func (s *Service) startTiling(ctx context.Context, m *backend.Image) (context.Context, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deletedProjects[m.ProjectID] {
		return nil, nil, backend.Errorf(backend.ENOTFOUND, "project %d not found", m.ProjectID)
	}
	ctx, done, ok := s.tiling.Start(ctx, m.ID)
	if !ok {
		return ctx, done, nil
	}
	s.tilingProject[m.ID] = m.ProjectID
	return ctx, func() {
		s.mu.Lock()
		delete(s.tilingProject, m.ID)
		s.mu.Unlock()
		done()
	}, nil
}

// StopProject stops the tilings of a project being deleted and waits for
// their end, so that none writes into its folder as it is removed; none
// starts after. Call it once the project's row is gone (project ids are
// never used again).
func (s *Service) StopProject(projectID int64) {
	s.mu.Lock()
	s.deletedProjects[projectID] = true
	var ids []int64
	for id, pid := range s.tilingProject {
		if pid == projectID {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.tiling.Stop(id, errProjectDeleted)
	}
}

func (s *Service) setState(ctx context.Context, m *backend.Image, state, reason string) error {
	if err := s.Store.SetImageState(ctx, m.ID, state, reason); err != nil {
		return err
	}
	m.State, m.Error, m.UpdatedAt = state, reason, time.Now().UTC()
	s.emit(backend.EventImageUpdated, m.ProjectID, m)
	return nil
}

func (s *Service) tile(ctx context.Context, p *backend.Project, m *backend.Image, progress func(done, total int)) error {
	img, info, err := tiling.Decode(s.OriginalPath(m), s.limits(p))
	if err != nil {
		return err
	}
	m.Format, m.Width, m.Height, m.BitDepth, m.Channels = info.Format, info.Width, info.Height, info.BitDepth, info.Channels
	var stretch *tiling.Stretch
	m.Stretch = ""
	if info.BitDepth > 8 {
		st := tiling.ComputeStretch(img)
		stretch = &st
		b, _ := json.Marshal(st)
		m.Stretch = string(b)
	}

	// One progress bar over the tiles and the viewer's pyramid, whose
	// lower levels take a while on a large image too.
	report := s.throttle(m, progress)
	nTiles := len(tiling.TileGrid(m.Width, m.Height, m.TileSize, m.Overlap))
	nPyr := tiling.NewPyramid(m.Width, m.Height, PyramidTileSize).Tiles()
	total := nTiles + nPyr
	tiles, err := tiling.WriteTiles(ctx, img, tiling.TileOptions{Size: m.TileSize, Overlap: m.Overlap, Channels: info.Channels,
		Dir: s.Layout.TilesDir(m.ProjectID), Prefix: m.TilePrefix}, func(done, _ int) { report(done, total) })
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.ViewerDir(m), 0o755); err != nil {
		return err
	}
	if err := tiling.WriteThumbnail(img, stretch, ThumbnailSide, s.ThumbnailPath(m)); err != nil {
		return fmt.Errorf("thumbnail: %w", err)
	}
	pyr, err := tiling.WritePyramid(ctx, img, stretch, s.PyramidDir(m), PyramidTileSize,
		func(done, _ int) { report(nTiles+done, total) })
	if err != nil {
		return fmt.Errorf("pyramid: %w", err)
	}
	m.Pyramid = &backend.Pyramid{TileSize: pyr.TileSize, Levels: pyr.Levels, Format: "jpg"}
	rows := make([]backend.Tile, len(tiles))
	for i, t := range tiles {
		rows[i] = backend.Tile{ImageID: m.ID, Row: t.Row, Col: t.Col, X: t.X, Y: t.Y, Width: t.W, Height: t.H, Name: t.File}
	}
	if err := makeDurable(s.Layout.TilesDir(m.ProjectID)); err != nil {
		return fmt.Errorf("flush the tiles to disk: %w", err)
	}
	return s.Store.FinishTiling(ctx, m, rows)
}

// throttle passes every progress report to progress and at most one per
// ProgressEvery (and the last) to the UIs.
func (s *Service) throttle(m *backend.Image, progress func(done, total int)) func(done, total int) {
	var mu sync.Mutex
	var last time.Time
	return func(done, total int) {
		if progress != nil {
			progress(done, total)
		}
		mu.Lock()
		now := time.Now()
		due := done == total || now.Sub(last) >= s.ProgressEvery
		if due {
			last = now
		}
		mu.Unlock()
		if due {
			s.emit(backend.EventImageProgress, m.ProjectID, backend.TilingProgress{ImageID: m.ID, Done: done, Total: total})
		}
	}
}

// crashedWhileTiling is the reason given to an image the app died tiling.
const crashedWhileTiling = "Tessera stopped while tiling this image, perhaps for want of memory: try again, or import a smaller file"

// RetryImage queues a failed image for tiling again.
func (s *Service) RetryImage(ctx context.Context, id int64) (*backend.Image, error) {
	m, err := s.Store.FindImageByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.State != backend.ImageFailed {
		return nil, backend.Errorf(backend.EINVALID, "image %s is %s: only a failed image is tried again", m.Name, m.State)
	}
	if err := s.setState(ctx, m, backend.ImageQueued, ""); err != nil {
		return nil, err
	}
	queued := *m // as it was queued: the tiler may take it up at once
	s.enqueue(m.ID)
	return &queued, nil
}
