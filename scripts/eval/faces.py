#!/usr/bin/env python3
"""Measure the faces stage on an annotated folder, and deface on the same photos in the same run.

    .venv/bin/python -m scripts.eval.faces [FOLDER] [--deface-python PATH]

FOLDER holds photos and ``annotations.json`` ({"file.jpg": [[x, y, w, h], ...]}); default
``../shared/testdata/faces_annotated``. Prints recall by labelled face height (a labelled face is
found when a detection overlaps it with IoU >= 0.4), precision (a detection that overlaps no
labelled face counts as false) and seconds per image.

deface runs in its own environment (it pins another OpenCV): ``make deface-env`` creates
``.venv-deface``, which is used when present; ``--deface-python`` names another interpreter.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pipeline.stages.faces import judged_faces, warm_up
from pipeline.findings import Box
from pipeline.media.loader import load_image
from pipeline.policy import load_policy
from scripts import REPO

BUCKETS = ((0, 10, "<10"), (10, 20, "10-20"), (20, 40, "20-40"), (40, 80, "40-80"), (80, 10**9, "80+"))
MATCH_IOU = 0.4
# A detection "overlaps" a labelled face when IoU >= this; looser than MATCH_IOU because WIDER boxes
# and detector boxes frame a face differently (forehead, chin).
OVERLAP_IOU = 0.1

DEFACE_HELPER = r"""
import json, sys, time
import imageio.v2 as imageio
from deface.centerface import CenterFace
net = CenterFace(in_shape=None, backend="auto")
out = {}
for path in sys.argv[1:]:
    frame = imageio.imread(path)
    if frame.ndim == 3 and frame.shape[2] == 4:
        frame = frame[:, :, :3]
    start, cpu = time.perf_counter(), time.process_time()
    dets, _ = net(frame, threshold=0.2)
    seconds = time.perf_counter() - start
    out[path] = {"boxes": [[float(v) for v in d[:4]] for d in dets], "seconds": seconds,
                 "cpu": time.process_time() - cpu, "pixels": int(frame.shape[0] * frame.shape[1])}
print(json.dumps(out))
"""


def evaluate(name: str, detections: dict[str, list[Box]], truth: dict[str, list[list[int]]],
             seconds: list[float]) -> dict:
    found = {label: [0, 0] for _, _, label in BUCKETS}
    true_det = all_det = 0
    for image, labelled in truth.items():
        dets = detections.get(image, [])
        gt = [Box(*b) for b in labelled]
        for box in gt:
            label = next(lab for lo, hi, lab in BUCKETS if lo <= box.h < hi)
            found[label][1] += 1
            found[label][0] += any(box.iou(d) >= MATCH_IOU for d in dets)
        for d in dets:
            all_det += 1
            true_det += any(d.iou(box) >= OVERLAP_IOU for box in gt)
    return {
        "name": name,
        "recall": {label: (hit / total if total else float("nan"), total) for label, (hit, total) in found.items()},
        "precision": true_det / all_det if all_det else float("nan"),
        "detections": all_det,
        "seconds": statistics.mean(seconds) if seconds else float("nan"),
    }


def run_ours(folder: Path, names: list[str]) -> tuple[dict[str, list[Box]], list[float], dict[str, list[str]]]:
    """Detections, seconds per image (detection and judging, as the stage does) and, per detection, why it is or is not identifiable
    ("" when it is)."""
    policy = load_policy()
    warm_up()
    detections, seconds, verdicts = {}, [], {}
    for name in names:
        image = load_image(folder / name, policy.general.max_pixels)
        start = time.perf_counter()
        judged = judged_faces(image.pixels, policy.faces, image.preview)
        seconds.append(time.perf_counter() - start)
        detections[name] = [Box.from_xyxy(d.x1, d.y1, d.x2, d.y2, image.width, image.height) for d, _ in judged]
        verdicts[name] = ["" if ok else why.split(":")[0].split(" (")[0] for _, (ok, why) in judged]
    return detections, seconds, verdicts


def print_identifiability(folder: Path, detections: dict[str, list[Box]], verdicts: dict[str, list[str]]) -> None:
    """Share of the found faces of 20 px and more judged identifiable, by WIDER FACE's blur and
    occlusion labels (annotations_detailed.json), and the reasons for the others."""
    detailed = folder / "annotations_detailed.json"
    if not detailed.is_file():
        return
    images = json.loads(detailed.read_text())["images"]
    table: dict[tuple[str, int], list[int]] = {}
    reasons: dict[str, int] = {}
    for name, dets in detections.items():
        for face in images.get(name, {}).get("faces", []):
            box = Box(*face["bbox"])
            if box.h < 20 or "blur" not in face:
                continue
            best = max(range(len(dets)), key=lambda i: box.iou(dets[i]), default=None)
            if best is None or box.iou(dets[best]) < MATCH_IOU:
                continue
            why = verdicts[name][best]
            for attribute in ("blur", "occlusion"):
                cell = table.setdefault((attribute, face[attribute]), [0, 0])
                cell[0] += not why
                cell[1] += 1
            if why:
                reasons[why] = reasons.get(why, 0) + 1
    words = {0: "none/clear", 1: "normal/partial", 2: "heavy"}
    print("\nFound faces of 20 px and more judged identifiable, by WIDER FACE label "
          "(blur: clear/normal/heavy; occlusion: none/partial/heavy)")
    for attribute in ("blur", "occlusion"):
        cells = [f"{words[v]} {table[(attribute, v)][0]}/{table[(attribute, v)][1]}"
                 for v in (0, 1, 2) if (attribute, v) in table]
        print(f"  {attribute:10} " + ", ".join(cells))
    print("  not identifiable because: " + (", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "-"))


def run_deface(python: Path, folder: Path, names: list[str]) -> tuple[dict[str, list[Box]], list[float]]:
    paths = [str(folder / n) for n in names]
    result = subprocess.run([str(python), "-c", DEFACE_HELPER, *paths], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr else "deface failed")
    raw = json.loads(result.stdout.strip().splitlines()[-1])
    detections = {}
    for name, path in zip(names, paths):
        detections[name] = [Box.from_xyxy(x1, y1, x2, y2, 10**6, 10**6)
                            for x1, y1, x2, y2 in raw[path]["boxes"] if x2 > x1 and y2 > y1]
    return detections, [raw[p]["seconds"] for p in paths]


def deface_cpu_per_megapixel(python: Path, paths: list[Path], prefix: list[str] | None = None) -> float:
    """deface's CenterFace (threshold 0.2, the photo's own size): CPU seconds of detection per
    megapixel over ``paths`` (after its model is loaded; decoding not counted). ``prefix``: a command
    to run it under (``taskset -c 0``, one core)."""
    result = subprocess.run([*(prefix or []), str(python), "-c", DEFACE_HELPER, *map(str, paths)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr else "deface failed")
    raw = json.loads(result.stdout.strip().splitlines()[-1]).values()
    return sum(r["cpu"] for r in raw) / (sum(r["pixels"] for r in raw) / 1e6)


def print_table(rows: list[dict], n_images: int) -> None:
    labels = [label for _, _, label in BUCKETS]
    print(f"\nFace recall by labelled face height (IoU >= {MATCH_IOU}), {n_images} images")
    counts = rows[0]["recall"]
    print(f"{'detector':34}" + "".join(f"{lab + ' px':>10}" for lab in labels) +
          f"{'precision':>11}{'dets':>7}{'s/image':>9}")
    print(f"{'(labelled faces)':34}" + "".join(f"{counts[lab][1]:>10}" for lab in labels))
    for row in rows:
        print(f"{row['name']:34}" + "".join(f"{row['recall'][lab][0]:>10.3f}" for lab in labels) +
              f"{row['precision']:>11.3f}{row['detections']:>7}{row['seconds']:>9.3f}")
    print(f"precision: share of detections overlapping a labelled face (IoU >= {OVERLAP_IOU}); "
          "seconds: our stage detects and judges, deface detects; after models are loaded")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, default=REPO.parent / "shared" / "testdata" / "faces_annotated")
    parser.add_argument("--deface-python", type=Path, default=REPO / ".venv-deface" / "bin" / "python")
    parser.add_argument("--limit", type=int, default=0, help="only the first N images")
    parser.add_argument("--start", type=int, default=0,
                        help="skip the first N images by name (--limit 36 tunes, --start 36 holds out)")
    args = parser.parse_args()
    annotations = args.folder / "annotations.json"
    if not annotations.is_file():
        print(f"no annotations.json in {args.folder}: nothing to evaluate", file=sys.stderr)
        return 2
    truth = {k: v for k, v in json.loads(annotations.read_text()).items() if (args.folder / k).is_file()}
    names = sorted(truth)[args.start:][: args.limit or None]
    truth = {n: truth[n] for n in names}

    rows = []
    ours, seconds, verdicts = run_ours(args.folder, names)
    rows.append(evaluate("photoscreen faces stage", ours, truth, seconds))
    if args.deface_python.is_file():
        try:
            detections, seconds = run_deface(args.deface_python, args.folder, names)
            rows.append(evaluate("deface 1.5.0 (CenterFace, thr 0.2)", detections, truth, seconds))
        except (RuntimeError, json.JSONDecodeError) as exc:
            print(f"deface could not run: {exc}", file=sys.stderr)
    else:
        print(f"deface not compared: {args.deface_python} not found (make deface-env)", file=sys.stderr)
    print_table(rows, len(names))
    print_identifiability(args.folder, ours, verdicts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
