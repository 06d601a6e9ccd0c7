#!/usr/bin/env python3
"""Measure the text stage: recall per kind, negatives flagged, seconds per photo.

    .venv/bin/python scripts/make_text_samples.py          # once: writes reports/text_samples
    .venv/bin/python scripts/eval_text.py [SAMPLES] [--testdata DIR]

Items at least 10 px tall are counted. A sensitive item counts as found when a finding of its kind covers at least 30% of its box.
A negative photo (innocuous text only) counts as flagged when any student_id, grade or name
finding is made. Names are measured twice: with the class roster (roster.csv beside the samples)
and without it (only "Name:" labels). The stage also runs over ../shared/testdata/text_scenes,
real photos with no student information, as a false-positive check, and on a 12 MP photo for time.
"""

from __future__ import annotations

import argparse
import os
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("PHOTOSCREEN_THREADS", "1")  # the goals are set for one core
sys.path.insert(0, str(REPO))

from pipeline import text  # noqa: E402
from pipeline.findings import Box  # noqa: E402
from pipeline.loader import load_image  # noqa: E402
from pipeline.policy import load_policy  # noqa: E402

SENSITIVE = ("student_id", "grade", "name")
MIN_HEIGHT = 10


def covered(truth: Box, found: Box) -> bool:
    return truth.overlap(found) >= 0.3 * min(truth.w * truth.h, found.w * found.h)


def run(policy, samples: Path, truth: dict) -> dict:
    hits = {k: [0, 0] for k in SENSITIVE}
    negatives = flagged = 0
    seconds = []
    for name, items in sorted(truth.items()):
        image = load_image(samples / name, policy.general.max_pixels)
        start = time.perf_counter()
        findings = text.stage(image, policy)
        seconds.append(time.perf_counter() - start)
        if name.startswith("neg"):
            negatives += 1
            flagged += any(f.kind in SENSITIVE for f in findings)
            continue
        for item in items:
            box = Box(*item["box"])
            if box.h < MIN_HEIGHT:
                continue  # the goal counts text at least 10 px tall
            hits[item["kind"]][1] += 1
            hits[item["kind"]][0] += any(f.kind == item["kind"] and covered(box, f.box) for f in findings)
    return {"hits": hits, "negatives": negatives, "flagged": flagged, "seconds": seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("samples", nargs="?", type=Path, default=REPO / "reports" / "text_samples")
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--engines", default="tesserocr,pytesseract,rapidocr",
                        help="OCR engines to measure besides the policy's default (comma-separated)")
    args = parser.parse_args()
    truth_path = args.samples / "truth.json"
    if not truth_path.is_file():
        print(f"no truth.json in {args.samples}: run scripts/make_text_samples.py first", file=sys.stderr)
        return 2
    truth = json.loads(truth_path.read_text())
    base = load_policy()
    with_roster = replace(base, text=replace(base.text, roster=str(args.samples / "roster.csv")))
    text.stage(load_image(REPO / "sample_images" / "classroom_composite.jpg", base.general.max_pixels), base)

    positives = sum(1 for n in truth if n.startswith("pos"))
    print(f"Text samples: {positives} photos with student information, {len(truth) - positives} negatives "
          f"({args.samples})")
    default = base.text.ocr_backend
    runs = [("with roster", with_roster), ("without roster", base)]
    for engine in args.engines.split(","):
        if engine and engine != default:
            other = replace(with_roster, text=replace(with_roster.text, ocr_backend=engine))
            runs += [("with roster", other), ("without roster", replace(other, text=replace(other.text, roster="")))]
    for label, policy in runs:
        r = run(policy, args.samples, truth)
        recall = ", ".join(f"{k} {h}/{t} = {h / t:.3f}" for k, (h, t) in r["hits"].items() if t)
        print(f"  {label:15} ({policy.text.ocr_backend}) recall: {recall}; negatives flagged {r['flagged']}/{r['negatives']} = "
              f"{r['flagged'] / max(1, r['negatives']):.3f}; {statistics.mean(r['seconds']):.2f} s/photo "
              f"(median {statistics.median(r['seconds']):.2f})")

    scenes = sorted(p for p in (args.testdata / "text_scenes").glob("*") if p.is_file())
    for engine in dict.fromkeys([default] + [e for e in args.engines.split(",") if e]) if scenes else ():
        policy = replace(base, text=replace(base.text, ocr_backend=engine))
        flagged = []
        for path in scenes:
            try:
                findings = text.stage(load_image(path, base.general.max_pixels), policy)
            except Exception as error:  # noqa: BLE001 - a slow or failing photo is reported, not fatal
                flagged.append(f"{path.name} (error: {type(error).__name__})")
                continue
            kinds = sorted({f.kind for f in findings if f.kind in SENSITIVE})
            if kinds:
                flagged.append(f"{path.name} ({', '.join(kinds)})")
        print(f"text_scenes (real photos, no student information), {engine}: {len(flagged)}/{len(scenes)} flagged"
              + (": " + "; ".join(flagged) if flagged else ""))

    sample = load_image(args.samples / sorted(n for n in truth if n.startswith("pos"))[0], base.general.max_pixels)
    for engine in dict.fromkeys([default] + [e for e in args.engines.split(",") if e]):
        policy = replace(base, text=replace(base.text, ocr_backend=engine))
        for label, size in (("1024 px", (1024, 768)), ("12 MP", (4032, 3024))):
            pixels = cv2.resize(sample.pixels, size, interpolation=cv2.INTER_CUBIC)
            times = []
            for _ in range(3):
                image = replace(sample, pixels=pixels, _previews={})
                start = time.perf_counter()
                text.stage(image, policy)
                times.append(time.perf_counter() - start)
            print(f"text stage ({engine}) on a {label} photo: {statistics.median(times):.2f} s (median of 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
