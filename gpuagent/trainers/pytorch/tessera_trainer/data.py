"""The trainingjob folder's tiles and masks, checked, scaled, normalised and
put where training reads them (the GPU, or pinned host memory)."""

import concurrent.futures
import os
import time

from .common import IGNORE, STRIDE, InputError, Stopped
from .files import read_json


def read_metadata(job_dir):
    md = read_json(os.path.join(job_dir, "metadata.json"), "metadata.json", "metadata.json is missing from %s" % job_dir)
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
    if ignore == 0:
        raise InputError("metadata.json: ignore_index is 0, the background's mask value; use 255")
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


def canvas_of(tile_size, input_size):
    """(scale, canvas): tiles are scaled down to input_size at most and
    padded to a square of a multiple of the backbone's stride."""
    scale = min(1.0, input_size / tile_size)
    return scale, -(-max(1, round(tile_size * scale)) // STRIDE) * STRIDE


def peek(job_dir, input_size):
    """What training will look like before the tiles are read, from
    metadata.json and the image headers: (training tiles, classes, canvas),
    or None when something does not read (loading the tiles says what)."""
    from PIL import Image
    try:
        _, train, val, classes, _ = read_metadata(job_dir)
        side = 0
        for name in train + val:
            with Image.open(os.path.join(job_dir, "images", name)) as im:
                side = max(side, *im.size)
        return len(train), len(classes), canvas_of(side, input_size)[1]
    except Exception:
        return None


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
    """The job's tiles, scaled, normalised and padded to a square canvas:
    read on the host (Data(...)), then placed for training (place)."""

    def __init__(self, job_dir, input_size, stop):
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
        self.scale, self.canvas = canvas_of(self.tile_size, input_size)

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

        c = self.canvas

        def stack(part):
            xs = torch.zeros(len(part), 3, c, c, dtype=torch.float16)
            ys = torch.full((len(part), c, c), IGNORE, dtype=torch.uint8)
            for i, (x, y) in enumerate(part):
                h, w = y.shape
                xs[i, :, :h, :w] = ((x.float() - mean[:, None, None].float()) / std[:, None, None].float()).half()
                ys[i, :h, :w] = y
            return xs, ys

        self.train_x, self.train_y = stack(scaled_all[:n_train])
        self.val_x, self.val_y = stack(scaled_all[n_train:])
        self.val_scaled = [tuple(y.shape) for _, y in scaled_all[n_train:]]
        # Validation compares class maps at each tile's original size.
        self.val_full = [torch.from_numpy(m) for _, m in results[n_train:]]
        self.bytes = len(names) * c * c * 7  # float16 RGB and a uint8 mask per pixel
        self.on_gpu = False
        self.seconds = time.time() - start

    def place(self, device):
        """The tiles go to the GPU when they take under a quarter of its
        free memory (what PyTorch holds unused counts as free); else into
        pinned host memory, copied per batch."""
        import torch
        if device.type != "cuda":
            return
        free = torch.cuda.mem_get_info()[0] + torch.cuda.memory_reserved() - torch.cuda.memory_allocated()
        self.on_gpu = self.bytes < free * 0.25

        def put(t):
            return t.to(device) if self.on_gpu else t.pin_memory()
        self.train_x, self.train_y = put(self.train_x), put(self.train_y)
        self.val_x, self.val_y = put(self.val_x), put(self.val_y)
