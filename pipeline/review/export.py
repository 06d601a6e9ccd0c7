"""``photoscreen export``: write the approved photos out of a report folder, all at once.

Nothing leaves as the original's bytes. For a report with safe copies, each approved photo's copy
is read, checked to be byte for byte what was approved (its SHA-256) and to carry no metadata, and
written. For a report with none (``scan``), the approved original is decoded, checked to be the
photo screened (its SHA-256), and its pixels written anew: upright (EXIF orientation applied), in
sRGB, with no metadata at all (no EXIF, GPS, XMP, IPTC, comments or colour profile), with the
redaction's own encoder. A photo whose exported file is blocked (the copy's verdict, or for a scan
the photo's) goes out only when its approval was an override with a reason (``approve anyway`` in
the review app) *and* the export is run with ``--include-blocked``; the summary counts them.

Everything is written into a new folder beside FOLDER, which is then renamed to FOLDER, so FOLDER
holds the whole export or does not exist. Photos never decided, rejected, changed since they were
approved, blocked without an override, or whose copy was withheld are left out and listed.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from ..i18n import N_, _
from ..media.loader import LoadError, decode_image, load_image
from ..media.video import is_video_path
from ..redaction.names import UnsafeOutput, check_output_folder, output_name
from ..redaction.core import encode
from ..owned import OwnedFolder, umask
from .folder import ReportFolder
from .listing import Listing


class ExportRefused(ValueError):
    """FOLDER cannot receive the export (it holds files, is a link, or lies among the report's folders)."""


class ExportFailed(RuntimeError):
    """FOLDER could not be written (no permission, disk full): the message says which."""


@dataclass
class ExportResult:
    copied: list[tuple[str, str]] = field(default_factory=list)  # (row path, file written in FOLDER)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (row path, why)
    overridden: list[tuple[str, str]] = field(default_factory=list)  # (row path, the reason it was approved anyway)


@dataclass(frozen=True)
class Item:
    """One file to write: the row, the file it is made from, its name in FOLDER, the SHA-256 approved,
    whether it is a safe copy (written as it is) or an original (its pixels written anew), and the
    override's reason when the file is blocked."""

    path: str
    source: Path
    name: str
    sha256: str
    copy: bool
    override: str | None = None


def plan(listing: Listing, include_blocked: bool = False) -> tuple[list[Item], list[tuple[str, str]]]:
    """The files to write for the approved photos, and the photos left out with the reason."""
    folder = listing.folder
    decisions, fixes, _seen, _dismissed = listing.state()
    todo, left_out = [], []
    for photo in folder.photos:
        decision = listing.decision(photo, decisions)
        stale = decisions.get((photo.path, photo.sha256))
        if decision is None:
            why = (N_("changed since it was decided: decide again") if stale is not None
                   else N_("could not be screened") if photo.error else N_("never decided"))
            left_out.append((photo.path, why))
            continue
        if decision.decision != "approve":
            left_out.append((photo.path, N_("rejected")))
            continue
        override = None
        if listing.exported_verdict(photo, listing.fix(photo, fixes)) == "block":
            if not decision.override:
                left_out.append((photo.path, N_("blocked, and approved without an override: approve it anyway in the "
                                                "review app, with the reason")))
                continue
            if not include_blocked:
                left_out.append((photo.path, N_("blocked, approved anyway: export with --include-blocked to "
                                                "include it")))
                continue
            override = decision.note
        if photo.redacted:
            source = folder.copy_file(photo)
            if source is None or decision.copy_sha256 is None:
                left_out.append((photo.path, N_("approved, but it has no safe copy: add or remove covers in the review "
                                                "app to make one, then approve it")))
            else:
                todo.append(Item(photo.path, source, folder.copy_rel(photo), decision.copy_sha256, True, override))
        elif is_video_path(photo.path):
            left_out.append((photo.path, N_("a video is exported only as a safe copy: make one with `photoscreen "
                                            "redact` or `batch --redact-to`, review it, then export that report")))
        else:
            source = folder.original_file(photo)
            if source is None:
                left_out.append((photo.path, N_("approved, but the original is not where the report says")))
            else:
                todo.append(Item(photo.path, source, output_name(photo.path)[0], photo.sha256, False, override))
    return todo, left_out


def _srgb(pixels: np.ndarray, icc: bytes) -> np.ndarray:
    """The pixels in sRGB, so that no colour profile need go with them."""
    if not icc:
        return pixels
    try:
        from PIL import ImageCms

        converted = ImageCms.profileToProfile(Image.fromarray(pixels), ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                              ImageCms.createProfile("sRGB"), outputMode="RGB")
        return np.asarray(converted, dtype=np.uint8)
    except Exception:  # a profile littleCMS cannot read: the pixels as they are
        return pixels


def _carries_metadata(data: bytes, max_pixels: int) -> bool:
    image = decode_image(data, max_pixels)
    return bool(len(image.exif) or image.xmp or image.iptc or image.comments)


def render_file(item: Item, folder: ReportFolder) -> tuple[bytes | None, str | None]:
    """The bytes to write for ``item``, or None and why it is left out."""
    general = folder.policy.general
    if item.copy:
        data = item.source.read_bytes()
        if hashlib.sha256(data).hexdigest() != item.sha256:
            return None, N_("its file changed since it was approved: decide again")
        try:
            if not is_video_path(item.name) and _carries_metadata(data, general.max_pixels):
                return None, N_("its safe copy carries metadata: make the copy again, then approve it")
        except LoadError:
            return None, N_("its safe copy does not decode: make the copy again, then approve it")
        return data, None
    try:
        image = load_image(item.source, general.max_pixels, general.max_file_bytes)
    except LoadError:
        return None, N_("the original cannot be read any more")
    if image.sha256 != item.sha256:
        return None, N_("its file changed since it was approved: decide again")
    return encode(_srgb(image.pixels, image.icc_profile), output_name(item.path)[1], b"",
                  folder.policy.redact.jpeg_quality), None


def _check_destination(to: Path) -> None:
    if os.path.islink(to):
        target = os.readlink(to)
        state = "" if os.path.exists(to) else _(" (which does not exist)")
        raise ExportRefused(_("{to} is a symbolic link to {target}{state}: photoscreen never writes through links; "
                              "give --to the path of a new folder").format(to=to, target=target, state=state))
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise ExportRefused(_("{to} already exists and is not an empty folder: choose a new folder").format(
                                to=to))


def _cannot_write(to: Path, exc: OSError) -> ExportFailed:
    where = exc.filename or to.parent
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        message = _("cannot write the export at {to}: no permission to write in {where} ({why}); choose a --to "
                    "folder in a place you can write to").format(to=to, where=where, why=exc.strerror)
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        message = _("cannot write the export at {to}: the disk is full ({why}); free some space or choose "
                    "another --to").format(to=to, why=exc.strerror)
    else:
        message = _("cannot write the export at {to}: {where}: {why}").format(to=to, where=where,
                                                                           why=exc.strerror or exc)
    return ExportFailed(message)


def export(folder: ReportFolder, listing: Listing, to: Path, include_blocked: bool = False) -> ExportResult:
    to = Path(os.path.abspath(to))
    try:
        _check_destination(to)
    except PermissionError as exc:
        raise _cannot_write(to, exc) from None
    inputs = [Path(i["path"]) for i in folder.run.get("inputs", [])]
    try:
        check_output_folder(to, [folder.root] + ([folder.copies_root()] if folder.copies_root() else []) + inputs)
    except UnsafeOutput as exc:
        raise ExportRefused(str(exc).replace("--out", "--to").replace("input folder", "report's folder")) from None
    todo, left_out = plan(listing, include_blocked)
    result = ExportResult(left_out=left_out)
    try:
        to.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=to.parent, prefix=f".{to.name}.photoscreen-"))
    except OSError as exc:
        raise _cannot_write(to, exc) from None
    try:
        staged = OwnedFolder(work)
        names: set[str] = set()
        for item in todo:
            if item.name in names:
                result.left_out.append((item.path, N_("another approved photo is exported under the same name")))
                continue
            data, why = render_file(item, folder)
            if data is None:
                result.left_out.append((item.path, why))
                continue
            staged.write(item.name, data)
            names.add(item.name)
            result.copied.append((item.path, item.name))
            if item.override is not None:
                result.overridden.append((item.path, item.override))
        os.chmod(work, 0o777 & ~umask())
        _check_destination(to)  # again: nothing may have been put there meanwhile
        if to.exists():
            to.rmdir()  # empty, checked above
        os.rename(work, to)
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _cannot_write(to, exc) from None
        raise
    return result

