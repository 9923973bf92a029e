package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/annotate"
	"github.com/tessera-lab/tessera/backend/labels"
)

// runLabels imports and exports label files:
//
//	tessera labels import --project ID [--schema schema.json] PATH...
//	tessera labels export --project ID --format django-labeller|masks|coco --per tile|image [--complete-only] --out DIR
func runLabels(ctx context.Context, args []string, env Env) (*out, error) {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	fs, c := newFlags("labels "+sub, env)
	pid := fs.Int64("project", 0, "project `id`")
	schema := fs.String("schema", "", "django-labeller schema.json to set as the project's label classes first")
	format := fs.String("format", annotate.FormatDjangoLabeller, "export format: django-labeller, masks or coco")
	per := fs.String("per", annotate.PerTile, "export one file per tile or per image")
	outDir := fs.String("out", "", "export into this `folder`")
	completeOnly := fs.Bool("complete-only", false, "export only tiles marked complete (per image: only images all of whose tiles are)")
	paths, err := parse(fs, args)
	o := &out{env: env, json: c.json}
	if err != nil {
		return o, err
	}
	if sub != "import" && sub != "export" {
		return o, backend.Errorf(backend.EINVALID, "unknown labels command %q: use import or export", sub)
	}
	if *pid <= 0 {
		return o, backend.Errorf(backend.EINVALID, "say which project: --project ID")
	}
	inst, err := open(ctx, c)
	if err != nil {
		return o, err
	}
	defer inst.Close()
	if _, err := inst.Projects.FindProjectByID(ctx, *pid); err != nil {
		return o, err
	}

	if sub == "export" {
		if *outDir == "" {
			return o, backend.Errorf(backend.EINVALID, "say where to export: --out DIR")
		}
		sum, err := inst.Labels.ExportWith(ctx, *pid, annotate.ExportOptions{Format: *format, Per: *per, CompleteOnly: *completeOnly}, annotate.DirSink(*outDir))
		if err != nil {
			return o, err
		}
		return o, o.print(sum, func(w io.Writer) {
			fmt.Fprintf(w, "exported %d %s(s) as %s: %d files in %s\n", sum.Items, sum.Per, sum.Format, sum.Files, *outDir)
			if sum.CompleteOnly && sum.Skipped > 0 {
				fmt.Fprintf(w, "left out %d %s(s) not marked complete\n", sum.Skipped, sum.Per)
			}
			for _, p := range sum.Problems {
				fmt.Fprintf(w, "left out of masks: %s\n", p)
			}
		})
	}

	if *schema != "" {
		f, err := os.Open(*schema)
		if err != nil {
			return o, backend.Errorf(backend.EINVALID, "schema: %v", err)
		}
		sch, err := labels.ParseSchema(f)
		f.Close()
		if err != nil {
			return o, fmt.Errorf("%s: %w", *schema, err)
		}
		if err := inst.Labels.SetSchema(ctx, *pid, sch); err != nil {
			return o, err
		}
	}
	if len(paths) == 0 {
		if *schema != "" {
			return o, o.print(map[string]string{"schema": *schema}, func(w io.Writer) { fmt.Fprintf(w, "set the label classes from %s\n", *schema) })
		}
		return o, backend.Errorf(backend.EINVALID, "name the label files or folders to import")
	}
	res, err := inst.Labels.ImportLabels(ctx, *pid, "cli", paths)
	if err != nil {
		return o, err
	}
	err = o.print(res, func(w io.Writer) {
		for _, i := range res.Imported {
			fmt.Fprintf(w, "imported %d label(s) from %s onto %s %s (%d tile(s))\n", i.Labels, i.Path, i.Target, i.Name, i.Tiles)
		}
		for _, p := range res.Problems {
			fmt.Fprintf(w, "warning: %s: %s\n", p.Path, p.Error)
		}
		for _, f := range res.Failed {
			fmt.Fprintf(w, "failed: %s: %s\n", f.Path, f.Error)
		}
	})
	if err == nil && len(res.Failed) > 0 {
		return o, exitError{code: 2}
	}
	return o, err
}
