package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/tessera-lab/tessera/backend"
)

// Store is what the auth service needs from the database.
type Store interface {
	CreateUser(ctx context.Context, u *backend.User, passwordHash string) error
	FindUserByName(ctx context.Context, name string) (*backend.User, string, error)
	FindUsers(ctx context.Context) ([]*backend.User, error)
	CountUsers(ctx context.Context) (int, error)
	SetUserPassword(ctx context.Context, name, passwordHash string) error
	// DeleteUser removes a user and their sessions; ECONFLICT for the last admin.
	DeleteUser(ctx context.Context, name string) error
	CreateSession(ctx context.Context, tokenHash string, userID int64, checkedHash string, expires time.Time) error
	FindSessionUser(ctx context.Context, tokenHash string) (*backend.User, error)
	DeleteSession(ctx context.Context, tokenHash string) error
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// SessionTTL is how long a sign-in lasts: a term's week of lectures.
const SessionTTL = 7 * 24 * time.Hour

// Service signs users in and out of a classroom server.
type Service struct {
	Store Store
	Now   func() time.Time
	// Cost is bcrypt's work factor; tests lower it.
	Cost int

	decoyOnce sync.Once
	decoy     []byte // a hash an unknown name's password is checked against
}

// NewService returns a Service over st.
func NewService(st Store) *Service {
	return &Service{Store: st, Now: time.Now, Cost: bcrypt.DefaultCost}
}

// CreateUser adds a user with a role and password.
func (s *Service) CreateUser(ctx context.Context, name string, role backend.Role, password string) (*backend.User, error) {
	name, err := ValidName(name)
	if err != nil {
		return nil, err
	}
	if err := validRole(role); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &backend.User{Name: name, Role: role}
	if err := s.Store.CreateUser(ctx, u, hash); err != nil {
		return nil, err
	}
	return u, nil
}

// SetPassword replaces a user's password and signs them out everywhere.
func (s *Service) SetPassword(ctx context.Context, name, password string) error {
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	return s.Store.SetUserPassword(ctx, name, hash)
}

func (s *Service) hashPassword(password string) (string, error) {
	if err := checkPassword(password); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.Cost)
	return string(h), err
}

// Login checks a name and password and returns a new session token. The same
// error is returned for an unknown name and a wrong password.
func (s *Service) Login(ctx context.Context, name, password string) (*backend.User, string, error) {
	bad := backend.Errorf(backend.EUNAUTHORIZED, "wrong user name or password")
	name = strings.TrimSpace(name)
	if strings.ContainsRune(name, 0) || !utf8.ValidString(name) {
		// No user has such a name (CreateUser refuses it), and PostgreSQL
		// would refuse to look it up.
		return nil, "", backend.Errorf(backend.EINVALID, "user name must be text without NUL characters")
	}
	u, hash, err := s.Store.FindUserByName(ctx, name)
	if backend.ErrorCode(err) == backend.ENOTFOUND {
		// As long as a wrong password takes: the time does not tell
		// which names exist.
		s.decoyOnce.Do(func() { s.decoy, _ = bcrypt.GenerateFromPassword([]byte(NewToken()), s.Cost) })
		bcrypt.CompareHashAndPassword(s.decoy, []byte(password))
		return nil, "", bad
	} else if err != nil {
		return nil, "", err
	}
	if hash == "" || bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return nil, "", bad
	}
	token := NewToken()
	if err := s.Store.CreateSession(ctx, hashToken(token), u.ID, hash, s.Now().Add(SessionTTL)); err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// Authenticate returns the user a session token belongs to.
func (s *Service) Authenticate(ctx context.Context, token string) (*backend.User, error) {
	if token == "" {
		return nil, backend.Errorf(backend.EUNAUTHORIZED, "sign in first")
	}
	return s.Store.FindSessionUser(ctx, hashToken(token))
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.Store.DeleteSession(ctx, hashToken(token))
}

// NewToken returns 32 random bytes, URL-safe encoded: session tokens and
// generated agent tokens and passwords.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is what the database keeps, so a leaked database holds no usable session.
func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}
