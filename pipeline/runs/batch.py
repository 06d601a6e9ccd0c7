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
import signal
import sqlite3
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..policy import Policy
from ..i18n import _
from ..owned import MANIFEST_NAME, OwnedFolder
from ..report.run_info import run_info
from ..report.document import build_report, printable
from ..screen.photo import Candidate, Screener, config_key
from .scan import walk
from .work import error_record, save_thumbnail, thumbnail_name, write_report_folder  # noqa: F401 (thumbnail_name: tests take it from here)

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


class StateError(RuntimeError):
    """The state file cannot be used: damaged, not photoscreen's, in use by another run, or not writable."""


# How long to wait for a state file another process holds locked before saying so (seconds).
STATE_LOCK_WAIT = 30.0
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (primary result codes)


def _busy(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF in _BUSY


def _in_use(path: Path) -> StateError:
    return StateError(_("the state file {path} is in use by another run (another photoscreen batch on the same "
                        "report folder, or a program that has it open) and stayed locked for {seconds:g} s; nothing "
                        "was screened or changed. Wait for that run to finish and start again; the file is not "
                        "damaged: keep it").format(path=path, seconds=STATE_LOCK_WAIT))


# "PSCR": marks a SQLite file as photoscreen's state, so that we never write into someone else's database
APPLICATION_ID = 0x50534352


class State:
    """The SQLite state file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not path.exists() or path.stat().st_size == 0
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=STATE_LOCK_WAIT)
            if not fresh:
                self._check_ours(path)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(SCHEMA)
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.commit()
        except sqlite3.OperationalError as exc:
            if _busy(exc):  # locked, not damaged: moving it away would throw a healthy state away
                self.db.close()
                raise _in_use(path) from None
            raise StateError(_("the state file {path} is damaged or not a database ({exc}): move it "
                               "away (the next run then screens every photo again) or pass --state "
                               "NEW_FILE").format(path=path, exc=exc)) from None
        except sqlite3.DatabaseError as exc:
            raise StateError(_("the state file {path} is damaged or not a database ({exc}): move it "
                               "away (the next run then screens every photo again) or pass --state "
                               "NEW_FILE").format(path=path, exc=exc)) from None

    def _check_ours(self, path: Path) -> None:
        app_id = self.db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = [r[1] for r in self.db.execute("PRAGMA table_info(photos)")]
        expected = ["path", "size", "mtime_ns", "sha256", "config", "verdict", "record", "thumb", "screened_at"]
        if app_id not in (0, APPLICATION_ID) or tables - {"photos"} or (tables and columns != expected):
            raise StateError(_("the state file {path} is not a photoscreen state file (another "
                               "program's database?): photoscreen leaves it untouched; pass --state "
                               "with a new file name").format(path=path))

    def known(self) -> dict[str, tuple[int, int, str, str]]:
        """path -> (size, mtime_ns, config, verdict) of every photo screened so far."""
        return {row[0]: tuple(row[1:]) for row in
                self.db.execute("SELECT path, size, mtime_ns, config, verdict FROM photos")}

    def save(self, path: str, size: int, mtime_ns: int, config: str, record: dict, thumb: str | None) -> None:
        try:
            self.db.execute(
                "INSERT OR REPLACE INTO photos (path, size, mtime_ns, sha256, config, verdict, record, thumb, screened_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (path, size, mtime_ns, record.get("sha256"), config, record["verdict"], json.dumps(record), thumb, time.time()))
            self.db.commit()
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise _in_use(self.path) from None
            raise

    def records(self, paths: list[str]) -> tuple[list[dict], dict[str, str]]:
        wanted = set(paths)
        records, thumbs = [], {}
        for path, record, thumb in self.db.execute("SELECT path, record, thumb FROM photos ORDER BY path"):
            if path in wanted:
                records.append(json.loads(record))
                if thumb:
                    thumbs[path] = thumb
        return records, thumbs

    def replace_record(self, path: str, sha256: str, record: dict) -> bool:
        """Put ``record`` in place of the row of ``path`` screened with this content (a copy made again by
        hand in the review app, ``pipeline/review/fixes.py``); False when there is no such row."""
        cursor = self.db.execute("UPDATE photos SET verdict = ?, record = ? WHERE path = ? AND sha256 = ?",
                                 (record["verdict"], json.dumps(record), path, sha256))
        self.db.commit()
        return cursor.rowcount == 1

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


def _exit_with_parent(parent: int) -> None:
    """End this worker when the batch that started it dies, even by kill -9: the kernel's
    parent-death signal where there is one (Linux), and a watcher thread everywhere."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="photoscreen-parent-watch", daemon=True).start()


def _init_worker(policy: Policy, out_dir: str, threads: int, redact_to: str | None = None,
                 parent: int | None = None, captions: dict[str, str] | None = None) -> None:
    if parent is not None:
        _exit_with_parent(parent)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    os.environ["PHOTOSCREEN_THREADS"] = str(threads)
    os.environ["OMP_THREAD_LIMIT"] = str(threads)
    import cv2

    cv2.setNumThreads(threads)
    if redact_to:
        from ..redaction.copies import Redactor

        # the batch owns its copies folder: the copy of a changed photo replaces the old copy of
        # ours, and a photo with no safe copy now loses its old one (see Redactor.without_copy)
        _worker["screen"] = Redactor(policy, Path(redact_to), overwrite=True, captions=captions).redact_keep_image
    else:
        _worker["screen"] = Screener(policy, captions=captions).screen_keep_image
    _worker["out"] = OwnedFolder(Path(out_dir))


def _screen_one(path: str, rel: str, copy: str | None = None) -> tuple[dict, str | None]:
    """Screen (or redact, into the copy named ``copy``) one photo in a worker: its report record and its
    thumbnail's relative path. An error row gets no thumbnail: what it shows was not screened, so
    nothing on it is covered."""
    report, image = _worker["screen"](Candidate(Path(path), rel, copy))
    return report.to_dict(), save_thumbnail(_worker["out"], report, image)


# --- main side ----------------------------------------------------------------------------------

class NothingToScreen(RuntimeError):
    """The photo folder is missing or holds no photo (an unmounted share?): nothing is changed."""


def _posts(path: Path, found) -> dict[str, str]:
    """The posts' texts by report path (``scan --captions``); CaptionsError for a file that cannot be
    used or a post whose photo is not in the folder."""
    from ..stages.captions import captions_by_path, load_posts

    return captions_by_path(load_posts(path), {c.rel for c in found.candidates}, path)


def _failure(exc: BaseException) -> str:
    """What went wrong in a worker, for its row: the kind, and for a file system error what and where."""
    return f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else type(exc).__name__


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop at once: pending photos are cancelled and the workers ended (they hold no result we keep).
    The worker processes are taken before ``shutdown``, which lets go of its list of them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)
        if process.is_alive():
            process.kill()


# The copies manifest's ``config`` of a copy made again by hand in the review app (pipeline/review/fixes.py)
HAND_FIX = "review-fix"


def hand_fixes_to_make_again(copies: OwnedFolder, state: State) -> set[str]:
    """Photos whose copy was made again by hand in the review app and that this run makes again (the
    tool's covers back): those whose copy's re-screen was not clean, and those whose row in this state
    file is not that fix's (the fix could not update it), so that no row describes a copy it is not."""
    manifest = copies.root / MANIFEST_NAME
    if not manifest.is_file():
        return set()
    db = sqlite3.connect(manifest.as_uri() + "?mode=ro", uri=True, timeout=60)
    try:
        fixed = dict(db.execute("SELECT rel, sha256 FROM copies WHERE config = ?", (HAND_FIX,)).fetchall())
    except sqlite3.OperationalError as exc:  # a manifest from before copies recorded their settings: no fix in it
        if "no such" not in str(exc):
            raise
        fixed = {}
    finally:
        db.close()
    redo = set()
    for path, record in (state.db.execute("SELECT path, record FROM photos").fetchall() if fixed else ()):
        redaction = json.loads(record).get("redaction") or {}
        fix = redaction.get("fixed") or {}
        if redaction.get("output") in fixed and not (fix.get("clean") is True
                                                    and fix.get("copy_sha256") == fixed[redaction["output"]]):
            redo.add(path)
    return redo


def _remove_stale_copies(copies: OwnedFolder, records: list[dict], gone: list[dict], photos: set[str]) -> None:
    """Delete the copies of ours that no row gives any more: those of photos gone from the folder, and
    older copies of a photo whose copy now has another name (a name taken, or freed again). Only copies
    the manifest says were made from this folder's photos (``photos``: known to the state or present),
    or that a gone row gave; ``remove_copy`` deletes only what is still exactly what we wrote."""
    def output(record: dict) -> str | None:
        return (record.get("redaction") or {}).get("output")

    given = {output(r) for r in records} - {None}
    stale = {output(r) for r in gone} - {None}
    stale |= {rel for rel, source in copies.copy_sources().items() if source in photos}
    for rel in sorted(stale - given):
        left = copies.remove_copy(rel)
        if left:
            log.warning("%s", printable(left))


@dataclass
class BatchResult:
    records: list[dict]
    screened: int
    reused: int
    skipped: int
    forgotten: int
    seconds: float
    report_paths: list[Path]
    workers: int = 0  # worker processes (local) or Dask workers that screened photos in this run


def run_batch(root: Path, out_dir: Path, policy: Policy, state_path: Path | None = None, workers: int = 0,
              on_progress: Callable[[int, int], None] | None = None, redact_to: Path | None = None,
              scheduler: str | None = None, send_files: bool = False, captions: Path | None = None) -> BatchResult:
    """Screen ``root`` into ``out_dir``; with ``redact_to``, also write a safe copy of each photo there
    (``photoscreen redact``), and remove the copies of photos that are gone or have no safe copy.
    With ``scheduler`` (``tcp://HOST:8786``), the photos are screened (and their copies made) on that Dask
    cluster (pipeline/runs/dask_executor.py; ``send_files``: their bytes are sent from here); this process
    still writes everything, the copies too. ``captions``: the posts CSV (``scan --captions``); a photo whose post changed
    is screened again.

    Raises NothingToScreen, before anything is written or deleted, when ``root`` is missing or holds
    no photo: an unmounted share must not read as "0 photos, all fine" nor empty the copies folder."""
    start = time.perf_counter()
    if not root.is_dir():
        raise NothingToScreen(_("the photo folder {root} does not exist or is not a folder (is the share mounted?); "
                                "nothing was screened or changed").format(root=root))
    found = walk([root], exclude=[out_dir / "thumbs"])
    if not found.candidates:
        raise NothingToScreen(_("no photos found under {root} (is the share mounted?); nothing was screened or "
                                "changed, the last report and the safe copies are kept").format(root=root))
    posts = _posts(captions, found) if captions else {}  # a posts file that cannot be used stops the run here
    for rel in found.linked_folders:
        log.warning("%s", printable(_("skipped {path}/: a symbolic link to a folder; links to folders are not followed "
                                      "(they could lead outside the folder given): give its target as an input to "
                                      "screen it").format(path=rel)))
    out = OwnedFolder(out_dir)
    copies = OwnedFolder(redact_to) if redact_to else None
    for folder in filter(None, (out, copies)):
        folder.check_writable()  # an output we cannot write stops the run now, not after the screening
        folder.clean_temporaries()  # left by a run that was killed
    state = State(state_path or out.path("state.sqlite"))
    config = config_key(policy) + (f"|redact:{copies.root}" if copies else "")
    candidates = found.candidates
    renamed: dict[str, str] = {}  # photo -> its copy's name, where it is not the usual one (copy_names)
    if copies:
        from ..redaction.names import output_name, with_copy_names

        candidates = with_copy_names(candidates, copies.name_max())
        renamed = {c.rel: c.copy for c in candidates if c.copy != output_name(c.rel)[0]}

    def photo_config(rel: str) -> str:
        """The configuration a photo's result depends on: the run's, its copy's name when it is not the
        usual one (a copy named again is made again), and its post's text."""
        key = f"{config}|copy:{renamed[rel]}" if rel in renamed else config
        if rel not in posts:
            return key
        return f"{key}|caption:{hashlib.sha256(posts[rel].encode()).hexdigest()[:16]}"

    known = state.known()
    redo = hand_fixes_to_make_again(copies, state) if copies else set()
    todo: list[tuple[Candidate, int, int]] = []
    for candidate in candidates:
        try:
            st = candidate.path.stat()
            size, mtime = st.st_size, st.st_mtime_ns
        except OSError:
            size, mtime = -1, -1  # unreadable: screen it, the loader will say why
        before = known.get(candidate.rel)
        # error rows are screened again on every run: the file may have been fixed (a chmod
        # changes neither its size nor its modification time)
        if before is None or before[:3] != (size, mtime, photo_config(candidate.rel)) or before[3] == "error" or size < 0 \
                or candidate.rel in redo:
            todo.append((candidate, size, mtime))
    reused = len(found.candidates) - len(todo)
    log.info("batch %s: %d photos, %d to screen, %d unchanged, %d other files", printable(str(root)),
             len(found.candidates), len(todo), reused, len(found.skipped))
    workers = workers or os.cpu_count() or 1
    redact_arg = str(copies.root) if copies else None
    done = 0
    if on_progress:
        on_progress(0, len(todo))

    def record(candidate: Candidate, size: int, mtime: int, result: dict, thumb: str | None) -> None:
        nonlocal done
        state.save(candidate.rel, size, mtime, photo_config(candidate.rel), result, thumb)
        done += 1
        if result["verdict"] == "error":
            log.warning("%s: error: %s", printable(candidate.rel), printable(result["error"]))
        if on_progress:
            on_progress(done, len(todo))

    def pool(n: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=n, mp_context=_SPAWN, initializer=_init_worker,
                                   initargs=(policy, str(out.root), 1, redact_arg, os.getpid(), posts))

    served = min(workers, len(todo))
    try:
        if todo and scheduler:
            from .dask_executor import screen_on_cluster

            served = len(screen_on_cluster(scheduler, todo, policy, config, out, record, send_files, posts,
                                           copies).workers)
        elif todo and workers == 1:
            _init_worker(policy, str(out.root), max(1, os.cpu_count() or 1), redact_arg, captions=posts)
            for candidate, size, mtime in todo:
                record(candidate, size, mtime, *_screen_one(str(candidate.path), candidate.rel, candidate.copy))
        elif todo:
            remaining = []
            with pool(workers) as executor:
                try:
                    futures = {executor.submit(_screen_one, str(c.path), c.rel, c.copy): (c, size, mtime)
                               for c, size, mtime in todo}
                    for future in as_completed(futures):
                        candidate, size, mtime = futures[future]
                        try:
                            result, thumb = future.result()
                        except BrokenProcessPool:
                            remaining.append((candidate, size, mtime))
                            continue
                        except Exception as exc:  # fail closed: the photo is an error, the batch goes on
                            result, thumb = error_record(candidate.rel, _("screening failed ({what})").format(
                                what=_failure(exc))), None
                        record(candidate, size, mtime, result, thumb)
                except BaseException:
                    _stop_pool(executor)
                    raise
            if remaining:
                # a worker died (out of memory, a crash in a decoder): screen those photos one by one
                log.warning("a worker process died; screening %d photos again one at a time", len(remaining))
                for candidate, size, mtime in remaining:
                    with pool(1) as single:
                        try:
                            result, thumb = single.submit(_screen_one, str(candidate.path), candidate.rel,
                                                          candidate.copy).result()
                        except BrokenProcessPool:
                            result = error_record(candidate.rel, _("screening crashed the worker process (damaged file?)"))
                            thumb = None
                        except BaseException:
                            _stop_pool(single)
                            raise
                    record(candidate, size, mtime, result, thumb)
    except BaseException:
        state.close()
        raise

    paths = [c.rel for c in found.candidates]
    gone_records = state.records(sorted(set(known) - set(paths)))[0]
    gone = state.forget_missing(paths)
    records, thumbs = state.records(paths)
    state.close()
    if copies:
        _remove_stale_copies(copies, records, gone_records, set(known) | set(paths))
        copies.close()
    document = build_report(records, len(found.skipped),
                            {"policy": {"setting": policy.general.setting, "fingerprint": policy.fingerprint()},
                             "run": run_info([root], copies.root if copies else None, policy)})
    report_paths = write_report_folder(out, document, thumbs)
    seconds = time.perf_counter() - start
    log.info("batch done in %.1f s: %d screened by %d workers, %d unchanged, summary %s", seconds, len(todo),
             served, reused, document["summary"])
    return BatchResult(records, len(todo), reused, len(found.skipped), len(gone), seconds, report_paths, served)
