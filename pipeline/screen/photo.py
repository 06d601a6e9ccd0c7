"""The screen of one photo: every stage on its pixels and metadata, then the verdict.

``Screener`` holds the policy and the loaded models and screens one ``Candidate`` at a time (a video
goes to ``pipeline/screen/video.py``); ``config_key`` says what a stored result depends on.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .. import __version__
from ..stages import faces, metadata, orientation, platform_fit, quality
from ..text import stage as text
from ..stages.captions import check as check_caption
from ..findings import LATER_FRAME_KINDS, Finding, ImageReport, Verdict
from ..media.loader import LoadedImage, LoadError, load_bytes, load_image, other_frames
from ..media.video import is_video_path
from ..models import MANIFEST_PATH
from ..policy import Policy
from ..i18n import _
from .verdict import decide, decide_video

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
    LATER_FRAME_KINDS = LATER_FRAME_KINDS

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
        if is_video_path(candidate.path):  # one row per video (pipeline/screen/video.py), read from its path
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
        from .video import screen_video

        screen = screen_video(self, candidate.path, candidate.rel)
        if candidate.rel in self.captions and screen.report.verdict is not Verdict.ERROR:
            findings = screen.report.findings + tuple(check_caption(self.captions[candidate.rel], self.policy))
            verdict, reasons = decide_video(list(findings), self.policy)
            screen.report = replace(screen.report, verdict=verdict, reasons=reasons, findings=findings)
        return screen.report, screen.first, screen


def config_key(policy: Policy) -> str:
    """What a stored result depends on: photoscreen's version, the policy's values, the contents of
    the roster and of the model manifest (which holds every model's SHA-256), and Tesseract's version."""
    models = hashlib.sha256(MANIFEST_PATH.read_bytes()).hexdigest()[:16]
    roster = hashlib.sha256(Path(policy.text.roster).read_bytes()).hexdigest()[:16] if policy.text.roster else "-"
    try:
        import tesserocr

        tesseract = tesserocr.tesseract_version().split()[1]
    except Exception:  # pragma: no cover - the text stage reports a missing Tesseract itself
        tesseract = "?"
    return f"{__version__}|{policy.fingerprint()}|{models}|roster:{roster}|tesseract:{tesseract}"
