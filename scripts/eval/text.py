#!/usr/bin/env python3
"""Measure the text stage: recall per kind, negatives flagged, seconds per photo.

    .venv/bin/python -m scripts.samples.text_samples [--seed S]   # writes reports/text_samples
    .venv/bin/python -m scripts.eval.text [SAMPLES] [--testdata DIR] [--engines tesserocr,rapidocr,both]
                                          [--quick] [--misses] [--scenes-and-time-only] [--no-ink]

Figures are printed per OCR engine (``text.ocr_backend``; "both" when the policy accepts it), with
the handwritten marks (items the generator wrote in a handwriting font) and the wider variety
(``scripts.samples.text_samples --wide``: more fonts, inks, layouts, turned cards) counted apart as well, and
the seed the samples were made with (tune on some seeds, report on a fresh one). ``--quick`` runs
only the roster runs, without text_scenes and the timing; ``--no-ink`` leaves the pen-mark step
(pipeline/text/ink.py) out, for a before/after comparison.

Items at least 10 px tall are counted. A sensitive item counts as found when a finding of its kind covers at least 30% of its box.
A negative photo (innocuous text only) counts as flagged when any student_id, grade or name
finding is made. A name counts as found whole when name findings cover at least 80% of its width
(the first and the last name, not one of them). The layouts of issue 39 (``--papers``, files
``*_p39_*``) are counted apart too. Names are measured twice: with the class roster (roster.csv beside the samples)
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

os.environ.setdefault("PHOTOSCREEN_THREADS", "1")  # the goals are set for one core

from pipeline.text import stage as text  # noqa: E402
from pipeline.policy import PolicyError  # noqa: E402
from pipeline.findings import Box  # noqa: E402
from pipeline.media.loader import load_image  # noqa: E402
from pipeline.policy import load_policy  # noqa: E402
from scripts import REPO  # noqa: E402

SENSITIVE = ("student_id", "grade", "name")
MIN_HEIGHT = 10


def covered(truth: Box, found: Box) -> bool:
    return truth.overlap(found) >= 0.3 * min(truth.w * truth.h, found.w * found.h)


WHOLE = 0.8  # share of a name's width its kind's findings must cover for the name to count as found whole


def width_covered(truth: Box, found: list[Box]) -> float:
    """The share of ``truth``'s width covered by the boxes that overlap it (a name found whole, not
    only its first word)."""
    cover = [False] * max(1, truth.w)
    for b in found:
        if min(truth.y + truth.h, b.y + b.h) - max(truth.y, b.y) < 0.3 * truth.h:
            continue
        for x in range(max(truth.x, b.x), min(truth.x + truth.w, b.x + b.w)):
            cover[x - truth.x] = True
    return sum(cover) / len(cover)


def run(policy, samples: Path, truth: dict, show_misses: bool = False) -> dict:
    hits = {k: [0, 0] for k in SENSITIVE}
    whole = [0, 0]  # names found whole (WHOLE of their width covered)
    papers = {k: [0, 0] for k in SENSITIVE}  # the items of issue 39's layouts alone (text_samples --papers)
    papers_negatives = [0, 0]
    hand = {k: [0, 0] for k in SENSITIVE}  # the handwritten items alone
    wide = {k: [0, 0] for k in SENSITIVE}  # the items of the wider variety alone (text_samples --wide)
    wide_negatives = [0, 0]
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
            if "_wide_" in name:
                wide_negatives[0] += any(f.kind in SENSITIVE for f in findings)
                wide_negatives[1] += 1
            if "_p39_" in name:
                papers_negatives[0] += any(f.kind in SENSITIVE for f in findings)
                papers_negatives[1] += 1
            if show_misses and any(f.kind in SENSITIVE for f in findings):
                print(f"    flagged negative {name}: " + "; ".join(f"{f.kind} {f.why}" for f in findings
                                                                     if f.kind in SENSITIVE))
            continue
        for item in items:
            box = Box(*item["box"])
            if box.h < MIN_HEIGHT:
                continue  # the goal counts text at least 10 px tall
            found = any(f.kind == item["kind"] and covered(box, f.box) for f in findings)
            hits[item["kind"]][1] += 1
            hits[item["kind"]][0] += found
            if item["kind"] == "name":
                share = width_covered(box, [f.box for f in findings if f.kind == "name"])
                whole[0] += share >= WHOLE
                whole[1] += 1
                if show_misses and found and share < WHOLE:
                    print(f"    not whole {name}: name {item.get('text', '')!r} {share:.0%} of its width")
            if "_p39_" in name:
                papers[item["kind"]][1] += 1
                papers[item["kind"]][0] += found
            if show_misses and not found:
                print(f"    missed {name}: {item['kind']} {item.get('text', '')!r} {box.h} px tall"
                      + (" (handwritten)" if item.get("hand") else ""))
            if item.get("hand"):
                hand[item["kind"]][1] += 1
                hand[item["kind"]][0] += found
            if "_wide_" in name:
                wide[item["kind"]][1] += 1
                wide[item["kind"]][0] += found
    return {"hits": hits, "hand": hand, "wide": wide, "wide_negatives": wide_negatives, "whole": whole,
            "papers": papers, "papers_negatives": papers_negatives, "negatives": negatives,
            "flagged": flagged, "seconds": seconds}


def engine_policy(policy, engine: str):
    """The policy reading with ``engine``, or None when this version does not know it."""
    try:
        return replace(policy, text=replace(policy.text, ocr_backend=engine))
    except PolicyError:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("samples", nargs="?", type=Path, default=REPO / "reports" / "text_samples")
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--engines", default="tesserocr,rapidocr,both",
                        help="OCR engines to measure (comma-separated; an engine the policy does not accept "
                             "is reported as not available)")
    parser.add_argument("--quick", action="store_true", help="roster runs only: no runs without roster, "
                        "no text_scenes, no timing")
    parser.add_argument("--misses", action="store_true",
                        help="list the items missed and the negatives flagged (for tuning seeds, not the report)")
    parser.add_argument("--scenes-and-time-only", action="store_true",
                        help="only the text_scenes check and the timing (the recall runs left out)")
    parser.add_argument("--no-ink", action="store_true", help="leave the pen-mark step (pipeline/text/ink.py) out")
    args = parser.parse_args()
    if args.no_ink:
        text.find_ink_grades = lambda *a, **k: []
    truth_path = args.samples / "truth.json"
    if not truth_path.is_file():
        print(f"no truth.json in {args.samples}: run python -m scripts.samples.text_samples first", file=sys.stderr)
        return 2
    truth = json.loads(truth_path.read_text())
    base = load_policy()
    with_roster = replace(base, text=replace(base.text, roster=str(args.samples / "roster.csv")))
    text.stage(load_image(REPO / "sample_images" / "classroom_composite.jpg", base.general.max_pixels), base)

    positives = sum(1 for n in truth if n.startswith("pos"))
    seed_file = args.samples / "seed.txt"
    seed = seed_file.read_text().strip() if seed_file.is_file() else "unknown (made before seed.txt)"
    handwritten = sum(1 for items in truth.values() for i in items if i.get("hand"))
    print(f"Text samples: {positives} photos with student information, {len(truth) - positives} negatives "
          f"({args.samples}); made with --seed {seed}; {handwritten} handwritten items"
          + ("; pen-mark step left out (--no-ink)" if args.no_ink else ""))
    default = base.text.ocr_backend
    engines = list(dict.fromkeys(e for e in args.engines.split(",") if e)) or [default]
    runs = []
    for engine in engines:
        policy = engine_policy(with_roster, engine)
        if policy is None:
            print(f"  ({engine}) not available: text.ocr_backend does not accept it in this version")
            continue
        runs.append(("with roster", policy))
        if not args.quick:
            runs.append(("without roster", replace(policy, text=replace(policy.text, roster=""))))
    for label, policy in [] if args.scenes_and_time_only else runs:
        r = run(policy, args.samples, truth, args.misses)
        recall = ", ".join(f"{k} {h}/{t} = {h / t:.3f}" for k, (h, t) in r["hits"].items() if t)
        hand = ", ".join(f"{k} {h}/{t} = {h / t:.3f}" for k, (h, t) in r["hand"].items() if t)
        print(f"  {label:15} ({policy.text.ocr_backend}) recall: {recall}; negatives flagged {r['flagged']}/{r['negatives']} = "
              f"{r['flagged'] / max(1, r['negatives']):.3f}; {statistics.mean(r['seconds']):.2f} s/photo "
              f"(median {statistics.median(r['seconds']):.2f})")
        if hand:
            print(f"  {'':15}   handwritten: {hand}")
        wide = ", ".join(f"{k} {h}/{t} = {h / t:.3f}" for k, (h, t) in r["wide"].items() if t)
        if wide:
            flagged, count = r["wide_negatives"]
            print(f"  {'':15}   wider variety (--wide): {wide}; negatives flagged {flagged}/{count}")
        papers = ", ".join(f"{k} {h}/{t} = {h / t:.3f}" for k, (h, t) in r["papers"].items() if t)
        if papers:
            flagged, count = r["papers_negatives"]
            print(f"  {'':15}   issue 39 layouts (--papers): {papers}; negatives flagged {flagged}/{count}")
        found, count = r["whole"]
        if count:
            print(f"  {'':15}   names found whole ({WHOLE:.0%} of their width): {found}/{count} = {found / count:.3f}")
    if args.quick:
        return 0
    engines = [e for e in engines if engine_policy(base, e) is not None]

    scenes = sorted(p for p in (args.testdata / "text_scenes").glob("*") if p.is_file())
    for engine in engines if scenes else ():
        policy = engine_policy(base, engine)
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

    ink_seconds: list[float] = []
    find_ink = text.find_ink_grades

    def timed_ink(*a, **k):
        start = time.perf_counter()
        try:
            return find_ink(*a, **k)
        finally:
            ink_seconds.append(time.perf_counter() - start)

    text.find_ink_grades = timed_ink
    marked = sorted(n for n in truth if n.startswith("pos") and "marked" in n)
    sample = load_image(args.samples / (marked or sorted(n for n in truth if n.startswith("pos")))[0],
                        base.general.max_pixels)
    for engine in engines:
        policy = engine_policy(base, engine)
        for label, size in (("1024 px", (1024, 768)), ("12 MP", (4032, 3024))):
            pixels = cv2.resize(sample.pixels, size, interpolation=cv2.INTER_CUBIC)
            times, cpu = [], []
            for _ in range(3):
                image = replace(sample, pixels=pixels, _previews={})
                start, start_cpu = time.perf_counter(), time.process_time()
                text.stage(image, policy)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            ink = statistics.median(ink_seconds[-3:]) if ink_seconds else 0.0
            # CPU seconds of this process (one thread: PHOTOSCREEN_THREADS=1): the cost on one core even
            # when other work shares the machine and stretches the wall-clock time
            print(f"text stage ({engine}) on a {label} photo: {statistics.median(times):.2f} s (median of 3; "
                  f"{statistics.median(cpu):.2f} CPU s), of which the pen-mark step {ink:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
