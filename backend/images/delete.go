package images

import (
	"context"
	"os"
	"path/filepath"
	"regexp"

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
	s.tiling.Stop(id, errImageDeleted) // a tiling in progress ends before its files are looked for
	if err := s.Store.DeleteImage(ctx, id); err != nil {
		return err
	}
	// The row is gone first: a crash now leaves stray files, not a broken
	// image. Tiles are found by name, so those of a tiling stopped before
	// it recorded them go too (a prefix is letters, digits, - _ and .).
	tiles, _ := filepath.Glob(filepath.Join(s.Layout.TilesDir(m.ProjectID), m.TilePrefix+"_r*_c*.png"))
	own := regexp.MustCompile(`^` + regexp.QuoteMeta(m.TilePrefix) + `_r\d+_c\d+\.png$`) // not prefix "a_r1"'s tiles for prefix "a"
	kept := s.Layout.DeletedLabelsDir(m.ProjectID, m.ID)
	for _, path := range tiles {
		if !own.MatchString(filepath.Base(path)) {
			continue
		}
		os.Remove(path)
		label := s.Layout.LabelFile(m.ProjectID, filepath.Base(path))
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
