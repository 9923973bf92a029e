// Package cli is the `tessera` command: the desktop app by default, `serve`
// for a classroom server, and subcommands for scripts. It wires the backend
// together by hand, in one place.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/tessera-lab/tessera/backend"
)

// Env is what a command runs with. Tests set every field.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Desktop opens the desktop window; nil in builds or tests without one.
	Desktop func(ctx context.Context, inst *Instance) error
}

// exitError carries a specific exit status.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

const usage = `Tessera — a classroom AI lab.

Usage:
  tessera                       open the desktop app (serves in a browser when there is no display)
  tessera serve [flags]         run a classroom server (browser UI + API)
  tessera project create --name N [--description D]
  tessera project list
  tessera project show ID
  tessera project rename ID --name N
  tessera project delete ID
  tessera import --project ID [--tile 512] [--overlap 0] PATH...
  tessera labels import --project ID [--schema schema.json] PATH...
  tessera labels export --project ID --format django-labeller|masks|coco --per tile|image --out DIR
  tessera train --project ID [--worker NAME|--pool P] [--set key=value]... [--follow]
  tessera jobs list [--project ID] | show ID | logs ID [--follow] | cancel ID | delete ID
  tessera workers
  tessera predict --model JOB_ID --project ID [--image IMG] [--out DIR]
  tessera model export JOB_ID --out FILE | import --project ID FILE
  tessera user add --name N --role admin|professor|assistant|student [--password P]
  tessera user list
  tessera user password --name N [--password P]
  tessera version

Every command takes --data DIR (default: %s),
--db postgres://… (default: the SQLite file in the data dir) and --json.
`

// Run runs one command line and returns the process exit status.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	cmd, rest := "", args
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-h" || args[0] == "--help") {
		cmd, rest = args[0], args[1:]
	}
	var err error
	var o *out
	switch cmd {
	case "":
		o, err = runDesktop(ctx, rest, env)
	case "serve":
		o, err = runServe(ctx, rest, env)
	case "project", "projects":
		o, err = runProject(ctx, rest, env)
	case "import":
		o, err = runImport(ctx, rest, env)
	case "labels":
		o, err = runLabels(ctx, rest, env)
	case "train":
		o, err = runTrain(ctx, rest, env)
	case "jobs", "job":
		o, err = runJobs(ctx, rest, env)
	case "workers":
		o, err = runWorkers(ctx, rest, env)
	case "predict":
		o, err = runPredict(ctx, rest, env)
	case "model", "models":
		o, err = runModel(ctx, rest, env)
	case "user", "users":
		o, err = runUser(ctx, rest, env)
	case "version":
		o, err = runVersion(rest, env)
	case "trainer":
		return runTrainer(rest, env)
	case "help", "-h", "--help":
		fmt.Fprintf(env.Stdout, usage, defaultDataDir(env.Getenv))
		return 0
	default:
		fmt.Fprintf(env.Stderr, usage, defaultDataDir(env.Getenv))
		o, err = &out{env: env}, backend.Errorf(backend.EINVALID, "unknown command %q", cmd)
	}
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if o == nil {
		o = &out{env: env}
	}
	o.fail(err)
	return 1
}

// common are the flags every command takes.
type common struct {
	data string
	db   string
	json bool
}

func newFlags(name string, env Env) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("tessera "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	c := &common{}
	fs.StringVar(&c.data, "data", defaultDataDir(env.Getenv), "data `dir`ectory: database, broker store, projects")
	fs.StringVar(&c.db, "db", "", "PostgreSQL `url` (postgres://…); default: SQLite in the data dir")
	fs.BoolVar(&c.json, "json", false, "print one JSON document on stdout (errors as JSON on stderr)")
	return fs, c
}

// parse parses args, allowing flags after positional arguments
// (`project show 3 --json`), and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	if slices.ContainsFunc(args, func(a string) bool { return a == "--json" || a == "-json" || strings.HasPrefix(a, "--json=") }) {
		fs.SetOutput(io.Discard) // stderr holds the one JSON error document
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, backend.Errorf(backend.EINVALID, "%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// defaultDataDir is $XDG_DATA_HOME/tessera or the platform's equivalent.
func defaultDataDir(getenv func(string) string) string {
	if d := getenv("TESSERA_DATA"); d != "" {
		return d
	}
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "tessera")
	}
	home := getenv("HOME")
	if home == "" { // a service without one: the account's home
		if u, err := user.Current(); err == nil {
			home = u.HomeDir
		}
	}
	if home == "" {
		return "" // open asks for --data
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "Tessera")
	case "windows":
		if d := getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Tessera")
		}
	}
	return filepath.Join(home, ".local", "share", "tessera")
}

func runVersion(args []string, env Env) (*out, error) {
	fs, c := newFlags("version", env)
	if _, err := parse(fs, args); err != nil {
		return nil, err
	}
	o := &out{env: env, json: c.json}
	return o, o.print(map[string]string{"version": backend.Version, "go": runtime.Version()},
		func(w io.Writer) { fmt.Fprintf(w, "tessera %s (%s)\n", backend.Version, runtime.Version()) })
}
