package backend

import (
	"io"
	"os"
)

// MaxJSONFile bounds the JSON files of a job (model.json, metrics.json)
// that the app reads whole whenever someone opens the job.
const MaxJSONFile = 16 << 20

// ReadFileMax reads a whole file of at most max bytes; a larger one is
// ETOOLARGE and is not read.
func ReadFileMax(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, Errorf(ETOOLARGE, "%s is over %d bytes", path, max)
	}
	return b, nil
}
