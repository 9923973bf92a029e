"""What every part of the trainer shares: formats, sizes, errors, output."""

import sys
import threading
import time

STARTED = time.time()  # when the trainer's process began (this package's import)

MODEL_FORMAT = "tessera-upernet-convnext/1"
CHECKPOINT_FORMAT = "tessera-upernet-convnext-checkpoint/1"
IGNORE = 255  # mask slot of unlabelled pixels
STRIDE = 32   # the backbone's total stride: inputs are padded to a multiple

ARCHITECTURES = {
    "upernet-convnext-tiny": {"depths": [3, 3, 9, 3], "hidden_sizes": [96, 192, 384, 768]},
    "upernet-convnext-small": {"depths": [3, 3, 27, 3], "hidden_sizes": [96, 192, 384, 768]},
    "upernet-convnext-base": {"depths": [3, 3, 27, 3], "hidden_sizes": [128, 256, 512, 1024]},
}

DEFAULTS = {
    "batch_size": 8, "epochs": 10, "model_architecture": "upernet-convnext-base",
    "learning_rate": 0.001, "input_size": "512", "precision": "bf16", "compile": False, "seed": 42,
}

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 143


class InputError(Exception):
    """Bad input in the job folder or config: said in one line, no traceback."""


class Stopped(Exception):
    """SIGTERM or an interrupt arrived."""


_out_lock = threading.Lock()


def say(text, stream=None):
    """Writes lines at once, flushed, so that a block stays together."""
    stream = stream or sys.stdout
    with _out_lock:
        stream.write(text if text.endswith("\n") else text + "\n")
        stream.flush()
