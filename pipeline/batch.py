"""Nightly batch: incremental, resumable and parallel screening of a photo folder.

State lives in SQLite (one row per photo: path, size, mtime, SHA-256, the configuration it was
screened with, verdict and findings). A re-run screens only photos that are new or changed (size
or modification time), and everything again when the policy, a model or photoscreen changes.
Each result is committed as soon as it arrives, so a run killed at any moment (even kill -9) loses
nothing that finished; the next run picks up the rest. Reports, thumbnails and the state are
written atomically (temporary file and rename; SQLite's own journal), so no half-written file is
ever left in place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import __version__
from .contact_sheet import render, thumbnail_bytes
from .models import MANIFEST_PATH
from .policy import Policy
from .report import atomic_write_bytes, build_report, write_reports
from .findings import ImageReport, Verdict
from .scan import Candidate, Screener, walk

SCHEMA = """
CREATE TABLE IF NOT EXISTS photos (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT,
    config TEXT NOT NULL,
    verdict TEXT NOT NULL,
    record TEXT NOT NULL,
    thumb TEXT,
    screened_at REAL NOT NULL
)
"""
log = logging.getLogger("photoscreen.batch")
# Workers start fresh ("spawn"): forking a process that already runs onnxruntime or Tesseract
# threads can deadlock the child.
_SPAWN = multiprocessing.get_context("spawn")


def config_key(policy: Policy) -> str:
    """What a stored result depends on: photoscreen's version, the policy, the model manifest."""
    models = hashlib.sha256(MANIFEST_PATH.read_bytes()).hexdigest()[:16]
    return f"{__version__}|{policy.fingerprint()}|{models}"


class State:
    """The SQLite state file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(SCHEMA)
        self.db.commit()

    def known(self) -> dict[str, tuple[int, int, str]]:
        return {row[0]: (row[1], row[2], row[3]) for row in self.db.execute("SELECT path, size, mtime_ns, config FROM photos")}

    def save(self, path: str, size: int, mtime_ns: int, config: str, record: dict, thumb: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO photos (path, size, mtime_ns, sha256, config, verdict, record, thumb, screened_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (path, size, mtime_ns, record.get("sha256"), config, record["verdict"], json.dumps(record), thumb, time.time()))
        self.db.commit()

    def records(self, paths: list[str]) -> tuple[list[dict], dict[str, str]]:
        wanted = set(paths)
        records, thumbs = [], {}
        for path, record, thumb in self.db.execute("SELECT path, record, thumb FROM photos ORDER BY path"):
            if path in wanted:
                records.append(json.loads(record))
                if thumb:
                    thumbs[path] = thumb
        return records, thumbs

    def forget_missing(self, paths: list[str]) -> list[str]:
        """Drop the photos no longer in the folder; returns their paths."""
        gone = sorted(set(self.known()) - set(paths))
        self.db.executemany("DELETE FROM photos WHERE path = ?", [(p,) for p in gone])
        self.db.commit()
        return gone

    def close(self) -> None:
        self.db.close()


# --- worker side: one Screener per process, models loaded once ------------------------------------

_worker: dict = {}


def _init_worker(policy: Policy, out_dir: str, threads: int, redact_to: str | None = None) -> None:
    os.environ["PHOTOSCREEN_THREADS"] = str(threads)
    os.environ["OMP_THREAD_LIMIT"] = str(threads)
    import cv2

    cv2.setNumThreads(threads)
    if redact_to:
        from .redaction import Redactor

        # the batch owns its copies folder: the copy of a changed photo replaces the old copy
        _worker["screen"] = Redactor(policy, Path(redact_to), overwrite=True).redact_keep_image
        _worker["redact_to"] = Path(redact_to)
    else:
        _worker["screen"] = Screener(policy).screen_keep_image
        _worker["redact_to"] = None
    _worker["out"] = Path(out_dir)


def _screen_one(path: str, rel: str) -> tuple[dict, str | None]:
    """Screen (or redact) one photo in a worker: its report record and its thumbnail's relative path."""
    report, image = _worker["screen"](Candidate(Path(path), rel))
    if _worker["redact_to"] is not None and not (report.redaction and report.redaction.output):
        remove_copy(_worker["redact_to"], rel)  # no safe copy now: an older copy must not stay
    thumb = None
    if image is not None:
        thumb = f"thumbs/{image.sha256[:20]}.jpg"
        target = _worker["out"] / thumb
        if not target.exists():
            atomic_write_bytes(target, thumbnail_bytes(image.pixels, report.findings))
    return report.to_dict(), thumb


# --- main side ----------------------------------------------------------------------------------

def remove_copy(redact_to: Path, rel: str) -> None:
    from .redaction import output_name

    (redact_to / output_name(rel)[0]).unlink(missing_ok=True)


def _error_record(rel: str, message: str) -> dict:
    return ImageReport(rel, Verdict.ERROR, error=message).to_dict()


@dataclass
class BatchResult:
    records: list[dict]
    screened: int
    reused: int
    skipped: int
    forgotten: int
    seconds: float
    report_paths: list[Path]


def run_batch(root: Path, out_dir: Path, policy: Policy, state_path: Path | None = None, workers: int = 0,
              on_progress: Callable[[int, int], None] | None = None, redact_to: Path | None = None) -> BatchResult:
    """Screen ``root`` into ``out_dir``; with ``redact_to``, also write a safe copy of each photo there
    (``photoscreen redact``), and remove the copies of photos that are gone or have no safe copy."""
    start = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    state = State(state_path or out_dir / "state.sqlite")
    config = config_key(policy) + (f"|redact:{redact_to.resolve()}" if redact_to else "")
    found = walk([root], exclude=[out_dir])
    known = state.known()
    todo: list[tuple[Candidate, int, int]] = []
    for candidate in found.candidates:
        try:
            st = candidate.path.stat()
            size, mtime = st.st_size, st.st_mtime_ns
        except OSError:
            size, mtime = -1, -1  # unreadable: screen it, the loader will say why
        if known.get(candidate.rel) != (size, mtime, config) or size < 0:
            todo.append((candidate, size, mtime))
    reused = len(found.candidates) - len(todo)
    log.info("batch %s: %d photos, %d to screen, %d unchanged, %d other files", root, len(found.candidates),
             len(todo), reused, len(found.skipped))
    workers = workers or os.cpu_count() or 1
    redact_arg = str(redact_to) if redact_to else None
    done = 0
    if on_progress:
        on_progress(0, len(todo))

    def record(candidate: Candidate, size: int, mtime: int, result: dict, thumb: str | None) -> None:
        nonlocal done
        state.save(candidate.rel, size, mtime, config, result, thumb)
        done += 1
        if result["verdict"] == "error":
            log.warning("%s: error: %s", candidate.rel, result["error"])
        if on_progress:
            on_progress(done, len(todo))

    if todo and workers == 1:
        _init_worker(policy, str(out_dir), max(1, os.cpu_count() or 1), redact_arg)
        for candidate, size, mtime in todo:
            record(candidate, size, mtime, *_screen_one(str(candidate.path), candidate.rel))
    elif todo:
        remaining = list(todo)
        while remaining:
            with ProcessPoolExecutor(max_workers=workers, mp_context=_SPAWN, initializer=_init_worker,
                                     initargs=(policy, str(out_dir), 1, redact_arg)) as pool:
                futures = {pool.submit(_screen_one, str(c.path), c.rel): (c, size, mtime) for c, size, mtime in remaining}
                remaining = []
                for future in as_completed(futures):
                    candidate, size, mtime = futures[future]
                    try:
                        result, thumb = future.result()
                    except BrokenProcessPool:
                        remaining.append((candidate, size, mtime))
                        continue
                    except Exception as exc:  # fail closed: the photo is an error, the batch goes on
                        result, thumb = _error_record(candidate.rel, f"screening failed ({type(exc).__name__})"), None
                    record(candidate, size, mtime, result, thumb)
            if remaining:
                # a worker died (out of memory, a crash in a decoder): screen those photos one by one
                log.warning("a worker process died; screening %d photos again one at a time", len(remaining))
                for candidate, size, mtime in remaining:
                    with ProcessPoolExecutor(max_workers=1, mp_context=_SPAWN, initializer=_init_worker,
                                             initargs=(policy, str(out_dir), 1, redact_arg)) as single:
                        try:
                            result, thumb = single.submit(_screen_one, str(candidate.path), candidate.rel).result()
                        except BrokenProcessPool:
                            result = _error_record(candidate.rel, "screening crashed the worker process (damaged file?)")
                            thumb = None
                    record(candidate, size, mtime, result, thumb)
                remaining = []

    paths = [c.rel for c in found.candidates]
    gone = state.forget_missing(paths)
    if redact_to:
        for rel in gone:
            remove_copy(redact_to, rel)
    records, thumbs = state.records(paths)
    state.close()
    document = build_report(records, len(found.skipped),
                            {"policy": {"setting": policy.general.setting, "fingerprint": policy.fingerprint()}})
    report_paths = write_reports(out_dir, document, render(document, thumbs))
    seconds = time.perf_counter() - start
    log.info("batch done in %.1f s: %d screened, %d unchanged, summary %s", seconds, len(todo), reused,
             document["summary"])
    return BatchResult(records, len(todo), reused, len(found.skipped), len(gone), seconds, report_paths)
