// Package projects creates, changes and removes projects: their database
// rows and their folders on disk, and tells the UIs.
package projects

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tessera-lab/tessera/backend"
)

// Store is the part of the database the service uses.
type Store interface {
	CreateProject(ctx context.Context, p *backend.Project) error
	FindProjects(ctx context.Context) ([]*backend.Project, error)
	FindProjectByID(ctx context.Context, id int64) (*backend.Project, error)
	UpdateProject(ctx context.Context, id int64, upd backend.ProjectUpdate) (*backend.Project, error)
	DeleteProject(ctx context.Context, id int64) error
}

// MaxDescriptionLen bounds a project's description, in bytes.
const MaxDescriptionLen = 4000

// Service implements backend.ProjectService.
type Service struct {
	Store   Store
	Layout  backend.Layout
	Emitter backend.Emitter // may be nil
	// BeforeDelete, when set, runs before a project is deleted; its error
	// keeps the project (training refuses while jobs run, and removes its
	// jobs' objects from the broker).
	BeforeDelete func(ctx context.Context, id int64) error
	// StopWork, when set, runs once a project's row is deleted, before its
	// folder is removed: it stops what writes into the folder (tilings,
	// images.Service.StopProject) and waits for it to end.
	StopWork func(id int64)
}

var _ backend.ProjectService = (*Service)(nil)

func (s *Service) emit(typ string, id int64, data any) {
	if s.Emitter != nil {
		s.Emitter.Emit(backend.Event{Type: typ, ProjectID: id, Data: data, Time: time.Now().UTC()})
	}
}

func checkDescription(d string) (string, error) {
	d = strings.TrimSpace(d)
	switch {
	case len(d) > MaxDescriptionLen:
		return "", backend.Errorf(backend.EINVALID, "description is longer than %d bytes", MaxDescriptionLen)
	case strings.ContainsRune(d, 0):
		return "", backend.Errorf(backend.EINVALID, "description must not contain NUL characters")
	case !utf8.ValidString(d):
		return "", backend.Errorf(backend.EINVALID, "description must be UTF-8 text")
	}
	return d, nil
}

// CreateProject stores the project and makes its folders. If the folders
// cannot be made the row is removed again, so no project exists half-made.
func (s *Service) CreateProject(ctx context.Context, p *backend.Project) error {
	var err error
	if p.Name, err = backend.NormalizeProjectName(p.Name); err != nil {
		return err
	}
	if p.Description, err = checkDescription(p.Description); err != nil {
		return err
	}
	if err := s.Store.CreateProject(ctx, p); err != nil {
		return err
	}
	for _, dir := range s.Layout.ProjectSubdirs(p.ID) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			_ = s.Store.DeleteProject(context.WithoutCancel(ctx), p.ID)
			return fmt.Errorf("create project folder: %w", err)
		}
	}
	s.emit(backend.EventProjectCreated, p.ID, p)
	return nil
}

func (s *Service) FindProjects(ctx context.Context) ([]*backend.Project, error) {
	return s.Store.FindProjects(ctx)
}

func (s *Service) FindProjectByID(ctx context.Context, id int64) (*backend.Project, error) {
	return s.Store.FindProjectByID(ctx, id)
}

// UpdateProject renames a project or changes its description.
func (s *Service) UpdateProject(ctx context.Context, id int64, upd backend.ProjectUpdate) (*backend.Project, error) {
	if upd.Name != nil {
		n, err := backend.NormalizeProjectName(*upd.Name)
		if err != nil {
			return nil, err
		}
		upd.Name = &n
	}
	if upd.Description != nil {
		d, err := checkDescription(*upd.Description)
		if err != nil {
			return nil, err
		}
		upd.Description = &d
	}
	// The tile size and overlap are checked together by the store, against
	// the project as it is when it is written: one may change alone.
	if upd.MaxPixels != nil {
		if err := backend.CheckMaxPixels(*upd.MaxPixels); err != nil {
			return nil, err
		}
	}
	p, err := s.Store.UpdateProject(ctx, id, upd)
	if err != nil {
		return nil, err
	}
	s.emit(backend.EventProjectUpdated, p.ID, p)
	return p, nil
}

// DeleteProject removes the row first, then the folder: a crash between the
// two leaves an orphan folder, never a project whose files are gone.
func (s *Service) DeleteProject(ctx context.Context, id int64) error {
	if s.BeforeDelete != nil {
		if _, err := s.Store.FindProjectByID(ctx, id); err != nil {
			return err
		}
		if err := s.BeforeDelete(ctx, id); err != nil {
			return err
		}
	}
	if err := s.Store.DeleteProject(ctx, id); err != nil {
		return err
	}
	if s.StopWork != nil {
		s.StopWork(id)
	}
	if err := os.RemoveAll(s.Layout.ProjectDir(id)); err != nil {
		return fmt.Errorf("remove project folder: %w", err)
	}
	s.emit(backend.EventProjectDeleted, id, nil)
	return nil
}
