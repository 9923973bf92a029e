#!/usr/bin/env python3
"""Where the GPU trainer's time goes: its training step (the same model,
forward, loss and fused AdamW as tessera_trainer), profiled on the GPU.

    python3 bench/gpu/profile.py --out DIR [--variants eager,eager-b32,compile] [--arch base] [--size 512]

Each variant runs in its own process (so its first step is a cold start)
and writes DIR/<variant>.json: seconds of the first and second step split
into forward / backward / optimiser, steady images/s and peak memory; and
DIR/<variant>-first.txt and -steady.txt: torch.profiler's tables of the
first step (host time: what the warm-up is) and of steady steps (GPU time
per kernel and per part of the model: backbone, decode head, auxiliary
head, loss, optimiser).
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINER = os.path.join(HERE, "..", "..", "gpuagent", "trainers", "pytorch")

VARIANTS = {
    "eager": {"batch": 16, "compile": None},
    "eager-b32": {"batch": 32, "compile": None},
    "compile": {"batch": 16, "compile": "default"},
    "compile-max": {"batch": 16, "compile": "max-autotune-no-cudagraphs"},
}


def one(args):
    """Runs one variant in this process; prints its JSON."""
    sys.path.insert(0, TRAINER)
    import torch
    from torch.profiler import ProfilerActivity, profile, record_function
    from tessera_trainer.model import build_model

    v = VARIANTS[args.variant]
    dev = torch.device(args.device)
    cuda = dev.type == "cuda"
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    t = time.time()
    model = build_model("upernet-convnext-" + args.arch, args.classes, torch).to(dev, memory_format=torch.channels_last).train()
    built = time.time() - t
    decay = [p for p in model.parameters() if p.ndim > 1]
    rest = [p for p in model.parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": 0.05}, {"params": rest, "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=1e-4, **({"fused": True} if cuda else {}))
    F = torch.nn.functional
    b, s = v["batch"], args.size
    x = torch.randn(b, 3, s, s, device=dev).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, args.classes, (b, s, s), device=dev)

    def parts(m, x):
        with record_function("backbone"):
            f = m.backbone(pixel_values=x).feature_maps
        with record_function("decode_head"):
            main = F.interpolate(m.decode_head(f), size=x.shape[-2:], mode="bilinear", align_corners=False)
        with record_function("auxiliary_head"):
            aux = F.interpolate(m.auxiliary_head(f), size=x.shape[-2:], mode="bilinear", align_corners=False)
        return main, aux

    fwd = torch.compile(parts, mode=v["compile"]) if v["compile"] else parts

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def step(timed=False):
        t0 = time.time()
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16):
            main, aux = fwd(model, x)
            with record_function("loss"):
                loss = F.cross_entropy(main.float(), y) + 0.4 * F.cross_entropy(aux.float(), y)
        if timed:
            sync()
        t1 = time.time()
        with record_function("backward"):
            loss.backward()
        if timed:
            sync()
        t2 = time.time()
        with record_function("optimiser"):
            opt.step()
            opt.zero_grad(set_to_none=True)
        if timed:
            sync()
        t3 = time.time()
        return {"forward": round(t1 - t0, 3), "backward": round(t2 - t1, 3), "optimiser": round(t3 - t2, 3)}

    out = {"variant": args.variant, "arch": args.arch, "size": s, "batch": b, "compile": v["compile"],
           "model_build_seconds": round(built, 2), "torch": torch.__version__}
    if cuda:
        torch.cuda.reset_peak_memory_stats()
        out["device"] = torch.cuda.get_device_name(dev)
    with profile(activities=[ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])) as prof:
        out["first_step"] = step(timed=True)
    with open(os.path.join(args.out, args.variant + "-first.txt"), "w") as f:
        f.write(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=40))
    out["second_step"] = step(timed=True)
    for _ in range(3):
        step()
    sync()
    t = time.time()
    for _ in range(args.steps):
        step()
    sync()
    secs = time.time() - t
    out["steady_images_per_second"] = round(b * args.steps / secs, 2)
    out["steady_step_seconds"] = round(secs / args.steps, 4)
    if cuda:
        out["peak_gpu_memory_mb"] = torch.cuda.max_memory_allocated() // (1 << 20)
    with profile(activities=[ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])) as prof:
        for _ in range(3):
            step()
        sync()
    key = "self_cuda_time_total" if cuda else "self_cpu_time_total"
    with open(os.path.join(args.out, args.variant + "-steady.txt"), "w") as f:
        f.write("3 steps\n\nBy kernel / operator:\n")
        f.write(prof.key_averages().table(sort_by=key, row_limit=40))
        f.write("\n\nBy part of the step:\n")
        named = [e for e in prof.key_averages() if e.key in ("backbone", "decode_head", "auxiliary_head", "loss", "backward", "optimiser")]
        for e in named:
            f.write("%-16s cpu %.1f ms  gpu %.1f ms\n" % (e.key, e.cpu_time_total / 1e3,
                                                         getattr(e, "device_time_total", getattr(e, "cuda_time_total", 0)) / 1e3))
    print(json.dumps(out), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--variants", default="eager,eager-b32,compile")
    ap.add_argument("--variant", help=argparse.SUPPRESS)
    ap.add_argument("--arch", default="base", choices=["tiny", "small", "base"])
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per variant")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.variant:
        one(args)
        return 0
    rc = 0
    for name in args.variants.split(","):
        cmd = [sys.executable, os.path.abspath(__file__), "--variant", name, "--out", args.out, "--arch", args.arch,
               "--size", str(args.size), "--classes", str(args.classes), "--steps", str(args.steps), "--device", args.device]
        t = time.time()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            res = p.stdout.strip().splitlines()[-1] if p.returncode == 0 and p.stdout.strip() else None
            if res is None:
                rc = 1
                res = json.dumps({"variant": name, "error": (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]})
        except subprocess.TimeoutExpired:
            rc = 1
            res = json.dumps({"variant": name, "error": "over %d s" % args.timeout})
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            f.write(res + "\n")
        print("%s (%.0fs): %s" % (name, time.time() - t, res), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
