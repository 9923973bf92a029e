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

// loginGuard counts recent sign-in failures, and the attempts being
// checked now: those count as failures until they end, so guesses sent all
// at once cannot all pass before the first failure is counted.
type loginGuard struct {
	mu      sync.Mutex
	fails   map[string][]time.Time
	pending map[string]int
	now     func() time.Time
}

func newLoginGuard() *loginGuard {
	return &loginGuard{fails: map[string][]time.Time{}, pending: map[string]int{}, now: time.Now}
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

// begin is ETOOMANY while the address, or the address with this name, has
// used up its failures (attempts in progress counted as failures).
// Otherwise the attempt is under way until its end is called with whether
// it failed.
func (g *loginGuard) begin(r *http.Request, name string) (end func(failed bool), err error) {
	both, addr := g.keys(r, name)
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	for key, max := range map[string]int{both: failuresPerName, addr: failuresPerAddress} {
		if ts := g.recent(key, now); len(ts)+g.pending[key] >= max {
			wait := failureWindow
			if len(ts) > 0 {
				wait -= now.Sub(ts[0])
			}
			return nil, backend.Errorf(backend.ETOOMANY, "too many failed sign-ins: try again in %d minutes", int(wait.Minutes())+1)
		}
	}
	g.pending[both]++
	g.pending[addr]++
	return func(failed bool) { g.end(both, addr, failed) }, nil
}

// end closes an attempt begun for both (address and name) and addr,
// counting it as a failure when it failed.
func (g *loginGuard) end(both, addr string, failed bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, key := range []string{both, addr} {
		if g.pending[key]--; g.pending[key] <= 0 {
			delete(g.pending, key)
		}
	}
	if !failed {
		return
	}
	if len(g.fails) > maxTracked {
		g.fails = map[string][]time.Time{}
	}
	now := g.now()
	g.fails[both] = append(g.recent(both, now), now)
	g.fails[addr] = append(g.recent(addr, now), now)
}
