package jobproto

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Subject prefixes. Jobs live in the JOBS stream (WorkQueue), events in
// EVENTS; see backend/broker for the streams themselves.
const (
	jobsPoolPrefix   = "tessera.jobs.pool."
	jobsWorkerPrefix = "tessera.jobs.worker."
	eventPrefix      = "tessera.job."
)

// Event kinds, the last token of an event subject.
const (
	KindStatus = "status"
	KindLog    = "log"
	KindMetric = "metric"
)

// HeaderMsgID is the JetStream header that makes a publish idempotent.
const HeaderMsgID = "Nats-Msg-Id"

var tokenRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ValidToken reports whether s can be one NATS subject token and one
// consumer-name part: letters, digits, '_' and '-', at least one.
func ValidToken(s string) bool { return tokenRe.MatchString(s) }

// CheckToken returns an error naming what (a "job id", "pool"…) when s is not
// a ValidToken.
func CheckToken(what, s string) error {
	if !ValidToken(s) {
		return fmt.Errorf("%s %q must be letters, digits, '_' or '-'", what, s)
	}
	return nil
}

// PoolSubject is where the app publishes a job for any agent of a pool.
func PoolSubject(pool, jobID string) string { return jobsPoolPrefix + pool + "." + jobID }

// WorkerSubject is where the app publishes a job for one named agent.
func WorkerSubject(worker, jobID string) string {
	return jobsWorkerPrefix + worker + "." + jobID
}

// PoolFilter is the filter subject of a pool's durable consumer.
func PoolFilter(pool string) string { return jobsPoolPrefix + pool + ".>" }

// WorkerFilter is the filter subject of an agent's own durable consumer.
func WorkerFilter(worker string) string { return jobsWorkerPrefix + worker + ".>" }

// PoolConsumer is the durable consumer name shared by a pool's agents.
func PoolConsumer(pool string) string { return "pool-" + pool }

// WorkerConsumer is the durable consumer name of one agent.
func WorkerConsumer(worker string) string { return "worker-" + worker }

// EventSubject is the subject of a job's events of one kind in EVENTS.
func EventSubject(jobID, kind string) string { return eventPrefix + jobID + "." + kind }

// CancelSubject is where a cancel request for a running job is sent (core
// NATS request/reply; the agent running the job replies "ok").
func CancelSubject(jobID string) string { return eventPrefix + jobID + ".cancel" }

// EventMsgID is the Nats-Msg-Id of an event: "<id>.<attempt>.<kind>.<seq>".
// A republished event is dropped by the stream as a duplicate.
func EventMsgID(jobID string, attempt int, kind string, seq int64) string {
	return jobID + "." + strconv.Itoa(attempt) + "." + kind + "." + strconv.FormatInt(seq, 10)
}

// CancelReply is the body of the reply to a cancel request that was taken.
const CancelReply = "ok"

// ParseEventSubject splits an event subject into its job id and kind
// (KindStatus, KindLog or KindMetric); ok is false for any other subject.
func ParseEventSubject(subject string) (jobID, kind string, ok bool) {
	rest, found := strings.CutPrefix(subject, eventPrefix)
	if !found {
		return "", "", false
	}
	jobID, kind, found = strings.Cut(rest, ".")
	if !found || !ValidToken(jobID) {
		return "", "", false
	}
	switch kind {
	case KindStatus, KindLog, KindMetric:
		return jobID, kind, true
	}
	return "", "", false
}
