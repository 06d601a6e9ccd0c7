"""A report folder as the review app sees it: its rows, and the files behind each row.

Works on the output of ``scan``, ``redact`` and ``batch`` (with or without ``--redact-to``). A row of
a redaction report carries the *copy's* verdict; the original's is worked out again here from the
findings (``pipeline/screen/verdict.py``), so both are always shown. Only files a row names are ever
served, and only from the report folder, the safe copies folder and the input folders the report
names, each checked by ``OwnedFolder.path`` (real paths, no ``..``, no link at the end).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..owned import MANIFEST_NAME, OutsideOwnedFolder, OwnedFolder
from ..report.run_info import report_policy, source_of
from ..screen.verdict import original_verdict
from ..i18n import _

REPORT_NAME = "report.json"
STATE_NAME = "state.sqlite"  # a batch's default state file: it names each row's thumbnail


class NotAReport(ValueError):
    """The folder holds no readable report.json."""


@dataclass
class Photo:
    """One row, with both verdicts."""

    path: str
    sha256: str | None
    width: int | None
    height: int | None
    verdict: str  # the original's
    reasons: list[str]
    copy: str | None  # the safe copy's path in the copies folder, None when there is none
    copy_verdict: str | None
    copy_reasons: list[str]
    withheld: str | None  # why no copy was written
    findings: list[dict]
    covered: list[dict]
    crop: list[int] | None
    error: str | None
    redacted: bool  # the row comes from a redaction (a copy was to be made)
    thumb: str | None = None  # relative to the report folder
    turned: int = 0  # degrees clockwise the copy was turned upright
    kinds: frozenset[str] = field(default_factory=frozenset)
    # the copy was made again by hand in the review app: by whom, the covers a person drew, the tool's
    # covers dismissed as not a face, whether its re-screen was clean (``fixes.py``); None otherwise
    fixed: dict | None = None
    video: bool = False  # a video row (``"media": "video"``): its copy is played and shown as a strip of frames
    duration: float | None = None  # a video's length in seconds
    review: list[list[int]] = field(default_factory=list)  # ``redaction.review``: possible faces left to a person

    @property
    def hand_drawn(self) -> list[dict]:
        """The covers of ``covered`` a person drew (the others are the tool's)."""
        return list((self.fixed or {}).get("hand") or [])

    @property
    def folder(self) -> str:
        parent = PurePosixPath(self.path).parent.as_posix()
        return "" if parent == "." else parent


def _read_only(path: Path) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    try:
        return sqlite3.connect(path.as_uri() + "?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None


class ReportFolder:
    def __init__(self, root: Path) -> None:
        if not (root / REPORT_NAME).is_file():
            raise NotAReport(_("{root} holds no {REPORT_NAME}: give the --out folder of a scan, redact "
                               "or batch run").format(
                                 root=root, REPORT_NAME=REPORT_NAME))
        self.out = OwnedFolder(root)
        self.root = self.out.root
        self.lock = threading.Lock()
        self._stamp: tuple | None = None
        self.refresh()

    # --- loading -------------------------------------------------------------------------------
    def _stamps(self) -> tuple:
        def stamp(p: Path):
            try:
                st = p.stat()
                return st.st_mtime_ns, st.st_size
            except OSError:
                return None
        copies = self.copies_root() if self._stamp is not None else None
        return stamp(self.root / REPORT_NAME), stamp(copies / MANIFEST_NAME) if copies else None

    def refresh(self) -> bool:
        """Read report.json again when it (or the copies' manifest) changed; True when it did."""
        with self.lock:
            stamp = self._stamps()
            if stamp == self._stamp:
                return False
            raw = (self.root / REPORT_NAME).read_bytes()
            try:
                document = json.loads(raw)
                images = document["images"]
            except (ValueError, KeyError, TypeError) as exc:
                raise NotAReport(_("{report} is not a photoscreen report ({exc})").format(
                                     report=self.root / REPORT_NAME, exc=exc)) from None
            self.document = document
            self.report_id = hashlib.sha256(raw).hexdigest()
            self.run: dict[str, Any] = document.get("run") or {}
            self.policy = report_policy(document)
            self.photos = [self._photo(r) for r in images]
            self.by_path = {p.path: p for p in self.photos}
            self._copy_hashes = self._read_manifest()
            self._add_thumbs()
            self._stamp = self._stamps()
            return True

    def _photo(self, r: dict) -> Photo:
        redaction = r.get("redaction")
        findings = r.get("findings") or []
        verdict, reasons = original_verdict(r, self.policy)
        copy = redaction.get("output") if redaction else None
        return Photo(
            path=r["path"], sha256=r.get("sha256"), width=r.get("width"), height=r.get("height"),
            verdict=verdict, reasons=list(reasons), copy=copy,
            copy_verdict=r["verdict"] if copy else None, copy_reasons=list(r["reasons"]) if copy else [],
            withheld=redaction.get("withheld") if redaction else None,
            findings=findings, covered=list(redaction.get("covered", [])) if redaction else [],
            crop=redaction.get("crop") if redaction else None, error=r.get("error"),
            redacted=redaction is not None, turned=int(redaction.get("turned") or 0) if redaction else 0,
            kinds=frozenset(f["kind"] for f in findings), fixed=redaction.get("fixed") if redaction else None,
            video=r.get("media") == "video", duration=r.get("duration"),
            review=[list(b) for b in (redaction.get("review") or [])] if redaction else [])

    def copies_root(self) -> Path | None:
        """Where the safe copies are: the run's --redact-to folder, or the report folder itself
        (``photoscreen redact`` writes both there)."""
        if self.run.get("copies"):
            return Path(self.run["copies"])
        return self.root if any(p.redacted for p in self.photos) else None

    def _read_manifest(self) -> dict[str, str]:
        copies = self.copies_root()
        db = _read_only(copies / MANIFEST_NAME) if copies else None
        if db is None:
            return {}
        try:
            return dict(db.execute("SELECT rel, sha256 FROM copies").fetchall())
        except sqlite3.Error:
            return {}
        finally:
            db.close()

    def _add_thumbs(self) -> None:
        db = _read_only(self.root / STATE_NAME)
        if db is None:
            return
        try:
            from ..runs.work import THUMB_NAME

            for path, thumb in db.execute("SELECT path, thumb FROM photos WHERE thumb IS NOT NULL"):
                photo = self.by_path.get(path)
                if photo is not None and THUMB_NAME.match(thumb):
                    photo.thumb = thumb
        except sqlite3.Error:
            pass
        finally:
            db.close()

    # --- files behind a row ------------------------------------------------------------------
    def copy_rel(self, photo: Photo) -> str | None:
        """Where the photo's safe copy is (or would be) in the copies folder."""
        if not photo.redacted:
            return None
        from ..redaction.names import output_name

        return photo.copy or output_name(photo.path)[0]

    def copy_sha256(self, photo: Photo) -> str | None:
        """The SHA-256 of the copy of ours now in the copies folder (from our manifest), or None."""
        rel = self.copy_rel(photo)
        return self._copy_hashes.get(rel) if rel else None

    def note_copy(self, rel: str, sha256: str) -> None:
        """A copy was made again here: remember its hash without waiting for a reload."""
        self._copy_hashes[rel] = sha256

    def original_file(self, photo: Photo) -> Path | None:
        where = source_of(photo.path, self.run)
        if where is None or not where[0].is_dir():
            return None
        return _inside(where[0], where[1])

    def copy_file(self, photo: Photo) -> Path | None:
        copies, rel = self.copies_root(), self.copy_rel(photo)
        if not rel or copies is None or not copies.is_dir():
            return None
        return _inside(copies, rel)

    def thumbs(self) -> dict[str, str]:
        """Each row's thumbnail, relative to the report folder (for report.html)."""
        return {p.path: p.thumb for p in self.photos if p.thumb}

    def thumb_file(self, photo: Photo) -> Path | None:
        return _inside(self.root, photo.thumb) if photo.thumb else None


def _inside(root: Path, rel: str) -> Path | None:
    """``root/rel`` if it is a regular file really inside ``root`` (see ``OwnedFolder.path``)."""
    try:
        path = OwnedFolder(root).path(rel)
    except OutsideOwnedFolder:
        return None
    return path if path.is_file() else None
