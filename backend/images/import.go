package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/tiling"
	"github.com/tessera-lab/tessera/backend/watch"
)

// imageExts are the extensions a folder walk picks up. A file named on its
// own is always tried, whatever its name.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".tif": true, ".tiff": true,
	".bmp": true, ".webp": true}

// IsImageName reports whether a file name has an image extension and is
// neither hidden nor temporary.
func IsImageName(name string) bool {
	return imageExts[strings.ToLower(filepath.Ext(name))] && !watch.Ignored(name)
}

// ImportPaths imports files and folders (recursively) into a project: each
// original is copied into input_images/, never moved or altered; a file
// whose content the project already has is a duplicate; a file that fails
// fails alone. With queue the images are tiled in the background (Run);
// without, the caller tiles them (TileImage).
func (s *Service) ImportPaths(ctx context.Context, projectID int64, paths []string, queue bool) (*backend.ImportResult, error) {
	p, err := s.Store.FindProjectByID(ctx, projectID)
	if err != nil {
		return nil, err
	}
	res := newResult()
	for _, path := range paths {
		files, err := expand(path, s.Layout.Root)
		if err != nil {
			res.Failed = append(res.Failed, backend.ImportFailure{Path: path, Error: err.Error()})
			continue
		}
		for _, f := range files {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			m, dup, err := s.importFile(ctx, p, f)
			note(res, f, m, dup, err)
			if m != nil && queue {
				s.enqueue(m.ID)
			}
		}
	}
	return res, nil
}

func newResult() *backend.ImportResult {
	return &backend.ImportResult{Imported: []*backend.Image{}, Duplicates: []backend.ImportDuplicate{}, Failed: []backend.ImportFailure{}}
}

// ImportUpload imports one uploaded file from r (server mode).
func (s *Service) ImportUpload(ctx context.Context, projectID int64, name string, r io.Reader) (*backend.ImportResult, error) {
	p, err := s.Store.FindProjectByID(ctx, projectID)
	if err != nil {
		return nil, err
	}
	name = cleanName(name)
	res := newResult()
	m, dup, err := s.importUpload(ctx, p, name, r)
	if backend.ErrorCode(err) == backend.EINTERNAL {
		return nil, err
	}
	note(res, name, m, dup, err)
	if m != nil {
		s.enqueue(m.ID)
	}
	return res, nil
}

func (s *Service) importUpload(ctx context.Context, p *backend.Project, name string, r io.Reader) (*backend.Image, int64, error) {
	tmp, sum, n, err := s.copyIn(p.ID, io.LimitReader(r, s.Limits.MaxBytes+1))
	if err != nil {
		return nil, 0, err
	}
	defer os.Remove(tmp) // a no-op once adopted
	if n > s.Limits.MaxBytes {
		return nil, 0, backend.Errorf(backend.ETOOLARGE, "%s is larger than the limit of %s", name, bytesText(s.Limits.MaxBytes))
	}
	info, err := probeFile(tmp, s.limits(p))
	if err != nil {
		return nil, 0, err
	}
	return s.adopt(ctx, p, name, tmp, sum, n, info)
}

// importFile probes src before copying anything, so a non-image or an
// oversized image costs no copy.
func (s *Service) importFile(ctx context.Context, p *backend.Project, src string) (m *backend.Image, dup int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, dup, err = nil, 0, backend.Errorf(backend.EINVALID, "cannot read %s: %v", filepath.Base(src), r)
		}
	}()
	fi, err := os.Stat(src)
	if err != nil {
		return nil, 0, backend.Errorf(backend.EINVALID, "cannot read file: %v", unwrapPathError(err))
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, backend.Errorf(backend.EINVALID, "not a regular file")
	}
	if fi.Size() > s.Limits.MaxBytes {
		return nil, 0, backend.Errorf(backend.ETOOLARGE, "file is %s, over the limit of %s", bytesText(fi.Size()), bytesText(s.Limits.MaxBytes))
	}
	info, err := probeFile(src, s.limits(p))
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	tmp, sum, n, err := s.copyIn(p.ID, f)
	if err != nil {
		return nil, 0, err
	}
	defer os.Remove(tmp)
	return s.adopt(ctx, p, filepath.Base(src), tmp, sum, n, info)
}

// copyIn streams r into a hidden temp file in input_images/, hashing it.
func (s *Service) copyIn(projectID int64, r io.Reader) (tmp, sum string, n int64, err error) {
	dir := s.Layout.InputImagesDir(projectID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", 0, err
	}
	f, err := os.CreateTemp(dir, ".tessera-import-*.tmp")
	if err != nil {
		return "", "", 0, err
	}
	h := sha256.New()
	n, err = io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", "", 0, fmt.Errorf("copy into project: %w", err)
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), n, nil
}

// adopt records a copied file as a queued image and renames it into place.
// The row exists before the file does, so the folder watcher recognises
// the file as already imported.
func (s *Service) adopt(ctx context.Context, p *backend.Project, name, tmp, sum string, n int64, info tiling.Info) (*backend.Image, int64, error) {
	s.naming.Lock()
	defer s.naming.Unlock()
	if old, err := s.Store.FindImageBySHA(ctx, p.ID, sum); err != nil {
		return nil, 0, err
	} else if old != nil {
		return nil, old.ID, nil
	}
	file, err := s.freeFileName(ctx, p.ID, name)
	if err != nil {
		return nil, 0, err
	}
	m, dup, err := s.record(ctx, p, name, file, sum, n, info)
	if err != nil || m == nil {
		return nil, dup, err
	}
	if err := os.Rename(tmp, s.OriginalPath(m)); err != nil {
		_ = s.Store.DeleteImage(context.WithoutCancel(ctx), m.ID)
		return nil, 0, fmt.Errorf("move into input_images: %w", err)
	}
	s.emit(backend.EventImageUpdated, p.ID, m)
	return m, 0, nil
}

func dupID(m *backend.Image) int64 {
	if m == nil {
		return 0
	}
	return m.ID
}

// record inserts a queued image row with a free tile prefix (the caller
// holds s.naming). A row that raced in with the same content makes it a
// duplicate of that row: (nil, its id, nil) then.
func (s *Service) record(ctx context.Context, p *backend.Project, name, file, sum string, n int64, info tiling.Info) (*backend.Image, int64, error) {
	prefix, err := s.freePrefix(ctx, p.ID, file)
	if err != nil {
		return nil, 0, err
	}
	m := &backend.Image{ProjectID: p.ID, Name: name, File: file, Format: info.Format, Width: info.Width, Height: info.Height,
		BitDepth: info.BitDepth, Channels: info.Channels, Bytes: n, SHA256: sum, TilePrefix: prefix,
		TileSize: p.TileSize, Overlap: p.TileOverlap, State: backend.ImageQueued}
	if err := s.Store.CreateImage(ctx, m); backend.ErrorCode(err) == backend.ECONFLICT {
		if old, ferr := s.Store.FindImageBySHA(ctx, p.ID, sum); ferr == nil && old != nil {
			return nil, old.ID, nil
		}
		return nil, 0, err // not the same content: say so rather than drop it
	} else if err != nil {
		return nil, 0, err
	}
	return m, 0, nil
}

// freeFileName picks a name in input_images/ that neither a file nor a row
// has: photo.jpg, photo-2.jpg, photo-3.jpg…
func (s *Service) freeFileName(ctx context.Context, projectID int64, name string) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 1; i < 10000; i++ {
		cand := name
		if i > 1 {
			cand = fmt.Sprintf("%s-%d%s", stem, i, ext)
		}
		if _, err := os.Lstat(filepath.Join(s.Layout.InputImagesDir(projectID), cand)); err == nil {
			continue
		}
		old, err := s.Store.FindImageByFile(ctx, projectID, cand)
		if err != nil {
			return "", err
		}
		if old == nil {
			return cand, nil
		}
	}
	return "", backend.Errorf(backend.ECONFLICT, "too many files named like %s", name)
}

// freePrefix derives a tile-name prefix from the file name, unique in the project.
func (s *Service) freePrefix(ctx context.Context, projectID int64, file string) (string, error) {
	base := safeStem(file)
	for i := 1; i < 10000; i++ {
		cand := base
		if i > 1 {
			cand = fmt.Sprintf("%s-%d", base, i)
		}
		taken, err := s.Store.TilePrefixTaken(ctx, projectID, cand)
		if err != nil {
			return "", err
		}
		if !taken {
			return cand, nil
		}
	}
	return "", backend.Errorf(backend.ECONFLICT, "too many images named like %s", file)
}

// safeStem keeps letters, digits, '-', '_' and '.' of a file's stem.
func safeStem(file string) string {
	stem := strings.TrimSuffix(file, filepath.Ext(file))
	var b strings.Builder
	for _, r := range stem {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	out := strings.Trim(b.String(), ".")
	if out == "" {
		out = "image"
	}
	if len(out) > 80 {
		out = out[:80]
	}
	return out
}

// cleanName turns an uploaded file's name into a plain base name.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if name == "" {
		name = "upload"
	}
	if len(name) > 200 {
		ext := filepath.Ext(name)
		if len(ext) > 20 { // not an extension worth keeping
			ext = ""
		}
		n := 200 - len(ext)
		for n > 0 && !utf8.RuneStart(name[n]) { // whole characters only
			n--
		}
		name = name[:n] + ext
	}
	return name
}

// expand lists the image files of a path: itself if a file, its images
// (recursively, hidden folders skipped) if a folder.
// expand lists the image files of path (itself, or a folder's, recursively).
// Hidden folders and Tessera's own data folder (dataRoot) are skipped: a
// folder holding the data folder would import its tiles as new images.
func expand(path, dataRoot string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, backend.Errorf(backend.EINVALID, "cannot read: %v", unwrapPathError(err))
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	if sameDir(path, dataRoot) {
		return nil, backend.Errorf(backend.EINVALID, "that is Tessera's own data folder")
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable subfolder does not stop the rest
		}
		if d.IsDir() && p != path && (strings.HasPrefix(d.Name(), ".") || sameDir(p, dataRoot)) {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && IsImageName(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func probeFile(path string, lim tiling.Limits) (tiling.Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return tiling.Info{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return tiling.Info{}, err
	}
	info, err := tiling.Probe(f, fi.Size(), lim)
	var be *backend.Error
	if errors.As(err, &be) {
		// Probe names a reader "image"; the import's report names the path.
		return info, backend.Errorf(be.Code, "%s", strings.TrimPrefix(be.Message, "image: "))
	}
	return info, err
}

// note records one path's outcome in res.
func note(res *backend.ImportResult, path string, m *backend.Image, dup int64, err error) {
	switch {
	case err != nil:
		res.Failed = append(res.Failed, backend.ImportFailure{Path: path, Error: backend.ErrorMessageOrText(err)})
	case m != nil:
		m.Source = path
		res.Imported = append(res.Imported, m)
	default:
		res.Duplicates = append(res.Duplicates, backend.ImportDuplicate{Path: path, ImageID: dup})
	}
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// bytesText prints a byte count for people: 1.5 GB.
func bytesText(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// sameDir reports whether a and b are the same folder.
func sameDir(a, b string) bool {
	if b == "" {
		return false
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}
