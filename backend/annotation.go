package backend

import "time"

// Annotation indexes one tile's label file (annotations/<tile>__labels.json).
type Annotation struct {
	ProjectID int64
	TileName  string
	ImageID   int64
	Revision  int64
	Labels    int
	Complete  bool
	// Classes counts labels per class, as JSON {"flower": 3}.
	Classes   string
	EditedBy  string
	UpdatedAt time.Time
}

// UserEffort is one person's labelling in a project.
type UserEffort struct {
	User    string  `json:"user"`
	Tiles   int     `json:"tiles"`
	Seconds float64 `json:"seconds"`
}

// ImageProgress is one image's labelling progress.
type ImageProgress struct {
	ImageID  int64  `json:"image_id"`
	Name     string `json:"name"`
	Tiles    int    `json:"tiles"`
	Labelled int    `json:"labelled"`
	Complete int    `json:"complete"`
}

// EventLabelsUpdated is sent when a tile's labels were saved.
const EventLabelsUpdated = "labels.updated"
