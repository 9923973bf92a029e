package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// An import stopped after copying an image but before tiling it (Ctrl-C)
// leaves the image queued; the same import run again tiles it instead of
// calling it a duplicate.
func TestImportAgainTilesWhatAStoppedImportLeft(t *testing.T) {
	ctx := context.Background()
	data, src := t.TempDir(), t.TempDir()
	writeTestPNG(t, filepath.Join(src, "a.png"))
	var o, e bytes.Buffer
	env := Env{Stdout: &o, Stderr: &e, Getenv: func(string) string { return "" }}
	if code := Run(ctx, []string{"project", "create", "--name", "P", "--data", data}, env); code != 0 {
		t.Fatal(e.String())
	}
	inst, err := open(ctx, &common{data: data})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := inst.Images.ImportPaths(ctx, 1, []string{src}, false); err != nil || len(res.Imported) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	inst.Close()
	o.Reset()
	if code := Run(ctx, []string{"import", "--project", "1", src, "--data", data}, env); code != 0 {
		t.Fatalf("exit %d: %s %s", code, o.String(), e.String())
	}
	if !strings.Contains(o.String(), "imported 1 image(s), 1 tiles") || strings.Contains(o.String(), "duplicate") {
		t.Fatalf("the import run again: %s", o.String())
	}
}

func TestImportRefusesBadTileFlags(t *testing.T) {
	data := t.TempDir()
	var o, e bytes.Buffer
	env := Env{Stdout: &o, Stderr: &e, Getenv: func(string) string { return "" }}
	for _, f := range [][]string{{"--tile", "0"}, {"--overlap", "-5"}} {
		e.Reset()
		args := append([]string{"import", "--project", "1", "--data", data, "x.png"}, f...)
		if code := Run(context.Background(), args, env); code != 1 || !strings.Contains(e.String(), f[0]+" "+f[1]) {
			t.Errorf("%v: exit %d, %s", f, code, e.String())
		}
	}
}
