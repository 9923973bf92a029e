package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/training"
	"github.com/tessera-lab/tessera/gpuagent/agent"
	"github.com/tessera-lab/tessera/gpuagent/trainers"
	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu"
)

// LocalWorker is the name and pool of the worker every app and server runs
// in-process, so training works offline on a laptop.
const LocalWorker = "local"

// localAckWait is the local worker's ack wait. A job the closing app gave
// back to the queue is, after the next start, taken again only once this
// passed (the broker does not keep a give-back across its own restart), so
// it is short: the worker is in-process and never slow to say it is alive.
const localAckWait = 10 * time.Second

// startTraining starts the training side: the ingest of agent events, the
// worker list, and the in-process worker with the given trainers.
func (i *Instance) startTraining(ctx context.Context, trainers []agent.Trainer) {
	b := &dataset.Builder{Store: i.DB, Labels: i.Labels, Layout: i.Layout}
	i.Training = training.New(i.DB, i.Broker.Conn(), i.Broker.JetStream(), b, i.Layout, &i.emitters)
	i.Training.Logf = i.Logf
	i.Training.RunnableModelFormat = cpu.ModelFormat
	i.Training.StopPredictions = i.Evaluate.StopJob
	i.shareBroker(i.Training)
	i.Projects.BeforeDelete = i.Training.ForgetProject
	bctx := i.backgroundCtx
	i.goBackground(func() {
		if err := i.Training.Ingest(bctx); err != nil {
			i.Logf("training: ingest stopped: %v", err)
		}
	})
	i.goBackground(func() {
		if err := i.Training.WatchWorkers(bctx); err != nil {
			i.Logf("training: worker watch stopped: %v", err)
		}
	})
	if len(trainers) == 0 {
		return
	}
	work := filepath.Join(i.Layout.Root, "work")
	i.goBackground(func() {
		err := agent.Run(bctx, agent.Config{Conn: i.Broker.Conn(), Name: i.localWorker(), Pool: i.localWorker(), WorkDir: work,
			Trainers: trainers, AckWait: localAckWait, Logf: func(f string, a ...any) { i.Logf("local worker: "+f, a...) }})
		if err != nil && bctx.Err() == nil {
			i.Logf("local worker stopped: %v", err)
		}
	})
}

func (i *Instance) goBackground(fn func()) {
	i.wg.Add(1)
	go func() { defer i.wg.Done(); fn() }()
}

// trainerFlags collects --trainer NAME=PATH: any program that speaks the
// trainer contract (gpuagent/CONTRACT.md), offered by the local worker.
type trainerFlags []agent.Trainer

func (t *trainerFlags) String() string { return "" }

func (t *trainerFlags) Set(v string) error {
	p, err := agent.ParseTrainerFlag(v)
	if err != nil {
		return err
	}
	*t = append(*t, p)
	return nil
}

// builtinTrainers are the trainers every local worker offers: the CPU
// trainer, run as this very binary's `trainer cpu`.
func builtinTrainers() []agent.Trainer {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	return []agent.Trainer{trainers.CPU(exe, "trainer", trainers.CPUName)}
}

// runTrainer is `tessera trainer NAME --job-dir DIR --config FILE`: a
// built-in trainer, as the local worker starts it.
func runTrainer(args []string, env Env) int {
	if len(args) == 0 || args[0] != trainers.CPUName {
		fmt.Fprintf(env.Stderr, "tessera trainer: the built-in trainers are: %s\n", trainers.CPUName)
		return 2
	}
	return cpu.Main(args[1:], env.Stdout, env.Stderr)
}
