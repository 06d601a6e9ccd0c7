"""The folders photoscreen writes into, and the one rule for every write and delete in them.

An ``OwnedFolder`` is an output folder we own (the report folder, the safe copies folder). Every
path in it is checked before it is written or deleted: a relative path with no ``..``, whose real
path (symbolic links resolved) lies inside the folder's real path, and which is not itself a
symbolic link. So a link planted in the folder, pointing into the photo folder or anywhere else,
and a state row saying ``../victim/x.jpg``, are refused, never followed.

Deleting is stricter still: the copies we write are listed, with their SHA-256, in a manifest
inside the folder (``.photoscreen-copies.sqlite``), and a file is deleted only when its content is
the content we wrote there. Anything else is left in place and the caller is told.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import tempfile
import time
from pathlib import Path, PurePosixPath

from ..models import sha256_file
from ..i18n import _

MANIFEST_NAME = ".photoscreen-copies.sqlite"
TEMP_PREFIX = ".photoscreen-"
TEMP_SUFFIX = ".tmp"
_OUR_TEMPORARY = re.compile(r"^\.photoscreen-[A-Za-z0-9_]{8}\.tmp$")  # tempfile's 8 random characters


class OutsideOwnedFolder(ValueError):
    """A write or delete that would land outside the folder we own, or through a link."""


def atomic_write(dest: Path, data: bytes) -> None:
    """Write to a temporary file beside ``dest`` (a short name, so long file names still fit),
    fsync, then rename over ``dest``: readers see the old file or the new one, never half of one.
    The file is created with the usual permissions (the umask decides), not 0600."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class OwnedFolder:
    """An output folder of ours. ``root`` is created when missing and kept as its real path."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve(strict=True)
        self._manifest: sqlite3.Connection | None = None

    # --- paths ---------------------------------------------------------------------------------
    def path(self, rel: str) -> Path:
        """The real path for ``rel`` inside the folder. Raises OutsideOwnedFolder for an absolute
        path, a ``..``, a path whose folders lead out through a link, or a final link."""
        if not rel or "\0" in rel:
            raise OutsideOwnedFolder(_("refused an empty or invalid path {rel!r}").format(rel=rel))
        pure = PurePosixPath(rel)
        if pure.is_absolute() or any(part in ("..", ".", "") for part in pure.parts) or rel.startswith("/"):
            raise OutsideOwnedFolder(_("refused {rel!r}: not a plain path inside {root}").format(
                                         rel=rel, root=self.root))
        parent = Path(os.path.realpath((self.root / pure).parent))  # links in the folders are followed here...
        if parent != self.root and self.root not in parent.parents:  # ...and must stay inside
            raise OutsideOwnedFolder(_("refused {rel!r}: it leads out of {root} (through a symbolic "
                                       "link)").format(
                                         rel=rel, root=self.root))
        target = parent / pure.name
        if target.is_symlink():
            raise OutsideOwnedFolder(_("refused {rel!r}: it is a symbolic link in {root}; photoscreen "
                                       "never writes or deletes through links").format(
                                         rel=rel, root=self.root))
        return target

    def write(self, rel: str, data: bytes) -> Path:
        """Write ``data`` at ``rel`` atomically; the folders on the way are created."""
        dest = self.path(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest = self.path(rel)  # checked again: the folders now exist
        atomic_write(dest, data)
        return dest

    # --- the manifest of our copies ------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        if self._manifest is None:
            path = self.path(MANIFEST_NAME)
            db = sqlite3.connect(path, timeout=60)
            db.execute("CREATE TABLE IF NOT EXISTS copies (rel TEXT PRIMARY KEY, sha256 TEXT NOT NULL, "
                       "written_at REAL NOT NULL)")
            columns = {row[1] for row in db.execute("PRAGMA table_info(copies)")}
            for column in ("source_sha256", "config", "outcome"):  # added since: older manifests get them
                if column not in columns:
                    db.execute(f"ALTER TABLE copies ADD COLUMN {column} TEXT")
            db.commit()
            self._manifest = db
        return self._manifest

    def write_copy(self, rel: str, data: bytes) -> Path:
        """Write a copy of ours and list it, with its SHA-256, in the manifest."""
        dest = self.write(rel, data)
        db = self._db()
        db.execute("INSERT OR REPLACE INTO copies (rel, sha256, written_at) VALUES (?, ?, ?)",
                   (rel, hashlib.sha256(data).hexdigest(), time.time()))
        db.commit()
        return dest

    def note_written(self, rel: str, dest: Path) -> None:
        """List a copy of ours that was written straight to its place (a video, renamed from its temporary
        file) in the manifest, with its SHA-256."""
        db = self._db()
        db.execute("INSERT OR REPLACE INTO copies (rel, sha256, written_at) VALUES (?, ?, ?)",
                   (rel, sha256_file(dest), time.time()))
        db.commit()

    def note_source(self, rel: str, source_sha256: str, config: str, outcome: str) -> None:
        """Record what the copy at ``rel`` was made from (the original's SHA-256 and the settings)
        and what the run said of it (``outcome``, JSON), so a later run can keep it."""
        db = self._db()
        db.execute("UPDATE copies SET source_sha256 = ?, config = ?, outcome = ? WHERE rel = ?",
                   (source_sha256, config, outcome, rel))
        db.commit()

    def kept_outcome(self, rel: str, source_sha256: str, config: str) -> str | None:
        """The recorded outcome of the copy at ``rel`` when it is ours, unchanged, and was made from
        this original with these settings; None otherwise (the copy must be made again)."""
        if not self.path(rel).is_file() or not self.is_ours(rel):
            return None
        row = self._db().execute("SELECT source_sha256, config, outcome FROM copies WHERE rel = ?", (rel,)).fetchone()
        return row[2] if row and row[0] == source_sha256 and row[1] == config and row[2] else None

    def is_ours(self, rel: str) -> bool:
        """``rel`` holds exactly the content we last wrote there (or nothing is there)."""
        target = self.path(rel)
        if not target.exists():
            return True
        row = self._db().execute("SELECT sha256 FROM copies WHERE rel = ?", (rel,)).fetchone()
        return bool(row) and target.is_file() and sha256_file(target) == row[0]

    def remove_copy(self, rel: str) -> str | None:
        """Delete the copy at ``rel`` if it is ours. Returns None when it is gone (or was never
        there), else a sentence saying why it was left in place."""
        try:
            target = self.path(rel)
        except OutsideOwnedFolder as exc:
            return str(exc)
        if not target.exists():
            self._forget(rel)
            return None
        if not self.is_ours(rel):
            return (f"{rel} in {self.root} was not written by photoscreen (or was changed since): "
                    "left in place; remove it by hand if it should go")
        target.unlink()
        self._forget(rel)
        return None

    def _forget(self, rel: str) -> None:
        if self._manifest is not None or self.path(MANIFEST_NAME).exists():
            db = self._db()
            db.execute("DELETE FROM copies WHERE rel = ?", (rel,))
            db.commit()

    def clean_temporaries(self) -> int:
        """Remove temporary files a killed run of ours left behind; returns how many."""
        removed = 0
        for dirpath, dirnames, filenames in os.walk(self.root):  # links to folders are not followed
            for name in filenames:
                path = Path(dirpath) / name
                if _OUR_TEMPORARY.match(name) and not path.is_symlink() and path.is_file():
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def close(self) -> None:
        if self._manifest is not None:
            self._manifest.close()
            self._manifest = None
