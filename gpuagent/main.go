// Command gpuagent is Tessera's training agent: it connects to a broker (the
// classroom server's, or one it hosts itself with --listen), takes training
// jobs and runs trainers. CONTRACT.md beside this file is its protocol.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/tessera-lab/tessera/backend/broker"
	"github.com/tessera-lab/tessera/gpuagent/agent"
	"github.com/tessera-lab/tessera/gpuagent/trainers"
	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu"
	"github.com/tessera-lab/tessera/gpuagent/trainers/pytorch"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "trainer" && os.Args[2] == trainers.CPUName {
		// The built-in CPU trainer, as this agent starts it for a job.
		os.Exit(cpu.Main(os.Args[3:], os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gpuagent:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gpuagent", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), agent.Usage()); fs.PrintDefaults() }
	var cfg agent.Config
	fs.StringVar(&cfg.Broker, "broker", "", "broker `url` to connect to, e.g. nats://gpu-box:4222")
	fs.StringVar(&cfg.Token, "token", os.Getenv("TESSERA_AGENT_TOKEN"), "the broker's agent token (default $TESSERA_AGENT_TOKEN)")
	fs.StringVar(&cfg.Name, "name", "", "this agent's name: letters, digits, '_' or '-' (default: host name)")
	fs.StringVar(&cfg.Pool, "pool", agent.DefaultPool, "worker pool to take jobs from")
	fs.StringVar(&cfg.WorkDir, "workdir", "", "folder for job files (default: the temp dir)")
	fs.IntVar(&cfg.Jobs, "jobs", 1, "jobs to run at once")
	fs.DurationVar(&cfg.AckWait, "ack-wait", agent.DefaultAckWait, "how long a job survives a silent agent before it is redelivered")
	fs.DurationVar(&cfg.Heartbeat, "heartbeat", agent.DefaultHeartbeat, "how often the agent announces itself")
	fs.Func("trainer", "register a process trainer, `NAME=PATH` (repeatable); see CONTRACT.md", func(v string) error {
		p, err := agent.ParseTrainerFlag(v)
		if err != nil {
			return err
		}
		cfg.Trainers = append(cfg.Trainers, p)
		return nil
	})
	noCPU := fs.Bool("no-cpu-trainer", false, "do not offer the built-in CPU trainer")
	noGPU := fs.Bool("no-gpu-trainer", false, "do not offer the PyTorch GPU trainer (skips the check for it)")
	python := fs.String("python", pytorch.DefaultPython, "the `interpreter` that runs the GPU trainer (needs torch, transformers and a CUDA GPU)")
	pretrained := map[string]string{}
	fs.Func("pretrained", "start jobs of an architecture from a local weights file, `ARCH=FILE` (repeatable), e.g. upernet-convnext-base=convnext-base.safetensors", func(v string) error {
		arch, file, ok := strings.Cut(v, "=")
		if !ok || !pytorch.ValidArchitecture(arch) {
			return fmt.Errorf("want ARCH=FILE, ARCH one of %s", strings.Join(pytorch.ArchitectureNames(), ", "))
		}
		abs, err := filepath.Abs(file)
		if err != nil {
			return err
		}
		if st, err := os.Stat(abs); err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a readable file", file)
		}
		pretrained[arch] = abs
		return nil
	})
	listen := fs.String("listen", "", "also host a broker on this `address`, e.g. :4222")
	data := fs.String("data", "gpuagent-data", "broker store `dir` when hosting with --listen")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), agent.Usage())
	}
	logger := log.New(os.Stdout, "", log.LstdFlags)
	cfg.Logf = logger.Printf
	if *listen != "" {
		b, err := broker.Start(ctx, broker.Config{StoreDir: *data, Listen: *listen, Token: cfg.Token, Logf: logger.Printf})
		if err != nil {
			return err
		}
		defer b.Close()
		logger.Printf("hosting a broker at %s", b.ClientURL())
		if cfg.Broker == "" {
			cfg.Broker = b.ClientURL()
		}
	}
	if cfg.Broker == "" {
		return fmt.Errorf("--broker or --listen is required\n%s", agent.Usage())
	}
	if !*noCPU {
		if exe, err := os.Executable(); err == nil {
			cfg.Trainers = append([]agent.Trainer{trainers.CPU(exe, "trainer", trainers.CPUName)}, cfg.Trainers...)
		}
	}
	if !*noGPU {
		logger.Printf("checking whether %s can run the GPU trainer…", *python)
		if t, ok := pytorch.Offer(ctx, *python, pretrained, logger.Printf); ok {
			cfg.Trainers = append([]agent.Trainer{t}, cfg.Trainers...)
		}
	}
	if len(cfg.Trainers) == 0 {
		logger.Printf("no trainers registered (--trainer NAME=PATH): jobs will fail")
	}
	return agent.Run(ctx, cfg)
}
