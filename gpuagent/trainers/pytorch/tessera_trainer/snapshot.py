"""Training state copied to the host without stalling the GPU, and written
in the background."""

import threading

from .common import say


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
