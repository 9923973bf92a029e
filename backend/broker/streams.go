package broker

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Names of the JetStream assets the app and the agents share.
const (
	StreamJobs         = "JOBS"
	StreamEvents       = "EVENTS"
	BucketWorkers      = "workers"
	BucketTrainingSets = "trainingsets"
	BucketArtifacts    = "artifacts"
)

// Event kinds an agent publishes about a job, the last token of EventSubject.
const (
	EventStatus = "status"
	EventLog    = "log"
	EventMetric = "metric"
)

// Retention settings.
const (
	// JobDuplicateWindow is how long JOBS remembers a job id (the
	// Nats-Msg-Id) so a job published twice is stored once.
	JobDuplicateWindow = 24 * time.Hour
	// EventMaxAge is how long EVENTS keeps a job's status, log and metric
	// messages: an app closed for less than this catches up on open.
	EventMaxAge = 30 * 24 * time.Hour
	// WorkerTTL is how long a heartbeat in the workers bucket lives after
	// its last put; an agent must re-put well within it (say every
	// WorkerTTL/4) or it ages out as a dead agent.
	WorkerTTL = 2 * time.Minute
	// workerMarkerTTL is how long the bucket keeps the marker the server
	// writes when a heartbeat ages out, so a KV watcher sees the agent go.
	workerMarkerTTL = time.Minute
)

// Subject prefixes.
const (
	jobsPrefix  = "tessera.jobs."
	eventPrefix = "tessera.job."
)

// JobSubject is the subject a training job is published on in JOBS. id must
// be one subject token: no dots, spaces, '*' or '>'.
func JobSubject(id string) string { return jobsPrefix + id }

// EventSubject is the subject of a job's events of the given kind
// (EventStatus, EventLog or EventMetric), stored in EVENTS.
func EventSubject(jobID, kind string) string { return eventPrefix + jobID + "." + kind }

// CancelSubject is where a request to cancel a running job is sent. It is
// plain request/reply, not stored.
func CancelSubject(jobID string) string { return eventPrefix + jobID + ".cancel" }

func jobsConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamJobs,
		Description: "Tessera training jobs, one message per job, Nats-Msg-Id = job id",
		Subjects:    []string{jobsPrefix + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  JobDuplicateWindow,
	}
}

func eventsConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        StreamEvents,
		Description: "Tessera job status, log lines and metrics from agents",
		Subjects: []string{
			EventSubject("*", EventStatus),
			EventSubject("*", EventLog),
			EventSubject("*", EventMetric),
		},
		Retention: jetstream.LimitsPolicy,
		Storage:   jetstream.FileStorage,
		MaxAge:    EventMaxAge,
	}
}

func workersConfig() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:         BucketWorkers,
		Description:    "Tessera agent heartbeats, one key per agent",
		History:        1,
		TTL:            WorkerTTL,
		LimitMarkerTTL: workerMarkerTTL,
		Storage:        jetstream.FileStorage,
	}
}

func objectStoreConfig(bucket, desc string) jetstream.ObjectStoreConfig {
	return jetstream.ObjectStoreConfig{
		Bucket:      bucket,
		Description: desc,
		Storage:     jetstream.FileStorage,
	}
}

// setupJetStream creates the streams and buckets, or updates them to the
// configuration above; what they hold is kept.
func setupJetStream(ctx context.Context, js jetstream.JetStream) error {
	for _, cfg := range []jetstream.StreamConfig{jobsConfig(), eventsConfig()} {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	if _, err := js.CreateOrUpdateKeyValue(ctx, workersConfig()); err != nil {
		return fmt.Errorf("kv %s: %w", BucketWorkers, err)
	}
	for _, cfg := range []jetstream.ObjectStoreConfig{
		objectStoreConfig(BucketTrainingSets, "Tessera training sets, one archive per job"),
		objectStoreConfig(BucketArtifacts, "Tessera job outputs: models, train.log, prediction masks"),
	} {
		if _, err := js.CreateOrUpdateObjectStore(ctx, cfg); err != nil {
			return fmt.Errorf("object store %s: %w", cfg.Bucket, err)
		}
	}
	return nil
}
