package backend

import "time"

// Image states. An import records the image as queued; the tiler moves it
// through tiling to ready or failed; the folder watcher marks it missing when
// its original disappears (its tiles and labels stay).
const (
	ImageQueued  = "queued"
	ImageTiling  = "tiling"
	ImageReady   = "ready"
	ImageFailed  = "failed"
	ImageMissing = "missing"
)

// Image is one original in a project's input_images/ and what was cut from it.
type Image struct {
	ID        int64  `json:"id"`
	ProjectID int64  `json:"project_id"`
	Name      string `json:"name"` // the file's name where it came from
	File      string `json:"file"` // its name in input_images/
	Format    string `json:"format"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	BitDepth  int    `json:"bit_depth"`
	Channels  int    `json:"channels"`
	Bytes     int64  `json:"bytes"`
	SHA256    string `json:"sha256"`
	// TilePrefix starts every tile's file name: <prefix>_r000_c000.png.
	TilePrefix string   `json:"tile_prefix"`
	TileSize   int      `json:"tile_size"`
	Overlap    int      `json:"overlap"`
	TilesCount int      `json:"tiles_count"`
	State      string   `json:"state"`
	Error      string   `json:"error"`
	Pyramid    *Pyramid `json:"pyramid"`
	// Stretch is the 16-bit display mapping as JSON ("" for 8-bit images).
	Stretch string `json:"-"`
	// Source is the path an import read the image from (not stored).
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Pyramid describes the deep-zoom levels the viewer loads.
type Pyramid struct {
	TileSize int    `json:"tile_size"`
	Levels   int    `json:"levels"`
	Format   string `json:"format"`
}

// Tile is one crop of an image, as a PNG in the project's tiles/ folder.
// Edge tiles are partial: Width and Height are the valid size.
type Tile struct {
	ID      int64  `json:"id"`
	ImageID int64  `json:"image_id"`
	Row     int    `json:"row"`
	Col     int    `json:"col"`
	X       int    `json:"x"`
	Y       int    `json:"y"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Name    string `json:"name"` // file name in tiles/
}

// ImportResult says what became of each path of an import.
type ImportResult struct {
	Imported   []*Image          `json:"imported"`
	Duplicates []ImportDuplicate `json:"duplicates"`
	Failed     []ImportFailure   `json:"failed"`
}

type ImportDuplicate struct {
	Path    string `json:"path"`
	ImageID int64  `json:"image_id"`
}

type ImportFailure struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// Image event types.
const (
	EventImageUpdated  = "image.updated"
	EventImageProgress = "image.progress"
	EventImageDeleted  = "image.deleted"
)

// TilingProgress is the data of an image.progress event.
type TilingProgress struct {
	ImageID int64 `json:"image_id"`
	Done    int   `json:"done"`
	Total   int   `json:"total"`
}

// Default tiling settings of a new project.
const (
	DefaultTileSize = 512
	MinTileSize     = 64
	MaxTileSize     = 4096
)
