package agent

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxArchiveEntries caps the entries of a training-set archive.
const maxArchiveEntries = 1_000_000

// extractStats says what an extraction wrote.
type extractStats struct {
	Files int
	Bytes int64
}

// extractTrainingSet unpacks a .tar.gz training set into dir, which must
// exist. Entries are paths relative to the trainingjob folder; a first
// component "trainingjob-…" is dropped, so an archive of the folder itself
// works too. Only folders and regular files are allowed: absolute paths,
// "..", links and devices are refused, and so is an archive that extracts to
// more than maxBytes or maxArchiveEntries entries.
func extractTrainingSet(r io.Reader, dir string, maxBytes int64) (extractStats, error) {
	var st extractStats
	zr, err := gzip.NewReader(r)
	if err != nil {
		return st, fmt.Errorf("training set is not a .tar.gz: %w", err)
	}
	tr := tar.NewReader(zr)
	for n := 0; ; n++ {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return st, fmt.Errorf("training set archive: %w", err)
		}
		if n >= maxArchiveEntries {
			return st, fmt.Errorf("training set archive has more than %d entries", maxArchiveEntries)
		}
		rel, err := entryPath(h.Name, h.Typeflag == tar.TypeDir)
		if err != nil {
			return st, err
		}
		if rel == "" {
			continue // the top folder itself
		}
		target := filepath.Join(dir, filepath.FromSlash(rel))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return st, fmt.Errorf("training set: %w", err)
			}
		case tar.TypeReg:
			if h.Size < 0 || st.Bytes+h.Size > maxBytes {
				return st, fmt.Errorf("training set is larger than the limit of %d bytes", maxBytes)
			}
			if err := writeEntry(target, tr, h.Size); err != nil {
				return st, err
			}
			st.Files++
			st.Bytes += h.Size
		case tar.TypeXGlobalHeader:
			continue
		case tar.TypeSymlink, tar.TypeLink:
			return st, fmt.Errorf("training set archive: %s is a link; links are not allowed", h.Name)
		default:
			return st, fmt.Errorf("training set archive: %s is not a file or folder", h.Name)
		}
	}
	// Drain the gzip stream so that the object store checks its digest.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return st, fmt.Errorf("training set archive: %w", err)
	}
	return st, nil
}

// entryPath checks an archive entry name and returns it relative to the
// trainingjob folder, slash-separated ("" for the folder itself).
func entryPath(name string, isDir bool) (string, error) {
	bad := func() (string, error) {
		return "", fmt.Errorf("training set archive: unsafe path %q", name)
	}
	if name == "" || strings.ContainsAny(name, "\\\x00") || path.IsAbs(name) || filepath.IsAbs(name) || filepath.VolumeName(name) != "" {
		return bad()
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return bad()
		}
	}
	clean := path.Clean(name)
	if first, rest, found := strings.Cut(clean, "/"); (found || isDir) && strings.HasPrefix(first, "trainingjob-") {
		clean = rest
	}
	if clean == "." || clean == "" {
		return "", nil
	}
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return bad()
	}
	return clean, nil
}

// writeEntry writes size bytes of r to a new file at target, creating its
// folders. No links are ever extracted, so target cannot lead outside.
func writeEntry(target string, r io.Reader, size int64) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("training set: %w", err)
	}
	f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("training set: %w", err)
	}
	_, err = io.CopyN(f, r, size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("training set %s: %w", filepath.Base(target), err)
	}
	return nil
}
