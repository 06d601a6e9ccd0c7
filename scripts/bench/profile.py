#!/usr/bin/env python3
"""Where the screening time of a 12-MP photo goes, on one core: cProfile of Screener.screen_keep_image
(pipeline/screen/photo.py) on photos from ../shared/testdata upscaled to 4032x3024 (as scripts/bench/screen.py
makes them), counting CPU time of this process (so other load on a shared machine counts less).

    OMP_NUM_THREADS=1 .venv/bin/python -m scripts.bench.profile [--count N] [--top K]

Prints the time per stage and the functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PHOTOSCREEN_THREADS", "1")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from pipeline.screen import photo as scan  # noqa: E402
from pipeline.policy import load_policy  # noqa: E402
from scripts import REPO  # noqa: E402
from scripts.bench.screen import make_photos  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative or tottime")
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    args = parser.parse_args()
    import cv2

    cv2.setNumThreads(1)
    policy = load_policy()
    screener = scan.Screener(policy)
    stage_time: dict[str, float] = {}

    def timed(name, stage):
        def run(image, policy):
            start = time.process_time()
            try:
                return stage(image, policy)
            finally:
                stage_time[name] = stage_time.get(name, 0.0) + time.process_time() - start
        return run

    screener.stages = tuple((name, timed(name, stage)) for name, stage in screener.stages)
    with tempfile.TemporaryDirectory(prefix="photoscreen-profile-") as tmp:
        paths = make_photos(args.testdata, Path(tmp), args.count)
        screener.screen(scan.Candidate(paths[0], paths[0].name))  # warm-up: lazy loads are not the photo's
        stage_time.clear()
        profile = cProfile.Profile(time.process_time)
        start = time.process_time()
        profile.enable()
        for path in paths:
            screener.screen(scan.Candidate(path, path.name))
        profile.disable()
        total = time.process_time() - start
    n = len(paths)
    print(f"{n} photos 4032x3024, {total / n:.2f} s CPU per photo (one thread)")
    for name, seconds in sorted(stage_time.items(), key=lambda kv: -kv[1]):
        print(f"  {name:12} {seconds / n:6.2f} s  {seconds / total * 100:5.1f}%")
    print(f"  {'(load etc.)':12} {(total - sum(stage_time.values())) / n:6.2f} s")
    pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    if os.environ.get("PROFILE_DUMP"):
        profile.dump_stats(os.environ["PROFILE_DUMP"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
