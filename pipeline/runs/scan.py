"""Walking the folders to screen: every photo and video becomes a ``Candidate`` (the screen of one is
``pipeline/screen/photo.py``), every other file is counted as skipped; and the exit code of a run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Verdict
from ..media.loader import is_image_path
from ..media.video import is_video_path
from ..report.run_info import input_labels
from ..screen.photo import Candidate
from .work import THUMB_NAME


@dataclass
class WalkResult:
    candidates: list[Candidate]
    skipped: list[str]  # every other file, and every link to a folder (counted as one)
    linked_folders: list[str] = field(default_factory=list)  # links to folders met in the walk: not followed


def _real(path: Path) -> Path:
    """The real path, symbolic links resolved; never raises (a link loop stays as it is and its
    file becomes an error row when it is read)."""
    return Path(os.path.realpath(path))


def walk(roots: list[Path], exclude: list[Path] | None = None) -> WalkResult:
    """Every file under ``roots`` (recursively, sorted). Files with an image extension become
    candidates; the rest are counted as skipped. ``exclude`` folders (our own thumbnails) are left
    out, and so are the thumbnails of any other report folder met on the way (named as ours, in a
    ``thumbs/`` beside a report.json: an earlier scan or batch with its --out inside the photos).
    A file reached twice (a root given twice) is listed once; every row has its own name.

    A symbolic link to a folder met inside a root is not followed (it could lead anywhere: outside the
    folder given, or round in a loop); it counts as one skipped entry and is listed in
    ``linked_folders`` so that the command can say so. A root given as a link is walked: that folder
    was asked for."""
    excluded = {_real(p) for p in exclude or []}
    result = WalkResult([], [])
    seen: set[Path] = set()
    names: set[str] = set()

    def add(path: Path, rel: str) -> None:
        real = _real(path)
        if real in seen and not path.is_symlink():
            return
        seen.add(real)
        unique, n, suffix = rel, 2, Path(rel).suffix
        while unique in names:  # "x (2).jpg": the suffix stays last, so the copy keeps its format
            unique, n = f"{rel[:len(rel) - len(suffix)]} ({n}){suffix}", n + 1
        names.add(unique)
        (result.candidates.append(Candidate(path, unique)) if is_image_path(path) or is_video_path(path)
         else result.skipped.append(unique))

    for root, label in zip(roots, input_labels(roots)):
        if root.is_file() or not root.is_dir():
            add(root, label)
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            links = sorted(d for d in dirnames if (here / d).is_symlink())
            for name in links:  # os.walk would not go in either; they are counted and named, not lost
                rel = (here / name).relative_to(root).as_posix()
                rel = f"{label}/{rel}" if label else rel
                result.skipped.append(rel)
                result.linked_folders.append(rel)
            dirnames[:] = sorted(d for d in dirnames if d not in links and _real(here / d) not in excluded)
            ours = here.name == "thumbs" and (here.parent / "report.json").is_file()
            for name in sorted(filenames):
                if ours and THUMB_NAME.match(f"thumbs/{name}"):
                    continue  # a thumbnail a scan or batch wrote for its report.html, not a photo
                path = here / name
                rel = path.relative_to(root).as_posix()
                add(path, f"{label}/{rel}" if label else rel)
    return result


def exit_code(verdicts: list[str]) -> int:
    """0 all ok; 1 some review or block; 3 some file could not be screened (wins over 1)."""
    found = set(verdicts)
    if Verdict.ERROR.value in found:
        return 3
    if found & {Verdict.BLOCK.value, Verdict.REVIEW.value}:
        return 1
    return 0
