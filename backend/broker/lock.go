package broker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// lockFileName sits in the store dir. nats-server takes no lock of its own,
// so two servers on one store dir (the app opened twice) would both write
// the same stream files; the lock makes the second Start fail instead.
const lockFileName = "broker.lock"

// errLocked is what tryLock returns when another holder has the lock.
var errLocked = errors.New("locked")

type dirLock struct{ f *os.File }

func lockStoreDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock store dir: %w", err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("store dir %s is in use by another broker (is Tessera already running?)", dir)
		}
		return nil, fmt.Errorf("lock store dir: %w", err)
	}
	return &dirLock{f: f}, nil
}

// release unlocks by closing the file; the file itself stays, harmlessly.
func (l *dirLock) release() error { return l.f.Close() }
