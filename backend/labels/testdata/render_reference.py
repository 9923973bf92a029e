#!/usr/bin/python3
"""Reference class-index masks for backend/labels' agreement test.

Draws django-labeller label files the way django-labeller's
ImageLabels.render_label_classes does (labelling_tool.py), with Pillow and
nothing else, so that the Go rasteriser can be checked pixel for pixel:

  * class indices start at 1 in schema order, 0 is background;
  * labels are painted in file order, later over earlier;
  * each label is rendered into its own mask: a polygon's regions (of 3 or
    more vertices) each drawn with ImageDraw.polygon(fill=1, outline=1),
    combined by XOR when there are several; a box with
    ImageDraw.rectangle(fill=1, outline=1); an oriented ellipse as the
    polygon of round(2*pi*max(r1, r2)) points; a point as one pixel; a group
    as the union of its components; a composite as nothing;
  * a label whose class is not in the schema is skipped.

Usage: render_reference.py MANIFEST.json
MANIFEST is a list of jobs {"labels": path, "schema": path, "width": w,
"height": h, "out": path}; each job writes its mask as w*h raw bytes.
Exit status 3 means Pillow is missing.
"""
import json
import math
import sys

try:
    from PIL import Image, ImageChops, ImageDraw
except ImportError:
    sys.stderr.write("render_reference.py: Pillow (python3-pil) is not installed\n")
    sys.exit(3)


def schema_classes(schema):
    order = {}
    for group in schema.get("label_class_groups", []):
        for cls in group.get("group_classes", []):
            order.setdefault(cls["name"], len(order) + 1)
    return order


def file_labels(js):
    if isinstance(js, list):
        return js
    return js["labels"]


def xy(v):
    return (v["x"], v["y"])


def polygon_mask(label, size):
    if "vertices" in label:
        regions = [label["vertices"]]
    else:
        regions = label["regions"]
    regions = [[xy(v) for v in region] for region in regions]
    mask = Image.new("1", size, 0)
    if len(regions) == 1:
        if len(regions[0]) >= 3:
            ImageDraw.Draw(mask).polygon(regions[0], outline=1, fill=1)
        return mask
    for region in regions:
        if len(region) >= 3:
            one = Image.new("1", size, 0)
            ImageDraw.Draw(one).polygon(region, outline=1, fill=1)
            mask = ImageChops.logical_xor(mask, one)
    return mask


def box_mask(label, size):
    cx, cy = xy(label["centre"])
    sx, sy = xy(label["size"])
    mask = Image.new("1", size, 0)
    lower = (cx - sx * 0.5, cy - sy * 0.5)
    upper = (cx + sx * 0.5, cy + sy * 0.5)
    ImageDraw.Draw(mask).rectangle([lower, upper], outline=1, fill=1)
    return mask


def ellipse_mask(label, size):
    cx, cy = xy(label["centre"])
    r1, r2 = label["radius1"], label["radius2"]
    orient = label["orientation_radians"]
    mask = Image.new("1", size, 0)
    n = int(round(2.0 * math.pi * max(r1, r2)))
    if n < 2:
        return mask  # django-labeller's Pillow call fails on these
    step = 2.0 * math.pi / n
    co, so = math.cos(orient), math.sin(orient)
    pts = []
    for i in range(n):
        t = i * step
        ct, st = math.cos(t), math.sin(t)
        pts.append((cx + r1 * ct * co - r2 * st * so, cy + r2 * st * co + r1 * ct * so))
    ImageDraw.Draw(mask).polygon(pts, outline=1, fill=1)
    return mask


def label_mask(label, size):
    kind = label["label_type"]
    if kind == "polygon":
        return polygon_mask(label, size)
    if kind == "box":
        return box_mask(label, size)
    if kind == "oriented_ellipse":
        return ellipse_mask(label, size)
    mask = Image.new("1", size, 0)
    if kind == "point":
        ImageDraw.Draw(mask).point(xy(label["position"]), fill=1)
    elif kind == "group":
        for comp in label["component_models"]:
            mask = ImageChops.logical_or(mask, label_mask(comp, size))
    return mask


def render(job):
    with open(job["schema"]) as f:
        classes = schema_classes(json.load(f))
    with open(job["labels"]) as f:
        labels = file_labels(json.load(f))
    size = (job["width"], job["height"])
    out = Image.new("L", size, 0)
    for label in labels:
        index = classes.get(label.get("label_class"))
        if index is None:
            continue
        out.paste(index, (0, 0) + size, label_mask(label, size))
    with open(job["out"], "wb") as f:
        f.write(out.tobytes())


def main():
    with open(sys.argv[1]) as f:
        for job in json.load(f):
            render(job)


if __name__ == "__main__":
    main()
