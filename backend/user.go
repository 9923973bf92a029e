package backend

import (
	"context"
	"time"
)

// Role is one of the spec's four roles (section 8).
type Role string

const (
	RoleAdmin     Role = "admin"
	RoleProfessor Role = "professor"
	RoleAssistant Role = "assistant"
	RoleStudent   Role = "student"
)

// Roles lists every role, most privileged first.
var Roles = []Role{RoleAdmin, RoleProfessor, RoleAssistant, RoleStudent}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// User is a person who signs in to a classroom server. Desktop mode has one
// local user with the admin role.
type User struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

type userKey struct{}

// WithUser returns a context carrying the signed-in user.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFromContext returns the signed-in user, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}
