//go:build !linux

package images

import "os"

// makeDurable flushes the folder's entries (the files' data is flushed by
// the system in its own time; syncfs is Linux's).
func makeDurable(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
