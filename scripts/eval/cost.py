"""What a run of safe copies costs a person: a mixed event folder through ``batch --redact-to``,
each copy priced by what a coordinator must do with it (issue "Decide, don't defer").

    .venv/bin/python -m scripts.eval.cost [--testdata DIR] [--workers 2] [--keep DIR]

The folder is made of the real photos in ../shared/testdata (group and classroom photos, people seen
from behind, hands, papers and signs, GPS, blur, EXIF and no-EXIF turns, HEIC; not the corrupt files,
which no event folder holds), copied to a temporary folder, never into the repository. Prices per copy:
0.5 s to glance at an ok copy, 3 s to read why a copy is blocked, 15 s to review one, 20 s for an error
or a missing copy (withheld: a person must cover it by hand). Prints the share of each verdict, the
minutes per 500 photos overall and by source folder, and the commonest reasons for review.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from pipeline.policy import load_policy
from pipeline.runs.batch import run_batch
from scripts import REPO

PRICE = {"ok": 0.5, "block": 3.0, "review": 15.0, "error": 20.0, "missing": 20.0}
FOLDERS = ("faces_annotated", "people_scenes", "hands", "text_scenes", "misc/blur", "misc/exif_gps", "misc/heic",
           "misc/exif_orientation", "misc/rotated_content_no_exif")
PHOTO = {".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".tif", ".tiff", ".gif", ".bmp"}
GOAL_MINUTES = 10.0


def event_folder(testdata: Path, dest: Path) -> int:
    n = 0
    for folder in FOLDERS:
        for path in sorted((testdata / folder).rglob("*")):
            if path.is_file() and path.suffix.lower() in PHOTO:
                target = dest / folder.replace("/", "_") / path.relative_to(testdata / folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
                n += 1
    return n


def outcome(row: dict) -> str:
    """What a person must do with the row's copy: its verdict, or ``missing`` when none was written."""
    if row["verdict"] == "error":
        return "error"
    redaction = row.get("redaction") or {}
    return row["verdict"] if redaction.get("output") else "missing"


def minutes_per_500(counts: collections.Counter) -> float:
    n = sum(counts.values())
    return sum(PRICE[k] * v for k, v in counts.items()) / max(1, n) * 500 / 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (photos, copies, report)")
    args = parser.parse_args()
    if not args.testdata.is_dir():
        raise SystemExit(f"no test photos at {args.testdata}")
    base = args.keep or Path(tempfile.mkdtemp(prefix="photoscreen-cost-"))
    photos, report, copies = base / "photos", base / "report", base / "copies"
    if not photos.is_dir():
        print(f"{event_folder(args.testdata, photos)} photos copied to {photos}")
    start = time.perf_counter()
    run_batch(photos, report, load_policy(), workers=args.workers, redact_to=copies)
    seconds = time.perf_counter() - start
    rows = json.loads((report / "report.json").read_text())["images"]
    overall, by_folder, reasons = collections.Counter(), collections.defaultdict(collections.Counter), collections.Counter()
    for row in rows:
        what = outcome(row)
        overall[what] += 1
        by_folder[row["path"].split("/")[0]][what] += 1
        if what == "review":  # the reasons behind it (not the copy's summary), numbers and boxes left out
            for r in row["reasons"]:
                if not r.startswith("safe copy written"):
                    reasons[re.sub(r"\[[^\]]*\]|\d+", "#", r.split(":")[0])[:70]] += 1
    n = len(rows)
    print(f"\n{n} photos, batch --redact-to with {args.workers} workers in {seconds:.0f} s")
    print("copies: " + ", ".join(f"{k} {overall[k]} ({overall[k] / n:.0%})" for k in PRICE if overall[k]))
    print(f"\n{'folder':32} {'photos':>6} {'ok':>4} {'block':>5} {'review':>6} {'error':>5} {'missing':>7} {'min/500':>8}")
    for folder, c in sorted(by_folder.items()):
        print(f"{folder:32} {sum(c.values()):6} {c['ok']:4} {c['block']:5} {c['review']:6} {c['error']:5} "
              f"{c['missing']:7} {minutes_per_500(c):8.1f}")
    print(f"\nreview rate {overall['review'] / n:.1%} (goal <= 10%); withheld {overall['missing'] / n:.1%} (goal <= 2%)")
    print(f"a person's time: {minutes_per_500(overall):.1f} minutes per 500 photos (goal <= {GOAL_MINUTES:.0f})")
    if reasons:
        print("\ncommonest reasons for review:")
        for text, count in reasons.most_common(8):
            print(f"  {count:4}  {text}")


if __name__ == "__main__":
    main()
