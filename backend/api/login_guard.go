package api

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/tessera-lab/tessera/backend"
)

// Sign-in failures allowed within failureWindow: per client address and
// name (someone guessing one account's password), and per address (someone
// trying many accounts). A class behind one address that mistypes
// passwords stays well under the second; nobody can lock another user out
// from elsewhere, as there is no limit per name alone.
const (
	failuresPerName    = 5
	failuresPerAddress = 50
	failureWindow      = 5 * time.Minute
	maxTracked         = 10000 // keys kept; beyond, the oldest window is forgotten
)

// loginGuard counts recent sign-in failures.
type loginGuard struct {
	mu    sync.Mutex
	fails map[string][]time.Time
	now   func() time.Time
}

func newLoginGuard() *loginGuard {
	return &loginGuard{fails: map[string][]time.Time{}, now: time.Now}
}

func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (g *loginGuard) keys(r *http.Request, name string) (both, addr string) {
	addr = clientAddress(r)
	return addr + "\x00" + name, addr
}

// recent drops failures older than the window and returns the rest.
func (g *loginGuard) recent(key string, now time.Time) []time.Time {
	ts := g.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= failureWindow {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(g.fails, key)
	} else {
		g.fails[key] = ts
	}
	return ts
}

// check is ETOOMANY while the address, or the address with this name, has
// used up its failures.
func (g *loginGuard) check(r *http.Request, name string) error {
	both, addr := g.keys(r, name)
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	for key, max := range map[string]int{both: failuresPerName, addr: failuresPerAddress} {
		if ts := g.recent(key, now); len(ts) >= max {
			wait := failureWindow - now.Sub(ts[0])
			return backend.Errorf(backend.ETOOMANY, "too many failed sign-ins: try again in %d minutes", int(wait.Minutes())+1)
		}
	}
	return nil
}

// failed counts a failure.
func (g *loginGuard) failed(r *http.Request, name string) {
	both, addr := g.keys(r, name)
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.fails) > maxTracked {
		g.fails = map[string][]time.Time{}
	}
	now := g.now()
	g.fails[both] = append(g.recent(both, now), now)
	g.fails[addr] = append(g.recent(addr, now), now)
}
