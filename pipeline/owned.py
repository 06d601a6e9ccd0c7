"""The folders photoscreen writes into, and the one rule for every write and delete in them.

An ``OwnedFolder`` is an output folder we own (the report folder, the safe copies folder). Every
path in it is checked before it is written or deleted: a relative path with no ``..``, whose real
path (symbolic links resolved) lies inside the folder's real path, and which is not itself a
symbolic link. So a link planted in the folder, pointing into the photo folder or anywhere else,
and a state row saying ``../victim/x.jpg``, are refused, never followed.

Deleting is stricter still: the copies we write are listed, with their SHA-256, in a manifest
inside the folder (``.photoscreen-copies.sqlite``), and a file is deleted only when its content is
the content we wrote there. Anything else is left in place and the caller is told.

Temporary files (a file is written beside nothing: to a temporary file, then renamed into place) live
in a folder of ours at the top of the owned folder, ``.photoscreen-tmp/``, under short names (so a
255-byte file name still has its copy), and are locked (``flock``) by the process writing them.
Cleaning removes only the temporaries there that no live process holds (a run that was killed); a
file of the user's, wherever it is and whatever its name, is never a temporary of ours. The folder
is removed again when it is empty.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import sqlite3
import stat
import tempfile
import time
from pathlib import Path, PurePosixPath

from .models import sha256_file
from .i18n import _

MANIFEST_NAME = ".photoscreen-copies.sqlite"
TEMP_FOLDER = ".photoscreen-tmp"  # our temporaries, and nothing else, live in this folder at the top
TEMP_PREFIX = "ps-"
TEMP_SUFFIX = ".tmp"
_OUR_TEMPORARY = re.compile(r"^ps-[A-Za-z0-9_]{8}\.tmp$")  # tempfile's 8 random characters
NAME_MAX = 255  # bytes in one file name, when the file system does not say (ext4, XFS, Btrfs, NTFS: 255)


class OutsideOwnedFolder(ValueError):
    """A write or delete that would land outside the folder we own, or through a link."""


def umask() -> int:
    """The process's file mode creation mask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


class OwnedFolder:
    """An output folder of ours. ``root`` is created when missing and kept as its real path."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve(strict=True)
        self._manifest: sqlite3.Connection | None = None
        self._held: dict[Path, int] = {}  # our temporaries -> the descriptor holding their lock

    def name_max(self) -> int:
        """The longest file name (in bytes) the folder's file system takes."""
        try:
            return int(os.pathconf(self.root, "PC_NAME_MAX"))
        except (OSError, ValueError):
            return NAME_MAX

    def check_writable(self) -> None:
        """Make and remove a temporary file of ours: an output folder we cannot write into stops the run
        before any photo is screened, not after. Raises OSError naming the folder."""
        try:
            tmp = self.temporary()
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(self.root)) from None
        self.discard(tmp)

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
        """Write ``data`` at ``rel`` atomically: to a temporary file of ours, fsync, then renamed over
        ``rel``, so readers see the old file or the new one, never half of one. The folders on the way
        are created; the file gets the usual permissions (the umask decides), not 0600."""
        dest = self.path(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest = self.path(rel)  # checked again: the folders now exist
        tmp = self.temporary()
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fchmod(fh.fileno(), 0o666 & ~umask())
                os.fsync(fh.fileno())
            os.replace(tmp, dest)
        finally:
            self.discard(tmp)
        return dest

    # --- temporaries ---------------------------------------------------------------------------
    def _temp_folder(self) -> Path:
        folder = self.root / TEMP_FOLDER
        try:
            folder.mkdir()
        except FileExistsError:
            pass
        if folder.is_symlink() or not folder.is_dir():
            raise OutsideOwnedFolder(_("{path} is in the way of photoscreen's temporary folder (it is not a folder "
                                       "of ours): photoscreen leaves it untouched; move it away and run again").format(
                                         path=folder))
        return folder

    def temporary(self) -> Path:
        """A new, empty temporary file of ours (a short name in ``.photoscreen-tmp/``), locked until
        ``discard``: a cleaning run, ours or another one's, never removes it while we hold it.
        Rename it into place with ``os.replace`` (the owned folder is one file system)."""
        for attempt in range(10):
            try:
                fd, name = tempfile.mkstemp(dir=self._temp_folder(), prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
            except FileNotFoundError:  # another process removed the empty folder in between: make it again
                if attempt == 9:
                    raise
                continue
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_nlink == 0:  # a cleaning run took it before our lock: take another
                os.close(fd)
                continue
            path = Path(name)
            self._held[path] = fd
            return path
        raise OSError(errno.EAGAIN, _("could not make a temporary file"), str(self.root / TEMP_FOLDER))

    def discard(self, tmp: Path) -> None:
        """Remove a temporary of ours (when it was not renamed into place) and let go of its lock; the
        temporary folder goes too when nothing else is in it."""
        fd = self._held.pop(tmp, None)
        try:
            if fd is not None and tmp.exists() and os.path.samestat(os.fstat(fd), os.lstat(tmp)):
                tmp.unlink()
        finally:
            if fd is not None:
                os.close(fd)
            self._remove_temp_folder_if_empty()

    def _remove_temp_folder_if_empty(self) -> None:
        try:
            (self.root / TEMP_FOLDER).rmdir()
        except OSError:  # not empty (another process writes), already gone, or not ours: left as it is
            pass

    # --- the manifest of our copies ------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        if self._manifest is None:
            path = self.path(MANIFEST_NAME)
            db = sqlite3.connect(path, timeout=60)
            db.execute("CREATE TABLE IF NOT EXISTS copies (rel TEXT PRIMARY KEY, sha256 TEXT NOT NULL, "
                       "written_at REAL NOT NULL)")
            columns = {row[1] for row in db.execute("PRAGMA table_info(copies)")}
            for column in ("source_sha256", "config", "outcome", "source"):  # added since: older manifests get them
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

    def publish(self, tmp: Path, rel: str) -> Path:
        """Move a finished temporary file (``temporary``) to ``rel``: the mode a new file of ours gets,
        its bytes on disk first, then renamed into place in one step, and listed in the manifest."""
        dest = self.path(rel)
        os.chmod(tmp, 0o666 & ~umask())
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
        self.note_written(rel, dest)
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

    def note_copy_of(self, rel: str, source: str) -> None:
        """Record whose copy ``rel`` is: the photo's path as the report gives it (a copy's name can
        differ from its photo's: a suffix added, a number when the name was taken, a shortened name)."""
        db = self._db()
        db.execute("UPDATE copies SET source = ? WHERE rel = ?", (source, rel))
        db.commit()

    def copy_sources(self) -> dict[str, str | None]:
        """Every copy listed in the manifest and the photo (report path) it was made from, when recorded."""
        if self._manifest is None and not self.path(MANIFEST_NAME).exists():
            return {}
        return dict(self._db().execute("SELECT rel, source FROM copies").fetchall())

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
        """Remove the temporary files a killed run of ours left behind in our temporary folder (those
        no live process holds locked); returns how many. Nothing outside that folder is looked at."""
        folder = self.root / TEMP_FOLDER
        if folder.is_symlink() or not folder.is_dir():
            return 0
        removed = 0
        for path in folder.iterdir():
            if not _OUR_TEMPORARY.match(path.name):
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:  # a link, or gone already
                continue
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    continue
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:  # held: a run that is writing it now
                    continue
                if os.path.samestat(st, os.lstat(path)):
                    path.unlink()
                    removed += 1
            except OSError:
                continue
            finally:
                os.close(fd)
        self._remove_temp_folder_if_empty()
        return removed

    def close(self) -> None:
        for tmp in list(self._held):
            self.discard(tmp)
        if self._manifest is not None:
            self._manifest.close()
            self._manifest = None
