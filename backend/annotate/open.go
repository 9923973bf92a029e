package annotate

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/tessera-lab/tessera/backend"
)

// OpenFor is how long a tile counts as open after its editor last read it
// or sent a heartbeat (the editor sends one a minute).
const OpenFor = 2 * time.Minute

// openTiles remembers, in memory only, who has which tile open in the
// editor and when they last said so: so that "Continue annotating" sends
// each person to a tile nobody else is on, and the editor can say who else
// is. Lost on restart, which costs nothing but a few collisions.
type openTiles struct {
	mu sync.Mutex
	m  map[int64]map[string]time.Time // tile → user → last seen
}

// mark records that user has tile open at now and forgets what expired.
func (o *openTiles) mark(tileID int64, user string, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[int64]map[string]time.Time{}
	}
	for id, users := range o.m {
		for u, at := range users {
			if now.Sub(at) >= OpenFor {
				delete(users, u)
			}
		}
		if len(users) == 0 {
			delete(o.m, id)
		}
	}
	if o.m[tileID] == nil {
		o.m[tileID] = map[string]time.Time{}
	}
	o.m[tileID][user] = now
}

// others are the users other than user who have tile open at now, sorted.
func (o *openTiles) others(tileID int64, user string, now time.Time) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []string{}
	for u, at := range o.m[tileID] {
		if u != user && now.Sub(at) < OpenFor {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// KeepOpen records that user has the tile open now (the editor's
// heartbeat) and returns the others who have it open.
func (s *Service) KeepOpen(ctx context.Context, user string, tileID int64) ([]string, error) {
	if _, err := s.Store.FindTileByID(ctx, tileID); err != nil {
		return nil, err
	}
	now := s.now()
	s.open.mark(tileID, user, now)
	return s.open.others(tileID, user, now), nil
}

// OpenTileLabels is TileLabels for user's editor: the tile is recorded as
// open by user, and the answer says who else has it open.
func (s *Service) OpenTileLabels(ctx context.Context, user string, tileID int64) (*TileLabels, error) {
	tl, err := s.TileLabels(ctx, tileID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	s.open.mark(tileID, user, now)
	tl.OpenBy = s.open.others(tileID, user, now)
	return tl, nil
}

// NextTile is the tile "Continue annotating" opens for user: in reading
// order (row, then column) of the image's tiles, or of every image's when
// imageID is 0, the first one not marked complete that nobody else has
// open; else the first one not complete; else the first tile. Nil when
// there are no tiles. The tile counts as open by user from now on, so
// that two people asking at once get different tiles.
func (s *Service) NextTile(ctx context.Context, user string, projectID, imageID int64) (*backend.Tile, error) {
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return nil, err
	}
	var imgs []*backend.Image
	if imageID != 0 {
		m, err := s.Store.FindImageByID(ctx, imageID)
		if err != nil {
			return nil, err
		}
		if m.ProjectID != projectID {
			return nil, backend.Errorf(backend.ENOTFOUND, "image %d is not in project %d", imageID, projectID)
		}
		imgs = []*backend.Image{m}
	} else {
		var err error
		if imgs, err = s.Store.AllImages(ctx, projectID); err != nil {
			return nil, err
		}
	}
	as, err := s.Store.FindAnnotations(ctx, projectID)
	if err != nil {
		return nil, err
	}
	complete := map[string]bool{}
	for _, a := range as {
		complete[a.TileName] = a.Complete
	}
	now := s.now()
	var first, firstIncomplete, free *backend.Tile
	for _, m := range imgs {
		tiles, err := s.Store.AllTiles(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		slices.SortStableFunc(tiles, func(a, b *backend.Tile) int {
			if a.Row != b.Row {
				return a.Row - b.Row
			}
			if a.Col != b.Col {
				return a.Col - b.Col
			}
			return int(a.ID - b.ID)
		})
		for _, t := range tiles {
			if first == nil {
				first = t
			}
			if complete[t.Name] {
				continue
			}
			if firstIncomplete == nil {
				firstIncomplete = t
			}
			if len(s.open.others(t.ID, user, now)) == 0 {
				free = t
				break
			}
		}
		if free != nil {
			break
		}
	}
	next := free
	if next == nil {
		next = firstIncomplete
	}
	if next == nil {
		next = first
	}
	if next != nil {
		s.open.mark(next.ID, user, now)
	}
	return next, nil
}
