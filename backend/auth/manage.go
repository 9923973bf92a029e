package auth

import (
	"context"
	"crypto/rand"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/tessera-lab/tessera/backend"
)

// MaxNewUsers bounds one CreateUsers call: a class, or a few.
const MaxNewUsers = 500

// ValidName returns name trimmed, or EINVALID when no user could have it:
// empty, over 64 bytes, with spaces, control characters that split lines,
// NUL (PostgreSQL refuses to look such a name up) or invalid UTF-8.
func ValidName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "" || len(name) > 64 || !utf8.ValidString(name) || strings.IndexFunc(name, unsafeInName) >= 0:
		return "", backend.Errorf(backend.EINVALID, "user name must be 1 to 64 characters without spaces or control characters")
	case name == "." || name == "..":
		return "", backend.Errorf(backend.EINVALID, "user name %q cannot be used in an address", name)
	case strings.ContainsAny(name[:1], "=+-@"):
		// A spreadsheet opening the passwords list would read it as a formula.
		return "", backend.Errorf(backend.EINVALID, "user name must not start with = + - or @")
	}
	return name, nil
}

// unsafeInName: spaces, control and format characters (a name shown in a
// terminal or a table must look like what it is).
func unsafeInName(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

func validRole(role backend.Role) error {
	if !role.Valid() {
		return backend.Errorf(backend.EINVALID, "unknown role %q: use admin, professor, assistant or student", role)
	}
	return nil
}

// passwordLetters are those a student reads off a printed list without
// mistaking one for another (no 0/O, 1/l/I), and none that a spreadsheet
// opening the list reads as a formula (=, +, -, @).
const passwordLetters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GeneratedPasswordLen: 16 of 56 letters, 92 bits.
const GeneratedPasswordLen = 16

// GeneratePassword returns a new random password, for accounts made or
// reset without one.
func GeneratePassword() string {
	const n = len(passwordLetters)
	out := make([]byte, 0, GeneratedPasswordLen)
	buf := make([]byte, 2*GeneratedPasswordLen)
	for len(out) < GeneratedPasswordLen {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for _, b := range buf {
			// Bytes past the last whole multiple of n would favour the first letters.
			if int(b) < 256/n*n && len(out) < GeneratedPasswordLen {
				out = append(out, passwordLetters[int(b)%n])
			}
		}
	}
	return string(out)
}

// Users lists every user by name.
func (s *Service) Users(ctx context.Context) ([]*backend.User, error) {
	return s.Store.FindUsers(ctx)
}

// User returns the user named name, or EINVALID or ENOTFOUND.
func (s *Service) User(ctx context.Context, name string) (*backend.User, error) {
	name, err := ValidName(name)
	if err != nil {
		return nil, err
	}
	u, _, err := s.Store.FindUserByName(ctx, name)
	return u, err
}

// ChangePassword is a user's own change of password: current must be the
// password they have (else EINVALID on the field "current"), next becomes it,
// and every session of theirs ends (SetPassword).
func (s *Service) ChangePassword(ctx context.Context, name, current, next string) error {
	name, err := ValidName(name)
	if err != nil {
		return err
	}
	_, hash, err := s.Store.FindUserByName(ctx, name)
	if err != nil {
		return err
	}
	if hash == "" || bcrypt.CompareHashAndPassword([]byte(hash), []byte(current)) != nil {
		// Not EUNAUTHORIZED: the caller is signed in, only this field is wrong.
		return &backend.Error{Code: backend.EINVALID, Message: "the current password is wrong",
			Fields: []backend.FieldError{{Field: "current", Message: "is not your password"}}}
	}
	return s.SetPassword(ctx, name, next)
}

// DeleteUser removes a user and ends their sessions; ECONFLICT for the last
// admin.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	name, err := ValidName(name)
	if err != nil {
		return err
	}
	return s.Store.DeleteUser(ctx, name)
}

// NewUser is one account for CreateUsers; an empty Password is generated.
type NewUser struct {
	Name     string
	Role     backend.Role
	Password string
}

// Created is an account CreateUsers made, and its password when it was
// generated (shown once, never stored in the clear).
type Created struct {
	User     *backend.User `json:"user"`
	Password string        `json:"password,omitempty"`
}

// CreateUsers adds a class of users at once: all of them, or (EINVALID or
// ECONFLICT, with one field error per refused entry, "users[i]") none.
func (s *Service) CreateUsers(ctx context.Context, in []NewUser) ([]Created, error) {
	if len(in) == 0 {
		return nil, backend.Errorf(backend.EINVALID, "no users to add")
	}
	if len(in) > MaxNewUsers {
		return nil, backend.Errorf(backend.EINVALID, "%d users in one request: add at most %d at a time", len(in), MaxNewUsers)
	}
	existing, err := s.Store.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, u := range existing {
		taken[u.Name] = true
	}
	out := make([]Created, len(in))
	passwords := make([]string, len(in))
	var problems []backend.FieldError
	code := backend.EINVALID
	for i, nu := range in {
		refuse := func(err error) {
			problems = append(problems, backend.FieldError{Field: fmt.Sprintf("users[%d]", i), Message: backend.ErrorMessage(err)})
		}
		name, err := ValidName(nu.Name)
		if err != nil {
			refuse(err)
			continue
		}
		if err := validRole(nu.Role); err != nil {
			refuse(fmt.Errorf("%s: %w", name, err))
			continue
		}
		if taken[name] {
			refuse(backend.Errorf(backend.ECONFLICT, "a user named %q already exists", name))
			code = backend.ECONFLICT
			continue
		}
		taken[name] = true
		passwords[i] = nu.Password
		if nu.Password == "" {
			passwords[i] = GeneratePassword()
			out[i].Password = passwords[i]
		} else if err := checkPassword(nu.Password); err != nil {
			refuse(backend.Errorf(backend.EINVALID, "%s: %s", name, backend.ErrorMessage(err)))
			continue
		}
		out[i].User = &backend.User{Name: name, Role: nu.Role}
	}
	if len(problems) > 0 {
		if len(problems) > 1 {
			code = backend.EINVALID
		}
		msg := problems[0].Message
		if len(problems) > 1 {
			msg = fmt.Sprintf("%s (and %d more)", msg, len(problems)-1)
		}
		return nil, &backend.Error{Code: code, Message: msg, Fields: problems}
	}

	hashes, err := s.hashAll(passwords)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.Store.CreateUser(ctx, out[i].User, hashes[i]); err != nil {
			// Someone took a name meanwhile: undo this call's accounts.
			for _, c := range out[:i] {
				_ = s.Store.DeleteUser(context.WithoutCancel(ctx), c.User.Name)
			}
			return nil, fmt.Errorf("add %s: %w", out[i].User.Name, err)
		}
	}
	return out, nil
}

func checkPassword(password string) error {
	if len(password) < MinPasswordLen {
		return backend.Errorf(backend.EINVALID, "password must be at least %d characters", MinPasswordLen)
	}
	if len(password) > 72 {
		return backend.Errorf(backend.EINVALID, "password must be at most 72 bytes")
	}
	return nil
}

// hashAll hashes passwords on every core: bcrypt takes tens of
// milliseconds each, and a class is dozens.
func (s *Service) hashAll(passwords []string) ([]string, error) {
	hashes := make([]string, len(passwords))
	errs := make([]error, len(passwords))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, p := range passwords {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			hashes[i], errs[i] = s.hashPassword(p)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return hashes, nil
}
