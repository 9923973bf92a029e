package images

import (
	"os"

	"golang.org/x/sys/unix"
)

// makeDurable flushes what tiling wrote (tiles, thumbnail, pyramid) to disk
// before the image is recorded ready: new files renamed into place are not
// safe from a power cut until then. One syncfs covers the lot.
func makeDurable(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
