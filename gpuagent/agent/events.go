package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

// Batching of log lines: a batch goes out flushEvery after its first line,
// or at once when it holds batchLines lines or batchBytes of text.
const (
	flushEvery    = 20 * time.Millisecond
	batchLines    = 500
	batchBytes    = 256 << 10
	progressEvery = 250 * time.Millisecond // PROCESSING progress events, at most
	diagLines     = 20                     // lines in a FAILED status's Diagnostics
	publishTry    = 5 * time.Second        // one publish attempt
	publishFor    = 2 * time.Minute        // retrying a publish, in all
)

// events is one attempt's event pipeline: every log line, metric and status
// goes through its single goroutine, which numbers them, writes train.log,
// parses metrics and publishes to EVENTS in order, waiting for each ack.
type events struct {
	js      jetstream.JetStream
	ctx     context.Context // ends when publishing is pointless (connection lost)
	jobID   string
	attempt int
	worker  string

	in   chan evItem
	done chan struct{}

	// Owned by run.
	lineSeq, statusSeq, metricSeq int64
	batch                         []jobproto.LogLine
	batchSize                     int
	parsers                       map[string]*jobproto.Parser
	epochs                        int
	metric                        *jobproto.MetricEvent // waiting for the next flush
	progress, sentProgress        float64
	progressAt                    time.Time
	tail                          []string
	log                           *bufio.Writer
	logFile                       *os.File
	err                           error       // first publish failure: later events are dropped
	gaveUp                        func(error) // told of that failure, once
}

type evItem struct {
	line   *jobproto.LogLine
	status *jobproto.StatusEvent
	open   string        // open train.log at this path
	epochs int           // with open: the configured number of epochs
	done   chan error    // for status, open and sync items
	tail   chan []string // sync: receives the last lines
	close  bool          // sync: and close train.log
}

func newEvents(ctx context.Context, js jetstream.JetStream, jobID string, attempt int, worker string, gaveUp func(error)) *events {
	e := &events{
		js: js, ctx: ctx, jobID: jobID, attempt: attempt, worker: worker, gaveUp: gaveUp,
		in:      make(chan evItem, 4096),
		done:    make(chan struct{}),
		parsers: map[string]*jobproto.Parser{},
	}
	go e.run()
	return e
}

// Line queues a log line. It blocks while the pipeline is full.
func (e *events) Line(stream, text string) {
	e.in <- evItem{line: &jobproto.LogLine{Stream: stream, Text: text, Time: time.Now().UTC()}}
}

// Agentf queues a line from the agent about the job.
func (e *events) Agentf(format string, args ...any) {
	e.Line(jobproto.StreamAgent, fmt.Sprintf(format, args...))
}

// Status publishes a status event after every line queued before it, and
// returns once JetStream has stored it.
func (e *events) Status(st jobproto.StatusEvent) error {
	done := make(chan error, 1)
	e.in <- evItem{status: &st, done: done}
	return <-done
}

// OpenLog starts writing train.log at path from the next line on, and
// tells the metric parsers how many epochs the job has.
func (e *events) OpenLog(path string, epochs int) error {
	done := make(chan error, 1)
	e.in <- evItem{open: path, epochs: epochs, done: done}
	return <-done
}

// Sync waits until every line queued so far is published and written to
// train.log, and returns the last lines for diagnostics.
func (e *events) Sync() ([]string, error) {
	done, tail := make(chan error, 1), make(chan []string, 1)
	e.in <- evItem{done: done, tail: tail}
	return <-tail, <-done
}

// CloseLog waits like Sync, then closes train.log; later lines are only
// published.
func (e *events) CloseLog() error {
	done, tail := make(chan error, 1), make(chan []string, 1)
	e.in <- evItem{done: done, tail: tail, close: true}
	<-tail
	return <-done
}

// Close ends the pipeline after what is queued and closes train.log.
func (e *events) Close() {
	close(e.in)
	<-e.done
}

func (e *events) run() {
	defer close(e.done)
	defer e.closeLog()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	arm := func(d time.Duration) {
		if !armed {
			timer.Reset(d)
			armed = true
		}
	}
	for {
		select {
		case it, ok := <-e.in:
			if !ok {
				for _, p := range e.parsers {
					e.takeMetric(p.Flush())
				}
				e.flush(true)
				return
			}
			switch {
			case it.line != nil:
				e.addLine(*it.line)
				if len(e.batch) >= batchLines || e.batchSize >= batchBytes {
					e.flush(false)
				} else {
					arm(flushEvery)
				}
			case it.status != nil:
				e.flush(true)
				it.done <- e.publishStatus(it.status)
			case it.open != "":
				e.epochs = it.epochs
				it.done <- e.openLog(it.open)
			default: // sync: the output has ended, so has any open block
				for _, p := range e.parsers {
					e.takeMetric(p.Flush())
				}
				e.flush(true)
				if e.log != nil && e.err == nil {
					if err := e.log.Flush(); err != nil {
						e.err = fmt.Errorf("train.log: %w", err)
					}
				}
				if it.close {
					e.closeLog()
				}
				it.tail <- append([]string(nil), e.tail...)
				it.done <- e.err
			}
		case <-timer.C:
			armed = false
			if wait := e.flush(false); wait > 0 {
				arm(wait)
			}
		}
	}
}

func (e *events) addLine(l jobproto.LogLine) {
	e.lineSeq++
	e.batch = append(e.batch, l)
	e.batchSize += len(l.Text) + 64
	if len(e.tail) == diagLines {
		e.tail = append(e.tail[:0], e.tail[1:]...)
	}
	e.tail = append(e.tail, l.Text)
	if e.log != nil {
		if l.Stream == jobproto.StreamAgent {
			e.log.WriteString("[agent] ")
		}
		e.log.WriteString(l.Text)
		e.log.WriteByte('\n')
	}
	if l.Stream == jobproto.StreamAgent {
		return
	}
	p := e.parsers[l.Stream]
	if p == nil {
		p = jobproto.NewParser(e.epochs)
		e.parsers[l.Stream] = p
	}
	m, pr := p.Feed(l.Text)
	e.takeMetric(m)
	if pr != nil {
		e.progress = *pr
	}
}

// takeMetric keeps the latest metric for the next flush; a metric of
// another epoch sends the one waiting first.
func (e *events) takeMetric(m *jobproto.MetricEvent) {
	if m == nil {
		return
	}
	if e.metric != nil && e.metric.Epoch != m.Epoch {
		e.flushLog() // a metric goes after the lines that hold its block
		e.publishMetric()
	}
	e.metric = m
}

// flush publishes the log batch, then the waiting metric, then progress if
// it moved and progressEvery has passed (or force). It returns how long
// until progress may go out when it had to wait.
func (e *events) flush(force bool) time.Duration {
	e.flushLog()
	if e.metric != nil {
		e.publishMetric()
	}
	if e.progress == e.sentProgress || e.statusSeq == 0 {
		return 0
	}
	if wait := progressEvery - time.Since(e.progressAt); wait > 0 && !force {
		return wait
	}
	e.publishStatus(&jobproto.StatusEvent{Status: jobproto.StatusProcessing})
	return 0
}

// flushLog publishes the batch of log lines, and writes train.log out.
func (e *events) flushLog() {
	if len(e.batch) == 0 {
		return
	}
	ev := jobproto.LogEvent{JobID: e.jobID, Attempt: e.attempt, Seq: e.lineSeq - int64(len(e.batch)) + 1, Lines: e.batch, Worker: e.worker}
	e.publish(jobproto.KindLog, ev.Seq, ev)
	e.batch, e.batchSize = e.batch[:0], 0
	if e.log != nil && e.err == nil {
		if err := e.log.Flush(); err != nil {
			e.err = fmt.Errorf("train.log: %w", err)
		}
	}
}

func (e *events) publishMetric() {
	m := e.metric
	e.metric = nil
	e.metricSeq++
	m.JobID, m.Attempt, m.Seq, m.Time = e.jobID, e.attempt, e.metricSeq, time.Now().UTC()
	e.publish(jobproto.KindMetric, m.Seq, m)
}

// publishStatus fills in the event's identity and progress: a PROCESSING
// event carries the latest progress, COMPLETED 1.
func (e *events) publishStatus(st *jobproto.StatusEvent) error {
	e.statusSeq++
	st.JobID, st.Attempt, st.Seq, st.Worker, st.Time = e.jobID, e.attempt, e.statusSeq, e.worker, time.Now().UTC()
	switch st.Status {
	case jobproto.StatusCompleted:
		e.progress = 1
	case jobproto.StatusPending, jobproto.StatusStarted:
		e.progress = 0
	}
	st.Progress = e.progress
	e.sentProgress, e.progressAt = e.progress, time.Now()
	e.publish(jobproto.KindStatus, st.Seq, st)
	return e.err
}

// publish sends one event and waits for JetStream's ack, retrying with the
// same Nats-Msg-Id (the stream drops a duplicate) until publishFor has
// passed or the connection is closed. After a failure every later event
// is dropped: the attempt cannot be reported in order any more.
func (e *events) publish(kind string, seq int64, v any) {
	if e.err != nil {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		e.err = fmt.Errorf("%s event: %w", kind, err)
		return
	}
	msg := &nats.Msg{Subject: jobproto.EventSubject(e.jobID, kind), Data: data, Header: nats.Header{}}
	msg.Header.Set(jobproto.HeaderMsgID, jobproto.EventMsgID(e.jobID, e.attempt, kind, seq))
	e.err = retry(e.ctx, func(ctx context.Context) error {
		_, err := e.js.PublishMsg(ctx, msg)
		return err
	})
	if e.err != nil {
		e.err = fmt.Errorf("publish %s event: %w", kind, e.err)
		if e.gaveUp != nil {
			e.gaveUp(e.err)
		}
	}
}

// retry runs f with a publishTry timeout until it succeeds, publishFor has
// passed, ctx ends or the connection is closed.
func retry(ctx context.Context, f func(context.Context) error) error {
	deadline := time.Now().Add(publishFor)
	wait := 50 * time.Millisecond
	for {
		tctx, cancel := context.WithTimeout(ctx, publishTry)
		err := f(tctx)
		cancel()
		if err == nil || errors.Is(err, nats.ErrConnectionClosed) || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

func (e *events) openLog(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("train.log: %w", err)
	}
	e.logFile, e.log = f, bufio.NewWriterSize(f, 64<<10)
	return nil
}

func (e *events) closeLog() {
	if e.logFile == nil {
		return
	}
	e.log.Flush()
	e.logFile.Close()
	e.log, e.logFile = nil, nil
}
