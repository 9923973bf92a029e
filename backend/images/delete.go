package images

import (
	"context"
	"os"

	"github.com/tessera-lab/tessera/backend"
)

// DeleteImage removes an image: its row, tiles, viewer files and original.
func (s *Service) DeleteImage(ctx context.Context, id int64) error {
	m, err := s.Store.FindImageByID(ctx, id)
	if err != nil {
		return err
	}
	tiles, err := s.Store.AllTiles(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteImage(ctx, id); err != nil {
		return err
	}
	// The row is gone first: a crash now leaves stray files, not a broken image.
	for _, t := range tiles {
		os.Remove(s.TilePath(m.ProjectID, t))
	}
	os.RemoveAll(s.ViewerDir(m))
	os.Remove(s.OriginalPath(m))
	s.emit(backend.EventImageDeleted, m.ProjectID, map[string]int64{"image_id": id})
	return nil
}
