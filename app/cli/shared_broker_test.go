package cli

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/training"
	"github.com/tessera-lab/tessera/gpuagent/agent"
)

// Two apps (two lab PCs) use one outside broker, as `gpuagent --listen`
// hosts on a shared GPU box: each trains on its own local worker and sees
// its own job through to the end (neither ingest takes the other's
// events), and neither offers the other's local worker.
func TestTwoAppsShareAnOutsideBroker(t *testing.T) {
	ctx := context.Background()
	const token = "a-shared-gpu-box-token"
	outside, err := broker.Start(ctx, broker.Config{StoreDir: t.TempDir(), Listen: "127.0.0.1:0", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	defer outside.Close()
	bin := buildFake(t)
	fake := []agent.Trainer{agent.ProcessTrainer{Path: bin, TrainerInfo: jobproto.TrainerInfo{Name: "fake", ConfigSchema: fakeSchema}}}

	var apps []*Instance
	var datas []string
	for range 2 {
		data := t.TempDir()
		datas = append(datas, data)
		prepare(t, data)
		inst, err := open(ctx, &common{data: data})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Close()
		if err := inst.connectBroker(ctx, natsFlags{url: outside.ClientURL(), token: token}, "", ""); err != nil {
			t.Fatal(err)
		}
		if err := inst.startBackground(ctx); err != nil {
			t.Fatal(err)
		}
		inst.startTraining(ctx, fake)
		apps = append(apps, inst)
	}
	if apps[0].localWorker() == apps[1].localWorker() || apps[0].localWorker() == LocalWorker {
		t.Fatalf("local workers %q and %q", apps[0].localWorker(), apps[1].localWorker())
	}
	var jobs []*backend.Job
	for _, inst := range apps {
		req := training.JobRequest{ProjectID: 1, Worker: inst.localWorker(), Config: map[string]any{"epochs": 3}}
		if err := waitForWorker(ctx, inst, req); err != nil {
			t.Fatal(err)
		}
		j, err := inst.Training.CreateJob(ctx, "test", req)
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	for i, inst := range apps {
		j := waitJob(t, inst, jobs[i].ID, func(j *backend.Job) bool { return jobproto.Terminal(j.Status) })
		if j.Status != jobproto.StatusCompleted || j.Epochs != 3 || j.Worker != inst.localWorker() {
			t.Errorf("app %d's job: %+v", i, j)
		}
		ws, err := inst.Training.Workers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, w := range ws {
			names = append(names, w.Name)
		}
		if !slices.Equal(names, []string{inst.localWorker()}) {
			t.Errorf("app %d offers workers %v", i, names)
		}
	}
	// An app on a shared broker still runs once per data folder.
	again, err := open(ctx, &common{data: datas[0]})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.connectBroker(ctx, natsFlags{url: outside.ClientURL(), token: token}, "", ""); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a second app on the same data folder: %v", err)
	}
	again.Close()
	// The outside broker keeps running when an app closes; the app keeps
	// its id across starts.
	id := apps[0].appID()
	apps[0].Close()
	reopened, err := open(ctx, &common{data: datas[0]})
	if err != nil {
		t.Fatal(err)
	}
	if reopened.appID() != id {
		t.Errorf("app id %s after a restart, was %s", reopened.appID(), id)
	}
	reopened.Close()
	if _, err := outside.JetStream().Stream(ctx, broker.StreamEvents); err != nil {
		t.Fatalf("the outside broker after an app closed: %v", err)
	}
}
