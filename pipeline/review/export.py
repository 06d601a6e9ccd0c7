"""``photoscreen export``: copy the approved photos out of a report folder, all at once.

Each approved photo's safe copy (the original itself only for a report with no safe copies, from
``scan``) is read, checked to be byte for byte what was approved (its SHA-256), and written into a
new folder beside FOLDER; that folder is then renamed to FOLDER, so FOLDER holds the whole export or
does not exist. Photos never decided, rejected, changed since they were approved, or whose copy was
withheld are left out and listed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import N_, _
from ..runs.owned import OwnedFolder, _umask
from ..redaction.copies import UnsafeOutput, check_output_folder
from .folder import ReportFolder
from .listing import Listing


class ExportRefused(ValueError):
    """FOLDER cannot receive the export (it holds files, or lies among the report's folders)."""


@dataclass
class ExportResult:
    copied: list[tuple[str, str]] = field(default_factory=list)  # (row path, file written in FOLDER)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (row path, why)


def plan(listing: Listing) -> tuple[list[tuple[str, Path, str, str]], list[tuple[str, str]]]:
    """(row path, file to copy, name in the export, SHA-256 approved) for each approved photo, and
    the photos left out with the reason."""
    folder = listing.folder
    state = listing.state()
    todo, left_out = [], []
    for photo in folder.photos:
        decision = listing.decision(photo, state[0])
        stale = state[0].get((photo.path, photo.sha256))
        if decision is None:
            why = (N_("changed since it was decided: decide again") if stale is not None
                   else N_("could not be screened") if photo.error else N_("never decided"))
            left_out.append((photo.path, why))
        elif decision.decision != "approve":
            left_out.append((photo.path, N_("rejected")))
        elif photo.redacted:
            source = folder.copy_file(photo)
            if source is None or decision.copy_sha256 is None:
                left_out.append((photo.path, N_("approved, but it has no safe copy: add or remove covers in the review "
                                                "app to make one, then approve it")))
            else:
                todo.append((photo.path, source, folder.copy_rel(photo), decision.copy_sha256))
        else:
            source = folder.original_file(photo)
            if source is None:
                left_out.append((photo.path, N_("approved, but the original is not where the report says")))
            else:
                todo.append((photo.path, source, photo.path, photo.sha256))
    return todo, left_out


def export(folder: ReportFolder, listing: Listing, to: Path) -> ExportResult:
    to = Path(os.path.abspath(to))
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise ExportRefused(_("{to} already exists and is not an empty folder: choose a new folder").format(
                                to=to))
    inputs = [Path(i["path"]) for i in folder.run.get("inputs", [])]
    try:
        check_output_folder(to, [folder.root] + ([folder.copies_root()] if folder.copies_root() else []) + inputs)
    except UnsafeOutput as exc:
        raise ExportRefused(str(exc).replace("--out", "--to").replace("input folder", "report's folder")) from None
    todo, left_out = plan(listing)
    result = ExportResult(left_out=left_out)
    to.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=to.parent, prefix=f".{to.name}.photoscreen-"))
    try:
        staged = OwnedFolder(work)
        for path, source, name, sha256 in todo:
            data = source.read_bytes()
            if hashlib.sha256(data).hexdigest() != sha256:
                result.left_out.append((path, N_("its file changed since it was approved: decide again")))
                continue
            staged.write(name, data)
            result.copied.append((path, name))
        os.chmod(work, 0o777 & ~_umask())
        if to.exists():
            to.rmdir()  # empty, checked above
        os.rename(work, to)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result

