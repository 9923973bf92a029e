package auth_test

import (
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/auth"
)

// TestMatrix walks every role × action. The spec's own rows are spelled out
// here as the spec prints them, so a change to the table that breaks the
// floor fails.
func TestMatrix(t *testing.T) {
	y, n := true, false
	want := map[auth.Action][4]bool{ // admin, professor, assistant, student
		auth.CreatePipeline: {y, y, n, n},
		auth.ConfigureTrain: {y, y, y, n},
		auth.ViewTraining:   {y, y, y, y},
		auth.DownloadLogs:   {y, y, y, y},
		auth.DeleteJobs:     {y, y, n, n},
		auth.ViewProjects:   {y, y, y, y},
		auth.CreateProject:  {y, y, n, n},
		auth.UpdateProject:  {y, y, n, n},
		auth.DeleteProject:  {y, y, n, n},
		auth.ManageUsers:    {y, n, n, n},
		auth.ManageStudents: {y, y, n, n},
		auth.ImportImages:   {y, y, y, n},
		auth.DeleteImages:   {y, y, n, n},
		auth.Annotate:       {y, y, y, y},
		auth.EditSchema:     {y, y, n, n},
		auth.ExportLabels:   {y, y, y, n},
	}
	if got := len(auth.Actions()); got != len(want) {
		t.Fatalf("table has %d actions, test knows %d: add the new ones here", got, len(want))
	}
	for _, a := range auth.Actions() {
		row, ok := want[a]
		if !ok {
			t.Fatalf("action %s not covered by this test", a)
		}
		for i, r := range backend.Roles {
			if got := auth.Can(r, a); got != row[i] {
				t.Errorf("Can(%s, %s) = %v, want %v", r, a, got, row[i])
			}
			err := auth.Check(&backend.User{Name: "x", Role: r}, a)
			if row[i] != (err == nil) || (err != nil && backend.ErrorCode(err) != backend.EFORBIDDEN) {
				t.Errorf("Check(%s, %s) = %v", r, a, err)
			}
		}
		if err := auth.Check(nil, a); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
			t.Errorf("Check(nil, %s) = %v, want unauthorized", a, err)
		}
	}
	if auth.Can(backend.RoleAdmin, "no.such.action") {
		t.Error("an unknown action must be refused")
	}
	if auth.Can("janitor", auth.ViewProjects) {
		t.Error("an unknown role must be refused")
	}
}

// TestCheckManage: admins manage every account, professors those of
// students and assistants, the others none.
func TestCheckManage(t *testing.T) {
	y, n := true, false
	want := map[backend.Role][4]bool{ // target: admin, professor, assistant, student
		backend.RoleAdmin:     {y, y, y, y},
		backend.RoleProfessor: {n, n, y, y},
		backend.RoleAssistant: {n, n, n, n},
		backend.RoleStudent:   {n, n, n, n},
	}
	for _, r := range backend.Roles {
		for i, target := range backend.Roles {
			err := auth.CheckManage(&backend.User{Name: "x", Role: r}, target)
			if want[r][i] != (err == nil) || (err != nil && backend.ErrorCode(err) != backend.EFORBIDDEN) {
				t.Errorf("CheckManage(%s, %s) = %v, want allowed=%v", r, target, err, want[r][i])
			}
		}
	}
	if err := auth.CheckManage(nil, backend.RoleStudent); backend.ErrorCode(err) != backend.EUNAUTHORIZED {
		t.Errorf("CheckManage(nil) = %v", err)
	}
}
