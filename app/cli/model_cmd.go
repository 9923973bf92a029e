package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tessera-lab/tessera/backend"
)

// runModel shares models between Tesseras:
//
//	tessera model export JOB_ID --out model.zip
//	tessera model import --project ID model.zip
func runModel(ctx context.Context, args []string, env Env) (*out, error) {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	fs, c := newFlags("model "+sub, env)
	pid := fs.Int64("project", 0, "import into this project `id`")
	outPath := fs.String("out", "", "export to this `file`")
	pos, err := parse(fs, args)
	o := &out{env: env, json: c.json}
	if err != nil {
		return o, err
	}
	if (sub != "export" && sub != "import") || len(pos) != 1 {
		return o, backend.Errorf(backend.EINVALID, "use: tessera model export JOB_ID --out FILE, or tessera model import --project ID FILE")
	}
	inst, err := open(ctx, c)
	if err != nil {
		return o, err
	}
	defer inst.Close()
	svc := offlineTraining(inst) // models need no broker
	if sub == "export" {
		if *outPath == "" {
			return o, backend.Errorf(backend.EINVALID, "say where to write the model: --out FILE")
		}
		// Written beside its place and renamed in: a refused export leaves
		// a file already there as it was.
		f, err := os.CreateTemp(filepath.Dir(*outPath), ".tessera-model-*.zip")
		if err != nil {
			return o, err
		}
		err = svc.ExportModel(ctx, pos[0], f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(f.Name(), 0o644)
		}
		if err == nil {
			err = os.Rename(f.Name(), *outPath)
		}
		if err != nil {
			os.Remove(f.Name())
			return o, err
		}
		return o, o.print(map[string]string{"model": *outPath}, func(w io.Writer) { fmt.Fprintf(w, "wrote %s\n", *outPath) })
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return o, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return o, err
	}
	j, err := svc.ImportModel(ctx, "cli", *pid, f, fi.Size())
	if err != nil {
		return o, err
	}
	return o, o.print(j, func(w io.Writer) { fmt.Fprintf(w, "imported the model as job %s of project %d\n", j.ID, j.ProjectID) })
}
