"""The names of safe copies: a copy keeps its photo's name and format where it can (``output_name``),
two photos never share a copy and a name too long for the copies folder is shortened
(``copy_names``); and the rule that the copies folder lies outside the inputs."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath

from ..i18n import _
from ..media.video import is_video_path
from ..owned import NAME_MAX
from ..screen.photo import Candidate


def video_output_name(rel: str) -> tuple[str, str]:
    """The copy's relative path and container: MP4, MOV, M4V and WebM keep theirs, AVI becomes MP4."""
    suffix = Path(rel).suffix.lower()
    if suffix in (".mp4", ".m4v"):
        return rel, "mp4"
    if suffix == ".mov":
        return rel, "mov"
    if suffix == ".webm":
        return rel, "webm"
    return rel + ".mp4", "mp4"


# Suffixes kept as they are; other formats (HEIC, AVIF, TIFF, GIF, BMP) get a suffix added.
KEEP_FORMAT = {".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".jfif": "JPEG", ".png": "PNG", ".webp": "WEBP"}


LOSSLESS = {".gif", ".bmp"}


class UnsafeOutput(ValueError):
    """The output folder would mix copies with originals."""


def output_name(rel: str) -> tuple[str, str]:
    """The copy's usual relative path for a photo, and the format it is written in. A run gives each
    photo its copy's name with ``copy_names`` (this one, unless it is taken or too long); the format
    of a copy is ``output_name(copy)[1]`` (a copy's name always ends with its format's suffix)."""
    suffix = Path(rel).suffix.lower()
    if is_video_path(rel):
        return video_output_name(rel)
    if suffix in KEEP_FORMAT:
        return rel, KEEP_FORMAT[suffix]
    return (rel + ".png", "PNG") if suffix in LOSSLESS else (rel + ".jpg", "JPEG")


def copy_names(rels: Iterable[str], name_max: int = NAME_MAX) -> dict[str, str]:
    """Each photo's copy name (relative path), unique by construction among the photos of a run.

    A copy is named as ``output_name`` says, except:
    - a name longer than the copies folder's file system takes (``name_max`` bytes; a 255-byte
      ``x.gif`` becomes ``x.gif.png``) is shortened: the start of the name, ``~`` and 8 hex digits of
      a hash of the full name, then the photo's suffix and the copy's (``yyyy~1a2b3c4d.gif.png``);
    - a name another photo's copy has, or a folder of copies has, gets a number before its suffix:
      ``y.gif`` and ``y.gif.png`` give ``y.gif (2).png`` and ``y.gif.png``. A photo whose copy keeps
      the photo's own name (JPEG, PNG, WebP, MP4, MOV, M4V, WebM) always keeps it, so names do not
      move from one run to the next as long as the photos are the same.
    The row gives the copy's name (``redaction.output``) and a reason says why it differs."""
    rels = sorted(set(rels))
    wanted = {rel: _fitting(rel, output_name(rel)[0], name_max) for rel in rels}
    folders = {parent.as_posix() for rel in rels for parent in PurePosixPath(rel).parents} - {"."}
    names: dict[str, str] = {rel: rel for rel in rels if wanted[rel] == rel and rel not in folders}
    taken = set(names.values())
    avoid = set(wanted.values()) | folders
    for rel in rels:
        if rel in names:
            continue
        name, n = wanted[rel], 2
        if name in taken or name in folders:
            default = output_name(rel)[0]
            while True:
                path = PurePosixPath(default)
                name = _fitting(rel, str(path.with_name(f"{path.stem} ({n}){path.suffix}")), name_max)
                if name not in taken and name not in avoid:
                    break
                n += 1
        names[rel] = name
        taken.add(name)
    return names


def _fitting(rel: str, name: str, name_max: int) -> str:
    """``name`` (the copy's path) with its file name shortened to ``name_max`` bytes when it is longer."""
    path = PurePosixPath(name)
    leaf = path.name
    if len(os.fsencode(leaf)) <= name_max:
        return name
    own = PurePosixPath(rel).name
    if leaf.startswith(own) and PurePosixPath(own).suffix:  # "x.gif" + ".png": keep ".gif.png"
        tail = PurePosixPath(own).suffix + leaf[len(own):]
    else:
        tail = path.suffix
    head = os.fsencode(leaf[:len(leaf) - len(tail)])
    mark = "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:8]
    room = max(0, name_max - len(os.fsencode(mark + tail)))
    cut = head[:room]
    while cut and len(cut) < len(head) and (head[len(cut)] & 0xC0) == 0x80:  # not inside a UTF-8 character
        cut = cut[:-1]
    return str(path.with_name(os.fsdecode(cut) + mark + tail))


def with_copy_names(candidates: list[Candidate], name_max: int = NAME_MAX) -> list[Candidate]:
    """The candidates, each with the name of its copy for this run (``copy_names``)."""
    names = copy_names([c.rel for c in candidates], name_max)
    return [replace(c, copy=names[c.rel]) for c in candidates]


def renamed_reason(rel: str, copy: str, name_max: int = NAME_MAX) -> str | None:
    """Why the copy of ``rel`` is not called what ``output_name`` says, or None when it is."""
    default = output_name(rel)[0]
    if copy == default:
        return None
    if len(os.fsencode(PurePosixPath(default).name)) > name_max:
        return _("copy named {copy}: {default} is longer than the copies folder takes ({n} bytes)").format(
            copy=copy, default=default, n=name_max)
    return _("copy named {copy}: {default} is the name of another photo's copy (or of a folder of copies)").format(
        copy=copy, default=default)


def check_output_folder(out: Path, inputs: list[Path]) -> None:
    """Refuse an output folder that is, holds or lies inside an input folder (a file's folder counts):
    copies would land among the originals, or be screened again as inputs."""
    out_r = Path(os.path.realpath(out))
    for path in inputs:
        folder = Path(os.path.realpath(path if path.is_dir() else path.parent))
        if out_r == folder or folder in out_r.parents or out_r in folder.parents:
            raise UnsafeOutput(_("--out {out} overlaps the input folder {folder}: choose a folder "
                                 "outside the inputs").format(
                                   out=out, folder=folder))
