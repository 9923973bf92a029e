// Package frontend embeds the built web UI (Vite writes it to dist/app) for
// the desktop window and for `tessera serve`.
package frontend

import (
	"embed"
	"io/fs"
	"testing/fstest"
)

// dist/.gitkeep is committed, so this compiles before the UI is built.
//
//go:embed all:dist
var dist embed.FS

const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tessera</title></head>
<body style="font-family:sans-serif;margin:3rem">
<h1>Tessera</h1>
<p>Tessera's frontend is not built: run make build</p>
</body></html>
`

// Assets returns the built UI rooted at its index.html, and true; when the
// UI was not built it returns a one-page stand-in that says so, and false.
func Assets() (fs.FS, bool) {
	sub, err := fs.Sub(dist, "dist/app")
	if err == nil {
		if _, err := fs.Stat(sub, "index.html"); err == nil {
			return sub, true
		}
	}
	return fstest.MapFS{"index.html": &fstest.MapFile{Data: []byte(notBuilt), Mode: 0o444}}, false
}
