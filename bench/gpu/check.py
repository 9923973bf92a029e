#!/usr/bin/env python3
"""Checks Tessera's PyTorch trainer (gpuagent/trainers/pytorch/tessera_trainer) on
small generated jobs, on a machine with an NVIDIA GPU, PyTorch and
transformers. Run through bench/gpu/run.sh, which builds the job generator.

  learn   a small UperNet ConvNeXt-Tiny job: the loss falls, Val IoU rises,
          the ONNX model loads and, run by ONNX Runtime as model.json says,
          gives the trainer's own validation predictions
  resume  the trainer killed (SIGKILL) after epoch 2's checkpoint, started
          again as the next attempt: it continues at epoch 3 and reports all
          four epochs; SIGTERM stops it within 10 s with exit code 143
  bench   UperNet ConvNeXt-Base at 512×512, batch 16, 512 tiles × 10 epochs: the trainer's images/s
          end to end against the plain Hugging Face loop (hf_reference.py),
          in the same run

Prints one JSON summary (also written to OUT/check.json) and exits 1 when a
check fails.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def synth(gen, job, tiles, val, size, config):
    if os.path.exists(job):
        shutil.rmtree(job)
    subprocess.run([gen, "synth", "-tiles", str(tiles), "-val", str(val), "-size", str(size), "-classes", "2", job], check=True)
    with open(os.path.join(job, "config.json"), "w") as f:
        json.dump(config, f)


def fresh_attempt(src, dst):
    """A new attempt's folder: the training set again, no results."""
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("predictions", "models", "metrics.json"))
    os.makedirs(os.path.join(dst, "models"))


def run_trainer(args, job, log, resume="", watch=None, extra=()):
    """Runs the trainer to its end (or until watch(line, proc) returns True,
    then waits); returns (exit code, stdout lines, seconds)."""
    path = os.pathsep.join(p for p in (args.trainer, os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, PYTHONUNBUFFERED="1", TESSERA_RESUME_DIR=resume, TESSERA_ATTEMPT="1", PYTHONPATH=path)
    cmd = [sys.executable, "-m", "tessera_trainer", "--job-dir", job, "--device", args.device, *extra]
    t = time.time()
    lines = []
    with open(log, "a") as lf:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        for line in p.stdout:
            lf.write(line)
            lines.append(line.rstrip("\n"))
            if watch is not None and watch(line, p):
                watch = None
        rc = p.wait()
    return rc, lines, time.time() - t


def read_json(path):
    with open(path) as f:
        return json.load(f)


def check(results, name, ok, detail):
    results["checks"].append({"check": name, "ok": bool(ok), "detail": detail})
    print(("PASS " if ok else "FAIL ") + name + ": " + str(detail), flush=True)


def onnx_matches_predictions(job, min_agreement):
    """Runs models/model.onnx in ONNX Runtime on every validation tile,
    prepared as model.json describes, and compares the class maps with the
    trainer's predictions/ (which PyTorch made)."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    from PIL import Image
    info = read_json(os.path.join(job, "models", "model.json"))
    path = os.path.join(job, "models", info["weights"]["onnx"])
    onnx.checker.check_model(path)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    md = read_json(os.path.join(job, "metadata.json"))
    size, scale = info["input"]["size"], info["input"]["scale"]
    mean = np.array(info["normalisation"]["mean"], dtype=np.float32)[:, None, None]
    std = np.array(info["normalisation"]["std"], dtype=np.float32)[:, None, None]
    index = np.array([c["index"] for c in info["classes"]], dtype=np.uint8)
    same = total = 0
    for name in md["split"]["val"]:
        img = np.asarray(Image.open(os.path.join(job, "images", name)).convert("RGB"), dtype=np.float32) / 255.0
        assert scale == 1, "this check feeds tiles at their own size"
        h, w = img.shape[:2]
        x = np.zeros((1, 3, size, size), dtype=np.float32)
        x[0, :, :h, :w] = (img.transpose(2, 0, 1) - mean) / std
        logits = sess.run([info["onnx"]["output"]], {info["onnx"]["input"]: x})[0]
        pred = index[logits[0, :, :h, :w].argmax(0)]
        want = np.asarray(Image.open(os.path.join(job, "predictions", os.path.splitext(name)[0] + ".png")))
        same += int((pred == want).sum())
        total += pred.size
    agreement = same / total
    return agreement >= min_agreement, round(agreement, 5)


def learn(args, res):
    job = os.path.join(args.work, "learn")
    cfg = {"batch_size": 8, "epochs": args.learn_epochs, "model_architecture": "upernet-convnext-tiny",
           "learning_rate": 0.001, "input_size": "256", "precision": "bf16", "compile": False, "seed": 7}
    synth(args.gen, job, 96, 16, 256, cfg)
    rc, lines, secs = run_trainer(args, job, os.path.join(args.out, "learn.log"))
    check(res, "learn: trainer exits 0", rc == 0, "exit %d in %.1fs" % (rc, secs))
    if rc != 0:
        print("\n".join(lines[-25:]))
        return
    m = read_json(os.path.join(job, "metrics.json"))
    h = m["history"]
    first, last = h[0], h[-1]
    check(res, "learn: training loss falls", last["train_loss"] < 0.7 * first["train_loss"],
          "%.4f → %.4f" % (first["train_loss"], last["train_loss"]))
    best = max(e["val_iou"] or 0 for e in h)
    check(res, "learn: Val IoU rises", best >= (first["val_iou"] or 0) + 0.1,
          "%.4f → best %.4f (epoch %d); final mean IoU %.4f" % (first["val_iou"] or 0, best, m["best_epoch"], m["mean_iou"]))
    preds = os.listdir(os.path.join(job, "predictions"))
    check(res, "learn: a prediction per validation tile", len(preds) == m["val_tiles"] == 16, "%d files" % len(preds))
    n = len(m["classes"])
    check(res, "learn: confusion matrix is classes × classes", len(m["confusion_matrix"]) == n and all(len(r) == n for r in m["confusion_matrix"]), "%d classes" % n)
    info = read_json(os.path.join(job, "models", "model.json"))
    res["learn"] = {"history": h, "training": m.get("training"), "onnx": info.get("onnx")}
    if args.device == "cuda" or info["weights"].get("onnx"):
        ok, agree = onnx_matches_predictions(job, 0.98)
        check(res, "learn: ONNX model loads and matches the predictions", ok, "ONNX Runtime agrees on %.3f%% of val pixels" % (100 * agree))


def resume(args, res):
    base = os.path.join(args.work, "resume-set")
    cfg = {"batch_size": 8, "epochs": 4, "model_architecture": "upernet-convnext-tiny",
           "learning_rate": 0.001, "input_size": "128", "precision": "bf16", "compile": False, "seed": 3}
    synth(args.gen, base, 40, 8, 128, cfg)
    rdir = os.path.join(args.work, "resume-dir")
    shutil.rmtree(rdir, ignore_errors=True)
    a1, a2 = os.path.join(args.work, "attempt-1"), os.path.join(args.work, "attempt-2")
    fresh_attempt(base, a1)

    def kill_after_epoch_2(line, p):
        if line.startswith("Checkpoint of epoch 2 saved"):
            p.send_signal(signal.SIGKILL)
            return True
        return False
    rc1, lines1, _ = run_trainer(args, a1, os.path.join(args.out, "resume.log"), rdir, kill_after_epoch_2)
    check(res, "resume: first attempt killed after epoch 2", rc1 == -signal.SIGKILL, "exit %d" % rc1)
    blocks1 = [l for l in lines1 if l.startswith("- Val IoU:")]
    fresh_attempt(base, a2)
    rc2, lines2, _ = run_trainer(args, a2, os.path.join(args.out, "resume.log"), rdir)
    resumed = any(l.startswith("Resuming from the checkpoint of epoch 2") for l in lines2)
    trained = [l.split(":")[0] for l in lines2 if l.startswith("Epoch ") and "tiles trained" in l]
    check(res, "resume: second attempt continues at epoch 3", rc2 == 0 and resumed and trained == ["Epoch 3", "Epoch 4"],
          "exit %d, resumed %s, trained %s" % (rc2, resumed, trained))
    if rc2 == 0:
        h = read_json(os.path.join(a2, "metrics.json"))["history"]
        again = [l for l in lines2 if l.startswith("- Val IoU:")][:2]
        check(res, "resume: all four epochs reported, the first two as trained before",
              [e["epoch"] for e in h] == [1, 2, 3, 4] and again == blocks1[:2], "%s" % [e["epoch"] for e in h])

    a3 = os.path.join(args.work, "attempt-term")
    fresh_attempt(base, a3)
    sent = {}

    def term_in_epoch_1(line, p):
        if line.startswith("Progress:"):
            sent["at"] = time.time()
            p.send_signal(signal.SIGTERM)
            return True
        return False
    rc3, _, _ = run_trainer(args, a3, os.path.join(args.out, "resume.log"), os.path.join(args.work, "resume-term"), term_in_epoch_1)
    took = time.time() - sent.get("at", time.time())
    check(res, "stop: SIGTERM ends the trainer with 143 within 10 s", rc3 == 143 and took < 10, "exit %d after %.1fs" % (rc3, took))


def bench(args, res):
    job = os.path.join(args.work, "bench")
    cfg = {"batch_size": 16, "epochs": args.bench_epochs, "model_architecture": "upernet-convnext-base",
           "learning_rate": 0.0001, "input_size": "512", "precision": "bf16", "compile": False, "seed": 1}
    synth(args.gen, job, args.bench_tiles + 32, 32, 512, cfg)
    rc, lines, secs = run_trainer(args, job, os.path.join(args.out, "bench.log"))
    check(res, "bench: trainer exits 0", rc == 0, "exit %d in %.1fs" % (rc, secs))
    if rc != 0:
        print("\n".join(lines[-25:]))
        return
    tr = read_json(os.path.join(job, "metrics.json"))["training"]
    epochs = [l for l in lines if l.startswith("Epoch ") and "tiles trained" in l]
    res["bench"] = {"trainer": tr, "trainer_epochs": epochs, "trainer_wall_seconds": round(secs, 1)}
    if args.no_reference:
        return
    sys.path.insert(0, HERE)
    import hf_reference
    ref = hf_reference.measure(batch=16, size=512, steps=20, warmup=5, device=args.device)
    steady = tr.get("training_images_per_second") or tr["images_per_second"]
    res["bench"].update(reference=ref, ratio=round(tr["images_per_second"] / ref["images_per_second"], 3),
                        steady_ratio=round(steady / ref["images_per_second"], 3))
    print("bench: trainer %.1f images/s end to end (from its start, loading and warm-up included), %.1f while training; "
          "plain HF loop %.1f images/s (steady): %.2f× end to end, %.2f× while training"
          % (tr["images_per_second"], steady, ref["images_per_second"], res["bench"]["ratio"], res["bench"]["steady_ratio"]), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trainer", default=os.path.join(HERE, "..", "..", "gpuagent", "trainers", "pytorch"),
                    help="the folder that holds the tessera_trainer package")
    ap.add_argument("--gen", required=True, help="the cputrainer binary (its synth command writes jobs)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--only", default="learn,resume,bench")
    ap.add_argument("--learn-epochs", type=int, default=8)
    ap.add_argument("--bench-tiles", type=int, default=512, help="bench: training tiles (a class-sized job)")
    ap.add_argument("--bench-epochs", type=int, default=10, help="bench: epochs (the spec's default)")
    ap.add_argument("--no-reference", action="store_true", help="bench: skip the plain Hugging Face loop")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    res = {"checks": []}
    for part in args.only.split(","):
        try:
            {"learn": learn, "resume": resume, "bench": bench}[part](args, res)
        except Exception as e:
            check(res, part + ": ran", False, "%s: %s" % (type(e).__name__, e))
    with open(os.path.join(args.out, "check.json"), "w") as f:
        json.dump(res, f, indent=2)
    failed = [c["check"] for c in res["checks"] if not c["ok"]]
    print(json.dumps({"passed": len(res["checks"]) - len(failed), "failed": failed}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
