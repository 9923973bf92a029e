package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tessera-lab/tessera/backend"
)

// out prints a command's result as text or, with --json, as one document.
type out struct {
	env  Env
	json bool
}

func (o *out) print(v any, text func(w io.Writer)) error {
	if o.json {
		enc := json.NewEncoder(o.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(o.env.Stdout)
	return nil
}

// fail reports err on stderr: {"error":{"code","message"}} with --json.
func (o *out) fail(err error) {
	code, msg := backend.ErrorCode(err), backend.ErrorMessage(err)
	var be *backend.Error
	switch {
	case code == backend.EINTERNAL:
		msg = err.Error() // a CLI user is the operator: show the detail
	case errors.As(err, &be) && error(be) != err:
		// Keep what the wrapping said (a file name, an image), less the code.
		msg = strings.Replace(err.Error(), be.Error(), be.Message, 1)
	}
	if o.json {
		b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
		fmt.Fprintln(o.env.Stderr, string(b))
		return
	}
	fmt.Fprintf(o.env.Stderr, "tessera: %s\n", msg)
}
