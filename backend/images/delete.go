package images

import (
	"context"
	"os"
	"path/filepath"

	"github.com/tessera-lab/tessera/backend"
)

// DeleteImage removes an image: its row, tiles, viewer files and original.
// Its tiles' label files move to annotations/.deleted/image-<id>/: kept
// (work of a class), but never read as a later image's of the same name.
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
	kept := s.Layout.DeletedLabelsDir(m.ProjectID, m.ID)
	for _, t := range tiles {
		os.Remove(s.TilePath(m.ProjectID, t))
		label := s.Layout.LabelFile(m.ProjectID, t.Name)
		if _, err := os.Lstat(label); err == nil {
			if err := os.MkdirAll(kept, 0o755); err == nil {
				err = os.Rename(label, filepath.Join(kept, filepath.Base(label)))
			}
			if err != nil {
				os.Remove(label) // never a later image's labels
			}
		}
	}
	os.RemoveAll(s.ViewerDir(m))
	os.Remove(s.OriginalPath(m))
	s.emit(backend.EventImageDeleted, m.ProjectID, map[string]int64{"image_id": id})
	return nil
}
