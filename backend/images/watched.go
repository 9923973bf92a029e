package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tessera-lab/tessera/backend"
)

// projectOf returns the project whose input_images/ holds path.
func (s *Service) projectOf(path string) (int64, bool) {
	dir := filepath.Dir(path)
	if filepath.Base(dir) != "input_images" {
		return 0, false
	}
	name := filepath.Base(filepath.Dir(dir))
	id, err := strconv.ParseInt(strings.TrimPrefix(name, "project-"), 10, 64)
	if err != nil || !strings.HasPrefix(name, "project-") || s.Layout.InputImagesDir(id) != dir {
		return 0, false
	}
	return id, true
}

// FileAppeared handles a file that settled in a project's input_images/
// without an import: copied there by hand or by another program. It is
// imported in place; a file Tessera itself put there is recognised by its
// row and left alone, and a file that came back is no longer missing.
func (s *Service) FileAppeared(ctx context.Context, path string) {
	pid, ok := s.projectOf(path)
	if !ok || !IsImageName(path) {
		return
	}
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return // gone, or a link (it could lead out of the folder)
	}
	name := filepath.Base(path)
	m, dup, err := s.adoptInPlace(ctx, pid, path, name)
	switch {
	case err != nil:
		s.Logf("images: %s: %v", path, err)
	case m != nil:
		s.enqueue(m.ID)
	case dup != 0:
		s.Logf("images: %s has the same content as image %d: not imported again", path, dup)
	}
}

func (s *Service) adoptInPlace(ctx context.Context, pid int64, path, name string) (*backend.Image, int64, error) {
	p, err := s.Store.FindProjectByID(ctx, pid)
	if err != nil {
		return nil, 0, err
	}
	sum, n, err := hashFile(path)
	if err != nil {
		return nil, 0, err
	}
	if old, err := s.Store.FindImageByFile(ctx, pid, name); err != nil || old != nil {
		switch {
		case err != nil || old.SHA256 == sum && old.State != backend.ImageMissing:
			return nil, 0, err // ours, already known as it is
		case old.SHA256 == sum:
			return nil, 0, s.restore(ctx, old)
		}
		// Rewritten in place (or caught half-copied before): take the
		// new content and tile it again.
		return s.replaceSource(ctx, p, old, path, sum, n)
	}
	if old, err := s.Store.FindImageBySHA(ctx, pid, sum); err != nil || old != nil {
		if err == nil && old.File != name && !exists(filepath.Join(filepath.Dir(path), old.File)) {
			// Its original, renamed in input_images/: the same image.
			if err := s.Store.RenameImageFile(ctx, old.ID, name); err != nil {
				return nil, 0, err
			}
			old.File = name
			return nil, 0, s.restore(ctx, old)
		}
		return nil, dupID(old), err
	}
	info, err := probeFile(path, s.limits(p))
	s.naming.Lock()
	defer s.naming.Unlock()
	if err != nil {
		// Recorded as failed, so the class sees why the file did not appear.
		m := &backend.Image{ProjectID: pid, Name: name, File: name, Bytes: n, SHA256: sum, TileSize: p.TileSize,
			Overlap: p.TileOverlap, State: backend.ImageFailed, Error: backend.ErrorMessageOrText(err)}
		if m.TilePrefix, err = s.freePrefix(ctx, pid, name); err == nil {
			if err = s.Store.CreateImage(ctx, m); err == nil {
				s.emit(backend.EventImageUpdated, pid, m)
			}
		}
		return nil, 0, err
	}
	m, dup, err := s.record(ctx, p, name, name, sum, n, info)
	if m != nil {
		s.emit(backend.EventImageUpdated, pid, m)
	}
	return m, dup, err
}

// replaceSource takes the new content of a rewritten original.
func (s *Service) replaceSource(ctx context.Context, p *backend.Project, m *backend.Image, path, sum string, n int64) (*backend.Image, int64, error) {
	info, err := probeFile(path, s.limits(p))
	if err != nil {
		m.SHA256, m.Bytes = sum, n
		if rerr := s.Store.ReplaceImageSource(ctx, m); rerr != nil {
			return nil, 0, rerr
		}
		return nil, 0, s.setState(ctx, m, backend.ImageFailed, backend.ErrorMessageOrText(err))
	}
	m.SHA256, m.Bytes, m.Format, m.Width, m.Height, m.BitDepth, m.Channels = sum, n, info.Format, info.Width, info.Height, info.BitDepth, info.Channels
	if err := s.Store.ReplaceImageSource(ctx, m); err != nil {
		return nil, 0, err
	}
	m.State, m.Error = backend.ImageQueued, ""
	s.emit(backend.EventImageUpdated, m.ProjectID, m)
	return m, 0, nil
}

// restore brings back an image whose original reappeared unchanged.
func (s *Service) restore(ctx context.Context, m *backend.Image) error {
	state := backend.ImageReady
	if m.TilesCount == 0 {
		state = backend.ImageQueued
		defer s.enqueue(m.ID)
	}
	return s.setState(ctx, m, state, "")
}

// FileRemoved marks the image of a removed original as missing; its tiles
// and labels stay.
func (s *Service) FileRemoved(ctx context.Context, path string) {
	pid, ok := s.projectOf(path)
	if !ok {
		return
	}
	m, err := s.Store.FindImageByFile(ctx, pid, filepath.Base(path))
	if err != nil || m == nil || m.State == backend.ImageMissing {
		return
	}
	if err := s.setState(ctx, m, backend.ImageMissing, "the original file was removed from input_images"); err != nil {
		s.Logf("images: mark %s missing: %v", path, err)
	}
}

// Rescan imports what appeared in input_images/ while Tessera was closed
// and marks missing what went away.
func (s *Service) Rescan(ctx context.Context, pid int64) {
	dir := s.Layout.InputImagesDir(pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	// Every regular file is present, whatever its name: an image imported
	// by path or upload keeps its own (photo.jfif, a name without an
	// extension); only image-named files count as new arrivals.
	present := map[string]bool{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		present[e.Name()] = true
		if IsImageName(e.Name()) {
			s.FileAppeared(ctx, filepath.Join(dir, e.Name()))
		}
	}
	ms, err := s.Store.AllImages(ctx, pid)
	if err != nil {
		return
	}
	for _, m := range ms {
		if !present[m.File] && m.State != backend.ImageMissing {
			s.FileRemoved(ctx, filepath.Join(dir, m.File))
		}
	}
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
