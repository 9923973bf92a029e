"""The command line: python3 -m tessera_trainer --job-dir DIR [--config FILE] …"""

import argparse
import json
import os
import signal
import sys
import threading
import traceback

from .common import EXIT_FAILED, EXIT_OK, EXIT_STOPPED, EXIT_USAGE, InputError, Stopped, say
from .config import read_config
from .probe import probe
from .run import Run


def main(argv):
    ap = argparse.ArgumentParser(prog="python3 -m tessera_trainer", description="Tessera's UperNet ConvNeXt trainer (PyTorch)")
    ap.add_argument("--probe", action="store_true", help="print what this host has for the trainer, as JSON")
    ap.add_argument("--check-config", action="store_true", help="check --config and print it with the defaults filled in")
    ap.add_argument("--job-dir", help="the trainingjob folder")
    ap.add_argument("--config", help="the job's config (default: JOB-DIR/config.json)")
    ap.add_argument("--pretrained", help="a local weights file to start from (.safetensors, .pt, .bin)")
    ap.add_argument("--resume-dir", default=os.environ.get("TESSERA_RESUME_DIR", ""),
                    help="checkpoints go here; a checkpoint found here is continued (default: $TESSERA_RESUME_DIR)")
    ap.add_argument("--device", default="cuda", help="cuda, or cpu to try it without a GPU (slow)")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return EXIT_OK if e.code == 0 else EXIT_USAGE
    if args.probe:
        return probe()
    if args.check_config:
        try:
            print(json.dumps(read_config(args.config)), flush=True)
            return EXIT_OK
        except InputError as e:
            say("pytorch trainer: %s" % e, sys.stderr)
            return EXIT_FAILED
    if not args.job_dir:
        ap.print_usage(sys.stderr)
        return EXIT_USAGE
    if not os.path.isdir(args.job_dir):
        say("pytorch trainer: job folder %s does not exist" % args.job_dir, sys.stderr)
        return EXIT_FAILED
    if not args.config:
        args.config = os.path.join(args.job_dir, "config.json")
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    run = None
    try:
        cfg = read_config(args.config if os.path.exists(args.config) else None)
        run = Run(args, cfg, stop)
        run.train()
        return EXIT_OK
    except Stopped:
        say("pytorch trainer: stopped by a signal%s" % ("; the last checkpoint is kept for the next attempt" if args.resume_dir else ""), sys.stderr)
        return EXIT_STOPPED
    except InputError as e:
        say("pytorch trainer: %s" % e, sys.stderr)
        return EXIT_FAILED
    except ImportError as e:
        say("pytorch trainer: this host cannot run it: %s" % e, sys.stderr)
        return EXIT_FAILED
    except Exception as e:
        traceback.print_exc()
        if type(e).__name__ == "OutOfMemoryError":
            say("pytorch trainer: the GPU ran out of memory: lower the batch size or the input size", sys.stderr)
        else:
            say("pytorch trainer: %s: %s" % (type(e).__name__, e), sys.stderr)
        return EXIT_FAILED
    finally:
        if run is not None:
            run.writer.wait(timeout=8)  # a checkpoint being written is finished, or left as it was


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
