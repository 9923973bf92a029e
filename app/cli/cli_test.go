package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/app/cli"
	"github.com/tessera-lab/tessera/backend"
)

type result struct {
	code           int
	stdout, stderr string
}

// run runs one tessera command line against data dir.
func run(t *testing.T, data string, args ...string) result {
	t.Helper()
	var o, e bytes.Buffer
	env := cli.Env{Stdout: &o, Stderr: &e, Getenv: func(string) string { return "" }}
	code := cli.Run(context.Background(), append(args, "--data", data), env)
	return result{code, o.String(), e.String()}
}

func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("not one JSON document: %v\n%s", err, s)
	}
}

func TestProjectCommandsJSON(t *testing.T) {
	data := t.TempDir()
	var a, b backend.Project
	r := run(t, data, "project", "create", "--name", "Cells 101", "--description", "smears", "--json")
	if r.code != 0 {
		t.Fatalf("create: %+v", r)
	}
	decodeJSON(t, r.stdout, &a)
	decodeJSON(t, run(t, data, "project", "create", "--name", "Roofs", "--json").stdout, &b)
	if a.ID == 0 || b.ID == a.ID || a.Description != "smears" {
		t.Fatalf("created %+v and %+v", a, b)
	}

	var list struct{ Projects []backend.Project }
	decodeJSON(t, run(t, data, "project", "list", "--json").stdout, &list)
	if len(list.Projects) != 2 || list.Projects[0].Name != "Roofs" || list.Projects[1].Name != "Cells 101" {
		t.Fatalf("list = %+v", list)
	}

	var shown backend.Project
	r = run(t, data, "project", "show", itoa(a.ID), "--json") // flags after the id work too
	decodeJSON(t, r.stdout, &shown)
	if shown.ID != a.ID || shown.Name != "Cells 101" {
		t.Fatalf("show = %+v", shown)
	}

	if r := run(t, data, "project", "delete", itoa(a.ID), "--json"); r.code != 0 {
		t.Fatalf("delete: %+v", r)
	}
	decodeJSON(t, run(t, data, "project", "list", "--json").stdout, &list)
	if len(list.Projects) != 1 || list.Projects[0].ID != b.ID {
		t.Fatalf("after delete: %+v", list)
	}
}

func TestProjectCommandsText(t *testing.T) {
	data := t.TempDir()
	if r := run(t, data, "project", "create", "--name", "Roofs"); r.code != 0 || r.stdout != "created project 1 \"Roofs\"\n" {
		t.Fatalf("create: %+v", r)
	}
	r := run(t, data, "project", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "ID") || !strings.Contains(r.stdout, "Roofs") {
		t.Fatalf("list: %+v", r)
	}
	if r := run(t, data, "project", "rename", "1", "--name", "Roofs 2"); r.code != 0 || !strings.Contains(r.stdout, "Roofs 2") {
		t.Fatalf("rename: %+v", r)
	}
}

func TestBadInputGivesClearErrorAndExit1(t *testing.T) {
	data := t.TempDir()
	run(t, data, "project", "create", "--name", "Roofs")
	cases := []struct {
		args []string
		code string
		msg  string
	}{
		{[]string{"project", "show", "42"}, backend.ENOTFOUND, "project 42 not found"},
		{[]string{"project", "delete", "42"}, backend.ENOTFOUND, "project 42 not found"},
		{[]string{"project", "show", "abc"}, backend.EINVALID, `project id "abc" is not a positive number`},
		{[]string{"project", "show"}, backend.EINVALID, "project show takes 1 argument(s), got 0"},
		{[]string{"project", "create"}, backend.EINVALID, "project name is required"},
		{[]string{"project", "create", "--name", "Roofs"}, backend.ECONFLICT, `a project named "Roofs" already exists`},
		{[]string{"project", "frobnicate"}, backend.EINVALID, `unknown project command "frobnicate": use create, list, show, rename or delete`},
		{[]string{"project", "list", "--db", "mysql://x"}, backend.EINVALID, "--db must be a postgres:// URL (SQLite lives in the data folder)"},
	}
	for _, c := range cases {
		r := run(t, data, append(c.args, "--json")...)
		if r.code != 1 || r.stdout != "" {
			t.Errorf("%v: exit %d stdout %q", c.args, r.code, r.stdout)
			continue
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		decodeJSON(t, r.stderr, &e)
		if e.Error.Code != c.code || e.Error.Message != c.msg {
			t.Errorf("%v: %+v, want %s %q", c.args, e.Error, c.code, c.msg)
		}
		// Without --json the same message, for a person.
		if r := run(t, data, c.args...); r.code != 1 || r.stderr != "tessera: "+c.msg+"\n" {
			t.Errorf("%v text: %+v", c.args, r)
		}
	}
	if r := run(t, data, "frobnicate"); r.code != 1 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %+v", r)
	}
}

func TestVersion(t *testing.T) {
	var v map[string]string
	r := run(t, t.TempDir(), "version", "--json")
	decodeJSON(t, r.stdout, &v)
	if r.code != 0 || v["version"] != backend.Version {
		t.Fatalf("version: %+v", r)
	}
}

func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	r := run(t, data, "user", "add", "--name", "grace", "--role", "professor", "--json")
	var added struct {
		User     backend.User
		Password string
	}
	decodeJSON(t, r.stdout, &added)
	if r.code != 0 || added.User.Role != backend.RoleProfessor || len(added.Password) < 8 {
		t.Fatalf("add: %+v", r)
	}
	if r := run(t, data, "user", "add", "--name", "x", "--role", "dean"); r.code != 1 || !strings.Contains(r.stderr, `unknown role "dean"`) {
		t.Fatalf("bad role: %+v", r)
	}
	if r := run(t, data, "user", "list"); r.code != 0 || !strings.Contains(r.stdout, "grace") || !strings.Contains(r.stdout, "professor") {
		t.Fatalf("list: %+v", r)
	}
}

func itoa(i int64) string { b, _ := json.Marshal(i); return string(b) }

// Exporting a model that does not exist leaves the file named by --out as
// it was, and no temporary file beside it.
func TestRefusedModelExportKeepsTheFileThere(t *testing.T) {
	data, dir := t.TempDir(), t.TempDir()
	keep := filepath.Join(dir, "keep.zip")
	os.WriteFile(keep, []byte("precious"), 0o644)
	r := run(t, data, "model", "export", "nope", "--out", keep)
	if r.code != 1 || !strings.Contains(r.stderr, "nope") {
		t.Fatalf("export: %+v", r)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "precious" {
		t.Fatalf("the file there: %q %v", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%d files in the folder, want 1", len(entries))
	}
}

// The first things a newcomer types, and what a script reads.
func TestHelpAndErrorOutput(t *testing.T) {
	data := t.TempDir()
	for _, arg := range []string{"--help", "-h", "help"} {
		if r := run(t, data, arg); r.code != 0 || !strings.Contains(r.stdout, "tessera serve") {
			t.Errorf("%s: %+v", arg, r)
		}
	}
	// With --json a flag error is one JSON document on stderr, no usage text.
	r := run(t, data, "project", "list", "--json", "--bogus")
	var doc struct {
		Error struct{ Code, Message string }
	}
	decodeJSON(t, r.stderr, &doc)
	if r.code != 1 || doc.Error.Code != "invalid" || !strings.Contains(doc.Error.Message, "bogus") {
		t.Errorf("flag error with --json: %+v", r)
	}
	// An error keeps what wrapped it: here the schema file's name.
	bad := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(bad, []byte("not json"), 0o644)
	run(t, data, "project", "create", "--name", "P")
	if r := run(t, data, "labels", "import", "--project", "1", "--schema", bad); r.code != 1 || !strings.Contains(r.stderr, "notes.txt") {
		t.Errorf("a bad schema file: %+v", r)
	}
}

// Mistyped commands are refused before anything is created, with what to
// type instead.
func TestMistakesAreRefusedFirst(t *testing.T) {
	data := filepath.Join(t.TempDir(), "new")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "bogus"}, `unknown user command "bogus"`},
		{[]string{"user", "password"}, "say which user: --name NAME"},
	} {
		if r := run(t, data, c.args...); r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %+v", c.args, r)
		}
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("the data folder was made: %v", err)
	}
	if r := run(t, data, "jobs", "list", "--project", "99"); r.code != 1 || !strings.Contains(r.stderr, "project 99 not found") {
		t.Errorf("jobs of a project that is not there: %+v", r)
	}
}
