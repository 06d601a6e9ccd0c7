#!/usr/bin/env python3
"""Measure safe copies of school papers from their pixels (issue 39): what a stranger can still read.

    .venv/bin/python -m scripts.eval.papers_copies [SAMPLES] [--seed S --papers P] [--runs roster,no-roster]
                                                   [--threshold T] [--misses] [--keep DIR]

Without SAMPLES, a fresh set of the issue 39 layouts is made first with the generator
(``scripts.samples.text_samples --count 0 --variety 0 --wide 0 --papers P --seed S``: gradebook tables,
papers with a name line, praise and a mark, worksheets; P positives and P/2 look-alike negatives) in a
temporary folder: the backgrounds are test-data photos, so neither samples nor copies stay.

Each photo goes through ``photoscreen redact`` (the Redactor, as the command runs it), with the class
roster (roster.csv beside the samples) and without one. Then, for every written ID, grade (single
letters included) and name of the generator's ground truth (text at least 10 px tall), the text's
edges inside the item's box are found in the original (Canny) and looked for in the copy: the item
is **left** (readable) when more than ``--threshold`` (0.5) of its edge pixels are still there, within
a pixel. That is the issue's rule: "an item is left when most of its text's edges survive in the copy";
it asks nothing of an OCR engine, so a cell an engine misreads but a person reads counts. An item on a
photo whose copy was withheld is not left (nothing is posted), and the withheld share is printed apart.

Printed per run: IDs, grades and names left out of those written, per layout (gradebook, form, praise,
exercise) too; the share of photos withheld; and the look-alike negatives given a text cover (a black
box on a photo with no student information). Goals (issue 39): 0 IDs and 0 grades left, names <= 10%
left without a roster and 0 with one, <= 2% of photos withheld. ``--misses`` lists the items left (file,
kind, share of edges surviving; never the text).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from pipeline.policy import load_policy
from scripts import REPO
from scripts.eval.redact import MIN_TEXT, redact_folder

KINDS = ("student_id", "grade", "name")
LEFT = 0.5  # share of an item's edge pixels still in the copy above which it is readable
GOALS = {"student_id": (0.0, 0.0), "grade": (0.0, 0.0), "name": (0.10, 0.0)}  # (without roster, with roster)
LAYOUTS = ("gradebook", "form", "praise", "exercise")


def edges(path: Path) -> np.ndarray | None:
    grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    return None if grey is None else cv2.Canny(grey, 60, 160) > 0


def surviving(before: np.ndarray, after: np.ndarray, box: list[int], pad: int = 2) -> float | None:
    """The share of the original's edge pixels in ``box`` (x, y, w, h, grown by ``pad``) that the copy
    still has within a pixel; None when the box holds too few edges to judge."""
    x, y, w, h = box
    height, width = before.shape
    x1, y1, x2, y2 = max(0, x - pad), max(0, y - pad), min(width, x + w + pad), min(height, y + h + pad)
    original = before[y1:y2, x1:x2]
    count = int(original.sum())
    if count < 8:
        return None
    near = cv2.dilate(after[y1:y2, x1:x2].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return float((original & near).sum()) / count


def layout_of(name: str) -> str:
    return next((k for k in LAYOUTS if f"_{k}" in name), "other")


def measure(policy, samples: Path, truth: dict, out: Path, threshold: float, misses: bool) -> dict:
    rows = redact_folder(policy, samples, out)
    left = {k: Counter() for k in KINDS}
    total = {k: Counter() for k in KINDS}
    unjudged = Counter()
    listed = []
    withheld = [rel for rel, r in rows.items() if not (r.redaction and r.redaction.output)]
    negatives = [rel for rel in truth if rel.startswith("neg")]
    covered_negatives = [rel for rel in negatives if rel in rows and rows[rel].redaction and any(
        c.kind != "face" for c in rows[rel].redaction.covered)]
    for rel, items in sorted(truth.items()):
        items = [i for i in items if i["kind"] in KINDS and i["box"][3] >= MIN_TEXT]
        if not items:
            continue
        r = rows.get(rel)
        copy = out / r.redaction.output if r and r.redaction and r.redaction.output else None
        before = edges(samples / rel)
        after = edges(copy) if copy else None
        if after is not None and r.redaction.turned:  # a copy the screen found turned comes out upright: back
            after = np.rot90(after, k=r.redaction.turned // 90)
        if after is not None and after.shape != before.shape:
            print(f"  {rel}: the copy is {after.shape[::-1]}, the original {before.shape[::-1]}: not compared")
            after = None
        for item in items:
            kind, layout = item["kind"], layout_of(rel)
            share = surviving(before, after, item["box"]) if after is not None else 0.0
            if share is None:
                unjudged[kind] += 1
                continue
            total[kind][layout] += 1
            if share > threshold:
                left[kind][layout] += 1
                if misses:
                    listed.append(f"    left {rel}: {kind} ({len(item['text'])} characters"
                                  f"{', handwritten' if item.get('hand') else ''}), {share:.0%} of its edges")
    return {"left": left, "total": total, "unjudged": unjudged, "withheld": withheld, "photos": len(rows),
            "negatives": negatives, "covered_negatives": covered_negatives, "listed": listed}


def report(label: str, result: dict, goal_index: int) -> None:
    photos, withheld = result["photos"], result["withheld"]
    print(f"  {label}: {photos} photos, withheld {len(withheld)}/{photos} = {len(withheld) / max(1, photos):.3f} "
          f"(goal <= 0.02); look-alike negatives given a text cover {len(result['covered_negatives'])}/"
          f"{len(result['negatives'])}")
    for kind in KINDS:
        left, total = sum(result["left"][kind].values()), sum(result["total"][kind].values())
        per = ", ".join(f"{k} {result['left'][kind][k]}/{result['total'][kind][k]}" for k in (*LAYOUTS, "other")
                        if result["total"][kind][k])
        goal = GOALS[kind][goal_index]
        print(f"    {kind:10} left {left}/{total} = {left / max(1, total):.3f} (goal <= {goal:.2f}; {per})"
              + (f"; {result['unjudged'][kind]} with too few edges to judge" if result["unjudged"][kind] else ""))
    for rel in withheld:
        print(f"    withheld: {rel}")
    for line in result["listed"]:
        print(line)


def make_samples(folder: Path, seed: int, papers: int) -> None:
    subprocess.run([sys.executable, "-m", "scripts.samples.text_samples", "--count", "0", "--variety", "0",
                    "--wide", "0", "--papers", str(papers), "--seed", str(seed), "--out", str(folder)],
                   check=True, cwd=REPO, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("samples", nargs="?", type=Path, help="samples made already (truth.json, roster.csv)")
    parser.add_argument("--seed", type=int, default=5107, help="the generator's seed when SAMPLES is not given")
    parser.add_argument("--papers", type=int, default=32, help="positives to make (and half as many negatives)")
    parser.add_argument("--runs", default="no-roster,roster", help="comma-separated: no-roster, roster")
    parser.add_argument("--threshold", type=float, default=LEFT)
    parser.add_argument("--misses", action="store_true", help="list the items left (for tuning seeds)")
    parser.add_argument("--keep", type=Path, help="leave the copies under this folder (outside the repository)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="photoscreen-papers-") as tmp_name:
        tmp = Path(tempfile.mkdtemp(dir=args.keep)) if args.keep else Path(tmp_name)
        samples = args.samples
        if samples is None:
            samples = tmp / "samples"
            make_samples(samples, args.seed, args.papers)
        truth = json.loads((samples / "truth.json").read_text())
        seed = (samples / "seed.txt").read_text().strip() if (samples / "seed.txt").is_file() else "unknown"
        print(f"Safe copies of {len(truth)} generated papers ({sum(n.startswith('pos') for n in truth)} with student "
              f"information), seed {seed}; an item is left when more than {args.threshold:.0%} of its edges survive")
        base = load_policy()
        for run in args.runs.split(","):
            roster = run == "roster"
            policy = replace(base, text=replace(base.text, roster=str(samples / "roster.csv") if roster else ""))
            result = measure(policy, samples, truth, tmp / run, args.threshold, args.misses)
            report("with roster" if roster else "without roster", result, int(roster))
        if args.keep:
            print(f"copies kept in {tmp}: made from the test data, delete them when done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
