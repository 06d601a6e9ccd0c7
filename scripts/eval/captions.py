"""How well the caption check finds names, tags, populations, IDs and grades (issue 19).

    .venv/bin/python -m scripts.eval.captions                  # the tuning set (tests use it too)
    .venv/bin/python -m scripts.eval.captions --set holdout    # the held-out set: measure, never tune on it
    .venv/bin/python -m scripts.eval.captions --set holdout2   # a second one, written after the first was run
    .venv/bin/python -m scripts.eval.captions --set holdout3   # a third (issue 39), written before its changes

Each set is a CSV of ``lang,expected,caption`` (``expected``: the categories a caption should get,
space-separated; empty for an innocent caption), checked with the class roster
``scripts/data/caption_roster.csv``. Prints the recall of the expected categories, the share of innocent
captions flagged, and each miss and false alarm (the captions are made up: printing them is fine
here, as it never is in a report). Goals: recall >= 0.95, at most 1 innocent caption in 14 flagged.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from pipeline.stages.captions import check
from pipeline.policy import load_policy
from scripts import DATA

SETS = {"tuning": DATA / "caption_tuning.csv", "holdout": DATA / "caption_holdout.csv",
        "holdout2": DATA / "caption_holdout2.csv", "holdout3": DATA / "caption_holdout3.csv"}
ROSTER = DATA / "caption_roster.csv"


def load_set(path: Path) -> list[tuple[str, set[str], str]]:
    """``(lang, expected categories, caption)`` rows of an evaluation set."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [(row["lang"], set(row["expected"].split()), row["caption"]) for row in csv.DictReader(fh)]


def evaluate(rows, policy) -> dict:
    """Recall of the expected categories and innocent captions flagged, with the misses and alarms."""
    expected = found = innocent = flagged = 0
    misses, alarms = [], []
    for lang, want, caption in rows:
        got = {f.category for f in check(caption, policy)}
        if want:
            expected += len(want)
            found += len(want & got)
            if want - got:
                misses.append((lang, sorted(want - got), caption))
        else:
            innocent += 1
            if got:
                flagged += 1
                alarms.append((lang, sorted(got), caption))
    return {"expected": expected, "found": found, "recall": found / expected if expected else 1.0,
            "innocent": innocent, "flagged": flagged, "flagged_share": flagged / innocent if innocent else 0.0,
            "misses": misses, "alarms": alarms}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="tuning")
    args = parser.parse_args()
    policy = load_policy(overrides={"text": {"roster": str(ROSTER)}})
    rows = load_set(SETS[args.set])
    r = evaluate(rows, policy)
    for lang in ("en", "fr"):
        part = evaluate([row for row in rows if row[0] == lang], policy)
        print(f"{args.set} {lang}: recall {part['found']}/{part['expected']} = {part['recall']:.3f}; "
              f"innocent flagged {part['flagged']}/{part['innocent']}")
    print(f"{args.set} all: {len(rows)} captions; recall of expected categories {r['found']}/{r['expected']} = "
          f"{r['recall']:.3f} (goal >= 0.95); innocent captions flagged {r['flagged']}/{r['innocent']} = "
          f"{r['flagged_share']:.3f} (goal <= 1 in 14 = {1 / 14:.3f})")
    for lang, missing, caption in r["misses"]:
        print(f"  missed {' '.join(missing):20} [{lang}] {caption}")
    for lang, got, caption in r["alarms"]:
        print(f"  flagged {' '.join(got):19} [{lang}] {caption}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
