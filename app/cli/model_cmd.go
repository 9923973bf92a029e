package cli

import (
	"context"
	"fmt"
	"io"
	"os"

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
		f, err := os.Create(*outPath)
		if err != nil {
			return o, err
		}
		if err := svc.ExportModel(ctx, pos[0], f); err != nil {
			f.Close()
			os.Remove(*outPath)
			return o, err
		}
		if err := f.Close(); err != nil {
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
