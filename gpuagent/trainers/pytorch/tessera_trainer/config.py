"""config.json: the job's settings, checked, with the defaults filled in."""

from .common import ARCHITECTURES, DEFAULTS, InputError
from .files import read_json


def read_config(path):
    cfg = dict(DEFAULTS)
    if path:
        given = read_json(path, "config " + path, "config %s does not exist" % path)
        if not isinstance(given, dict):
            raise InputError("config %s is not a JSON object" % path)
        cfg.update({k: v for k, v in given.items() if v is not None})
    errs = []

    def integer(name, lo, hi):
        v = cfg[name]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v) or not lo <= v <= hi:
            errs.append("%s must be a whole number from %d to %d (got %r)" % (name, lo, hi, v))
        else:
            cfg[name] = int(v)

    integer("batch_size", 1, 1024)
    integer("epochs", 1, 10000)
    integer("seed", 0, 2 ** 31)
    lr = cfg["learning_rate"]
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr <= 1:
        errs.append("learning_rate must be a number above 0 and at most 1 (got %r)" % (lr,))
    if cfg["model_architecture"] not in ARCHITECTURES:
        errs.append("model_architecture must be one of %s (got %r)" % (", ".join(ARCHITECTURES), cfg["model_architecture"]))
    try:
        cfg["input_size"] = int(str(cfg["input_size"]))
        if not 64 <= cfg["input_size"] <= 4096:
            raise ValueError
    except ValueError:
        errs.append("input_size must be a number of pixels from 64 to 4096 (got %r)" % (cfg["input_size"],))
    if cfg["precision"] not in ("bf16", "fp16", "fp32"):
        errs.append("precision must be bf16, fp16 or fp32 (got %r)" % (cfg["precision"],))
    if not isinstance(cfg["compile"], bool):
        errs.append("compile must be true or false (got %r)" % (cfg["compile"],))
    if errs:
        raise InputError("config: " + "; ".join(errs))
    return cfg
