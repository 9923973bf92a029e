"""One training run: setup, epochs, validation and the results."""

import concurrent.futures
import inspect
import math
import os
import statistics
import time

from .checkpoint import Checkpoints
from .common import ARCHITECTURES, IGNORE, MODEL_FORMAT, STARTED, STRIDE, InputError, Stopped, say
from .data import Data, peek, read_metadata
from .export import OnnxExport
from .files import fingerprint, save_weights, write_json
from .metrics import better, fmt, iou_of, metric_block
from .model import build_model, load_pretrained, segment
from .snapshot import CheckpointWriter, Snapshot, cpu_copy
from .warmup import WarmUp, batch_for


class Run(Checkpoints, OnnxExport, WarmUp):
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

        # The tiles are read on the host while the model is built and the
        # GPU's kernels warm up (the first steps of a new shape cost seconds).
        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            loading = ex.submit(Data, self.job_dir, cfg["input_size"], self.stop)
            try:
                start_from = self.build()
                self.warm_up(peek(self.job_dir, cfg["input_size"]), loading)
                self.data = d = loading.result()
            except BaseException:
                self.stop.set()  # the loader gives up too
                raise
        t = time.time()
        d.place(self.device)
        say("Loaded %d training and %d validation tiles (largest side %d px) in %.1fs; %s"
            % (len(d.train_names), len(d.val_names), d.tile_size, d.seconds + time.time() - t,
               "held on the GPU (%.2f GiB)" % (d.bytes / 2 ** 30) if d.on_gpu else "held in host memory"))
        say("Input %d×%d px: tiles scaled by %.4g; classes: %s"
            % (d.canvas, d.canvas, d.scale, ", ".join(c["name"] for c in d.classes)))
        self.check_stop()

        n_train = len(d.train_names)
        if n_train < 2:
            raise InputError("the train split has %d tile; at least 2 are needed (batch normalisation)" % n_train)
        self.batch = batch_for(cfg, n_train)
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
        self.gen = torch.Generator(device=self.device)
        self.gen.manual_seed(cfg["seed"] + 1)
        self.perm_gen = torch.Generator()
        self.perm_gen.manual_seed(cfg["seed"] + 2)
        n_params = sum(p.numel() for p in self.model.parameters())
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

    def build(self):
        """The model on the device, and how it is run; returns where its
        weights come from."""
        torch, cfg = self.torch, self.cfg
        self.model = build_model(cfg["model_architecture"], len(read_metadata(self.job_dir)[3]), torch)
        start_from = "random start"
        if self.args.pretrained:
            got, of = load_pretrained(self.model, self.args.pretrained, torch)
            start_from = "%d of %d tensors from %s" % (got, of, self.args.pretrained)
        self.model.to(self.device, memory_format=torch.channels_last)
        self.aux_w = self.model.config.auxiliary_loss_weight if self.model.auxiliary_head is not None else 0.0
        self.forward = segment
        if cfg["compile"]:
            if not hasattr(torch, "compile"):
                raise InputError("compile needs PyTorch 2 or later (this host has %s)" % torch.__version__)
            say("Compiling the model: the first steps take a minute or two")
            self.forward = torch.compile(segment)
        return start_from

    # -------------------------------------------------------- epochs

    def augment(self, x, y):
        """Random flips and transposition, per tile, on the device."""
        torch = self.torch
        f = torch.randint(0, 2, (3, x.shape[0]), device=x.device, generator=self.gen).bool()
        for i, op in enumerate((lambda t: t.flip(-1), lambda t: t.flip(-2), lambda t: t.transpose(-1, -2))):
            x = torch.where(f[i].view(-1, 1, 1, 1), op(x), x)
            y = torch.where(f[i].view(-1, 1, 1), op(y), y)
        # The model's layout (a transposed tile is not): the warm-up's too.
        return x.contiguous(memory_format=torch.channels_last), y

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

    def tallies(self):
        """Zeroed sums on the device: the confusion ([C·C+1], see
        confusion_add), the loss and the labelled pixels."""
        torch, c = self.torch, len(self.data.classes)
        return (torch.zeros(c * c + 1, dtype=torch.long, device=self.device),
                torch.zeros((), dtype=torch.float64, device=self.device),
                torch.zeros((), dtype=torch.long, device=self.device))

    def step_loss(self, x, y):
        """A training batch's forward pass: (the loss to minimise, the main
        head's summed loss, the labelled pixels, the logits)."""
        F = self.torch.nn.functional
        target = y.long()
        n = (y != IGNORE).sum()
        with self.autocast():
            logits, aux = self.forward(self.model, x)
            main = F.cross_entropy(logits.float(), target, ignore_index=IGNORE, reduction="sum")
            loss = main / n.clamp_min(1)
            if aux is not None:
                loss = loss + self.aux_w * F.cross_entropy(aux.float(), target, ignore_index=IGNORE, reduction="sum") / n.clamp_min(1)
        return loss, main, n, logits

    def train_epoch(self, epoch):
        torch, d = self.torch, self.data
        self.model.train()
        conf, loss_sum, pixels = self.tallies()
        perm = torch.randperm(len(d.train_names), generator=self.perm_gen)
        if d.on_gpu:
            perm = perm.to(self.device)
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
            loss, main, n, logits = self.step_loss(x, y)
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
        conf, loss_sum, pixels = self.tallies()
        # Batches of the training batch's shape, the last one padded: a new
        # shape would cost its first-time set-up again (about a second).
        vb = self.batch
        with torch.inference_mode(), self.autocast():
            for i in range(0, len(d.val_names), vb):
                self.check_stop()
                x = self.to_input(d.val_x[i:i + vb])
                y = d.val_y[i:i + vb].to(self.device, non_blocking=True)
                rows = x.shape[0]
                if rows < vb:
                    x = torch.cat([x, x.new_zeros((vb - rows,) + tuple(x.shape[1:]))]).contiguous(memory_format=torch.channels_last)
                logits = self.forward(self.model, x, aux=False)[0][:rows]
                loss_sum += F.cross_entropy(logits.float(), y.long(), ignore_index=IGNORE, reduction="sum").double()
                pixels += (y != IGNORE).sum()
                for j in range(rows):
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
        images, rates, t0 = 0, [], time.time()
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
            rates.append(n / max(tv - te, 1e-9))
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
        self.throughput = self.speed(images, rates, time.time() - t0)
        self.writer.wait()
        self.finish()

    def speed(self, images, rates, loop_seconds):
        """metrics.json's "training": images/s end to end (from the trainer's
        start: loading, warm-up, validation, checkpoints) and while training
        (the median epoch, the first left out when there are more)."""
        torch = self.torch
        cuda = self.device.type == "cuda"
        total = time.time() - STARTED
        steady = statistics.median(rates[1:] or rates) if rates else None
        peak = torch.cuda.max_memory_allocated() if cuda else None
        if images:
            say("Training throughput: %.1f images/s while training; %d images in %.1fs from the trainer's start, "
                "%.1f images/s end to end (loading, warm-up, validation and checkpoints included)%s"
                % (steady, images, total, images / total, "; peak GPU memory %.1f GiB" % (peak / 2 ** 30) if cuda else ""))
        return {"images": images, "seconds": round(total, 3), "epochs_seconds": round(loop_seconds, 3),
                "images_per_second": round(images / total, 2) if images else None,
                "training_images_per_second": round(steady, 2) if steady else None,
                "peak_gpu_memory_mb": peak // (1 << 20) if cuda else None,
                "device": torch.cuda.get_device_name(self.device) if cuda else "cpu",
                "precision": self.precision, "compile": self.cfg["compile"], "batch_size": self.batch,
                "data_on_gpu": self.data.on_gpu, "data_loading_seconds": round(self.data.seconds, 3)}

    # -------------------------------------------------------- results

    def finish(self):
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
