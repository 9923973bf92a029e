// Command faketrainer speaks the trainer contract (gpuagent/CONTRACT.md)
// for the agent's tests. Its config says what to do:
//
//	behaviour   train | crash | hang | garbage | flood | paced
//	epochs      metric blocks to print (train, crash)
//	crash_after the epoch after which crash exits with code 3
//	hang_until  hang while TESSERA_ATTEMPT <= this, then train
//	spawn_child hang: start "sleep 1000" in the process group first
//	ignore_term hang: ignore SIGTERM (the agent must SIGKILL)
//	lines       flood: lines to print as fast as it can
//	rate        paced: lines per second, for seconds
//	class_iou   train: print per-class IoU lines after each block
//
// behaviour "escape" starts "sleep 1000" in a session of its own, holding
// the trainer's stdout, prints "escaped pid N" and exits 0; with lines > 0
// the escaped process prints a line every 0.2 s instead of sleeping.
//
// Lines of flood and paced end in the time they were printed, in Unix
// nanoseconds, for latency measurements.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

type config struct {
	Behaviour  string  `json:"behaviour"`
	Epochs     int     `json:"epochs"`
	CrashAfter int     `json:"crash_after"`
	HangUntil  int     `json:"hang_until"`
	SpawnChild bool    `json:"spawn_child"`
	IgnoreTerm bool    `json:"ignore_term"`
	Lines      int     `json:"lines"`
	Rate       int     `json:"rate"`
	Seconds    float64 `json:"seconds"`
	ClassIoU   bool    `json:"class_iou"`
}

func main() {
	jobDir := flag.String("job-dir", "", "job folder")
	cfgPath := flag.String("config", "", "config.json")
	flag.Parse()
	data, err := os.ReadFile(*cfgPath)
	if err != nil {
		fail(err)
	}
	var cfg config
	if err := json.Unmarshal(data, &cfg); err != nil {
		fail(err)
	}
	wd, _ := os.Getwd()
	if wd != *jobDir {
		fail(fmt.Errorf("working dir %s is not the job dir %s", wd, *jobDir))
	}
	meta, err := os.ReadFile(filepath.Join(*jobDir, "metadata.json"))
	if err != nil {
		fail(err)
	}
	images, _ := os.ReadDir(filepath.Join(*jobDir, "images"))
	fmt.Printf("fake trainer: %s, %d images, metadata %s\n", cfg.Behaviour, len(images), meta)
	_, token := os.LookupEnv("TESSERA_AGENT_TOKEN")
	fmt.Printf("fake trainer: agent token in my environment: %t\n", token)

	attempt, _ := strconv.Atoi(os.Getenv("TESSERA_ATTEMPT"))
	switch b := cfg.Behaviour; {
	case b == "hang" && attempt > cfg.HangUntil && cfg.HangUntil > 0:
		train(cfg, *jobDir)
	case b == "hang":
		hang(cfg)
	case b == "crash":
		epochs(cfg, cfg.CrashAfter)
		fmt.Fprintln(os.Stderr, "Traceback (most recent call last):")
		fmt.Fprintln(os.Stderr, `  File "train.py", line 42, in <module>`)
		fmt.Fprintln(os.Stderr, "RuntimeError: CUDA out of memory (fake)")
		os.Exit(3)
	case b == "escape":
		child := exec.Command("sleep", "1000")
		if cfg.Lines > 0 { // one that keeps printing
			child = exec.Command("sh", "-c", "while :; do echo still here; sleep 0.2; done")
		}
		child.Stdout = os.Stdout
		child.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		must(child.Start())
		fmt.Printf("escaped pid %d\n", child.Process.Pid)
		train(cfg, *jobDir)
	case b == "garbage":
		garbage()
	case b == "flood":
		flood(cfg.Lines)
	case b == "paced":
		paced(cfg.Rate, cfg.Seconds)
	default:
		train(cfg, *jobDir)
	}
}

func train(cfg config, dir string) {
	epochs(cfg, cfg.Epochs)
	must(os.MkdirAll(filepath.Join(dir, "models", "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "models", "model.bin"), []byte("fake model weights"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "models", "sub", "ckpt.bin"), make([]byte, 300<<10), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "predictions"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "predictions", "a.png"), []byte("png"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "metrics.json"), []byte(`{"best_val_iou":0.5}`), 0o644))
	fmt.Println("training done")
}

// epochs prints the blocks of epochs 1..upTo of cfg.Epochs.
func epochs(cfg config, upTo int) {
	for e := 1; e <= upTo; e++ {
		fmt.Println("Progress: 50%")
		f := float64(e) / float64(cfg.Epochs)
		fmt.Printf("Epoch [%d/%d]: Training Status\n", e, cfg.Epochs)
		fmt.Printf("- Train Loss: %.4f (Model training loss)\n", 1-f/2)
		fmt.Printf("- Train IoU: %.4f (Intersection over Union)\n", f/2)
		fmt.Printf("- Val Loss: %.4f (Validation loss)\n", 1.1-f/2)
		fmt.Printf("- Val IoU: %.4f (Validation IoU)\n", f/3)
		if cfg.ClassIoU {
			fmt.Printf("- Class IoU [flower]: %.4f\n", f/4)
			fmt.Printf("- Class IoU [leaf]: %.4f\n", f/5)
		}
	}
}

func hang(cfg config) {
	if cfg.IgnoreTerm {
		signal.Ignore(syscall.SIGTERM)
	}
	if cfg.SpawnChild {
		child := exec.Command("sleep", "1000")
		must(child.Start())
		fmt.Printf("child pid %d\n", child.Process.Pid)
	}
	fmt.Printf("trainer pid %d\n", os.Getpid())
	fmt.Println("hanging")
	for {
		time.Sleep(time.Hour)
	}
}

func garbage() {
	w := os.Stdout
	w.Write([]byte("binary \x00\x01\xff\xfe end\n"))
	w.Write([]byte("crlf line\r\n"))
	w.Write([]byte("bar 10%\rbar 20%\rbar 100%\n"))
	long := make([]byte, 1<<20)
	for i := range long {
		long[i] = 'x'
	}
	w.Write(append(long, '\n'))
	fmt.Println("Epoch [1/1]: Training Status")
	fmt.Println("- Train Loss: nan (Model training loss)")
	fmt.Println("- Train IoU: 0.5 (Intersection over Union)")
	fmt.Println("- Val Loss: inf (Validation loss)")
	fmt.Println("- Val IoU: 0.25 (Validation IoU)")
	fmt.Fprintln(os.Stderr, "stderr line")
	w.Write([]byte("no newline at the end"))
}

func flood(n int) {
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(w, "line %d %d\n", i, time.Now().UnixNano())
		if i%256 == 0 {
			w.Flush()
		}
	}
	w.Flush()
}

func paced(rate int, seconds float64) {
	n := int(float64(rate) * seconds)
	start := time.Now()
	for i := 1; i <= n; i++ {
		if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
			time.Sleep(d)
		}
		fmt.Printf("line %d %d\n", i, time.Now().UnixNano())
	}
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "faketrainer:", err)
	os.Exit(2)
}
