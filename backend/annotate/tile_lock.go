package annotate

import "sync"

// tileLocks serialises the saves of one tile in this process: the revision
// check, the label file and the index move together, so two saves of the
// same revision cannot both write the file.
type tileLocks struct {
	mu sync.Mutex
	m  map[string]*tileLock
}

type tileLock struct {
	sync.Mutex
	holders int
}

// lock takes key's lock; the returned func releases it.
func (l *tileLocks) lock(key string) func() {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*tileLock{}
	}
	t := l.m[key]
	if t == nil {
		t = &tileLock{}
		l.m[key] = t
	}
	t.holders++
	l.mu.Unlock()
	t.Lock()
	return func() {
		t.Unlock()
		l.mu.Lock()
		if t.holders--; t.holders == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
}
