package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/dataset"
	"github.com/tessera-lab/tessera/backend/jobproto"
	"github.com/tessera-lab/tessera/backend/training"
	"github.com/tessera-lab/tessera/gpuagent/agent"
)

// openRunning starts a whole Tessera in this process — broker, ingest
// and, with worker, the local worker offering the built-in trainers and
// trainers — for the commands that train or change jobs. Without worker no
// queued job is taken up by a command that only looks or deletes.
func openRunning(ctx context.Context, c *common, trainers trainerFlags, env Env, worker bool) (*Instance, error) {
	inst, err := open(ctx, c)
	if err != nil {
		return nil, err
	}
	var n natsFlags
	n.fill(env)
	if err := inst.connectBroker(ctx, n, "", ""); err != nil {
		inst.Close()
		return nil, backend.Errorf(backend.ECONFLICT, "%v: if Tessera is open on this data folder, do this from its window, or close it first", err)
	}
	if err := inst.startBackground(ctx); err != nil {
		inst.Close()
		return nil, err
	}
	var offered []agent.Trainer
	if worker {
		offered = append(builtinTrainers(), trainers...)
	}
	inst.startTraining(ctx, offered)
	return inst, nil
}

// setFlags collects --set key=value.
type setFlags map[string]any

func (s setFlags) String() string { return "" }

func (s setFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("--set wants key=value, not %q", v)
	}
	var x any // numbers and booleans as JSON, anything else as text
	if err := json.Unmarshal([]byte(val), &x); err != nil {
		x = val
	}
	s[k] = x
	return nil
}

func runTrain(ctx context.Context, args []string, env Env) (*out, error) {
	fs, c := newFlags("train", env)
	pid := fs.Int64("project", 0, "project `id`")
	worker := fs.String("worker", "", "train on this worker (\"local\": this computer)")
	pool := fs.String("pool", "", "train on any worker of this pool")
	trainer := fs.String("trainer-name", "", "which of the worker's trainers (default: its first)")
	pipeline := fs.String("pipeline", "", "add the job to this pipeline `id` (default: a new pipeline)")
	follow := fs.Bool("follow", false, "print the log live and exit 0 when the job completes")
	sets := setFlags{}
	fs.Var(sets, "set", "a training parameter: `key=value` (repeatable)")
	var trainers trainerFlags
	fs.Var(&trainers, "trainer", "offer a trainer program on the local worker: `NAME=PATH` (repeatable)")
	pos, err := parse(fs, args)
	o := &out{env: env, json: c.json}
	if err != nil {
		return o, err
	}
	if len(pos) > 0 {
		return o, backend.Errorf(backend.EINVALID, "unexpected argument %q", pos[0])
	}
	if *pid <= 0 {
		return o, backend.Errorf(backend.EINVALID, "say which project: --project ID")
	}
	inst, err := openRunning(ctx, c, trainers, env, true)
	if err != nil {
		return o, err
	}
	defer inst.Close()
	if *worker == "" && *pool == "" {
		*worker = inst.localWorker()
	}
	req := training.JobRequest{ProjectID: *pid, PipelineID: *pipeline, Worker: *worker, Pool: *pool, Trainer: *trainer, Config: sets}
	if err := waitForWorker(ctx, inst, req); err != nil {
		return o, err
	}
	j, err := inst.Training.CreateJob(ctx, "cli", req)
	if err != nil {
		return o, err
	}
	if !*follow {
		if *worker == inst.localWorker() {
			fmt.Fprintln(env.Stderr, "the job runs when Tessera is open on this data folder (the app or `tessera serve`), or here with `tessera jobs logs "+j.ID+" --follow`")
		}
		return o, o.print(j, func(w io.Writer) { fmt.Fprintf(w, "queued training job %s on %s\n", j.ID, j.Target) })
	}
	if !c.json {
		fmt.Fprintf(env.Stdout, "training job %s on %s\n", j.ID, j.Target)
	}
	j, err = followJob(ctx, inst, j.ID, !c.json, env.Stdout)
	if err != nil {
		return o, err
	}
	if c.json {
		if err := o.print(j, nil); err != nil {
			return o, err
		}
	} else {
		fmt.Fprintf(env.Stdout, "training job %s %s\n", j.ID, j.Status)
	}
	if j.Status != jobproto.StatusCompleted {
		if j.Error != "" && !c.json {
			fmt.Fprintf(env.Stderr, "tessera: %s\n", j.Error)
		}
		return o, exitError{code: 1}
	}
	return o, nil
}

// waitForWorker gives the local worker (started just now) a moment to put
// its first heartbeat.
func waitForWorker(ctx context.Context, inst *Instance, req training.JobRequest) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, _, err := inst.Training.CheckJob(ctx, &req)
		if err == nil || backend.ErrorCode(err) != backend.EINVALID || len(backend.ErrorFields(err)) > 0 || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// followJob prints a job's log as it grows until the job ends.
func followJob(ctx context.Context, inst *Instance, id string, print bool, w io.Writer) (*backend.Job, error) {
	attempt, seq := 0, int64(0)
	for {
		lines, err := inst.DB.JobLogs(ctx, id, attempt, seq, 5000)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if print {
				fmt.Fprint(w, training.FormatLine(l))
			}
			attempt, seq = l.Attempt, l.Seq
		}
		if len(lines) > 0 {
			continue
		}
		j, err := inst.DB.FindJob(ctx, id)
		if err != nil {
			return nil, err
		}
		if jobproto.Terminal(j.Status) {
			if more, _ := inst.DB.JobLogs(ctx, id, attempt, seq, 1); len(more) == 0 {
				return j, nil
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func runJobs(ctx context.Context, args []string, env Env) (*out, error) {
	sub := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs, c := newFlags("jobs "+sub, env)
	pid := fs.Int64("project", 0, "only this project's jobs")
	follow := fs.Bool("follow", false, "with logs: keep printing until the job ends")
	pos, err := parse(fs, args)
	o := &out{env: env, json: c.json}
	if err != nil {
		return o, err
	}
	need := map[string]int{"list": 0, "show": 1, "logs": 1, "cancel": 1, "delete": 1}
	n, ok := need[sub]
	if !ok {
		return o, backend.Errorf(backend.EINVALID, "unknown jobs command %q: use list, show, logs, cancel or delete", sub)
	}
	if len(pos) != n {
		return o, backend.Errorf(backend.EINVALID, "jobs %s takes %d argument(s), got %d", sub, n, len(pos))
	}
	var inst *Instance
	if sub == "cancel" || sub == "delete" || (sub == "logs" && *follow) {
		// Following a job's log runs the local worker, as train --follow
		// does: a local job goes on while someone watches it.
		inst, err = openRunning(ctx, c, nil, env, sub == "logs")
	} else {
		inst, err = open(ctx, c)
	}
	if err != nil {
		return o, err
	}
	defer inst.Close()
	switch sub {
	case "list":
		if *pid > 0 {
			if _, err := inst.DB.FindProjectByID(ctx, *pid); err != nil {
				return o, err
			}
		}
		js, err := inst.DB.FindJobs(ctx, *pid)
		if err != nil {
			return o, err
		}
		return o, o.print(map[string]any{"jobs": js}, func(w io.Writer) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPROJECT\tSTATUS\tEPOCH\tVAL IOU\tWORKER\tCREATED")
			for _, j := range js {
				iou := "-"
				if j.LastValIoU != nil {
					iou = strconv.FormatFloat(*j.LastValIoU, 'f', 4, 64)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%d/%d\t%s\t%s\t%s\n", j.ID, j.ProjectID, j.Status, j.Epoch, j.Epochs, iou, j.Worker,
					j.CreatedAt.Local().Format("2006-01-02 15:04"))
			}
			tw.Flush()
		})
	case "show":
		d, err := jobDetail(ctx, inst, pos[0])
		if err != nil {
			return o, err
		}
		return o, o.print(d, func(w io.Writer) {
			j := d.Job
			fmt.Fprintf(w, "job:      %s\nstatus:   %s (%.0f%%)\ntrainer:  %s on %s\nepoch:    %d/%d\n", j.ID, j.Status, j.Progress*100, j.Trainer, j.Target, j.Epoch, j.Epochs)
			if j.Error != "" {
				fmt.Fprintf(w, "error:    %s\n", j.Error)
			}
			for _, t := range d.Transitions {
				fmt.Fprintf(w, "  %s  %-10s %s\n", t.Time.Local().Format("15:04:05"), t.Status, t.Reason)
			}
		})
	case "logs":
		j, err := inst.DB.FindJob(ctx, pos[0])
		if err != nil {
			return o, err
		}
		if *follow {
			_, err := followJob(ctx, inst, j.ID, true, env.Stdout)
			return o, err
		}
		lines, err := inst.DB.JobLogs(ctx, j.ID, 0, 0, 1<<30)
		if err != nil {
			return o, err
		}
		return o, o.print(map[string]any{"lines": lines}, func(w io.Writer) {
			for _, l := range lines {
				fmt.Fprint(w, training.FormatLine(l))
			}
		})
	case "cancel":
		if err := inst.Training.Cancel(ctx, "cli", pos[0]); err != nil {
			return o, err
		}
		return o, o.print(map[string]string{"cancelled": pos[0]}, func(w io.Writer) { fmt.Fprintf(w, "asked job %s to stop\n", pos[0]) })
	default: // delete
		if err := inst.Training.Delete(ctx, pos[0]); err != nil {
			return o, err
		}
		return o, o.print(map[string]string{"deleted": pos[0]}, func(w io.Writer) { fmt.Fprintf(w, "deleted job %s\n", pos[0]) })
	}
}

// jobDetail reads a job: database rows and files, no broker.
func jobDetail(ctx context.Context, inst *Instance, id string) (*training.JobDetail, error) {
	return offlineTraining(inst).Detail(ctx, id)
}

// offlineTraining is the training service without a broker: enough for
// reading jobs and for model files.
func offlineTraining(inst *Instance) *training.Service {
	return training.New(inst.DB, nil, nil, &dataset.Builder{Store: inst.DB, Labels: inst.Labels, Layout: inst.Layout}, inst.Layout, nil)
}

func runWorkers(ctx context.Context, args []string, env Env) (*out, error) {
	fs, c := newFlags("workers", env)
	o := &out{env: env, json: c.json}
	if _, err := parse(fs, args); err != nil {
		return o, err
	}
	inst, err := openRunning(ctx, c, nil, env, false)
	if err != nil {
		return o, err
	}
	defer inst.Close()
	time.Sleep(300 * time.Millisecond) // the local worker's first heartbeat
	ws, err := inst.Training.Workers(ctx)
	if err != nil {
		return o, err
	}
	return o, o.print(map[string]any{"workers": ws}, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tPOOL\tSTATE\tHARDWARE\tTRAINERS")
		for _, x := range ws {
			hw := fmt.Sprintf("%d cores", x.Hardware.CPUCores)
			if x.Hardware.GPUName != "" {
				hw += fmt.Sprintf(", %s (%d MB)", x.Hardware.GPUName, x.Hardware.GPUMemoryMB)
			}
			var ts []string
			for _, t := range x.Trainers {
				ts = append(ts, t.Name)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.Name, x.Pool, x.State, hw, strings.Join(ts, ", "))
		}
		tw.Flush()
	})
}
