"""Screening a folder: walk it, load each photo once, run the stages, decide the verdict.

A file that cannot be read or decoded becomes an ``error`` row and the batch goes on; an
unexpected failure inside a stage does the same (fail closed: never ``ok``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import faces, metadata, orientation, platform_fit, quality, text
from .findings import Finding, ImageReport, Verdict
from .loader import LoadedImage, LoadError, is_image_path, load_image
from .policy import Policy
from .verdict import decide

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
    """A file to screen: where it is, and the path the report shows for it."""

    path: Path
    rel: str


@dataclass
class WalkResult:
    candidates: list[Candidate]
    skipped: list[str]


def walk(roots: list[Path], exclude: list[Path] | None = None) -> WalkResult:
    """Every file under ``roots`` (recursively, sorted). Files with an image extension become
    candidates; the rest are counted as skipped. ``exclude`` folders (our own output) are left out."""
    excluded = {p.resolve() for p in exclude or []}
    result = WalkResult([], [])
    prefix_roots = len(roots) > 1
    for root in roots:
        if root.is_file() or not root.is_dir():
            rel = root.name
            (result.candidates.append(Candidate(root, rel)) if is_image_path(root)
             else result.skipped.append(rel))
            continue
        label = root.resolve().name if prefix_roots else ""
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            dirnames[:] = sorted(d for d in dirnames if (here / d).resolve() not in excluded)
            for name in sorted(filenames):
                path = here / name
                rel = path.relative_to(root).as_posix()
                rel = f"{label}/{rel}" if label else rel
                (result.candidates.append(Candidate(path, rel)) if is_image_path(path)
                 else result.skipped.append(rel))
    return result


class Screener:
    """Holds the policy and the loaded models; screens one photo at a time."""

    def __init__(self, policy: Policy, stages: tuple[tuple[str, Stage], ...] = STAGES) -> None:
        self.policy = policy
        self.stages = stages
        # load models now: a missing model stops the run before the batch starts
        faces.warm_up()
        text.warm_up()

    def screen(self, candidate: Candidate) -> ImageReport:
        return self.screen_keep_image(candidate)[0]

    def screen_keep_image(self, candidate: Candidate) -> tuple[ImageReport, LoadedImage | None]:
        """The report, and the decoded photo when there is one (for thumbnails)."""
        start = time.perf_counter()
        try:
            image = load_image(candidate.path, self.policy.general.max_pixels)
        except LoadError as exc:
            return ImageReport(candidate.rel, Verdict.ERROR, error=str(exc),
                               seconds=time.perf_counter() - start), None
        findings: list[Finding] = []
        for name, stage in self.stages:
            try:
                findings.extend(stage(image, self.policy))
            except Exception as exc:  # fail closed: a stage that breaks makes the photo an error
                return ImageReport(
                    candidate.rel, Verdict.ERROR, sha256=image.sha256, width=image.width,
                    height=image.height, exif_orientation=image.exif_orientation,
                    error=f"the {name} stage failed ({type(exc).__name__}); the photo was not screened",
                    seconds=time.perf_counter() - start), image
        verdict, reasons = decide(findings, self.policy)
        return ImageReport(
            path=candidate.rel, verdict=verdict, sha256=image.sha256, width=image.width,
            height=image.height, exif_orientation=image.exif_orientation, reasons=reasons,
            findings=tuple(findings), seconds=time.perf_counter() - start), image


def exit_code(verdicts: list[str]) -> int:
    """0 all ok; 1 some review or block; 3 some file could not be screened (wins over 1)."""
    found = set(verdicts)
    if Verdict.ERROR.value in found:
        return 3
    if found & {Verdict.BLOCK.value, Verdict.REVIEW.value}:
        return 1
    return 0
