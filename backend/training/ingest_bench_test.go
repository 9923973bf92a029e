package training_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/store"
	"github.com/tessera-lab/tessera/backend/training"
)

// linesSeen is an Emitter that records when each job.log event reached
// the live stream.
type linesSeen struct {
	mu    sync.Mutex
	lines int
	at    map[int64]time.Time // seq of a batch's first line → when emitted
	cond  *sync.Cond
}

func (l *linesSeen) Emit(e backend.Event) {
	if e.Type != backend.EventJobLog {
		return
	}
	lines := e.Data.(map[string]any)["lines"].([]backend.JobLogLine)
	l.mu.Lock()
	l.lines += len(lines)
	l.at[lines[0].Seq] = time.Now()
	l.mu.Unlock()
	l.cond.Broadcast()
}

func (l *linesSeen) waitLines(n int) {
	l.mu.Lock()
	for l.lines < n {
		l.cond.Wait()
	}
	l.mu.Unlock()
}

func setup(b testing.TB) (*training.Service, *nats.Conn, *linesSeen, string, func()) {
	dir := b.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "tessera.db"))
	if err != nil {
		b.Fatal(err)
	}
	br, err := broker.Start(ctx, broker.Config{StoreDir: filepath.Join(dir, "broker")})
	if err != nil {
		b.Fatal(err)
	}
	p := &backend.Project{Name: "bench"}
	db.CreateProject(ctx, p)
	pl := &backend.Pipeline{ID: "p1", Name: "p", ProjectID: p.ID, Worker: "pool:x", CreatedBy: "b"}
	db.CreatePipeline(ctx, pl)
	seen := &linesSeen{at: map[int64]time.Time{}}
	seen.cond = sync.NewCond(&seen.mu)
	layout := backend.Layout{Root: dir}
	svc := training.New(db, br.Conn(), br.JetStream(), &dataset.Builder{Store: db, Layout: layout}, layout, seen)
	// Created after the service started (one from before, never queued, is
	// one a stopped app left, and fails).
	job := &backend.Job{ID: "job1", PipelineID: pl.ID, ProjectID: p.ID, Status: jobproto.StatusPending, Trainer: "t", Target: "pool:x", Config: []byte("{}"), CreatedBy: "b"}
	if err := db.CreateJob(ctx, job, "bench"); err != nil {
		b.Fatal(err)
	}
	ictx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { svc.Ingest(ictx); close(done) }()
	return svc, br.Conn(), seen, job.ID, func() { cancel(); <-done; br.Close(); db.Close() }
}

func publishLog(nc *nats.Conn, job string, seq int64, n int) error {
	lines := make([]jobproto.LogLine, n)
	for i := range lines {
		lines[i] = jobproto.LogLine{Stream: "stdout", Text: fmt.Sprintf("Epoch 3 step %d loss 0.4213 lr 0.001", seq+int64(i)), Time: time.Now()}
	}
	data, _ := json.Marshal(jobproto.LogEvent{JobID: job, Attempt: 1, Seq: seq, Lines: lines, Worker: "w"})
	m := nats.NewMsg(jobproto.EventSubject(job, jobproto.KindLog))
	m.Data = data
	m.Header.Set(jobproto.HeaderMsgID, fmt.Sprintf("%s.1.log.%d", job, seq))
	return nc.PublishMsg(m)
}

// BenchmarkIngestLines: log lines per second from EVENTS into the
// database, train.log and the live stream, in batches of 500 lines as the
// agent sends them.
func BenchmarkIngestLines(b *testing.B) {
	_, nc, seen, job, done := setup(b)
	defer done()
	const perEvent = 500
	total := b.N * perEvent
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := publishLog(nc, job, int64(i*perEvent+1), perEvent); err != nil {
			b.Fatal(err)
		}
	}
	seen.waitLines(total)
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "lines/s")
}

// BenchmarkIngestLatency: the delay from an agent publishing a line to the
// line reaching the live stream, at a steady 20 events/s of 50 lines.
func BenchmarkIngestLatency(b *testing.B) {
	_, nc, seen, job, done := setup(b)
	defer done()
	n := max(b.N, 200)
	sent := make([]time.Time, n)
	for i := 0; i < n; i++ {
		sent[i] = time.Now()
		if err := publishLog(nc, job, int64(i*50+1), 50); err != nil {
			b.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	seen.waitLines(n * 50)
	var ds []float64
	seen.mu.Lock()
	for i := 0; i < n; i++ {
		ds = append(ds, float64(seen.at[int64(i*50+1)].Sub(sent[i]).Microseconds())/1000)
	}
	seen.mu.Unlock()
	sort.Float64s(ds)
	b.ReportMetric(ds[len(ds)/2], "p50-ms")
	b.ReportMetric(ds[len(ds)*99/100], "p99-ms")
}
