package agent

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name, body, link string
	typ              byte
}

func archive(t testing.TB, entries ...entry) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Linkname: e.link}
		if typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestExtractTrainingSet(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
		max     int64
		err     string
		files   map[string]string // rel path → body, checked when no error
	}{
		{
			name: "folder contents",
			entries: []entry{{name: "images/", typ: tar.TypeDir}, {name: "images/a.png", body: "a"},
				{name: "./metadata.json", body: "{}"}},
			files: map[string]string{"images/a.png": "a", "metadata.json": "{}"},
		},
		{
			name:    "the trainingjob folder itself",
			entries: []entry{{name: "trainingjob-4/", typ: tar.TypeDir}, {name: "trainingjob-4/masks/m.png", body: "m"}},
			files:   map[string]string{"masks/m.png": "m"},
		},
		{
			name:    "a top-level file named trainingjob-x is kept",
			entries: []entry{{name: "trainingjob-notes.txt", body: "n"}},
			files:   map[string]string{"trainingjob-notes.txt": "n"},
		},
		{name: "absolute", entries: []entry{{name: "/etc/passwd", body: "x"}}, err: "unsafe path"},
		{name: "dot dot", entries: []entry{{name: "images/../../x", body: "x"}}, err: "unsafe path"},
		{name: "dot dot after the top folder", entries: []entry{{name: "trainingjob-1/../x", body: "x"}}, err: "unsafe path"},
		{name: "backslash", entries: []entry{{name: `..\x`, body: "x"}}, err: "unsafe path"},
		{name: "symlink out", entries: []entry{{name: "l", typ: tar.TypeSymlink, link: "/etc"}}, err: "links are not allowed"},
		{name: "symlink in", entries: []entry{{name: "l", typ: tar.TypeSymlink, link: "images"}}, err: "links are not allowed"},
		{name: "hard link", entries: []entry{{name: "h", typ: tar.TypeLink, link: "/etc/passwd"}}, err: "links are not allowed"},
		{name: "device", entries: []entry{{name: "d", typ: tar.TypeChar}}, err: "not a file or folder"},
		{name: "too big", entries: []entry{{name: "a", body: "12345"}, {name: "b", body: "678"}}, max: 7, err: "larger than the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "job")
			os.Mkdir(dir, 0o755)
			max := tt.max
			if max == 0 {
				max = 1 << 20
			}
			_, err := extractTrainingSet(bytes.NewReader(archive(t, tt.entries...)), dir, max)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				assertInside(t, root, dir)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for rel, body := range tt.files {
				got, err := os.ReadFile(filepath.Join(dir, rel))
				if err != nil || string(got) != body {
					t.Errorf("%s: %q %v", rel, got, err)
				}
			}
		})
	}
	if _, err := extractTrainingSet(strings.NewReader("not gzip"), t.TempDir(), 1<<20); err == nil ||
		!strings.Contains(err.Error(), "not a .tar.gz") {
		t.Errorf("plain text: %v", err)
	}
}

// assertInside fails if anything but dir was created under root.
func assertInside(t *testing.T, root, dir string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if p != root && p != dir && !strings.HasPrefix(p, dir+string(filepath.Separator)) {
			t.Errorf("%s written outside the job folder", p)
		}
		if d != nil && d.Type()&os.ModeSymlink != 0 {
			t.Errorf("link %s extracted", p)
		}
		return nil
	})
}

func FuzzExtractTrainingSet(f *testing.F) {
	f.Add(archive(f, entry{name: "images/a.png", body: "a"}, entry{name: "trainingjob-1/x", body: "x"}))
	f.Add(archive(f, entry{name: "../x", body: "x"}))
	f.Add(archive(f, entry{name: "l", typ: tar.TypeSymlink, link: "../.."}))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "job")
		os.Mkdir(dir, 0o755)
		extractTrainingSet(bytes.NewReader(data), dir, 1<<16)
		assertInside(t, root, dir)
	})
}

func writeFile(t *testing.T, name, body string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
