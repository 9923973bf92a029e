"""IoU from confusion matrices and the spec's metric block."""

import math


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
