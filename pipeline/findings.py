"""Core types: what a stage finds in a photo, and the per-photo report built from it.

Every box is ``(x, y, w, h)`` in integer pixels of the *upright* original, that is after the
EXIF orientation has been applied by the loader. Stages that rescale or rotate for speed map
their boxes back before returning them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from .i18n import N_, Nn_, _


class Verdict(str, enum.Enum):
    """Per-photo outcome, most severe first (``error`` is never ``ok``)."""

    BLOCK = "block"
    REVIEW = "review"
    OK = "ok"
    ERROR = "error"


@dataclass(frozen=True)
class Kind:
    """One kind of finding or cover: the single place every module reads what a kind is.

    ``severity``: the verdict it brings on its own (None where rules decide: faces by setting and
    size, captions by category, an empty GPS block is only review). ``found``: a stage reports it
    (``clothing_text`` is only ever a cover). ``covered``: a safe copy covers it; ``text``: it is
    sensitive text (painted solid, read again in the copy). ``kept``: a copy's row still carries it
    (covering does not change it). ``later_frames``: in a video it is looked for again after the
    first frame it is seen on. ``quality``: a video's per-frame quality, judged over the whole clip.
    ``label`` and ``counted`` (what a copy covers, singular and plural) are English messages,
    translated where they are shown.
    """

    name: str
    label: str
    counted: tuple[str, str] | None = None
    severity: Verdict | None = None
    found: bool = True
    covered: bool = False
    text: bool = False
    kept: bool = False
    later_frames: bool = False
    quality: bool = False


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("face", N_("face"), Nn_("{n} face", "{n} faces"), covered=True, later_frames=True),
    Kind("student_id", N_("student ID"), Nn_("{n} student ID", "{n} student IDs"), severity=Verdict.BLOCK,
         covered=True, text=True, later_frames=True),
    Kind("grade", N_("grade"), Nn_("{n} grade", "{n} grades"), severity=Verdict.BLOCK, covered=True, text=True,
         later_frames=True),
    Kind("name", N_("name"), Nn_("{n} name", "{n} names"), severity=Verdict.BLOCK, covered=True, text=True, later_frames=True),
    Kind("barcode", N_("barcode"), Nn_("{n} barcode", "{n} barcodes"), severity=Verdict.REVIEW, covered=True, text=True,
         later_frames=True),
    Kind("clothing_text", N_("clothing text"), Nn_("{n} clothing text", "{n} clothing texts"), found=False,
         covered=True),
    Kind("blur", N_("blur"), severity=Verdict.REVIEW, kept=True, quality=True),
    Kind("exposure", N_("exposure"), severity=Verdict.REVIEW, kept=True, quality=True),
    Kind("orientation", N_("orientation"), severity=Verdict.REVIEW, kept=True),
    Kind("aspect", N_("shape"), severity=Verdict.REVIEW, kept=True),
    Kind("gps", N_("GPS position"), severity=Verdict.BLOCK),
    Kind("metadata", N_("metadata"), severity=Verdict.REVIEW),
    Kind("frames", N_("frames"), severity=Verdict.REVIEW),
    Kind("caption", N_("caption"), kept=True),
)}


def kind_label(name: str) -> str:
    """A kind of finding or cover as a person reads it, in the language in use (``Kind.label``); a name
    not in KINDS as it is."""
    return _(KINDS[name].label) if name in KINDS else name


FINDING_KINDS = tuple(k.name for k in KINDS.values() if k.found)
COVERED_KINDS = tuple(k.name for k in KINDS.values() if k.covered and k.found)
SENSITIVE_TEXT = tuple(k.name for k in KINDS.values() if k.text)
KEPT_KINDS = tuple(k.name for k in KINDS.values() if k.kept)
LATER_FRAME_KINDS = frozenset(k.name for k in KINDS.values() if k.later_frames)
QUALITY_KINDS = tuple(k.name for k in KINDS.values() if k.quality)

# what a caption finding is about (pipeline/stages/captions.py)
CAPTION_CATEGORIES = ("name", "tag", "population", "student_id", "grade")


@dataclass(frozen=True)
class Box:
    """Axis-aligned box in upright-original pixels."""

    x: int
    y: int
    w: int
    h: int

    def __post_init__(self) -> None:
        if self.w <= 0 or self.h <= 0:
            raise ValueError(f"box must have positive size, got w={self.w} h={self.h}")

    @classmethod
    def from_xyxy(cls, x1: float, y1: float, x2: float, y2: float, width: int, height: int) -> Box:
        """Round a float ``x1, y1, x2, y2`` box outward and clip it to the image."""
        ix1 = max(0, int(x1))
        iy1 = max(0, int(y1))
        ix2 = min(width, int(-(-x2 // 1)))
        iy2 = min(height, int(-(-y2 // 1)))
        return cls(ix1, iy1, max(1, ix2 - ix1), max(1, iy2 - iy1))

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]

    def overlap(self, other: Box) -> int:
        """Area (pixels) shared with ``other``."""
        ix = max(0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        return ix * iy

    def gap(self, other: Box) -> tuple[int, int]:
        """Empty space between the two boxes across and down (0 where they overlap on that axis)."""
        dx = max(0, max(self.x, other.x) - min(self.x + self.w, other.x + other.w))
        dy = max(0, max(self.y, other.y) - min(self.y + self.h, other.y + other.h))
        return dx, dy

    @classmethod
    def enclosing(cls, boxes) -> Box:
        """The smallest box holding all ``boxes``."""
        x1, y1 = min(b.x for b in boxes), min(b.y for b in boxes)
        x2, y2 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
        return cls(x1, y1, x2 - x1, y2 - y1)

    def iou(self, other: Box) -> float:
        return iou_xyxy((self.x, self.y, self.x + self.w, self.y + self.h),
                        (other.x, other.y, other.x + other.w, other.y + other.h))


def iou_xyxy(a, b) -> float:
    """Intersection over union of two ``x1, y1, x2, y2`` boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class Finding:
    """One thing a stage found. ``box`` is None for whole-image findings (blur, gps, ...).

    Kind-specific fields stay None when they do not apply and are then left out of the report.
    ``hint`` is a *masked* hint for text findings: the recognised text itself never goes here.
    """

    kind: str
    box: Box | None
    score: float
    detector: str = ""
    why: str = ""
    identifiable: bool | None = None
    hint: str | None = None
    rotate_cw: int | None = None
    frame: int | None = None  # the frame or page it was found on (0 = first), for multi-frame files
    category: str | None = None  # caption findings: one of CAPTION_CATEGORIES
    source: str | None = None  # caption findings: "caption" (the post's text) or the metadata field
    t: float | None = None  # videos: the time of ``frame`` in seconds from the start

    def __post_init__(self) -> None:
        if self.kind not in FINDING_KINDS:
            raise ValueError(f"unknown finding kind {self.kind!r}; expected one of {FINDING_KINDS}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be within [0, 1], got {self.score}")
        if self.rotate_cw not in (None, 90, 180, 270):
            raise ValueError(f"rotate_cw must be 90, 180 or 270, got {self.rotate_cw}")
        if (self.kind == "caption") != (self.category is not None) or \
                self.category not in (None, *CAPTION_CATEGORIES):
            raise ValueError(f"a caption finding, and only one, has a category of {CAPTION_CATEGORIES}; "
                             f"got kind {self.kind!r} with category {self.category!r}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        """The finding a report's ``to_dict`` form describes."""
        return cls(d["kind"], Box(*d["box"]) if d.get("box") else None, d["score"], d.get("detector", ""),
                   d.get("why", ""), d.get("identifiable"), d.get("hint"), d.get("rotate_cw"), d.get("frame"),
                   d.get("category"), d.get("source"), d.get("t"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "box": self.box.as_list() if self.box else None,
            "score": round(float(self.score), 4),
        }
        for name in ("identifiable", "detector", "why", "hint", "rotate_cw", "frame", "t", "category", "source"):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value
        return out


@dataclass(frozen=True)
class Covered:
    """One area a redacted copy covers: what was there, where (upright original), and how."""

    kind: str
    box: Box
    mode: str
    frames: tuple[int, int] | None = None  # videos: first and last frame covered (``box`` encloses them all)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "box": self.box.as_list(), "mode": self.mode}
        if self.frames is not None:
            out["frames"] = list(self.frames)
        return out


@dataclass(frozen=True)
class Redaction:
    """What ``photoscreen redact`` did with one photo. ``output`` is the copy's path relative to
    the output folder, or None when no copy was written (``withheld`` then says why)."""

    output: str | None
    covered: tuple[Covered, ...] = ()
    crop: Box | None = None
    passes: int = 0
    withheld: str | None = None
    turned: int = 0  # degrees clockwise the copy was turned (the screen found the photo sideways)
    size: tuple[int, int] | None = None  # the copy's width and height
    ready: str = ""  # what was done beyond covering: turned, cut to the platform's shape, scaled
    # possible faces left uncovered for a person to look at (a copy made again by hand in the review
    # app: only a low-score re-check detector saw them and a second look found no face), in the
    # upright original's pixels
    review: tuple[Box, ...] = ()
    # possible faces the redaction ruled out itself, with why (too small to recognise once posted, no
    # face on a closer look): never handed to a person (pipeline/redaction/face_check.py's ``settle``)
    ruled_out: tuple[tuple[Box, str], ...] = ()
    # --crop hands found no crop worth posting (why): the copy covers the faces instead
    no_crop: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "output": self.output,
            "covered": [c.to_dict() for c in self.covered],
            "crop": self.crop.as_list() if self.crop else None,
            "passes": self.passes,
            "withheld": self.withheld,
        }
        if self.output is not None and self.size is not None:
            out.update(turned=self.turned, size=list(self.size))
        if self.review:
            out["review"] = [b.as_list() for b in self.review]
        if self.ruled_out:
            out["ruled_out"] = [{"box": b.as_list(), "why": why} for b, why in self.ruled_out]
        if self.no_crop:
            out["no_crop"] = self.no_crop
        return out


@dataclass(frozen=True)
class ImageReport:
    """Everything the report says about one file."""

    path: str
    verdict: Verdict
    sha256: str | None = None
    width: int | None = None
    height: int | None = None
    exif_orientation: int | None = None
    reasons: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    error: str | None = None
    seconds: float = 0.0
    redaction: Redaction | None = None
    video: VideoInfo | None = None  # set for a video (``"media": "video"``); width/height are its frame size

    def __post_init__(self) -> None:
        if (self.verdict is Verdict.ERROR) != (self.error is not None):
            raise ValueError("an error row needs an error message, and only an error row has one")

    def to_dict(self) -> dict[str, Any]:
        out = {
            "path": self.path,
            "sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "exif_orientation": self.exif_orientation,
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "findings": [f.to_dict() for f in self.findings],
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }
        if self.redaction is not None:
            out["redaction"] = self.redaction.to_dict()
        if self.video is not None:
            out.update(self.video.to_dict())
        return out


@dataclass(frozen=True)
class VideoInfo:
    """What the report says of a video beside its frame size: length, frame rate, frames, sound."""

    duration: float | None = None  # seconds (None: unknown, on an error row)
    fps: float | None = None
    frames: int | None = None  # frames in the video (decoded, or as the container states them)
    audio: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"media": "video"}
        for name, value in (("duration", self.duration), ("fps", self.fps), ("frames", self.frames),
                            ("audio", self.audio)):
            if value is not None:
                out[name] = round(value, 3) if isinstance(value, float) else value
        return out
