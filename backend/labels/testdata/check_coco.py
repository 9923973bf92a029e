#!/usr/bin/python3
"""Checks a COCO instance file's structure (and loads it with pycocotools
when that is installed). Usage: check_coco.py FILE.json; prints a summary,
exits 1 with the reasons when the file is not valid COCO."""
import json
import sys


def check(d):
    errs = []
    for key in ("images", "annotations", "categories"):
        if not isinstance(d.get(key), list):
            errs.append("missing list %r" % key)
    if errs:
        return errs
    images = {}
    for im in d["images"]:
        for key in ("id", "file_name", "width", "height"):
            if key not in im:
                errs.append("image without %r: %r" % (key, im))
        if im.get("id") in images:
            errs.append("image id %r twice" % im.get("id"))
        images[im.get("id")] = im
    cats = set()
    for c in d["categories"]:
        if not isinstance(c.get("id"), int) or not isinstance(c.get("name"), str):
            errs.append("bad category %r" % c)
        if c.get("id") in cats:
            errs.append("category id %r twice" % c.get("id"))
        cats.add(c.get("id"))
    ann_ids = set()
    for a in d["annotations"]:
        for key in ("id", "image_id", "category_id", "segmentation", "area", "bbox", "iscrowd"):
            if key not in a:
                errs.append("annotation without %r" % key)
                break
        else:
            if a["id"] in ann_ids:
                errs.append("annotation id %r twice" % a["id"])
            ann_ids.add(a["id"])
            im = images.get(a["image_id"])
            if im is None:
                errs.append("annotation %r names no image" % a["id"])
                continue
            if a["category_id"] not in cats:
                errs.append("annotation %r names no category" % a["id"])
            if a["iscrowd"] != 0 or not a["area"] > 0:
                errs.append("annotation %r: iscrowd %r area %r" % (a["id"], a["iscrowd"], a["area"]))
            x, y, w, h = a["bbox"]
            eps = 1e-6
            if x < -eps or y < -eps or w < 0 or h < 0 or x + w > im["width"] + eps or y + h > im["height"] + eps:
                errs.append("annotation %r: bbox %r outside the %dx%d image" % (a["id"], a["bbox"], im["width"], im["height"]))
            seg = a["segmentation"]
            if not isinstance(seg, list) or not seg:
                errs.append("annotation %r: empty segmentation" % a["id"])
            for poly in seg:
                if len(poly) < 6 or len(poly) % 2:
                    errs.append("annotation %r: polygon of %d numbers" % (a["id"], len(poly)))
    return errs


def main():
    with open(sys.argv[1]) as f:
        d = json.load(f)
    errs = check(d)
    if errs:
        print("\n".join(errs[:20]))
        sys.exit(1)
    try:
        from pycocotools.coco import COCO
    except ImportError:
        tool = "structure only (no pycocotools)"
    else:
        import contextlib, io
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO(sys.argv[1])
        for ann in coco.loadAnns(coco.getAnnIds()):
            coco.annToMask(ann)
        tool = "pycocotools"
    print("ok: %d images, %d annotations, %d categories; checked %s" % (
        len(d["images"]), len(d["annotations"]), len(d["categories"]), tool))


if __name__ == "__main__":
    main()
