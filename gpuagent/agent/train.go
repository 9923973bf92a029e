package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

// drainWait is how long the agent keeps reading a trainer's output after
// it exited, for lines still in the pipes; drainMax the most it reads on
// when something that outlived the trainer keeps printing.
const drainWait = 2 * time.Second

var drainMax = 10 * time.Second

// train runs the trainer process to its end and returns the outcome.
func (j *job) train(tr Trainer, cfg map[string]any) outcome {
	cmd, err := tr.Command(j.ctx, j.dir, cfg)
	if err != nil {
		return failed("trainer: " + err.Error())
	}
	if cmd.Dir == "" {
		cmd.Dir = j.dir
	}
	cmd.Env = append(withoutSecrets(cmd.Environ()),
		"TESSERA_JOB_ID="+j.m.JobID,
		"TESSERA_ATTEMPT="+strconv.Itoa(j.attempt),
		"TESSERA_JOB_DIR="+j.dir,
		"TESSERA_RESUME_DIR="+j.a.cfg.resumeDir(j.m.JobID),
		"PYTHONUNBUFFERED=1", // live logs from Python trainers
	)
	ownGroup(cmd)
	outR, outW, err := os.Pipe()
	if err != nil {
		return failed("trainer output: " + err.Error())
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return failed("trainer output: " + err.Error())
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, outW, errW
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return failed("trainer did not start: " + err.Error())
	}
	j.ev.Agentf("trainer %s started (pid %d): %s", tr.Info().Name, cmd.Process.Pid, cmd.String())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// PROCESSING before any of the trainer's lines; a failure to publish
	// stops it.
	if err := j.ev.Status(jobproto.StatusEvent{Status: jobproto.StatusProcessing, Reason: "trainer " + tr.Info().Name + " started"}); err != nil {
		j.cancel(errConnLost)
	}

	var readers sync.WaitGroup
	var linesRead atomic.Int64
	for _, p := range []struct {
		r      *os.File
		stream string
	}{{outR, jobproto.StreamStdout}, {errR, jobproto.StreamStderr}} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			defer p.r.Close()
			err := readLines(p.r, MaxLineBytes, func(s string) {
				j.ev.Line(p.stream, s)
				linesRead.Add(1)
			})
			if err != nil {
				j.ev.Agentf("reading %s: %v", p.stream, err)
			}
		}()
	}
	var waitErr error
	stopped := false
	select {
	case waitErr = <-exited:
	case <-j.ctx.Done():
		stopped = true
		waitErr = j.stop(cmd, exited)
	}
	// A trainer that exited by itself has done its work: from here a
	// cancel request is answered "finished" (CONTRACT §5).
	finishing := !stopped && j.markFinishing()
	// Whatever the trainer left behind in its group goes with it.
	killGroup(cmd)
	drain(&readers, &linesRead, outR, errR)

	code, how := exitStatus(cmd, waitErr)
	j.ev.Agentf("trainer %s", how)
	tail, serr := j.ev.Sync()
	if serr != nil {
		return j.interrupted(serr)
	}
	if !finishing {
		out := j.interrupted(context.Cause(j.ctx))
		out.st.ExitCode = code
		if out.st.Status == jobproto.StatusCancelled {
			j.keepLog()
		}
		return out
	}
	if code == nil || *code != 0 {
		out := failed("trainer " + how)
		out.st.ExitCode, out.st.Diagnostics = code, tail
		j.keepLog()
		return out
	}
	return j.complete()
}

// drain waits for the readers to reach the end of the trainer's output.
// Once the trainer's group is gone that comes as soon as the pipes are
// read; a process that left the group could hold them open, so reading
// stops when drainWait passes with no new line, or after drainMax however
// much it still prints.
func drain(readers *sync.WaitGroup, lines *atomic.Int64, pipes ...*os.File) {
	done := make(chan struct{})
	go func() { readers.Wait(); close(done) }()
	last := int64(-1)
	end := time.Now().Add(drainMax)
	for {
		select {
		case <-done:
			return
		case <-time.After(drainWait):
		}
		if n := lines.Load(); n != last && time.Now().Before(end) {
			last = n
			continue
		}
		for _, p := range pipes {
			p.SetReadDeadline(time.Now())
		}
	}
}

// stop sends SIGTERM to the trainer's process group, SIGKILL after
// KillGrace, and returns the trainer's exit.
func (j *job) stop(cmd *exec.Cmd, exited <-chan error) error {
	why := context.Cause(j.ctx)
	j.ev.Agentf("%v: sending SIGTERM to the trainer", why)
	if err := terminateGroup(cmd); err != nil {
		j.ev.Agentf("SIGTERM: %v", err)
	}
	grace := j.a.cfg.KillGrace
	if why == errConnLost {
		grace = min(grace, time.Second) // nobody will hear of it: do not linger
	}
	select {
	case err := <-exited:
		return err
	case <-time.After(grace):
	}
	j.ev.Agentf("the trainer did not exit within %s: sending SIGKILL", grace)
	if err := killGroup(cmd); err != nil {
		j.ev.Agentf("SIGKILL: %v", err)
	}
	return <-exited
}

// exitStatus is the trainer's exit code (nil when a signal ended it) and
// words for the log and the reason: "exited with code 3".
func exitStatus(cmd *exec.Cmd, waitErr error) (*int, string) {
	st := cmd.ProcessState
	if st == nil {
		return nil, "did not run: " + fmt.Sprint(waitErr)
	}
	if code := st.ExitCode(); code >= 0 {
		return &code, "exited with code " + strconv.Itoa(code)
	}
	return nil, "was killed (" + st.String() + ")"
}

// complete uploads the results and returns COMPLETED.
func (j *job) complete() outcome {
	j.ev.Agentf("uploading results")
	if _, err := j.ev.Sync(); err != nil { // train.log complete on disk
		return j.interrupted(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	st, err := uploadResults(ctx, j.a.artifacts, j.m.JobID, j.dir)
	var missing *missingResult
	switch {
	case errors.As(err, &missing):
		return failed("uploading results: " + err.Error())
	case err != nil:
		// The broker failed us (it may be restarting): the job is left to
		// be redelivered, its checkpoints kept, rather than failed for good.
		j.a.cfg.Logf("job %s: uploading results: %v", j.m.JobID, err)
		return outcome{silent: true}
	}
	j.ev.Agentf("uploaded %d files (%d bytes)", st.Files, st.Bytes)
	return outcome{st: jobproto.StatusEvent{Status: jobproto.StatusCompleted,
		Reason: fmt.Sprintf("trainer finished; %d result files uploaded", st.Files)}}
}

// keepLog uploads train.log of a job that did not complete; a failure is
// only logged.
func (j *job) keepLog() {
	if _, err := j.ev.Sync(); err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := uploadLog(ctx, j.a.artifacts, j.m.JobID, j.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		j.a.cfg.Logf("job %s: upload train.log: %v", j.m.JobID, err)
	}
}

// withoutSecrets is the agent's environment less what a trainer must not
// see: the broker token (a trainer, and any package it imports, would
// otherwise hold the agent's rights on the broker).
func withoutSecrets(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "TESSERA_AGENT_TOKEN=") {
			out = append(out, kv)
		}
	}
	return out
}
