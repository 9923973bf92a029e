package jobproto

import (
	"testing"

	"github.com/tessera-lab/tessera/backend/broker"
)

func TestSubjects(t *testing.T) {
	tests := []struct{ got, want string }{
		{PoolSubject("gpu", "j1"), "tessera.jobs.pool.gpu.j1"},
		{WorkerSubject("lab-3", "j1"), "tessera.jobs.worker.lab-3.j1"},
		{PoolFilter("gpu"), "tessera.jobs.pool.gpu.>"},
		{WorkerFilter("lab-3"), "tessera.jobs.worker.lab-3.>"},
		{PoolConsumer("gpu"), "pool-gpu"},
		{WorkerConsumer("lab-3"), "worker-lab-3"},
		{EventMsgID("j1", 2, KindLog, 501), "j1.2.log.501"},
		// The broker's stream subjects must cover ours.
		{EventSubject("j1", KindStatus), broker.EventSubject("j1", broker.EventStatus)},
		{EventSubject("j1", KindLog), broker.EventSubject("j1", broker.EventLog)},
		{EventSubject("j1", KindMetric), broker.EventSubject("j1", broker.EventMetric)},
		{CancelSubject("j1"), broker.CancelSubject("j1")},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q want %q", tt.got, tt.want)
		}
	}
}

func TestValidToken(t *testing.T) {
	for _, s := range []string{"a", "job_1", "A-b-9"} {
		if !ValidToken(s) {
			t.Errorf("%q rejected", s)
		}
	}
	for _, s := range []string{"", "a.b", "a b", "*", ">", "é", "a/b"} {
		if ValidToken(s) {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestStatus(t *testing.T) {
	for _, s := range []string{StatusCompleted, StatusFailed, StatusCancelled} {
		if !Terminal(s) || !ValidStatus(s) {
			t.Errorf("%s: not terminal", s)
		}
	}
	for _, s := range []string{StatusPending, StatusStarted, StatusProcessing} {
		if Terminal(s) || !ValidStatus(s) {
			t.Errorf("%s: terminal", s)
		}
	}
	if ValidStatus("RUNNING") || Terminal("") {
		t.Error("unknown status accepted")
	}
}

func TestParseJobMessage(t *testing.T) {
	m, err := ParseJobMessage([]byte(`{"job_id":"j1","trainer":"cpu","training_set":"j1.tar.gz","config":{"epochs":2}}`))
	if err != nil || m.Attempts() != DefaultMaxAttempts || m.Config["epochs"] != 2.0 {
		t.Fatalf("%+v %v", m, err)
	}
	if _, err := ParseJobMessage([]byte(`{"job_id":"a.b"}`)); err == nil {
		t.Error("bad job id, no trainer, no training set: accepted")
	}
	if _, err := ParseJobMessage([]byte(`{`)); err == nil {
		t.Error("bad JSON accepted")
	}
}

func TestParseEventSubject(t *testing.T) {
	if id, kind, ok := ParseEventSubject(EventSubject("j-1", KindMetric)); !ok || id != "j-1" || kind != KindMetric {
		t.Errorf("got %q %q %v", id, kind, ok)
	}
	for _, s := range []string{CancelSubject("j1"), "tessera.job.j1", "tessera.job.a.b.log", "tessera.jobs.pool.x.j1", ""} {
		if _, _, ok := ParseEventSubject(s); ok {
			t.Errorf("%q parsed", s)
		}
	}
}
