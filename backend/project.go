package backend

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Project is one class exercise: its images, tiles, labels and training runs
// live under <data>/projects/project-{id}/.
type Project struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// TileSize and TileOverlap apply to images imported from now on.
	TileSize    int `json:"tile_size"`
	TileOverlap int `json:"tile_overlap"`
	// MaxPixels caps an image's size in this project; 0 is the default cap.
	MaxPixels int64     `json:"max_pixels"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ProjectUpdate holds the fields to change; nil leaves a field as it is.
type ProjectUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	TileSize    *int    `json:"tile_size,omitempty"`
	TileOverlap *int    `json:"tile_overlap,omitempty"`
	MaxPixels   *int64  `json:"max_pixels,omitempty"`
}

// ProjectService manages projects, their folders and their rows.
type ProjectService interface {
	CreateProject(ctx context.Context, p *Project) error
	FindProjects(ctx context.Context) ([]*Project, error)
	FindProjectByID(ctx context.Context, id int64) (*Project, error)
	UpdateProject(ctx context.Context, id int64, upd ProjectUpdate) (*Project, error)
	DeleteProject(ctx context.Context, id int64) error
}

// MaxProjectNameLen bounds a project's name, in characters.
const MaxProjectNameLen = 100

// NormalizeProjectName trims a name and checks it is usable.
func NormalizeProjectName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", Errorf(EINVALID, "project name is required")
	case utf8.RuneCountInString(name) > MaxProjectNameLen:
		return "", Errorf(EINVALID, "project name is longer than %d characters", MaxProjectNameLen)
	case strings.ContainsAny(name, "\x00\n\r\t"):
		return "", Errorf(EINVALID, "project name must not contain control characters")
	}
	return name, nil
}

// MaxProjectPixels is the most a project's pixel limit may be raised to:
// an image is decoded whole (up to 8 bytes a pixel) before it is tiled.
const MaxProjectPixels = 4 << 30

// CheckMaxPixels validates a project's pixel limit.
func CheckMaxPixels(n int64) error {
	if n < 0 || n > MaxProjectPixels {
		return Errorf(EINVALID, "the pixel limit must be 0 (the default) up to %d (4 gigapixels), not %d", int64(MaxProjectPixels), n)
	}
	return nil
}

// CheckTiling validates a tile size and overlap.
func CheckTiling(size, overlap int) error {
	if size < MinTileSize || size > MaxTileSize {
		return Errorf(EINVALID, "tile size must be between %d and %d pixels, not %d", MinTileSize, MaxTileSize, size)
	}
	if overlap < 0 || overlap >= size/2 {
		return Errorf(EINVALID, "tile overlap must be at least 0 and less than half the tile size (%d), not %d", size/2, overlap)
	}
	return nil
}
