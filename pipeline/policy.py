"""The policy: every threshold the stages use, read from TOML and validated at start-up.

Defaults and the reason for each live in ``default_policy.toml`` beside this file. A user's policy
file is laid over the defaults and only needs the keys it changes.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any
from .i18n import _
from .textfile import not_regular, not_regular_message, read_text

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.toml")
MAX_POLICY_BYTES = 1024 * 1024  # a policy is a few kB of settings; more is not a policy file
SETTINGS = ("classroom", "public_event")
PLATFORM_NAMES = ("any", "instagram", "instagram_story", "facebook", "x", "linkedin")


class PolicyError(ValueError):
    """The policy file is unreadable or holds an unknown key or a bad value."""


@dataclass(frozen=True)
class GeneralPolicy:
    setting: str
    max_pixels: int
    max_file_bytes: int
    max_frames: int

    def __post_init__(self) -> None:
        if self.setting not in SETTINGS:
            raise PolicyError(_("general.setting must be one of {SETTINGS}, got {setting!r}").format(
                                  SETTINGS=SETTINGS, setting=self.setting))
        _positive("general.max_pixels", self.max_pixels)
        _positive("general.max_file_bytes", self.max_file_bytes)
        _positive("general.max_frames", self.max_frames)


@dataclass(frozen=True)
class FacePolicy:
    min_score: float
    detect_long_side: int
    posting_width: int
    identifiable_min_height: float
    max_identifiable_yaw: float
    sharp_edge_sigma: float
    min_visible_fraction: float
    search_rotated: bool
    rotated_long_side: int
    rotated_min_score: float
    candidate_min_score: float
    candidate_min_skin: float
    closer_min_score: float

    def __post_init__(self) -> None:
        _fraction("faces.min_score", self.min_score)
        _fraction("faces.candidate_min_score", self.candidate_min_score)
        _fraction("faces.candidate_min_skin", self.candidate_min_skin)
        _fraction("faces.closer_min_score", self.closer_min_score)
        _positive("faces.detect_long_side", self.detect_long_side)
        _positive("faces.posting_width", self.posting_width)
        _positive("faces.identifiable_min_height", self.identifiable_min_height)
        _positive("faces.rotated_long_side", self.rotated_long_side)
        _fraction("faces.rotated_min_score", self.rotated_min_score)
        _positive("faces.sharp_edge_sigma", self.sharp_edge_sigma)
        _fraction("faces.min_visible_fraction", self.min_visible_fraction)
        if not 0.0 < self.max_identifiable_yaw <= 90.0:
            raise PolicyError(
                _("faces.max_identifiable_yaw must be in (0, 90] degrees, got {max_identifiable_yaw}").format(
                    max_identifiable_yaw=self.max_identifiable_yaw)
            )


@dataclass(frozen=True)
class QualityPolicy:
    blur_long_side: int
    blur_threshold: float
    blur_edge_threshold: float
    blur_severe: float
    blur_edge_severe: float
    motion_isotropy: float
    dark_p95: int
    clip_level: int
    max_clipped: float
    blown_min_p5: int

    def __post_init__(self) -> None:
        _positive("quality.blur_long_side", self.blur_long_side)
        _positive("quality.blur_threshold", self.blur_threshold)
        _fraction("quality.blur_edge_threshold", self.blur_edge_threshold)
        _positive("quality.blur_severe", self.blur_severe)
        _fraction("quality.blur_edge_severe", self.blur_edge_severe)
        _fraction("quality.motion_isotropy", self.motion_isotropy)
        _fraction("quality.max_clipped", self.max_clipped)
        for name in ("dark_p95", "clip_level", "blown_min_p5"):
            if not 0 < getattr(self, name) < 256:
                raise PolicyError(_("quality.{name} must be a grey level between 1 and 255").format(name=name))


@dataclass(frozen=True)
class OrientationPolicy:
    faces_long_side: int
    face_min_score: float
    face_min_votes: float
    face_min_share: float
    face_plurality_share: float
    text_long_side: int
    turned_text_long_side: int
    text_min_evidence: float
    text_max_lines: int
    text_min_confidence: float
    osd_min_confidence: float
    osd_timeout: float

    def __post_init__(self) -> None:
        _positive("orientation.faces_long_side", self.faces_long_side)
        _positive("orientation.text_long_side", self.text_long_side)
        _positive("orientation.turned_text_long_side", self.turned_text_long_side)
        _fraction("orientation.face_min_score", self.face_min_score)
        _fraction("orientation.face_min_share", self.face_min_share)
        _fraction("orientation.face_plurality_share", self.face_plurality_share)
        _positive("orientation.face_min_votes", self.face_min_votes)
        _positive("orientation.text_min_evidence", self.text_min_evidence)
        _positive("orientation.text_max_lines", self.text_max_lines)
        _fraction("orientation.text_min_confidence", self.text_min_confidence)
        _positive("orientation.osd_min_confidence", self.osd_min_confidence)
        _positive("orientation.osd_timeout", self.osd_timeout)


OCR_ENGINES = ("tesserocr", "pytesseract", "rapidocr", "both")  # "both": Tesseract and PP-OCR's recogniser


@dataclass(frozen=True)
class TextPolicy:
    detect_long_side: int
    min_text_height: float
    max_lines: int
    languages: str
    ocr_backend: str
    ocr_timeout: float
    min_score: float
    roster: str
    name_min_similarity: float
    barcodes: bool
    barcode_long_side: int

    def __post_init__(self) -> None:
        for name in ("detect_long_side", "min_text_height", "max_lines", "ocr_timeout", "barcode_long_side"):
            _positive(f"text.{name}", getattr(self, name))
        _fraction("text.min_score", self.min_score)
        if self.ocr_backend not in OCR_ENGINES:
            raise PolicyError(_("text.ocr_backend must be one of {engines}, got {ocr_backend!r}").format(
                                  engines=', '.join(OCR_ENGINES), ocr_backend=self.ocr_backend))
        if not 50 <= self.name_min_similarity <= 100:
            raise PolicyError(_("text.name_min_similarity must be 50-100, got {name_min_similarity}").format(
                                  name_min_similarity=self.name_min_similarity))
        what = not_regular(Path(self.roster)) if self.roster else None
        if what is not None:  # a FIFO or a device: never read
            raise PolicyError(not_regular_message(_("text.roster {roster}").format(roster=self.roster), what))
        if self.roster and not Path(self.roster).is_file():
            raise PolicyError(_("text.roster: no such file {roster}").format(roster=self.roster))


@dataclass(frozen=True)
class PlatformPolicy:
    name: str

    def __post_init__(self) -> None:
        if self.name not in PLATFORM_NAMES:
            raise PolicyError(_("platform.name must be one of {PLATFORM_NAMES}, got {name!r}").format(
                                  PLATFORM_NAMES=PLATFORM_NAMES, name=self.name))


@dataclass(frozen=True)
class RedactPolicy:
    faces: str
    face_mode: str
    face_min_score: float
    face_margin: float
    text_margin: float
    verify_min_score: float
    verify_blazeface_min_score: float
    max_passes: int
    jpeg_quality: int
    crop_min_short_side: int
    crop_min_share: float
    crop_min_subject: float
    crop_subject_margin: float
    crop_max_cover_share: float = 0.02
    crop_cover_gap: float = 1.0
    crop_ruled_out_margin: float = 0.1
    crop_blazeface_min_score: float = 0.4
    posted_long_side: int = 2048
    crop_min_small_share: float = 0.6
    crop_min_pixels: int = 240
    crop_max_subject: float = 0.7
    verify_long_side: int = 3072

    def __post_init__(self) -> None:
        _positive("redact.crop_min_short_side", self.crop_min_short_side)
        _positive("redact.posted_long_side", self.posted_long_side)
        _positive("redact.verify_long_side", self.verify_long_side)
        _fraction("redact.crop_min_share", self.crop_min_share)
        _fraction("redact.crop_min_small_share", self.crop_min_small_share)
        _positive("redact.crop_min_pixels", self.crop_min_pixels)
        _fraction("redact.crop_min_subject", self.crop_min_subject)
        _fraction("redact.crop_max_subject", self.crop_max_subject)
        if not 0.0 <= self.crop_subject_margin < 0.5:
            raise PolicyError(_("redact.crop_subject_margin must be at least 0 and below 0.5, not {value}").format(
                value=self.crop_subject_margin))
        _fraction("redact.crop_max_cover_share", self.crop_max_cover_share)
        _positive("redact.crop_cover_gap", self.crop_cover_gap)
        _fraction("redact.crop_ruled_out_margin", self.crop_ruled_out_margin)
        _fraction("redact.crop_blazeface_min_score", self.crop_blazeface_min_score)
        if self.faces not in ("all", "identifiable"):
            raise PolicyError(_("redact.faces must be all or identifiable, got {faces!r}").format(
                                  faces=self.faces))
        if self.face_mode not in ("pixelate", "solid", "blur"):
            raise PolicyError(_("redact.face_mode must be pixelate, solid or blur, got {face_mode!r}").format(
                                  face_mode=self.face_mode))
        _fraction("redact.face_min_score", self.face_min_score)
        _fraction("redact.verify_min_score", self.verify_min_score)
        _fraction("redact.verify_blazeface_min_score", self.verify_blazeface_min_score)
        if not 0.0 <= self.face_margin <= 1.0 or not 0.0 <= self.text_margin <= 1.0:
            raise PolicyError(_("redact.face_margin and redact.text_margin must be between 0 and 1"))
        _positive("redact.max_passes", self.max_passes)
        if not 50 <= self.jpeg_quality <= 100:
            raise PolicyError(_("redact.jpeg_quality must be 50-100, got {jpeg_quality}").format(
                                  jpeg_quality=self.jpeg_quality))


@dataclass(frozen=True)
class VideoPolicy:
    """Videos: sampling for the screen, tracking and re-checking for the redaction (``pipeline/media/video.py``)."""

    sample_fps: float
    scene_change: float
    text_fps: float
    max_seconds: float
    max_file_bytes: int
    detect_every: int
    keep_frames: int
    grow_per_frame: float
    verify_fps: float
    crf: int
    keep_audio: bool

    def __post_init__(self) -> None:
        for name in ("sample_fps", "scene_change", "text_fps", "max_seconds", "max_file_bytes", "detect_every",
                     "verify_fps"):
            _positive(f"video.{name}", getattr(self, name))
        if self.keep_frames < 0 or not 0.0 <= self.grow_per_frame <= 1.0:
            raise PolicyError(_("video.keep_frames must be 0 or more and video.grow_per_frame between "
                                "0 and 1"))
        if not 0 <= self.crf <= 51:
            raise PolicyError(_("video.crf must be 0-51, got {crf}").format(crf=self.crf))


TAG_VERDICTS = ("block", "review")


@dataclass(frozen=True)
class CaptionPolicy:
    """What a caption, a tag or alt text may not say (``pipeline/stages/captions.py``)."""

    populations: tuple[str, ...]
    near_student_populations: tuple[str, ...]
    extra_populations: tuple[str, ...]
    student_words: tuple[str, ...]
    organisation_words: tuple[str, ...]
    official_handles: tuple[str, ...]
    tag_verdict: str

    def __post_init__(self) -> None:
        if self.tag_verdict not in TAG_VERDICTS:
            raise PolicyError(_("captions.tag_verdict must be block or review, got {tag_verdict!r}").format(
                                  tag_verdict=self.tag_verdict))
        for name in ("populations", "near_student_populations", "extra_populations", "student_words",
                     "organisation_words", "official_handles"):
            for i, term in enumerate(getattr(self, name)):
                if not any(c.isalnum() for c in term):
                    raise PolicyError(_("captions.{name}[{i}] must hold a word, got {term!r}").format(
                                          name=name, i=i, term=term))
        if not self.populations:
            raise PolicyError(_("captions.populations is empty: add terms with "
                                "captions.extra_populations rather than emptying the list"))


@dataclass(frozen=True)
class Policy:
    general: GeneralPolicy
    faces: FacePolicy
    quality: QualityPolicy
    orientation: OrientationPolicy
    text: TextPolicy
    platform: PlatformPolicy
    redact: RedactPolicy
    captions: CaptionPolicy
    video: VideoPolicy

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def fingerprint(self) -> str:
        """Short stable hash of the effective policy (changes when any value changes)."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


_SECTIONS = {f.name: f.type for f in fields(Policy)}
_SECTION_CLASSES = {"general": GeneralPolicy, "faces": FacePolicy, "quality": QualityPolicy,
                    "orientation": OrientationPolicy, "text": TextPolicy, "platform": PlatformPolicy,
                    "redact": RedactPolicy, "captions": CaptionPolicy,
                    "video": VideoPolicy}


def _positive(name: str, value: float) -> None:
    if value <= 0:
        raise PolicyError(_("{name} must be positive, got {value}").format(name=name, value=value))


def _fraction(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise PolicyError(_("{name} must be between 0 and 1, got {value}").format(name=name, value=value))


def _strings(name: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(_("{name} must be a list of strings, got {name2} {value!r}").format(
                              name=name, name2=type(value).__name__, value=value))
    return tuple(value)


def _read_toml(path: Path) -> dict[str, Any]:
    """A policy file: a regular file (a FIFO or a device is refused, never waited on) of at most
    MAX_POLICY_BYTES, UTF-8 throughout (a byte-order mark is allowed; TOML is UTF-8, so a line in
    another encoding is refused with its number rather than guessed: see pipeline/textfile.py)."""
    where = _("policy file {path}").format(path=path)
    text = read_text(path, where, PolicyError, MAX_POLICY_BYTES, utf8_only=True)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(_("policy file {path} is not valid TOML: {exc}").format(path=path, exc=exc)) from exc


def _build_section(name: str, values: dict[str, Any]) -> Any:
    cls = _SECTION_CLASSES[name]
    expected = {f.name: f.type for f in fields(cls)}
    unknown = sorted(set(values) - set(expected))
    if unknown:
        raise PolicyError(_("unknown key(s) in [{name}]: {unknown}; known: {known}").format(
                              name=name, unknown=', '.join(unknown), known=', '.join(expected)))
    missing = sorted(set(expected) - set(values))
    if missing:
        raise PolicyError(_("missing key(s) in [{name}]: {missing}").format(name=name, missing=', '.join(missing)))
    converted = {}
    for key, type_name in expected.items():
        value = values[key]
        if type_name == "tuple[str, ...]":
            converted[key] = _strings(f"{name}.{key}", value)
            continue
        if type_name == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        python_type = {"int": int, "float": float, "str": str, "bool": bool}[type_name]
        if not isinstance(value, python_type) or (python_type is int and isinstance(value, bool)):
            raise PolicyError(_("{name}.{key} must be {type_name}, got {name2} {value!r}").format(
                                  name=name, key=key, type_name=type_name, name2=type(value).__name__, value=value))
        if python_type is float and not math.isfinite(value):
            raise PolicyError(_("{name}.{key} must be a finite number, got {value!r}").format(
                                  name=name, key=key, value=value))
        converted[key] = value
    return cls(**converted)


def load_policy(path: Path | None = None, overrides: dict[str, dict[str, Any]] | None = None) -> Policy:
    """Defaults, then the user's file, then command-line overrides; validated as a whole."""
    merged = _read_toml(DEFAULT_POLICY_PATH)
    layers = [_read_toml(path)] if path is not None else []
    layers.append(overrides or {})
    for layer in layers:
        for section, values in layer.items():
            if section not in _SECTIONS:
                raise PolicyError(_("unknown policy section [{section}]; known: {known}").format(
                                      section=section, known=', '.join(_SECTIONS)))
            if not isinstance(values, dict):
                raise PolicyError(_("[{section}] must be a table of keys").format(section=section))
            merged[section].update(values)
    return Policy(**{name: _build_section(name, merged[name]) for name in _SECTIONS})
