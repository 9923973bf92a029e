package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tessera-lab/tessera/backend"
)

// importSummary is `tessera import --json`'s document.
type importSummary struct {
	Imported     []importedImage           `json:"imported"`
	Duplicates   []backend.ImportDuplicate `json:"duplicates"`
	Failed       []backend.ImportFailure   `json:"failed"`
	TilesWritten int                       `json:"tiles_written"`
	Seconds      float64                   `json:"seconds"`
}

type importedImage struct {
	Path    string `json:"path"`
	ImageID int64  `json:"image_id"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Tiles   int    `json:"tiles"`
}

func runImport(ctx context.Context, args []string, env Env) (*out, error) {
	fs, c := newFlags("import", env)
	pid := fs.Int64("project", 0, "project `id` to import into")
	tile := fs.Int("tile", 0, "tile size in pixels (default: the project's, 512 for a new one); saved as the project's setting")
	overlap := fs.Int("overlap", -1, "tile overlap in pixels (default: the project's); saved as the project's setting")
	paths, err := parse(fs, args)
	o := &out{env: env, json: c.json}
	if err != nil {
		return o, err
	}
	if *pid <= 0 {
		return o, backend.Errorf(backend.EINVALID, "say which project: --project ID")
	}
	var bad error
	fs.Visit(func(f *flag.Flag) {
		switch {
		case f.Name == "tile" && *tile <= 0:
			bad = backend.Errorf(backend.EINVALID, "--tile %d: a tile size is a positive number of pixels", *tile)
		case f.Name == "overlap" && *overlap < 0:
			bad = backend.Errorf(backend.EINVALID, "--overlap %d: an overlap is 0 or more pixels", *overlap)
		}
	})
	if bad != nil {
		return o, bad
	}
	if len(paths) == 0 {
		return o, backend.Errorf(backend.EINVALID, "name the files or folders to import")
	}
	inst, err := open(ctx, c)
	if err != nil {
		return o, err
	}
	defer inst.Close()
	var upd backend.ProjectUpdate
	if *tile > 0 {
		upd.TileSize = tile
	}
	if *overlap >= 0 {
		upd.TileOverlap = overlap
	}
	if upd.TileSize != nil || upd.TileOverlap != nil {
		if _, err := inst.Projects.UpdateProject(ctx, *pid, upd); err != nil {
			return o, err
		}
	}

	start := time.Now()
	bar := newProgressBar(env.Stderr, !c.json)
	res, err := inst.Images.ImportPaths(ctx, *pid, paths, false)
	if err != nil {
		return o, err
	}
	sum := importSummary{Imported: []importedImage{}, Duplicates: []backend.ImportDuplicate{}, Failed: res.Failed}
	todo := res.Imported
	// An image imported before but never tiled (an import stopped with
	// Ctrl-C, a failed tiling) is tiled now rather than called a duplicate.
	for _, d := range res.Duplicates {
		m, err := inst.DB.FindImageByID(ctx, d.ImageID)
		if err == nil && (m.State == backend.ImageQueued || m.State == backend.ImageFailed) {
			m.Source = d.Path
			todo = append(todo, m)
			continue
		}
		sum.Duplicates = append(sum.Duplicates, d)
	}
	for n, m := range todo {
		bar.image(n+1, len(todo), m.Name)
		err := inst.Images.TileImage(ctx, m.ID, bar.tiles)
		if ctx.Err() != nil {
			bar.done()
			fmt.Fprintf(env.Stderr, "stopped: %d of %d image(s) tiled; the others are imported and wait: run the same import again, or open Tessera\n", n, len(todo))
			return o, ctx.Err()
		}
		if err != nil {
			sum.Failed = append(sum.Failed, backend.ImportFailure{Path: m.Source, Error: backend.ErrorMessageOrText(unwrapName(err))})
			continue
		}
		done, err := inst.DB.FindImageByID(ctx, m.ID)
		if err != nil {
			return o, err
		}
		sum.Imported = append(sum.Imported, importedImage{Path: m.Source, ImageID: m.ID, Width: done.Width, Height: done.Height, Tiles: done.TilesCount})
		sum.TilesWritten += done.TilesCount
	}
	bar.done()
	sum.Seconds = time.Since(start).Seconds()
	err = o.print(sum, func(w io.Writer) {
		fmt.Fprintf(w, "imported %d image(s), %d tiles, in %.1f s\n", len(sum.Imported), sum.TilesWritten, sum.Seconds)
		for _, d := range sum.Duplicates {
			fmt.Fprintf(w, "duplicate: %s (already image %d)\n", d.Path, d.ImageID)
		}
		for _, f := range sum.Failed {
			fmt.Fprintf(w, "failed: %s: %s\n", f.Path, f.Error)
		}
	})
	if err == nil && len(sum.Failed) > 0 {
		return o, exitError{code: 2} // some files failed; the summary says which
	}
	return o, err
}

// unwrapName drops TileImage's "<name>: " prefix: the summary names the path.
func unwrapName(err error) error {
	if u, ok := err.(interface{ Unwrap() error }); ok && u.Unwrap() != nil {
		return u.Unwrap()
	}
	return err
}

// progressBar draws on a terminal only.
type progressBar struct {
	w     io.Writer
	on    bool
	label string
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer, want bool) *progressBar {
	f, ok := w.(*os.File)
	on := want && ok
	if on {
		fi, err := f.Stat()
		on = err == nil && fi.Mode()&os.ModeCharDevice != 0
	}
	return &progressBar{w: w, on: on}
}

func (b *progressBar) image(n, total int, name string) {
	b.label = fmt.Sprintf("image %d/%d %s", n, total, name)
}

func (b *progressBar) tiles(done, total int) {
	if !b.on || (time.Since(b.last) < 100*time.Millisecond && done < total) {
		return
	}
	b.last, b.drawn = time.Now(), true
	const width = 30
	fill := 0
	if total > 0 {
		fill = done * width / total
	}
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d tiles  %s\x1b[K", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total, b.label)
}

func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}
