package annotate

import (
	"bytes"
	"encoding/json"
)

func jsonIndent(dst *bytes.Buffer, raw []byte) error {
	if err := json.Indent(dst, raw, "", "  "); err != nil {
		return err
	}
	dst.WriteByte('\n')
	return nil
}
