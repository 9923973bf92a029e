package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
)

// runUser manages a classroom server's accounts (the desktop app has one
// local user and needs none).
func runUser(ctx context.Context, args []string, env Env) (*out, error) {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	fs, c := newFlags("user "+sub, env)
	name := fs.String("name", "", "user name")
	role := fs.String("role", "", "admin, professor, assistant or student")
	password := fs.String("password", "", "password (default: generated and printed once)")
	pos, err := parse(fs, args)
	o := &out{env: env, json: c.json}
	if err != nil {
		return o, err
	}
	if len(pos) > 0 {
		return o, backend.Errorf(backend.EINVALID, "unexpected argument %q", pos[0])
	}
	switch {
	case sub != "add" && sub != "password" && sub != "list":
		return o, backend.Errorf(backend.EINVALID, "unknown user command %q: use add, list or password", sub)
	case sub != "list" && *name == "":
		return o, backend.Errorf(backend.EINVALID, "say which user: --name NAME")
	}
	inst, err := open(ctx, c)
	if err != nil {
		return o, err
	}
	defer inst.Close()
	generated := *password == ""
	if generated {
		*password = auth.NewToken()[:20]
	}
	report := func(u *backend.User, verb string) error {
		shown := ""
		if generated {
			shown = *password
		}
		return o.print(map[string]any{"user": u, "password": shown}, func(w io.Writer) {
			fmt.Fprintf(w, "%s user %q (%s)\n", verb, u.Name, u.Role)
			if generated {
				fmt.Fprintf(w, "password: %s\n", *password)
			}
		})
	}
	switch sub {
	case "add":
		u, err := inst.Auth.CreateUser(ctx, *name, backend.Role(*role), *password)
		if err != nil {
			return o, err
		}
		return o, report(u, "added")
	case "password":
		if err := inst.Auth.SetPassword(ctx, *name, *password); err != nil {
			return o, err
		}
		u, _, err := inst.DB.FindUserByName(ctx, *name)
		if err != nil {
			return o, err
		}
		return o, report(u, "new password for")
	case "list":
		us, err := inst.DB.FindUsers(ctx)
		if err != nil {
			return o, err
		}
		return o, o.print(map[string]any{"users": us}, func(w io.Writer) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE")
			for _, u := range us {
				fmt.Fprintf(tw, "%s\t%s\n", u.Name, u.Role)
			}
			tw.Flush()
		})
	}
	return o, backend.Errorf(backend.EINVALID, "unknown user command %q: use add, list or password", sub)
}
