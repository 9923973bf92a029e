// Package auth holds users, sessions and the one permission table every API
// call is checked against.
package auth

import "github.com/tessera-lab/tessera/backend"

// Action is something a caller asks to do.
type Action string

// Actions. The spec's matrix (section 8) is the floor: its five rows are
// here with exactly its ticks; the rest follow the same spirit (staff manage,
// students view and annotate).
const (
	ViewProjects   Action = "project.view"
	CreateProject  Action = "project.create"
	UpdateProject  Action = "project.update"
	DeleteProject  Action = "project.delete"
	CreatePipeline Action = "pipeline.create"    // spec
	ConfigureTrain Action = "training.configure" // spec
	ViewTraining   Action = "training.view"      // spec
	DownloadLogs   Action = "logs.download"      // spec
	DeleteJobs     Action = "job.delete"         // spec
	ManageUsers    Action = "user.manage"
	// ManageStudents is a teacher's part of ManageUsers: list accounts and
	// add, reset or delete those of students and assistants (ManageableRoles).
	ManageStudents Action = "user.manage_students"
	ImportImages   Action = "image.import"
	DeleteImages   Action = "image.delete"
	Annotate       Action = "labels.edit"
	EditSchema     Action = "labels.schema"
	ExportLabels   Action = "labels.export"
)

var (
	admin     = backend.RoleAdmin
	professor = backend.RoleProfessor
	assistant = backend.RoleAssistant
	student   = backend.RoleStudent
)

// matrix says which roles may do each action.
var matrix = map[Action][]backend.Role{
	ViewProjects:   {admin, professor, assistant, student},
	CreateProject:  {admin, professor},
	UpdateProject:  {admin, professor},
	DeleteProject:  {admin, professor},
	CreatePipeline: {admin, professor},
	ConfigureTrain: {admin, professor, assistant},
	ViewTraining:   {admin, professor, assistant, student},
	DownloadLogs:   {admin, professor, assistant, student},
	DeleteJobs:     {admin, professor},
	ManageUsers:    {admin},
	ManageStudents: {admin, professor},
	ImportImages:   {admin, professor, assistant},
	DeleteImages:   {admin, professor},
	Annotate:       {admin, professor, assistant, student},
	EditSchema:     {admin, professor},
	ExportLabels:   {admin, professor, assistant},
}

// Actions lists every action in the table.
func Actions() []Action {
	as := make([]Action, 0, len(matrix))
	for a := range matrix {
		as = append(as, a)
	}
	return as
}

// Can reports whether role may do action. Unknown actions are refused.
func Can(role backend.Role, action Action) bool {
	for _, r := range matrix[action] {
		if r == role {
			return true
		}
	}
	return false
}

// Check returns EUNAUTHORIZED without a user, EFORBIDDEN when the user's
// role does not allow action, and nil otherwise.
func Check(u *backend.User, action Action) error {
	if u == nil {
		return backend.Errorf(backend.EUNAUTHORIZED, "sign in first")
	}
	if !Can(u.Role, action) {
		return backend.Errorf(backend.EFORBIDDEN, "a %s may not %s", u.Role, describe(action))
	}
	return nil
}

// ManageableRoles lists the roles of the accounts a role may add, reset or
// delete: every role with ManageUsers, students and assistants with
// ManageStudents only, none otherwise.
func ManageableRoles(role backend.Role) []backend.Role {
	switch {
	case Can(role, ManageUsers):
		return backend.Roles
	case Can(role, ManageStudents):
		return []backend.Role{assistant, student}
	}
	return nil
}

// CheckManage is Check for changing an account of the target role: nil when
// u may (ManageableRoles), else EUNAUTHORIZED or EFORBIDDEN.
func CheckManage(u *backend.User, target backend.Role) error {
	if u == nil {
		return backend.Errorf(backend.EUNAUTHORIZED, "sign in first")
	}
	roles := ManageableRoles(u.Role)
	if len(roles) == 0 {
		return backend.Errorf(backend.EFORBIDDEN, "a %s may not %s", u.Role, describe(ManageUsers))
	}
	for _, r := range roles {
		if r == target {
			return nil
		}
	}
	return backend.Errorf(backend.EFORBIDDEN, "a %s may not manage %s accounts", u.Role, target)
}

func describe(a Action) string {
	switch a {
	case ViewProjects:
		return "view projects"
	case CreateProject:
		return "create projects"
	case UpdateProject:
		return "change projects"
	case DeleteProject:
		return "delete projects"
	case CreatePipeline:
		return "create pipelines"
	case ConfigureTrain:
		return "configure training"
	case ViewTraining:
		return "view training progress"
	case DownloadLogs:
		return "download logs"
	case DeleteJobs:
		return "delete training jobs"
	case ManageUsers:
		return "manage users"
	case ManageStudents:
		return "manage student accounts"
	case ImportImages:
		return "import images"
	case DeleteImages:
		return "delete images"
	case Annotate:
		return "label tiles"
	case EditSchema:
		return "change label classes"
	case ExportLabels:
		return "export labels"
	}
	return string(a)
}
