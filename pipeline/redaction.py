"""``photoscreen redact``: write safe copies of photos, each checked again before it is published.

For each photo: screen it (the usual stages, faces at the lower ``redact.face_min_score``), cover
faces and sensitive text (``pipeline/redact.py`` paints), or crop to the hands (``--crop hands``),
encode the copy with no metadata but the colour profile, decode it again and screen the decoded
copy: the same stages plus two other face detectors at a low score. What they still find is covered
and the copy checked again, up to ``redact.max_passes``; a copy that is still not clean is not
written, and its row says why. Originals are only ever read.
"""

from __future__ import annotations

import io
import json
import os
import stat
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from . import copy_frame, faces, text
from .findings import Box, Covered, Finding, ImageReport, Redaction, Verdict, VideoInfo
from .loader import LoadedImage, LoadError, decode_image
from .platform_fit import PLATFORMS, aspect_findings
from .policy import Policy
from .redact import best_crop, cover, grow
from .metadata_text import revealing_icc
from .models import sha256_file
from .owned import OutsideOwnedFolder, OwnedFolder
from .scan import Candidate, Screener
from .verdict import decide
from .video import is_video_path

SENSITIVE_TEXT = ("student_id", "grade", "name", "barcode")
COVERED_KINDS = ("face",) + SENSITIVE_TEXT
# What a copy still carries from the original (the rest is covered, or stripped with the metadata).
KEPT_KINDS = ("blur", "exposure", "orientation", "aspect")
# Suffixes kept as they are; other formats (HEIC, AVIF, TIFF, GIF, BMP) get a suffix added.
KEEP_FORMAT = {".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".jfif": "JPEG", ".png": "PNG", ".webp": "WEBP"}
LOSSLESS = {".gif", ".bmp"}
KEPT_REASON = ("safe copy kept from an earlier run (the original and the settings are unchanged; --overwrite "
               "makes it again)")


class UnsafeOutput(ValueError):
    """The output folder would mix copies with originals."""


def output_name(rel: str) -> tuple[str, str]:
    """Relative path of the copy and the format it is written in."""
    suffix = Path(rel).suffix.lower()
    if is_video_path(rel):
        from .video_redact import output_name as video_output_name

        return video_output_name(rel)
    if suffix in KEEP_FORMAT:
        return rel, KEEP_FORMAT[suffix]
    return (rel + ".png", "PNG") if suffix in LOSSLESS else (rel + ".jpg", "JPEG")


def check_output_folder(out: Path, inputs: list[Path]) -> None:
    """Refuse an output folder that is, holds or lies inside an input folder (a file's folder counts):
    copies would land among the originals, or be screened again as inputs."""
    out_r = Path(os.path.realpath(out))
    for path in inputs:
        folder = Path(os.path.realpath(path if path.is_dir() else path.parent))
        if out_r == folder or folder in out_r.parents or out_r in folder.parents:
            raise UnsafeOutput(f"--out {out} overlaps the input folder {folder}: choose a folder outside the inputs")


def encode(pixels: np.ndarray, fmt: str, icc: bytes, quality: int) -> bytes:
    """The copy's file: pixels only (upright), the colour profile kept, no EXIF, XMP or IPTC."""
    buf = io.BytesIO()
    options: dict = {"icc_profile": icc} if icc else {}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = quality
    Image.fromarray(pixels).save(buf, fmt, **options)
    return buf.getvalue()


def crop_ratios(platform: str, width: int, height: int) -> list[float]:
    """Shapes a crop may take: the platform's accepted range, or for ``any`` the photo's own shape
    and the common ones."""
    rule = PLATFORMS[platform]
    if rule is None:
        return sorted({round(width / height, 4), 1.0, 0.8, 1.5})
    return sorted({rule.min_ratio, rule.max_ratio, min(rule.max_ratio, max(rule.min_ratio, 1.0))})


@dataclass(frozen=True)
class Leftover:
    """Something to cover: a face or sensitive text, where, and which detector saw it."""

    kind: str
    box: Box
    detector: str = ""


def merge_overlapping(found: list[Leftover], min_iou: float = 0.3) -> list[Leftover]:
    """One box per face: detections of the same kind that overlap are replaced by their union."""
    merged: list[Leftover] = []
    for item in found:
        for i, other in enumerate(merged):
            if other.kind == item.kind and other.box.iou(item.box) >= min_iou:
                a, b = other.box, item.box
                x1, y1 = min(a.x, b.x), min(a.y, b.y)
                x2, y2 = max(a.x + a.w, b.x + b.w), max(a.y + a.h, b.y + b.h)
                merged[i] = Leftover(other.kind, Box(x1, y1, x2 - x1, y2 - y1), other.detector)
                break
        else:
            merged.append(item)
    return merged


class Redactor:
    """Holds the policy and the models; redacts one photo at a time into ``out``."""

    def __init__(self, policy: Policy, out: Path, crop: str | None = None, overwrite: bool = False) -> None:
        self.policy = policy
        # screening for redaction covers faces down to the lower redact.face_min_score
        self.screen_policy = replace(policy, faces=replace(policy.faces, min_score=policy.redact.face_min_score))
        self.screener = Screener(self.screen_policy)
        self.out = OwnedFolder(out)  # every copy is written (and removed) only inside it
        self.crop = crop
        self.overwrite = overwrite
        self._config: str | None = None
        faces._blazeface()
        if crop == "hands":
            from . import hands, people

            hands.warm_up()
            people.warm_up()

    # --- what to cover -------------------------------------------------------------------------
    def _wanted(self, finding: Finding) -> bool:
        if finding.kind in SENSITIVE_TEXT:
            return True
        return finding.kind == "face" and (self.policy.redact.faces == "all" or bool(finding.identifiable))

    def _cover_box(self, kind: str, box: Box, width: int, height: int) -> Box:
        if kind == "face":
            return grow(box, self.policy.redact.face_margin, width, height)
        # text: the margin is a share of the line height, on every side
        m = self.policy.redact.text_margin * box.h
        return Box.from_xyxy(box.x - m, box.y - m, box.x + box.w + m, box.y + box.h + m, width, height)

    def found(self, image: LoadedImage, findings: list[Finding] | None = None) -> list[Leftover]:
        """Faces and sensitive text in a photo, as the redaction sees them: the screening findings
        (computed when not given) plus the faces the two other detectors see."""
        if findings is None:
            findings = faces.stage(image, self.screen_policy) + text.stage(image, self.policy)
        out = [Leftover(f.kind, f.box, f.detector) for f in findings if f.box is not None and self._wanted(f)]
        r = self.policy.redact
        min_height = self.policy.faces.identifiable_min_height * image.width / self.policy.faces.posting_width
        for box, detector in faces.second_opinion(image.pixels, r.verify_min_score, r.verify_blazeface_min_score):
            if r.faces == "all" or box.h >= min_height:
                out.append(Leftover("face", box, detector))
        return merge_overlapping(out)

    # --- one photo -----------------------------------------------------------------------------
    def redact(self, candidate: Candidate) -> ImageReport:
        return self.redact_keep_image(candidate)[0]

    def redact_keep_image(self, candidate: Candidate) -> tuple[ImageReport, LoadedImage | None]:
        """The row for one photo (its copy written when it is safe), and the decoded original."""
        start = time.perf_counter()
        out_rel, fmt = output_name(candidate.rel)
        try:
            dest = self.out.path(out_rel)
        except OutsideOwnedFolder as exc:
            return ImageReport(candidate.rel, Verdict.ERROR, error=f"no copy written: {exc}"), None
        if dest.exists() and os.path.samefile(dest, candidate.path):  # check_output_folder prevents this
            return ImageReport(candidate.rel, Verdict.ERROR, error="the copy would replace the original; refused"), None
        if dest.exists() and not self.overwrite:
            kept = self._kept_copy(candidate, out_rel)
            if kept is not None:
                return replace(kept, seconds=time.perf_counter() - start), None
        if dest.exists() and not self.out.is_ours(out_rel):
            return ImageReport(candidate.rel, Verdict.ERROR, seconds=time.perf_counter() - start,
                               error=f"{out_rel} in the output folder was not written by photoscreen (or was "
                                     "changed since); not replaced: move it away and run again"), None
        if is_video_path(candidate.path):  # every frame covered (pipeline/video_redact.py)
            from .video_redact import redact_video

            return redact_video(self, candidate, out_rel, dest, start)
        report, image = self.screener.screen_keep_image(candidate)
        if image is None or report.verdict is Verdict.ERROR:
            return self._without_copy(report, out_rel), image
        try:
            # a multi-frame original becomes a copy of its first frame: only that frame's findings
            # place covers (frame None: a still photo, or the file's metadata)
            first = tuple(f for f in report.findings if f.frame in (None, image.frame))
            redaction = self._make_copy(image, first, out_rel, fmt, dest)
        except (LoadError, OSError, ValueError) as exc:
            return self._without_copy(replace(
                report, verdict=Verdict.ERROR, reasons=(), seconds=time.perf_counter() - start,
                error=f"the redacted copy could not be made ({type(exc).__name__}: {exc})"), out_rel), image
        if redaction.output is None:
            report = self._without_copy(report, out_rel)
        kept = [f for f in first if f.kind in KEPT_KINDS and not (f.kind == "orientation" and redaction.turned)
                and not (f.kind == "aspect" and (redaction.crop or redaction.size))]
        if redaction.size:  # the copy's own shape, as it will be posted
            kept += [replace(f, box=None) for f in aspect_findings(*redaction.size, self.policy.platform.name)]
        if redaction.output is None:
            verdict, reasons = Verdict.BLOCK, (f"no copy written: {redaction.withheld}",)
        else:
            verdict, reasons = decide(kept, self.policy)
            reasons = (_summary(redaction),) + reasons
            if image.frame_count > 1:
                reasons += (f"copy holds the {'first' if image.frame == 0 else 'primary image'} of "
                            f"{image.frame_count} frames only",)
        report = replace(report, verdict=verdict, reasons=reasons, redaction=redaction,
                         seconds=time.perf_counter() - start)
        if redaction.output is not None:
            outcome = {"verdict": verdict.value, "reasons": list(reasons), "redaction": redaction.to_dict(),
                       "width": report.width, "height": report.height, "exif_orientation": report.exif_orientation}
            self.out.note_source(out_rel, image.sha256, self.config, json.dumps(outcome))
        return report, image

    @property
    def config(self) -> str:
        """What a copy depends on: the screening's configuration (policy, roster, models, Tesseract)
        and the crop."""
        if self._config is None:
            from .batch import config_key

            self._config = f"{config_key(self.policy)}|crop:{self.crop}"
        return self._config

    def _kept_copy(self, candidate: Candidate, out_rel: str) -> ImageReport | None:
        """The row for a copy an earlier run made from this very original with these settings
        (it is kept as it is, not made again), or None."""
        try:
            st = os.stat(candidate.path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > self.policy.general.max_file_bytes:
                return None  # screening says what is wrong with it
            source = sha256_file(candidate.path)
        except OSError:
            return None
        outcome = self.out.kept_outcome(out_rel, source, self.config)
        if outcome is None:
            return None
        try:
            o = json.loads(outcome)
            r = o["redaction"]
            redaction = Redaction(r["output"], tuple(Covered(c["kind"], Box(*c["box"]), c["mode"],
                                                             tuple(c["frames"]) if c.get("frames") else None)
                                                     for c in r["covered"]),
                                  Box(*r["crop"]) if r["crop"] else None, r["passes"], turned=r.get("turned", 0),
                                  size=tuple(r["size"]) if r.get("size") else None)
            return ImageReport(candidate.rel, Verdict(o["verdict"]), sha256=source, width=o["width"],
                               height=o["height"], exif_orientation=o["exif_orientation"],
                               reasons=(KEPT_REASON,) + tuple(o["reasons"]), redaction=redaction,
                               video=VideoInfo(**{k: v for k, v in o["video"].items() if k != "media"})
                               if o.get("video") else None)
        except (ValueError, KeyError, TypeError):  # a damaged record: the copy is made again
            return None

    def _without_copy(self, report: ImageReport, out_rel: str) -> ImageReport:
        """No copy is written this time: an older copy of ours at that place must not stay (it shows
        what a new screen would now cover). A file there that is not ours is left, and the row says so."""
        left = self.out.remove_copy(out_rel)
        if left is None:
            return report
        if report.verdict is Verdict.ERROR:
            return replace(report, error=f"{report.error}; {left}")
        return replace(report, reasons=report.reasons + (left,))

    def _make_copy(self, image: LoadedImage, findings: tuple[Finding, ...], out_rel: str, fmt: str,
                   dest: Path) -> Redaction:
        w, h = image.width, image.height
        r = self.policy.redact
        # privacy first: cover what any of the three face detectors sees, not only what screening saw
        todo = [Covered(f.kind, self._cover_box(f.kind, f.box, w, h), r.face_mode if f.kind == "face" else "solid")
                for f in self.found(image, list(findings))]
        crop = None
        if self.crop == "hands":
            crop = self._hands_crop(image, todo)
            if crop is None:
                return Redaction(None, withheld="no crop at the platform's shape holds a hand or a person seen from "
                                                "behind without a face or sensitive text")
        pixels = image.pixels.copy()
        # ready to post: upright when the screen found the photo turned, at the platform's shape and size
        turn = next((f.rotate_cw for f in findings if f.kind == "orientation" and f.rotate_cw), 0)
        frame = copy_frame.plan(w, h, crop, turn, self.policy.platform.name)
        # the colour profile is kept for the colours, unless its own text names a student or an ID
        icc = b"" if revealing_icc(image.icc_profile, self.policy) else image.icc_profile
        rng = np.random.default_rng(int(image.sha256[:8], 16))
        done: list[Covered] = []
        for passes in range(1, r.max_passes + 1):
            for c in todo:
                cover(pixels, c.box, c.mode, rng)
            done += todo
            data = encode(frame.apply(pixels), fmt, icc, r.jpeg_quality)
            copy = decode_image(data, self.policy.general.max_pixels)
            if len(copy.exif) or copy.xmp or copy.iptc or copy.comments:  # cannot happen with encode(); checked all the same
                raise ValueError("metadata survived in the copy")
            # what the re-check sees in the copy, where it lies in the original (where covers are painted)
            left = [lo for lo in (replace(lo, box=frame.to_original(lo.box)) for lo in self.found(copy))
                    if not on_own_paint(lo, 0, 0, done)]
            if not left:
                self.out.write_copy(out_rel, data)
                return Redaction(out_rel, tuple(done), crop, passes, turned=frame.rotate_cw,
                                 size=(copy.width, copy.height), ready=frame.describe(self.policy.platform.name))
            # what the first covering missed is covered solid: a patch that still looks like a face
            # after pixelation would look like one again
            todo = [Covered(lo.kind, self._cover_box(lo.kind, lo.box, w, h), "solid") for lo in left]
        kinds = sorted({lo.kind for lo in left})
        return Redaction(None, tuple(done), crop, r.max_passes,
                         withheld=f"{', '.join(kinds)} still found after {r.max_passes} passes of covering")

    def _hands_crop(self, image: LoadedImage, covered: list[Covered]) -> Box | None:
        """The largest crop at the platform's shapes holding the most hands and people seen from
        behind, and none of the faces and text to cover (with their margins)."""
        from .hands import find_hands
        from .people import people_seen_from_behind

        forbidden = [c.box for c in covered]
        # a crop must hold the hand's landmarks (fingertips to wrist) and a little room around them
        wanted = find_hands(image.pixels, margin=0.05)
        wanted += people_seen_from_behind(image.pixels, [c.box for c in covered if c.kind == "face"])
        best = None
        for ratio in crop_ratios(self.policy.platform.name, image.width, image.height):
            box = best_crop(image.width, image.height, ratio, wanted, forbidden)
            if box is not None and (best is None or box.w * box.h > best.w * best.h):
                best = box
        return best


def on_own_paint(found: Leftover, ox: int, oy: int, done: list[Covered], share: float = 0.9) -> bool:
    """A detection in a copy that lies (nine tenths or more) on one of our own patches: on a solid
    patch no pixel of the photo is left; on a mosaic, BlazeFace sees a face in the blocks of what
    CenterFace no longer finds (a head-shaped blob 5 cells across, nothing to recognise). Those are
    not faces left showing. CenterFace on a mosaic still counts: the mosaic is then covered solid."""
    box = Box(found.box.x + ox, found.box.y + oy, found.box.w, found.box.h)
    return any(box.overlap(c.box) >= share * box.w * box.h for c in done
               if c.mode == "solid" or (c.mode == "pixelate" and found.detector == faces.BLAZEFACE_NAME))


def _summary(redaction: Redaction) -> str:
    counts: dict[str, int] = {}
    for c in redaction.covered:
        counts[c.kind] = counts.get(c.kind, 0) + 1
    parts = [f"{n} {kind.replace('_', ' ')}{'s' if n > 1 else ''}" for kind, n in counts.items()]
    what = ("covered " + ", ".join(parts)) if parts else "nothing to cover"
    crop = "cropped to hands or people seen from behind, " if redaction.crop else ""
    ready = f"; {redaction.ready}" if redaction.ready else ""
    return f"safe copy written ({crop}{what}{ready}; metadata removed; checked {redaction.passes}x)"

