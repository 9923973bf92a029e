package annotate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
)

func jsonIndent(dst *bytes.Buffer, raw []byte) error {
	if err := json.Indent(dst, raw, "", "  "); err != nil {
		return err
	}
	dst.WriteByte('\n')
	return nil
}

// writeAtomic writes data to path through a synced temp file and a rename.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
