"""Screening a folder: walk it, load each photo once, run the stages, decide the verdict.

A file that cannot be read or decoded becomes an ``error`` row and the batch goes on; an
unexpected failure inside a stage does the same (fail closed: never ``ok``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from ..stages import faces, metadata, orientation, platform_fit, quality
from ..text import stage as text
from ..stages.captions import check as check_caption
from ..findings import Finding, ImageReport, Verdict
from ..media.loader import LoadedImage, LoadError, is_image_path, load_bytes, load_image, other_frames
from ..policy import Policy
from ..review.verdict import decide
from ..media.video import is_video_path
from ..i18n import _

Stage = Callable[[LoadedImage, Policy], list[Finding]]

# The stages, in order. Each takes the upright photo and the policy and returns findings.
STAGES: tuple[tuple[str, Stage], ...] = (
    ("faces", faces.stage),
    ("text", text.stage),
    ("metadata", metadata.stage),
    ("quality", quality.stage),
    ("orientation", orientation.stage),
    ("platform", platform_fit.stage),
)


@dataclass(frozen=True)
class Candidate:
    """A file to screen: where it is, and the path the report shows for it. ``copy``: the name of its
    safe copy in this run (``redact``, ``batch --redact-to``; pipeline/redaction/copies.py copy_names)."""

    path: Path
    rel: str
    copy: str | None = None


@dataclass
class WalkResult:
    candidates: list[Candidate]
    skipped: list[str]  # every other file, and every link to a folder (counted as one)
    linked_folders: list[str] = field(default_factory=list)  # links to folders met in the walk: not followed


def _real(path: Path) -> Path:
    """The real path, symbolic links resolved; never raises (a link loop stays as it is and its
    file becomes an error row when it is read)."""
    return Path(os.path.realpath(path))


def _labels(roots: list[Path]) -> list[str]:
    """How the report names each root: nothing for a single folder, the file name for a single file;
    with several roots, each one's path from the folder that holds them all, so that two inputs
    called ``photos`` (or two files called ``x.jpg``) never share a name in the report."""
    if len(roots) == 1:
        return ["" if roots[0].is_dir() else roots[0].name]
    real = [_real(r) for r in roots]
    common = Path(os.path.commonpath([r.parent for r in real]))
    return [r.relative_to(common).as_posix() if r != common else r.name for r in real]


def walk(roots: list[Path], exclude: list[Path] | None = None) -> WalkResult:
    """Every file under ``roots`` (recursively, sorted). Files with an image extension become
    candidates; the rest are counted as skipped. ``exclude`` folders (our own thumbnails) are left
    out. A file reached twice (a root given twice) is listed once; every row has its own name.

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

    for root, label in zip(roots, _labels(roots)):
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
            for name in sorted(filenames):
                path = here / name
                rel = path.relative_to(root).as_posix()
                add(path, f"{label}/{rel}" if label else rel)
    return result


class Screener:
    """Holds the policy and the loaded models; screens one photo at a time.

    Every frame or page of a multi-frame file is screened, up to ``general.max_frames``: the first
    by every stage, the later ones by the stages that look for faces and text (a blurry middle frame
    of an animation is no reason to review it; the metadata is the file's, read once). Findings carry
    the frame they were found on; a file with more frames than were screened gets a "frames" finding.
    """

    # stages about the file rather than its pixels: run once, their findings carry no frame
    FILE_STAGES = frozenset({"metadata"})
    # stages whose findings only matter on the first frame (quality, shape): not run on later ones
    FIRST_FRAME_STAGES = frozenset({"quality", "orientation", "platform"})
    # what a later frame is screened for
    LATER_FRAME_KINDS = frozenset({"face", "student_id", "grade", "name", "barcode"})

    def __init__(self, policy: Policy, stages: tuple[tuple[str, Stage], ...] = STAGES,
                 captions: dict[str, str] | None = None) -> None:
        self.policy = policy
        self.stages = stages
        self.captions = captions or {}  # report path -> the post's text (``scan --captions``)
        # load models now: a missing model stops the run before the batch starts
        faces.warm_up()
        text.warm_up()

    def screen(self, candidate: Candidate) -> ImageReport:
        return self.screen_keep_image(candidate)[0]

    def screen_keep_image(self, candidate: Candidate, data: bytes | None = None) -> tuple[ImageReport, LoadedImage | None]:
        """The report, and the decoded photo when there is one (its first frame, for thumbnails).
        ``data``: the file's content when it was read elsewhere (``batch --send-files``)."""
        if is_video_path(candidate.path):  # one row per video (pipeline/media/video.py), read from its path
            return self.screen_video(candidate)[:2]
        start = time.perf_counter()
        general = self.policy.general
        try:
            image = (load_image(candidate.path, general.max_pixels, general.max_file_bytes) if data is None
                     else load_bytes(data, general.max_pixels))
        except LoadError as exc:
            return ImageReport(candidate.rel, Verdict.ERROR, error=str(exc),
                               seconds=time.perf_counter() - start), None

        def failed(message: str) -> tuple[ImageReport, LoadedImage]:
            return ImageReport(
                candidate.rel, Verdict.ERROR, sha256=image.sha256, width=image.width,
                height=image.height, exif_orientation=image.exif_orientation,
                error=message, seconds=time.perf_counter() - start), image

        multi = image.frame_count > 1
        findings: list[Finding] = []
        for name, stage in self.stages:
            try:
                found = stage(image, self.policy)
            except Exception as exc:  # fail closed: a stage that breaks makes the photo an error
                return failed(_("the {stage} stage failed ({what}); the photo was not screened").format(
                    stage=name, what=type(exc).__name__))
            if multi and name not in self.FILE_STAGES:
                found = [replace(f, frame=image.frame) for f in found]
            findings.extend(found)
        if multi:
            later = [(name, stage) for name, stage in self.stages
                     if name not in self.FILE_STAGES | self.FIRST_FRAME_STAGES]
            try:
                for frame in other_frames(image, general.max_frames, general.max_pixels):
                    for name, stage in later:
                        try:
                            found = stage(frame, self.policy)
                        except Exception as exc:  # fail closed, as on the first frame
                            return failed(_("the {stage} stage failed on frame {k} of {n} ({what}); the photo "
                                            "was not screened").format(stage=name, k=frame.frame + 1,
                                                                       n=image.frame_count, what=type(exc).__name__))
                        findings.extend(replace(f, frame=frame.frame) for f in found
                                        if f.kind in self.LATER_FRAME_KINDS)
            except LoadError as exc:  # a frame that does not decode: never skipped, the file is an error
                return failed(_("{why}; the other frames were not all screened").format(why=exc))
            if image.frame_count > general.max_frames:
                findings.append(Finding(
                    "frames", None, 1.0, detector="loader",
                    why=_("{n} frames or pages; only the first {limit} were screened (policy "
                          "general.max_frames)").format(n=image.frame_count, limit=general.max_frames)))
        if candidate.rel in self.captions:
            findings += check_caption(self.captions[candidate.rel], self.policy)
        verdict, reasons = decide(findings, self.policy)
        return ImageReport(
            path=candidate.rel, verdict=verdict, sha256=image.sha256, width=image.width,
            height=image.height, exif_orientation=image.exif_orientation, reasons=reasons,
            findings=tuple(findings), seconds=time.perf_counter() - start), image

    def screen_video(self, candidate: Candidate):
        """A video's report, its first frame (thumbnails) and what the redaction needs of the screen."""
        from ..media.video import decide_video, screen_video

        screen = screen_video(self, candidate.path, candidate.rel)
        if candidate.rel in self.captions and screen.report.verdict is not Verdict.ERROR:
            findings = screen.report.findings + tuple(check_caption(self.captions[candidate.rel], self.policy))
            verdict, reasons = decide_video(list(findings), self.policy)
            screen.report = replace(screen.report, verdict=verdict, reasons=reasons, findings=findings)
        return screen.report, screen.first, screen


def exit_code(verdicts: list[str]) -> int:
    """0 all ok; 1 some review or block; 3 some file could not be screened (wins over 1)."""
    found = set(verdicts)
    if Verdict.ERROR.value in found:
        return 3
    if found & {Verdict.BLOCK.value, Verdict.REVIEW.value}:
        return 1
    return 0
