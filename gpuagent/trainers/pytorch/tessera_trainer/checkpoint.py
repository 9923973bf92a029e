"""Checkpoints in the resume folder: written after every epoch, continued by
the next attempt of the same job."""

import json
import os
import time

from .common import CHECKPOINT_FORMAT, MODEL_FORMAT, say
from .files import save_weights, write_atomic
from .metrics import metric_block


class Checkpoints:
    """Run's checkpoint methods."""

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
