package agent

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
)

// MaxLineBytes is the longest log line kept; the rest of a longer line is
// cut and the line says how much.
const MaxLineBytes = 16 << 10

// readLines reads r to its end and calls emit for each line. A line ends
// at "\n", "\r\n" or a lone "\r" (progress bars redraw with "\r"), which
// is not part of it. A read deadline ending the read counts as the end.
func readLines(r io.Reader, maxLen int, emit func(string)) error {
	buf := make([]byte, 64<<10)
	cur := make([]byte, 0, 256)
	dropped := 0
	// After a "\r": it ended a line (emitted), or came on an empty line,
	// which "\n" then ends as a blank line ("\r\n\r\n") and anything else
	// does not (a progress bar redrawing).
	const (
		noCR = iota
		crEnded
		crEmpty
	)
	cr := noCR
	flush := func() {
		text := string(cur)
		if dropped > 0 {
			text += " … [" + strconv.Itoa(dropped) + " more bytes cut]"
		}
		emit(text)
		cur, dropped = cur[:0], 0
	}
	add := func(p []byte) {
		if len(p) == 0 {
			return
		}
		cr = noCR
		room := maxLen - len(cur)
		if len(p) > room {
			dropped += len(p) - max(room, 0)
			p = p[:max(room, 0)]
		}
		cur = append(cur, p...)
	}
	for {
		n, err := r.Read(buf)
		for p := buf[:n]; len(p) > 0; {
			i := bytes.IndexAny(p, "\r\n")
			if i < 0 {
				add(p)
				break
			}
			add(p[:i])
			switch {
			case p[i] == '\r':
				if len(cur) > 0 || dropped > 0 {
					flush()
					cr = crEnded
				} else {
					cr = crEmpty
				}
			case cr == crEnded: // the "\n" of "\r\n"
				cr = noCR
			default:
				flush()
				cr = noCR
			}
			p = p[i+1:]
		}
		if err != nil {
			if len(cur) > 0 || dropped > 0 {
				flush()
			}
			if err == io.EOF || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return err
		}
	}
}
