package agent

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

// TestLogThroughput measures log lines from the fake trainer through the
// agent to EVENTS, read back by a consumer: lines per second when the
// trainer prints as fast as it can, and the delay from the trainer
// printing a line (its timestamp ends the line) to the consumer reading it.
func TestLogThroughput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.startAgent(Config{Name: "fast"})
	flood, fast := 100_000, 50_000
	if raceEnabled {
		flood, fast = 20_000, 10_000
	}
	for _, tc := range []struct {
		name string
		cfg  map[string]any
		n    int
	}{
		{"flood", map[string]any{"behaviour": "flood", "lines": flood}, flood},
		{"paced 5000/s", map[string]any{"behaviour": "paced", "rate": 5000, "seconds": 2.0}, 10_000},
		{fmt.Sprintf("steady %d/s", fast), map[string]any{"behaviour": "paced", "rate": fast, "seconds": 2.0}, 2 * fast},
	} {
		id := strings.Fields(tc.name)[0]
		var mu sync.Mutex
		var delays []time.Duration
		var first, last time.Time
		events := 0
		w := e.watchWith(id, func(ev jobproto.LogEvent, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			events++
			for _, l := range ev.Lines {
				f := strings.Fields(l.Text)
				if len(f) != 3 || f[0] != "line" {
					continue
				}
				ns, err := strconv.ParseInt(f[2], 10, 64)
				if err != nil {
					continue
				}
				printed := time.Unix(0, ns)
				if first.IsZero() {
					first = printed
				}
				last = at
				delays = append(delays, at.Sub(printed))
			}
		})
		e.publishJob(jobproto.JobMessage{JobID: id, Config: tc.cfg}, "")
		w.waitStatus(60*time.Second, 1, jobproto.StatusCompleted)
		got := 0
		for i, l := range w.lines(1) { // contiguous seq, checked by lines
			if strings.HasPrefix(l.Text, "line ") {
				got++
				if want := fmt.Sprintf("line %d ", got); !strings.HasPrefix(l.Text, want) {
					t.Fatalf("%s: line %d is %q", tc.name, i, l.Text)
				}
			}
		}
		mu.Lock()
		if got != tc.n || len(delays) != tc.n {
			t.Fatalf("%s: %d lines in the log, %d timed, want %d", tc.name, got, len(delays), tc.n)
		}
		slices.Sort(delays)
		pct := func(p float64) time.Duration { return delays[int(p*float64(len(delays)-1))] }
		span := last.Sub(first)
		t.Logf("%s: %d lines in %d events over %v: %.0f lines/s; delay print→readable p50 %v p99 %v max %v",
			tc.name, tc.n, events, span.Round(time.Millisecond), float64(tc.n)/span.Seconds(),
			pct(0.50).Round(100*time.Microsecond), pct(0.99).Round(100*time.Microsecond), delays[len(delays)-1].Round(100*time.Microsecond))
		mu.Unlock()
	}
}
