"""Atomic writes, safetensors weights, and what a checkpoint belongs to."""

import hashlib
import json
import os

from .common import MODEL_FORMAT, InputError


def read_json(path, name, missing):
    """A JSON file; InputError(missing) when it is not there, and one that
    names it (name) when it does not parse."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise InputError(missing)
    except ValueError as e:
        raise InputError("%s: %s" % (name, e))


def write_atomic(path, write):
    tmp = path + ".tmp"
    write(tmp)
    os.replace(tmp, path)


def write_json(path, obj):
    def w(tmp):
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")
    write_atomic(path, w)


def save_weights(path, state, meta):
    from safetensors.torch import save_file
    write_atomic(path, lambda tmp: save_file({k: v.contiguous() for k, v in state.items()}, tmp, metadata=meta))


def fingerprint(job_dir, cfg_path):
    """What a checkpoint belongs to: the training set's metadata, the config
    and this trainer."""
    h = hashlib.sha256(MODEL_FORMAT.encode())
    for p in (os.path.join(job_dir, "metadata.json"), cfg_path):
        if p and os.path.exists(p):
            with open(p, "rb") as f:
                h.update(f.read())
    return h.hexdigest()
