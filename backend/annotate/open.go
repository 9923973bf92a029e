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
// is. Lost on restart, which costs nothing but a few collisions. Each user
// counts for a few tiles at most (their editor tabs), so neither memory nor
// the time a look-up holds the lock grows with what one user sends.
type openTiles struct {
	mu     sync.Mutex
	byUser map[string]map[int64]time.Time // user → tile → last seen
	swept  time.Time
}

// maxOpenPerUser bounds the tiles one user counts as having open: the
// most recent ones.
const maxOpenPerUser = 4

// mark records that user has tile open at now.
func (o *openTiles) mark(tileID int64, user string, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.byUser == nil {
		o.byUser = map[string]map[int64]time.Time{}
	}
	if now.Sub(o.swept) >= 10*time.Second { // forget what expired, now and then
		o.swept = now
		for u, tiles := range o.byUser {
			for id, at := range tiles {
				if now.Sub(at) >= OpenFor {
					delete(tiles, id)
				}
			}
			if len(tiles) == 0 {
				delete(o.byUser, u)
			}
		}
	}
	tiles := o.byUser[user]
	if tiles == nil {
		tiles = map[int64]time.Time{}
		o.byUser[user] = tiles
	}
	tiles[tileID] = now
	for len(tiles) > maxOpenPerUser {
		var oldest int64
		var at time.Time
		for id, t := range tiles {
			if at.IsZero() || t.Before(at) {
				oldest, at = id, t
			}
		}
		delete(tiles, oldest)
	}
}

// others are the users other than user who have tile open at now, sorted.
func (o *openTiles) others(tileID int64, user string, now time.Time) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := []string{}
	for u, tiles := range o.byUser {
		if at, ok := tiles[tileID]; ok && u != user && now.Sub(at) < OpenFor {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out
}

// openByOthers is the set of tiles someone other than user has open at now.
func (o *openTiles) openByOthers(user string, now time.Time) map[int64]bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[int64]bool{}
	for u, tiles := range o.byUser {
		for id, at := range tiles {
			if u != user && now.Sub(at) < OpenFor {
				out[id] = true
			}
		}
	}
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
	taken := s.open.openByOthers(user, now)
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
			if !taken[t.ID] {
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
