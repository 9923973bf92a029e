// Package app is Tessera's desktop shell: the Wails window around the same
// frontend and API that `tessera serve` offers. It holds lifecycle hooks and
// one-line delegations only; the work happens in the backend.
package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/tessera-lab/tessera/app/cli"
	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/api"
	"github.com/tessera-lab/tessera/frontend"
)

// App is bound into the window: its exported methods are callable from the
// page as window.go.app.App.<Method>.
type App struct {
	ctx   context.Context
	inst  *cli.Instance
	files *saver
}

// Run opens the window and blocks until it is closed (by the user, or by
// SIGINT or SIGTERM), then lets the caller close the instance.
func Run(_ context.Context, inst *cli.Instance) error {
	a := &App{inst: inst}
	// One handler for the window and for files saved from it (SaveFile).
	handler := inst.APIHandler(api.ModeDesktop)
	a.files = &saver{api: handler, choose: a.saveDialog}
	assets, _ := frontend.Assets()
	inst.AddEmitter(&emitter{app: a})
	return wails.Run(&options.App{
		Title:     "Tessera",
		Width:     1280,
		Height:    840,
		MinWidth:  900,
		MinHeight: 600,
		AssetServer: &assetserver.Options{
			Assets:  assets,
			Handler: handler, // requests not in assets: /api/…
		},
		// A bound method's error reaches the page as its message alone.
		ErrorFormatter:   func(err error) any { return backend.ErrorMessageOrText(err) },
		BackgroundColour: &options.RGBA{R: 247, G: 248, B: 250, A: 255},
		// Wails itself closes the window on SIGINT and SIGTERM and then
		// returns here, so the caller's deferred Close flushes the broker.
		OnStartup: a.startup,
		// Dropped files arrive as paths (the page must not read them: a
		// file body crashes WebKitGTK); the page imports them by path.
		DragAndDrop: &options.DragAndDrop{EnableFileDrop: true},
		Bind:        []any{a},
	})
}

func (a *App) startup(ctx context.Context) {
	a.ctx = ctx
	runtime.OnFileDrop(ctx, func(_, _ int, paths []string) {
		runtime.EventsEmit(ctx, "tessera:files-dropped", paths)
	})
}

// ChooseImages opens the system's file dialog and returns the chosen
// images' paths (none when cancelled).
func (a *App) ChooseImages() ([]string, error) {
	return runtime.OpenMultipleFilesDialog(a.ctx, runtime.OpenDialogOptions{
		Title: "Import images",
		Filters: []runtime.FileFilter{
			{DisplayName: "Images (JPEG, PNG, TIFF, BMP, WebP)", Pattern: "*.jpg;*.jpeg;*.png;*.tif;*.tiff;*.bmp;*.webp;*.JPG;*.JPEG;*.PNG;*.TIF;*.TIFF"},
			{DisplayName: "All files", Pattern: "*"},
		},
	})
}

// SaveFile asks where to save the file the API serves at apiPath (a run's
// log, a model, a label export) and writes it there: download links save
// nothing in this window. It returns the file's path, "" when cancelled.
func (a *App) SaveFile(apiPath, suggestedName string) (string, error) {
	return a.files.saveAPI(a.ctx, apiPath, suggestedName)
}

// SaveText asks where to save text the page made (a report) and writes it
// there. It returns the file's path, "" when cancelled.
func (a *App) SaveText(suggestedName, content string) (string, error) {
	return a.files.saveText(suggestedName, content)
}

func (a *App) saveDialog(dir, name string) (string, error) {
	return runtime.SaveFileDialog(a.ctx, runtime.SaveDialogOptions{
		Title:                "Save " + name,
		DefaultDirectory:     dir,
		DefaultFilename:      name,
		Filters:              saveFilters(name),
		CanCreateDirectories: true,
	})
}

// saveFilters offers files of name's kind first (".zip"), then any.
func saveFilters(name string) []runtime.FileFilter {
	ext := filepath.Ext(name)
	if ext == "" || strings.ContainsAny(ext, "*;") {
		return nil
	}
	return []runtime.FileFilter{
		// GTK's patterns are case-sensitive.
		{DisplayName: strings.ToUpper(ext[1:]) + " files (*" + ext + ")", Pattern: "*" + strings.ToLower(ext) + ";*" + strings.ToUpper(ext)},
		{DisplayName: "All files", Pattern: "*"},
	}
}

// InitialRoute is the page the window opens at (`tessera --open ROUTE`).
func (a *App) InitialRoute() string { return a.inst.StartRoute }

// FrontendReady is called by the page once it has loaded and reached the
// API. It records the moment, so an operator (and the desktop smoke test)
// can tell the window booted for real.
func (a *App) FrontendReady(userAgent string) error {
	now := time.Now().UTC()
	a.inst.Logf("desktop: frontend ready (%s)", userAgent)
	return a.inst.DB.SetSetting(context.Background(), "desktop.last_ready",
		fmt.Sprintf("%s %s", now.Format(time.RFC3339Nano), userAgent))
}

// emitter forwards backend events to the window as "tessera:event".
type emitter struct{ app *App }

func (e *emitter) Emit(ev backend.Event) {
	if e.app.ctx != nil {
		runtime.EventsEmit(e.app.ctx, "tessera:event", ev)
	}
}
