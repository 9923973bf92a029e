#!/usr/bin/env python3
"""Tessera's GPU trainer: UperNet with a ConvNeXt backbone (Hugging Face
transformers), trained with PyTorch on an NVIDIA GPU.

The gpuagent binary embeds this file, writes it into the job folder and runs

    python3 trainer.py --job-dir DIR --config DIR/config.json [--pretrained FILE]

as the trainer contract says (gpuagent/CONTRACT.md §9): it reads the
trainingjob folder (metadata.json, images/, masks/), prints the spec's metric
block after every epoch, and writes models/ (best and last weights as
safetensors, model.json, model.onnx), predictions/ (the best model's class
map of every validation tile) and metrics.json, shaped as the CPU trainer's.

`python3 trainer.py --probe` prints one JSON line saying whether this host
can run it (python, torch, transformers, CUDA, the GPU); the agent offers the
trainer only when it can.

Resuming: when TESSERA_RESUME_DIR names a folder (the agent keeps one per job
across attempts), a checkpoint goes there after every epoch; a later attempt
of the same job continues from it.

Exit status: 0 done; 1 bad input or a failure (the reason is the last stderr
line); 2 bad command line; 143 stopped by SIGTERM or an interrupt.
"""

import argparse
import concurrent.futures
import copy
import hashlib
import inspect
import json
import math
import os
import platform
import signal
import sys
import threading
import time
import traceback
import warnings

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


# ---------------------------------------------------------------- probe


def probe():
    """Prints what this host has for the trainer, as one JSON line."""
    rep = {"python": platform.python_version(), "missing": []}
    torch = None
    try:
        import torch  # noqa: F811
        rep["torch"] = torch.__version__
    except Exception as e:  # ImportError, or a broken install
        rep["missing"].append("torch (%s)" % e)
    try:
        import transformers
        from transformers import ConvNextConfig, UperNetConfig, UperNetForSemanticSegmentation  # noqa: F401
        rep["transformers"] = transformers.__version__
    except Exception as e:
        rep["missing"].append("transformers with UperNet and ConvNeXt (%s)" % e)
    for mod in ("numpy", "PIL", "safetensors"):
        try:
            __import__(mod)
        except Exception as e:
            rep["missing"].append("%s (%s)" % (mod, e))
    for mod in ("onnx", "onnxruntime"):
        try:
            rep[mod] = __import__(mod).__version__
        except Exception:
            rep[mod] = None
    if torch is not None:
        rep["cuda"] = bool(torch.cuda.is_available())
        if rep["cuda"]:
            props = torch.cuda.get_device_properties(0)
            rep["gpu_name"] = props.name
            rep["gpu_memory_mb"] = props.total_memory // (1 << 20)
            rep["gpu_count"] = torch.cuda.device_count()
            rep["bf16"] = bool(torch.cuda.is_bf16_supported())
            rep["cuda_version"] = torch.version.cuda
        else:
            rep["missing"].append("a CUDA GPU (torch %s sees none)" % torch.__version__)
    rep["ok"] = not rep["missing"]
    print(json.dumps(rep), flush=True)
    return EXIT_OK


# ---------------------------------------------------------------- config


def read_config(path):
    cfg = dict(DEFAULTS)
    if path:
        try:
            with open(path) as f:
                given = json.load(f)
        except FileNotFoundError:
            raise InputError("config %s does not exist" % path)
        except ValueError as e:
            raise InputError("config %s: %s" % (path, e))
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


# ---------------------------------------------------------------- data


def read_metadata(job_dir):
    path = os.path.join(job_dir, "metadata.json")
    try:
        with open(path) as f:
            md = json.load(f)
    except FileNotFoundError:
        raise InputError("metadata.json is missing from %s" % job_dir)
    except ValueError as e:
        raise InputError("metadata.json: %s" % e)
    split = md.get("split") or {}
    train, val = split.get("train") or [], split.get("val") or []
    if not train:
        raise InputError("metadata.json: the train split is empty")
    if not val:
        raise InputError("metadata.json: the val split is empty (the trainer needs validation tiles to pick the best model)")
    for name in train + val:
        if not isinstance(name, str) or not name or "/" in name or "\\" in name or name in (".", ".."):
            raise InputError("metadata.json: %r is not a tile file name" % (name,))
    ignore = md.get("ignore_index", IGNORE)
    classes = [{"index": 0, "name": "background"}]
    seen = {"background"}
    for c in sorted(md.get("classes") or [], key=lambda c: c.get("index", -1)):
        idx, name = c.get("index"), c.get("name") or ""
        if idx == 0:
            classes[0]["name"] = name or "background"
            continue
        if not isinstance(idx, int) or not 0 < idx < 254 or idx == ignore:
            raise InputError("metadata.json: class %r has index %r; class indices are 1 to 253 and not the ignore index %d" % (name, idx, ignore))
        if not name or name in seen:
            raise InputError("metadata.json: class %d has an empty or repeated name %r" % (idx, name))
        seen.add(name)
        entry = {"index": idx, "name": name}
        if c.get("colour"):
            entry["colour"] = list(c["colour"])
        classes.append(entry)
    if len(classes) < 2:
        raise InputError("metadata.json: no classes besides the background")
    return md, train, val, classes, ignore


def load_image(path):
    """An image file as float16 [h, w, 3] in [0, 1] (grey is replicated)."""
    import numpy as np
    from PIL import Image
    with Image.open(path) as im:
        im.load()
        mode = im.mode
        if mode in ("I;16", "I;16B", "I;16L", "I"):
            a = np.asarray(im).astype(np.float32) / 65535.0
            a = np.clip(a, 0, 1)
        elif mode in ("L", "1", "LA"):
            a = np.asarray(im.convert("L")).astype(np.float32) / 255.0
        else:
            a = np.asarray(im.convert("RGB")).astype(np.float32) / 255.0
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    return a.astype(np.float16)


def load_mask(path, lut):
    """A class-index PNG as uint8 slots [h, w] through lut; bad values are an error."""
    import numpy as np
    from PIL import Image
    with Image.open(path) as im:
        if im.mode not in ("L", "P"):
            raise InputError("%s is not an 8-bit class-index PNG (greyscale or palette; got mode %s)" % (path, im.mode))
        m = np.asarray(im).astype(np.uint8)
    slots = lut[m]
    bad = np.argwhere(slots == 254)
    if len(bad):
        y, x = bad[0]
        raise InputError("%s: pixel (%d, %d) is %d, which is no class in metadata.json nor the ignore index" % (path, x, y, m[y, x]))
    return slots


class Data:
    """The job's tiles, scaled, normalised and padded to a square canvas."""

    def __init__(self, job_dir, input_size, device, stop):
        import numpy as np
        import torch
        import torch.nn.functional as F
        start = time.time()
        md, train_names, val_names, self.classes, self.ignore_index = read_metadata(job_dir)
        lut = np.full(256, 254, dtype=np.uint8)
        for slot, c in enumerate(self.classes):
            lut[c["index"]] = slot
        if 0 <= self.ignore_index < 256:
            lut[self.ignore_index] = IGNORE
        self.slot_to_index = np.array([c["index"] for c in self.classes], dtype=np.uint8)
        self.train_names, self.val_names = train_names, val_names

        def load(name):
            if stop.is_set():
                return None
            ip, mp = os.path.join(job_dir, "images", name), os.path.join(job_dir, "masks", name)
            try:
                img = load_image(ip)
            except InputError:
                raise
            except Exception as e:
                raise InputError("images/%s: %s" % (name, e))
            if not os.path.exists(mp) and os.path.exists(os.path.splitext(mp)[0] + ".png"):
                mp = os.path.splitext(mp)[0] + ".png"
            try:
                mask = load_mask(mp, lut)
            except InputError:
                raise
            except Exception as e:
                raise InputError("masks/%s: %s" % (name, e))
            if mask.shape != img.shape[:2]:
                raise InputError("masks/%s is %d×%d but images/%s is %d×%d" % (name, mask.shape[1], mask.shape[0], name, img.shape[1], img.shape[0]))
            return img, mask

        names = train_names + val_names
        results, errors = [None] * len(names), []
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(16, os.cpu_count() or 2)) as ex:
            futs = {ex.submit(load, n): i for i, n in enumerate(names)}
            for f, i in futs.items():
                try:
                    results[i] = f.result()
                except InputError as e:
                    errors.append(str(e))
        if stop.is_set():
            raise Stopped()
        if errors:
            more = " (and %d more)" % (len(errors) - 10) if len(errors) > 10 else ""
            raise InputError("%d of %d tiles could not be read: %s%s" % (len(errors), len(names), "; ".join(errors[:10]), more))

        self.tile_size = max(max(m.shape) for _, m in results)
        self.scale = min(1.0, input_size / self.tile_size)
        self.canvas = -(-max(1, round(self.tile_size * self.scale)) // STRIDE) * STRIDE

        def scaled(img, mask):
            x = torch.from_numpy(img).permute(2, 0, 1)
            y = torch.from_numpy(mask)
            if self.scale < 1:
                h, w = mask.shape
                size = (max(1, round(h * self.scale)), max(1, round(w * self.scale)))
                x = F.interpolate(x[None].float(), size=size, mode="area")[0].half()
                y = F.interpolate(y[None, None].float(), size=size, mode="nearest")[0, 0].to(torch.uint8)
            return x, y

        n_train = len(train_names)
        scaled_all = [scaled(img, mask) for img, mask in results]
        # Per-channel mean and standard deviation of the training tiles.
        s = torch.zeros(3, dtype=torch.float64)
        s2 = torch.zeros(3, dtype=torch.float64)
        n = 0
        for x, _ in scaled_all[:n_train]:
            xd = x.double()
            s += xd.sum(dim=(1, 2))
            s2 += (xd * xd).sum(dim=(1, 2))
            n += x.shape[1] * x.shape[2]
        mean = s / n
        std = (s2 / n - mean * mean).clamp_min(1e-12).sqrt().clamp_min(1e-3)
        self.mean, self.std = mean.tolist(), std.tolist()

        # The tiles live on the GPU when they take under a quarter of its
        # free memory; else in pinned host memory, copied per batch.
        c = self.canvas
        need = len(names) * c * c * 7  # float16 RGB and a uint8 mask per pixel
        self.on_gpu = device.type == "cuda" and need < torch.cuda.mem_get_info()[0] * 0.25
        store = device if self.on_gpu else torch.device("cpu")

        def stack(part):
            xs = torch.zeros(len(part), 3, c, c, dtype=torch.float16)
            ys = torch.full((len(part), c, c), IGNORE, dtype=torch.uint8)
            for i, (x, y) in enumerate(part):
                h, w = y.shape
                xs[i, :, :h, :w] = ((x.float() - mean[:, None, None].float()) / std[:, None, None].float()).half()
                ys[i, :h, :w] = y
            if store.type == "cuda":
                return xs.to(store), ys.to(store)
            if device.type == "cuda":
                return xs.pin_memory(), ys.pin_memory()
            return xs, ys

        self.train_x, self.train_y = stack(scaled_all[:n_train])
        self.val_x, self.val_y = stack(scaled_all[n_train:])
        self.val_scaled = [tuple(y.shape) for _, y in scaled_all[n_train:]]
        # Validation compares class maps at each tile's original size.
        self.val_full = [torch.from_numpy(m) for _, m in results[n_train:]]
        self.bytes = need
        self.seconds = time.time() - start


# ---------------------------------------------------------------- model


def build_model(arch_name, n_classes, torch):
    from transformers import ConvNextConfig, UperNetConfig, UperNetForSemanticSegmentation
    a = ARCHITECTURES[arch_name]
    backbone = ConvNextConfig(num_channels=3, depths=a["depths"], hidden_sizes=a["hidden_sizes"],
                              out_features=["stage1", "stage2", "stage3", "stage4"])
    config = UperNetConfig(backbone_config=backbone, num_labels=n_classes, hidden_size=512,
                           use_auxiliary_head=True, auxiliary_in_channels=a["hidden_sizes"][2],
                           loss_ignore_index=IGNORE)
    return UperNetForSemanticSegmentation(config)


def segment(model, x, aux=True):
    """Logits at the input's size (and the auxiliary head's, when training)."""
    import torch.nn.functional as F
    features = model.backbone(pixel_values=x).feature_maps
    size = x.shape[-2:]
    logits = F.interpolate(model.decode_head(features), size=size, mode="bilinear", align_corners=False)
    if not aux or model.auxiliary_head is None:
        return logits, None
    a = F.interpolate(model.auxiliary_head(features), size=size, mode="bilinear", align_corners=False)
    return logits, a


def load_pretrained(model, path, torch):
    """Loads the tensors of a local weights file that fit the model: a
    UperNet checkpoint, or a ConvNeXt backbone or classifier."""
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file
        sd = load_file(path)
    else:
        sd = torch.load(path, map_location="cpu", weights_only=True)
        for key in ("state_dict", "model"):
            if isinstance(sd, dict) and isinstance(sd.get(key), dict):
                sd = sd[key]
    own = model.state_dict()
    loaded = {}
    for k, v in sd.items():
        for cand in (k, "backbone." + k, k.replace("convnext.", "backbone.", 1)):
            if cand in own and tuple(own[cand].shape) == tuple(v.shape):
                loaded[cand] = v
                break
    if not loaded:
        raise InputError("pretrained weights %s: none of its %d tensors fit this model" % (path, len(sd)))
    model.load_state_dict(loaded, strict=False)
    return len(loaded), len(own)


class MatmulAvgPool:
    """nn.AdaptiveAvgPool2d for a fixed input size as two matrix products,
    which every ONNX exporter handles (adaptive pooling to sizes that do not
    divide the input has no ONNX operator)."""

    @staticmethod
    def make(torch, out, h, w):
        nn = torch.nn

        def matrix(o, n):
            m = torch.zeros(o, n)
            for i in range(o):
                s, e = (i * n) // o, -((-(i + 1) * n) // o)
                m[i, s:e] = 1.0 / (e - s)
            return m

        class Pool(nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("ph", matrix(out, h))
                self.register_buffer("pw", matrix(out, w).t().contiguous())

            def forward(self, x):
                return torch.matmul(torch.matmul(self.ph, x), self.pw)

        return Pool()


# ---------------------------------------------------------------- metrics


def iou_of(conf):
    """Per-class IoU (None where a class is in neither truth nor
    prediction) and their mean over the others, from a confusion matrix
    [true][predicted] as nested lists."""
    n = len(conf)
    ious = []
    for c in range(n):
        tp = conf[c][c]
        fp = sum(conf[t][c] for t in range(n)) - tp
        fn = sum(conf[c]) - tp
        d = tp + fp + fn
        ious.append(tp / d if d else None)
    present = [v for v in ious if v is not None]
    return ious, (sum(present) / len(present) if present else None)


def fmt(v):
    return "nan" if v is None or (isinstance(v, float) and not math.isfinite(v)) else "%.4f" % v


def metric_block(m, total, classes):
    lines = ["Epoch [%d/%d]: Training Status" % (m["epoch"], total),
             "- Train Loss: %s (Model training loss)" % fmt(m["train_loss"]),
             "- Train IoU: %s (Intersection over Union)" % fmt(m["train_iou"]),
             "- Val Loss: %s (Validation loss)" % fmt(m["val_loss"]),
             "- Val IoU: %s (Validation IoU)" % fmt(m["val_iou"])]
    for c in classes:
        lines.append("- Class IoU [%s]: %s" % (c["name"], fmt(m["class_iou"].get(c["name"]))))
    return "\n".join(lines) + "\n"


def better(a, b):
    return a is not None and (b is None or a > b)


# ---------------------------------------------------------------- files


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


class CheckpointWriter:
    """Writes checkpoints in the background, one at a time."""

    def __init__(self):
        self.thread = None

    def busy(self):
        return self.thread is not None and self.thread.is_alive()

    def submit(self, fn):
        self.wait()
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn):
        try:
            fn()
        except Exception as e:  # a checkpoint is a convenience: training goes on
            say("Warning: checkpoint not saved: %s" % e)

    def wait(self, timeout=None):
        if self.thread is not None:
            self.thread.join(timeout)
            if not self.thread.is_alive():
                self.thread = None


def cpu_copy(obj, torch):
    if torch.is_tensor(obj):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        return {k: cpu_copy(v, torch) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(cpu_copy(v, torch) for v in obj)
    return obj


class Snapshot:
    """Host copies of training state (weights, optimiser moments) in pinned
    buffers allocated once, filled on a side CUDA stream so that the GPU
    goes on with the next epoch: fence(i) makes the GPU's work wait for the
    copy of part i (all parts by default), ready() makes the host wait
    before reading the buffers."""

    def __init__(self, torch, device):
        self.torch = torch
        self.cuda = device.type == "cuda"
        self.stream = torch.cuda.Stream(device) if self.cuda else None
        self.bufs = {}
        self.events = []

    def take(self, *parts):
        """Starts copying each part, in order; returns their host copies."""
        torch = self.torch
        if not self.cuda:
            return [cpu_copy(p, torch) for p in parts]
        self.stream.wait_stream(torch.cuda.current_stream())
        out, self.events = [], []
        with torch.cuda.stream(self.stream):
            for i, part in enumerate(parts):
                out.append(self._copy(part, (i,)))
                ev = torch.cuda.Event()
                ev.record(self.stream)
                self.events.append(ev)
        return out

    def _copy(self, obj, path):
        torch = self.torch
        if torch.is_tensor(obj):
            if not obj.is_cuda:
                return obj.detach().clone()
            buf = self.bufs.get(path)
            if buf is None or buf.shape != obj.shape or buf.dtype != obj.dtype:
                buf = self.bufs[path] = torch.empty(obj.shape, dtype=obj.dtype, pin_memory=True)
            buf.copy_(obj.detach(), non_blocking=True)
            return buf
        if isinstance(obj, dict):
            return {k: self._copy(v, path + (k,)) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(self._copy(v, path + (i,)) for i, v in enumerate(obj))
        return obj

    def fence(self, part=-1):
        if self.events:
            self.torch.cuda.current_stream().wait_event(self.events[part])

    def ready(self):
        if self.events:
            self.events[-1].synchronize()


# ---------------------------------------------------------------- training


class Run:
    def __init__(self, args, cfg, stop):
        import torch
        self.torch = torch
        self.args, self.cfg, self.stop = args, cfg, stop
        self.job_dir = args.job_dir
        self.models_dir = os.path.join(self.job_dir, "models")
        self.resume_dir = args.resume_dir or ""
        self.started = time.time()
        self.history, self.best, self.best_state = [], None, None
        self.writer = CheckpointWriter()
        self.ck_snap = self.best_snap = None

    def check_stop(self):
        if self.stop.is_set():
            raise Stopped()

    def setup(self):
        torch, cfg = self.torch, self.cfg
        if self.args.device == "cuda" and not torch.cuda.is_available():
            raise InputError("no CUDA GPU is visible to PyTorch %s on this host" % torch.__version__)
        self.device = torch.device(self.args.device)
        cuda = self.device.type == "cuda"
        torch.manual_seed(cfg["seed"])
        if cuda:
            # No cudnn.benchmark: on an H100 it tried (and compiled) kernels
            # for 20-30 s before the first epoch, longer than a class's job.
            torch.backends.cudnn.benchmark = False
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
            torch.cuda.reset_peak_memory_stats()
        self.precision = cfg["precision"] if cuda else "fp32"
        if self.precision == "bf16" and not torch.cuda.is_bf16_supported():
            say("This GPU has no bfloat16: using float16 with loss scaling instead")
            self.precision = "fp16"
        self.amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)

        self.data = Data(self.job_dir, cfg["input_size"], self.device, self.stop)
        d = self.data
        say("Loaded %d training and %d validation tiles (largest side %d px) in %.1fs; %s"
            % (len(d.train_names), len(d.val_names), d.tile_size, d.seconds,
               "held on the GPU (%.2f GiB)" % (d.bytes / 2 ** 30) if d.on_gpu else "held in pinned host memory"))
        say("Input %d×%d px: tiles scaled by %.4g; classes: %s"
            % (d.canvas, d.canvas, d.scale, ", ".join(c["name"] for c in d.classes)))
        self.check_stop()

        self.model = build_model(cfg["model_architecture"], len(d.classes), torch)
        start_from = "random start"
        if self.args.pretrained:
            got, of = load_pretrained(self.model, self.args.pretrained, torch)
            start_from = "%d of %d tensors from %s" % (got, of, self.args.pretrained)
        self.model.to(self.device, memory_format=torch.channels_last)
        n_params = sum(p.numel() for p in self.model.parameters())

        n_train = len(d.train_names)
        if n_train < 2:
            raise InputError("the train split has %d tile; at least 2 are needed (batch normalisation)" % n_train)
        self.batch = min(cfg["batch_size"], n_train)
        self.steps = n_train // self.batch
        decay, no_decay = [], []
        for name, p in self.model.named_parameters():
            (no_decay if p.ndim <= 1 else decay).append(p)
        groups = [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}]
        self.optimizer, how = None, "AdamW"
        if cuda and "fused" in inspect.signature(torch.optim.AdamW).parameters:
            try:
                self.optimizer, how = torch.optim.AdamW(groups, lr=cfg["learning_rate"], fused=True), "fused AdamW"
            except (RuntimeError, TypeError):
                pass
        if self.optimizer is None:
            self.optimizer = torch.optim.AdamW(groups, lr=cfg["learning_rate"])
        total = cfg["epochs"] * self.steps
        warm = max(1, total // 20)

        def factor(step):  # linear warm-up over 5% of steps, then cosine to 5%
            f = min(1.0, (step + 1) / warm)
            p = step / max(1, total - 1)
            return f * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, factor)
        self.scaler = None
        if self.precision == "fp16":
            if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
                self.scaler = torch.amp.GradScaler("cuda")
            else:
                self.scaler = torch.cuda.amp.GradScaler()
        self.forward = segment
        if cfg["compile"]:
            if not hasattr(torch, "compile"):
                raise InputError("compile needs PyTorch 2 or later (this host has %s)" % torch.__version__)
            say("Compiling the model: the first steps take a minute or two")
            self.forward = torch.compile(segment)
        self.gen = torch.Generator(device=self.device)
        self.gen.manual_seed(cfg["seed"] + 1)
        self.perm_gen = torch.Generator()
        self.perm_gen.manual_seed(cfg["seed"] + 2)
        say("Model: UperNet + ConvNeXt %s (%.1f M weights, %s); %s, %d epochs of %d steps of %d tiles, learning rate %g, %s%s, channels_last, on %s"
            % (cfg["model_architecture"].rsplit("-", 1)[-1], n_params / 1e6, start_from, how, cfg["epochs"], self.steps,
               self.batch, cfg["learning_rate"], self.precision, ", torch.compile" if cfg["compile"] else "",
               torch.cuda.get_device_name(self.device) if cuda else "the CPU"))
        if n_train % self.batch:
            say("Each epoch trains %d of the %d training tiles, newly shuffled (whole batches only)" % (self.steps * self.batch, n_train))
        os.makedirs(self.models_dir, exist_ok=True)
        self.ck_snap, self.best_snap = Snapshot(torch, self.device), Snapshot(torch, self.device)
        self.fp = fingerprint(self.job_dir, self.args.config)
        self.epoch0 = self.resume()

    # -------------------------------------------------------- checkpoints

    def model_parts(self):
        """The model's state as (buffers, parameters): a forward pass in
        training mode changes the first (batch norm statistics), a weight
        update the second."""
        sd = self.model.state_dict()
        names = {k for k, _ in self.model.named_buffers()}
        return {k: v for k, v in sd.items() if k in names}, {k: v for k, v in sd.items() if k not in names}

    def checkpoint_path(self):
        return os.path.join(self.resume_dir, "checkpoint.pt")

    def resume(self):
        """Continues from the resume folder's checkpoint of this job, if any:
        returns the last finished epoch (0 when starting over)."""
        torch = self.torch
        if not self.resume_dir:
            say("No resume folder (TESSERA_RESUME_DIR): if this attempt is interrupted, the next one starts over")
            return 0
        os.makedirs(self.resume_dir, exist_ok=True)
        path = self.checkpoint_path()
        if not os.path.exists(path):
            return 0
        try:
            ck = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:
            say("The checkpoint in %s cannot be read (%s): starting over" % (self.resume_dir, e))
            return 0
        if ck.get("format") != CHECKPOINT_FORMAT or ck.get("fingerprint") != self.fp:
            say("The checkpoint in %s is for another training set, settings or trainer: starting over" % self.resume_dir)
            return 0
        plain = json.loads(ck["plain"])
        self.model.load_state_dict(ck["model"])
        self.optimizer.load_state_dict({"state": ck["optimizer_state"], "param_groups": plain["optimizer_groups"]})
        # Moments come back contiguous; fused AdamW wants them laid out as
        # their (channels_last) weights.
        for group in self.optimizer.param_groups:
            for p in group["params"]:
                st = self.optimizer.state.get(p, {})
                for k, v in list(st.items()):
                    if torch.is_tensor(v) and v.shape == p.shape:
                        st[k] = torch.empty_like(p, dtype=v.dtype).copy_(v)
        self.scheduler.load_state_dict(plain["scheduler"])
        if self.scaler is not None and plain.get("scaler"):
            self.scaler.load_state_dict(plain["scaler"])
        torch.set_rng_state(ck["rng"]["torch"])
        self.perm_gen.set_state(ck["rng"]["perm"])
        if self.device.type == "cuda" and ck["rng"].get("gen") is not None:
            self.gen.set_state(ck["rng"]["gen"])
        self.history = json.loads(ck["history"])
        self.best = json.loads(ck["best"]) if ck.get("best") else None
        if self.best:
            from safetensors.torch import load_file
            self.best_state = load_file(os.path.join(self.resume_dir, ck["best_file"]))
        epoch = int(ck["epoch"])
        say("Resuming from the checkpoint of epoch %d of %d (saved by attempt %s): the epochs trained so far were"
            % (epoch, self.cfg["epochs"], ck.get("attempt", "?")))
        for m in self.history:
            say(metric_block(m, self.cfg["epochs"], self.data.classes))
        return epoch

    def save_checkpoint(self, epoch, best_changed):
        """Snapshots the training state now and writes it in the background."""
        if not self.resume_dir:
            return
        torch = self.torch
        if self.writer.busy():
            say("Checkpoint of epoch %d skipped: the previous one is still being written" % epoch)
            return
        # Tensors are pickled, everything else is JSON text: the safe loader
        # (weights_only) of every PyTorch version reads that.
        try:
            opt = self.optimizer.state_dict()
            plain = json.dumps({"optimizer_groups": opt["param_groups"], "scheduler": self.scheduler.state_dict(),
                                "scaler": self.scaler.state_dict() if self.scaler is not None else None})
        except (TypeError, ValueError) as e:
            say("Warning: checkpoint of epoch %d not saved: %s" % (epoch, e))
            return
        buffers, params = self.model_parts()
        buffers, params, opt_state = self.ck_snap.take(buffers, params, opt["state"])
        ck = {
            "format": CHECKPOINT_FORMAT, "fingerprint": self.fp, "epoch": epoch,
            "attempt": os.environ.get("TESSERA_ATTEMPT", ""),
            "model": dict(buffers, **params), "optimizer_state": opt_state, "plain": plain,
            "rng": {"torch": torch.get_rng_state(), "perm": self.perm_gen.get_state(),
                    "gen": self.gen.get_state() if self.device.type == "cuda" else None},
            "history": json.dumps(self.history), "best": json.dumps(self.best) if self.best else "",
            "best_file": "best-%d.safetensors" % self.best["epoch"] if self.best else "",
        }
        best_state = self.best_state if best_changed else None
        d = self.resume_dir
        snaps = (self.ck_snap, self.best_snap)

        def write():
            t = time.time()
            for snap in snaps:
                snap.ready()
            if best_state is not None:
                save_weights(os.path.join(d, ck["best_file"]), best_state, {"format": MODEL_FORMAT, "epoch": str(epoch)})
            write_atomic(self.checkpoint_path(), lambda tmp: torch.save(ck, tmp))
            for name in os.listdir(d):  # earlier best weights the checkpoint no longer names
                if name.startswith("best-") and name.endswith(".safetensors") and name != ck["best_file"]:
                    os.remove(os.path.join(d, name))
            say("Checkpoint of epoch %d saved in %.1fs" % (epoch, time.time() - t))
        self.writer.submit(write)

    # -------------------------------------------------------- epochs

    def augment(self, x, y):
        """Random flips and transposition, per tile, on the device."""
        torch = self.torch
        f = torch.randint(0, 2, (3, x.shape[0]), device=x.device, generator=self.gen).bool()
        for i, op in enumerate((lambda t: t.flip(-1), lambda t: t.flip(-2), lambda t: t.transpose(-1, -2))):
            x = torch.where(f[i].view(-1, 1, 1, 1), op(x), x)
            y = torch.where(f[i].view(-1, 1, 1), op(y), y)
        return x, y

    def autocast(self):
        torch = self.torch
        if self.amp_dtype is None:
            return torch.autocast(device_type=self.device.type, enabled=False)
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def to_input(self, x):
        torch = self.torch
        dtype = self.amp_dtype if self.amp_dtype is not None else torch.float32
        return x.to(self.device, non_blocking=True).to(dtype).contiguous(memory_format=torch.channels_last)

    def confusion_add(self, conf, truth, pred):
        """Adds (truth, prediction) pairs to conf, [C·C+1] on the device;
        unlabelled pixels land in the last bin."""
        torch = self.torch
        c = len(self.data.classes)
        t = truth.long()
        idx = torch.where(t == IGNORE, torch.full_like(t, c * c), t * c + pred.long()).reshape(-1)
        conf.scatter_add_(0, idx, torch.ones_like(idx))

    def conf_rows(self, conf):
        c = len(self.data.classes)
        flat = conf[: c * c].tolist()
        return [flat[i * c:(i + 1) * c] for i in range(c)]

    def train_epoch(self, epoch):
        torch, d, F = self.torch, self.data, self.torch.nn.functional
        self.model.train()
        c = len(d.classes)
        conf = torch.zeros(c * c + 1, dtype=torch.long, device=self.device)
        loss_sum = torch.zeros((), dtype=torch.float64, device=self.device)
        pixels = torch.zeros((), dtype=torch.long, device=self.device)
        perm = torch.randperm(len(d.train_names), generator=self.perm_gen)
        if d.on_gpu:
            perm = perm.to(self.device)
        aux_w = self.model.config.auxiliary_loss_weight if self.model.auxiliary_head is not None else 0.0
        last_print = 0.0
        for s in range(self.steps):
            self.check_stop()
            idx = perm[s * self.batch:(s + 1) * self.batch]
            x, y = d.train_x[idx], d.train_y[idx]
            if not d.on_gpu and self.device.type == "cuda":
                x, y = x.pin_memory(), y.pin_memory()
            y = y.to(self.device, non_blocking=True)
            x, y = self.augment(self.to_input(x), y)
            if s == 0:  # last epoch's snapshots are copied before this changes them
                self.ck_snap.fence(0)
                self.best_snap.fence(0)
            target = y.long()
            n = (y != IGNORE).sum()
            with self.autocast():
                logits, aux = self.forward(self.model, x)
                main = F.cross_entropy(logits.float(), target, ignore_index=IGNORE, reduction="sum")
                loss = main / n.clamp_min(1)
                if aux is not None:
                    loss = loss + aux_w * F.cross_entropy(aux.float(), target, ignore_index=IGNORE, reduction="sum") / n.clamp_min(1)
            self.optimizer.zero_grad(set_to_none=True)
            if s == 0:
                self.ck_snap.fence()
                self.best_snap.fence()
            if self.scaler is not None:
                self.scaler.scale(loss).backward()
                self.scaler.step(self.optimizer)
                self.scaler.update()
            else:
                loss.backward()
                self.optimizer.step()
            self.scheduler.step()
            loss_sum += main.detach().double()
            pixels += n
            # Train IoU from every 4th row and column: enough to follow, cheap.
            self.confusion_add(conf, y[:, ::4, ::4], logits.detach()[:, :, ::4, ::4].argmax(1))
            now = time.time()
            if now - last_print >= 0.5 or s == self.steps - 1:
                last_print = now
                say("Progress: %.1f%%" % (100.0 * (s + 1) / self.steps))
        train_loss = (loss_sum / pixels.clamp_min(1)).item()
        return train_loss, self.conf_rows(conf)

    def validate(self, collect=None):
        """Val loss at network scale, and the confusion of the class maps at
        each tile's original size; collect(i, slots) gets each tile's map."""
        torch, d, F = self.torch, self.data, self.torch.nn.functional
        self.model.eval()
        c = len(d.classes)
        conf = torch.zeros(c * c + 1, dtype=torch.long, device=self.device)
        loss_sum = torch.zeros((), dtype=torch.float64, device=self.device)
        pixels = torch.zeros((), dtype=torch.long, device=self.device)
        vb = max(1, self.batch * 2)
        with torch.inference_mode(), self.autocast():
            for i in range(0, len(d.val_names), vb):
                self.check_stop()
                x = self.to_input(d.val_x[i:i + vb])
                y = d.val_y[i:i + vb].to(self.device, non_blocking=True)
                logits, _ = self.forward(self.model, x, aux=False)
                loss_sum += F.cross_entropy(logits.float(), y.long(), ignore_index=IGNORE, reduction="sum").double()
                pixels += (y != IGNORE).sum()
                for j in range(x.shape[0]):
                    k = i + j
                    sh, sw = d.val_scaled[k]
                    full = d.val_full[k].to(self.device, non_blocking=True)
                    lg = logits[j:j + 1, :, :sh, :sw].float()
                    if (sh, sw) != tuple(full.shape):
                        lg = F.interpolate(lg, size=tuple(full.shape), mode="bilinear", align_corners=False)
                    pred = lg[0].argmax(0)
                    self.confusion_add(conf, full, pred)
                    if collect is not None:
                        collect(k, pred)
        val_loss = (loss_sum / pixels.clamp_min(1)).item()
        return val_loss, self.conf_rows(conf)

    def epoch_metrics(self, epoch, train_loss, train_conf, val_loss, val_conf):
        classes = self.data.classes
        _, train_iou = iou_of(train_conf)
        class_iou, val_iou = iou_of(val_conf)
        return {"epoch": epoch, "train_loss": train_loss if math.isfinite(train_loss) else None,
                "train_iou": train_iou, "val_loss": val_loss if math.isfinite(val_loss) else None,
                "val_iou": val_iou, "class_iou": {c["name"]: v for c, v in zip(classes, class_iou)},
                "seconds": round(time.time() - self.started, 2)}

    def train(self):
        torch, cfg = self.torch, self.cfg
        self.setup()
        cuda = self.device.type == "cuda"
        images, t0 = 0, time.time()
        for epoch in range(self.epoch0 + 1, cfg["epochs"] + 1):
            te = time.time()
            train_loss, train_conf = self.train_epoch(epoch)
            tv = time.time()
            val_loss, val_conf = self.validate()
            tend = time.time()
            if not math.isfinite(train_loss):
                raise InputError("the training loss became %s in epoch %d: try a lower learning rate%s"
                                 % (train_loss, epoch, " or precision bf16/fp32" if self.precision == "fp16" else ""))
            m = self.epoch_metrics(epoch, train_loss, train_conf, val_loss, val_conf)
            self.history.append(m)
            say(metric_block(m, cfg["epochs"], self.data.classes))
            n = self.steps * self.batch
            images += n
            mem = ", peak GPU memory %.1f GiB" % (torch.cuda.max_memory_allocated() / 2 ** 30) if cuda else ""
            say("Epoch %d: %d tiles trained in %.2fs (%.1f images/s), validation %.2fs%s"
                % (epoch, n, tv - te, n / max(tv - te, 1e-9), tend - tv, mem))
            changed = self.best is None or better(m["val_iou"], self.best["val_iou"])
            if changed:
                self.best = m
                self.writer.wait()  # it may be writing the best buffers
                buffers, params = self.best_snap.take(*self.model_parts())
                self.best_state = dict(buffers, **params)
                say("Best model so far: epoch %d, Val IoU %s" % (epoch, fmt(m["val_iou"])))
            self.save_checkpoint(epoch, changed)
        train_seconds = time.time() - t0
        self.throughput = {"images": images, "seconds": round(train_seconds, 3),
                           "images_per_second": round(images / train_seconds, 2) if images and train_seconds > 0 else None,
                           "peak_gpu_memory_mb": torch.cuda.max_memory_allocated() // (1 << 20) if cuda else None,
                           "device": torch.cuda.get_device_name(self.device) if cuda else "cpu",
                           "precision": self.precision, "compile": cfg["compile"], "batch_size": self.batch,
                           "data_on_gpu": self.data.on_gpu, "data_loading_seconds": round(self.data.seconds, 3)}
        if images:
            say("Training throughput: %d images in %.2fs, %.1f images/s end to end (augmentation, validation and checkpoint snapshots included)%s"
                % (images, train_seconds, images / train_seconds,
                   "; peak GPU memory %.1f GiB" % (torch.cuda.max_memory_allocated() / 2 ** 30) if cuda else ""))
        self.writer.wait()
        self.finish()

    # -------------------------------------------------------- results

    def finish(self):
        import numpy as np
        from PIL import Image
        torch, d, cfg = self.torch, self.data, self.cfg
        self.check_stop()
        last_state = cpu_copy(self.model.state_dict(), torch)
        self.best_snap.ready()
        best_epoch = self.best["epoch"]
        self.model.load_state_dict(self.best_state)
        pred_dir = os.path.join(self.job_dir, "predictions")
        os.makedirs(pred_dir, exist_ok=True)

        def collect(k, pred):
            slots = pred.to("cpu", torch.uint8).numpy()
            name = os.path.splitext(d.val_names[k])[0] + ".png"
            Image.fromarray(d.slot_to_index[slots]).save(os.path.join(pred_dir, name))
        _, conf = self.validate(collect)
        class_iou, mean_iou = iou_of(conf)
        total = sum(sum(r) for r in conf)
        acc = sum(conf[i][i] for i in range(len(conf))) / total if total else None

        meta = {"format": MODEL_FORMAT}
        save_weights(os.path.join(self.models_dir, "best.safetensors"), self.best_state, dict(meta, epoch=str(best_epoch)))
        save_weights(os.path.join(self.models_dir, "last.safetensors"), last_state,
                     dict(meta, epoch=str(self.history[-1]["epoch"])))
        onnx = self.export_onnx()
        a = ARCHITECTURES[cfg["model_architecture"]]
        import transformers
        info = {
            "format": MODEL_FORMAT,
            "architecture": {"name": cfg["model_architecture"], "decoder": "UperNet", "backbone": "ConvNeXt",
                             "depths": a["depths"], "hidden_sizes": a["hidden_sizes"], "decoder_channels": 512,
                             "pool_scales": [1, 2, 3, 6], "auxiliary_head": True,
                             "transformers_class": "UperNetForSemanticSegmentation"},
            "input": {"size": d.canvas, "channels": 3, "scale": d.scale, "tile_size": d.tile_size, "multiple": STRIDE,
                      "grey": "replicated to 3 channels", "values": "8-bit / 255, 16-bit / 65535"},
            "normalisation": {"mean": d.mean, "std": d.std},
            "classes": d.classes, "ignore_index": d.ignore_index,
            "weights": {"best": "best.safetensors", "last": "last.safetensors", "onnx": onnx.get("file")},
            "onnx": onnx, "config": cfg, "epochs": len(self.history),
            "best": self.best, "last": self.history[-1],
            "trainer": "tessera pytorch trainer", "torch": torch.__version__, "transformers": transformers.__version__,
            "pretrained": self.args.pretrained or None,
        }
        write_json(os.path.join(self.models_dir, "model.json"), info)
        metrics = {
            "best_epoch": best_epoch, "epochs": len(self.history), "classes": d.classes,
            "class_iou": {c["name"]: v for c, v in zip(d.classes, class_iou)},
            "mean_iou": mean_iou, "pixel_accuracy": acc, "confusion_matrix": conf,
            "val_tiles": len(d.val_names), "val_pixels": total, "history": self.history,
            "training": getattr(self, "throughput", None),
        }
        write_json(os.path.join(self.job_dir, "metrics.json"), metrics)
        say("Best model: epoch %d, Val IoU %s, pixel accuracy %s; wrote %d predictions, metrics.json and models/ (%s); done in %.1fs"
            % (best_epoch, fmt(mean_iou), fmt(acc), len(d.val_names),
               "model.onnx" if onnx.get("file") else "no ONNX", time.time() - self.started))

    def export_onnx(self):
        """models/model.onnx from the best weights: input pixel_values
        [N, 3, S, S] normalised, output logits [N, classes, S, S]. A failure
        is reported and the job goes on: the safetensors are the model."""
        torch = self.torch
        d = self.data
        try:
            import onnx  # noqa: F401
        except Exception as e:
            say("Warning: no ONNX export: the onnx package is missing (%s)" % e)
            return {"error": "onnx package missing"}
        t = time.time()
        path = os.path.join(self.models_dir, "model.onnx")
        model = copy.deepcopy(self.model).float().eval().to(self.device, memory_format=torch.contiguous_format)
        feat = d.canvas // STRIDE
        for parent in list(model.modules()):
            for name, child in list(parent.named_children()):
                if isinstance(child, torch.nn.AdaptiveAvgPool2d):
                    out = child.output_size if isinstance(child.output_size, int) else child.output_size[0]
                    new = MatmulAvgPool.make(torch, out, feat, feat).to(self.device)
                    setattr(parent, name, new)
                    layers = getattr(parent, "layers", None)
                    if isinstance(layers, list):
                        layers[:] = [new if l is child else l for l in layers]

        class Exported(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, pixel_values):
                return segment(self.m, pixel_values, aux=False)[0]

        wrapper = Exported(model).eval()
        sample = d.val_x[:1].to(self.device).float()
        kwargs = dict(input_names=["pixel_values"], output_names=["logits"], opset_version=17,
                      dynamic_axes={"pixel_values": {0: "batch"}, "logits": {0: "batch"}})
        tries = [("torchscript", dict(kwargs))]
        params = inspect.signature(torch.onnx.export).parameters
        if "dynamo" in params:
            tries[0][1]["dynamo"] = False
            tries.append(("dynamo", dict(kwargs, dynamo=True, opset_version=18)))
            if "external_data" in params:
                tries[1][1]["external_data"] = False
        err = None
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporters' advice on tracing is for their authors
            reference = wrapper(sample).float().cpu()
            for exporter, kw in tries:
                try:
                    if os.path.exists(path):
                        os.remove(path)
                    torch.onnx.export(wrapper, (sample,), path, **kw)
                    err = None
                    break
                except Exception as e:
                    err = "%s exporter: %s" % (exporter, str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__)
        del model, wrapper
        if err is not None:
            say("Warning: no ONNX export: %s" % err)
            return {"error": err}
        info = {"file": "model.onnx", "input": "pixel_values", "output": "logits", "opset": kw["opset_version"], "exporter": exporter,
                "shape": [None, 3, d.canvas, d.canvas], "seconds": round(time.time() - t, 1)}
        try:
            import onnxruntime as ort
            sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            got = sess.run(["logits"], {"pixel_values": sample.cpu().numpy()})[0]
            agree = float((torch.from_numpy(got).argmax(1) == reference.argmax(1)).float().mean())
            info["onnxruntime_agreement"] = round(agree, 6)
            say("ONNX export (%s, %.1fs): ONNX Runtime agrees with PyTorch on %.2f%% of a validation tile's pixels"
                % (exporter, time.time() - t, 100 * agree))
        except Exception as e:
            say("ONNX export (%s, %.1fs) not checked: %s" % (exporter, time.time() - t, e))
        return info


# ---------------------------------------------------------------- main


def main(argv):
    ap = argparse.ArgumentParser(prog="trainer.py", description="Tessera's UperNet ConvNeXt trainer (PyTorch)")
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
