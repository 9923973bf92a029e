package cpu

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

// Exit codes of Main.
const (
	exitOK      = 0
	exitFailed  = 1   // bad input or a failure while training
	exitUsage   = 2   // bad command line
	exitStopped = 143 // SIGTERM or interrupt (128 + 15)
)

// Main runs the trainer as a program: `--job-dir DIR [--config FILE] [--resume-dir DIR]`
// (FILE defaults to DIR/config.json; without it the defaults apply). It
// returns the process exit code: 0 when the model, predictions and
// metrics are written; 1 with the reason as the last line on stderr; 143
// when SIGTERM or an interrupt stopped it (models/ keeps the last finished
// epoch).
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tessera trainer cpu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jobDir := fs.String("job-dir", "", "the training job folder (config.json, metadata.json, images/, masks/)")
	cfgPath := fs.String("config", "", "the job's config (default: JOB-DIR/config.json)")
	resumeDir := fs.String("resume-dir", os.Getenv("TESSERA_RESUME_DIR"), "checkpoints go here, and one found here is continued (default: $TESSERA_RESUME_DIR)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tessera trainer cpu --job-dir DIR [--config FILE] [--resume-dir DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *jobDir == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	if st, err := os.Stat(*jobDir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "cpu trainer: job folder %s does not exist\n", *jobDir)
		return exitFailed
	}
	cfg, seedSet := DefaultConfig(), false
	path := *cfgPath
	if path == "" {
		path = filepath.Join(*jobDir, "config.json")
	}
	var err error
	if cfg, seedSet, err = readConfig(path); err != nil {
		if !(*cfgPath == "" && errors.Is(err, os.ErrNotExist)) {
			fmt.Fprintf(stderr, "cpu trainer: config: %v\n", err)
			return exitFailed
		}
	}
	if !seedSet {
		if md, err := readMetadata(*jobDir); err == nil && md.Seed != nil {
			cfg.Seed = *md.Seed
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	err = Train(ctx, *jobDir, *resumeDir, cfg, stdout)
	switch {
	case ctx.Err() != nil && *resumeDir != "":
		fmt.Fprintln(stderr, "cpu trainer: stopped by a signal; the checkpoint of the last finished epoch is kept for the next attempt")
		return exitStopped
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "cpu trainer: stopped by a signal; models/ holds the last finished epoch")
		return exitStopped
	case err != nil:
		fmt.Fprintf(stderr, "cpu trainer: %v\n", err)
		return exitFailed
	}
	return exitOK
}
