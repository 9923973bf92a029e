package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/tessera-lab/tessera/backend"
)

func runProject(ctx context.Context, args []string, env Env) (*out, error) {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	fs, c := newFlags("project "+sub, env)
	name := fs.String("name", "", "project name")
	desc := fs.String("description", "", "project description")
	pos, err := parse(fs, args)
	o := &out{env: env, json: c.json}
	if err != nil {
		return o, err
	}
	need := map[string]int{"create": 0, "list": 0, "show": 1, "rename": 1, "delete": 1}
	n, ok := need[sub]
	if !ok {
		return o, backend.Errorf(backend.EINVALID, "unknown project command %q: use create, list, show, rename or delete", sub)
	}
	if len(pos) != n {
		return o, backend.Errorf(backend.EINVALID, "project %s takes %d argument(s), got %d", sub, n, len(pos))
	}
	var id int64
	if n == 1 {
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil || id <= 0 {
			return o, backend.Errorf(backend.EINVALID, "project id %q is not a positive number", pos[0])
		}
	}
	// Deleting goes through the training side: a project whose jobs run is
	// refused, and its jobs' objects leave the broker.
	openInst := open
	if sub == "delete" {
		openInst = func(ctx context.Context, c *common) (*Instance, error) { return openRunning(ctx, c, nil, env, false) }
	}
	inst, err := openInst(ctx, c)
	if err != nil {
		return o, err
	}
	defer inst.Close()
	ps := inst.Projects

	switch sub {
	case "create":
		p := &backend.Project{Name: *name, Description: *desc}
		if err := ps.CreateProject(ctx, p); err != nil {
			return o, err
		}
		return o, o.print(p, func(w io.Writer) { fmt.Fprintf(w, "created project %d %q\n", p.ID, p.Name) })
	case "list":
		list, err := ps.FindProjects(ctx)
		if err != nil {
			return o, err
		}
		return o, o.print(map[string]any{"projects": list}, func(w io.Writer) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCREATED")
			for _, p := range list {
				fmt.Fprintf(tw, "%d\t%s\t%s\n", p.ID, p.Name, p.CreatedAt.Local().Format("2006-01-02 15:04"))
			}
			tw.Flush()
		})
	case "show":
		p, err := ps.FindProjectByID(ctx, id)
		if err != nil {
			return o, err
		}
		return o, o.print(p, func(w io.Writer) {
			fmt.Fprintf(w, "id:          %d\nname:        %s\ndescription: %s\ncreated:     %s\nfolder:      %s\n",
				p.ID, p.Name, p.Description, p.CreatedAt.Local().Format("2006-01-02 15:04:05"), inst.Layout.ProjectDir(p.ID))
		})
	case "rename":
		p, err := ps.UpdateProject(ctx, id, backend.ProjectUpdate{Name: name})
		if err != nil {
			return o, err
		}
		return o, o.print(p, func(w io.Writer) { fmt.Fprintf(w, "renamed project %d to %q\n", p.ID, p.Name) })
	default: // delete
		if err := ps.DeleteProject(ctx, id); err != nil {
			return o, err
		}
		return o, o.print(map[string]any{"deleted": id}, func(w io.Writer) { fmt.Fprintf(w, "deleted project %d\n", id) })
	}
}
