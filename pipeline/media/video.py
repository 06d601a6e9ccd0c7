"""Videos: open and decode with PyAV (FFmpeg's libraries, shipped in its wheels), sample frames,
read the container's metadata, and screen one video into one report row.

A video is screened on sampled frames (``video.sample_fps`` a second, plus every scene change):
the faces and quality stages on each, the text stage on ``video.text_fps`` of them; findings carry
the frame index and its time (``t``, seconds). The verdict follows the same rules as for photos,
with faces counted on the frame that shows the most. The container's tags (GPS ``location`` /
``©xyz``, device make and model, comments, titles, names) and an XMP packet in the file go through
the same metadata checks and text recognizers as a photo's EXIF, XMP and IPTC.

A file that does not open, a stream that does not decode, or a video that stops well before the
length its container states (truncated) is an ``error`` row: frames that were never decoded were
never screened.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from ..findings import Finding, ImageReport, Verdict, VideoInfo
from ..i18n import N_, _
from .loader import LoadedImage, LoadError, _refuse_unless_regular, _size, practically_identical

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".webm", ".avi"})
PREVIEW_WIDTH = 160  # px: the greyscale preview every frame is reduced to (scene changes, motion)
# A video that decodes to fewer frames than its container states, by more than this share (and 2
# frames), stopped early: truncated or damaged.
TRUNCATED_SHARE = 0.02
XMP_SCAN_BYTES = 16 << 20  # an XMP packet is looked for in the first and last 16 MB of the file
DETECTOR = "metadata"

# Container tags that say nothing about a person or a place (FFmpeg's technical keys).
TECHNICAL_TAGS = frozenset({
    "major_brand", "minor_version", "compatible_brands", "encoder", "creation_time", "handler_name", "language",
    "vendor_id", "duration", "timecode", "rotate", "encoder-eng", "com.apple.quicktime.creationdate",
    "com.apple.quicktime.software", "software", "date", "bps", "number_of_frames", "number_of_bytes",
    "_statistics_tags", "_statistics_writing_app", "_statistics_writing_date_utc", "mimetype", "filename",
})
_GPS_TAG = re.compile(r"location|gps|(^|[^a-z])xyz($|[^a-z])|iso6709", re.I)
_DEVICE_TAG = re.compile(r"(^|[._-])(make|model|manufacturer|device|camera|serial)", re.I)
_NAME_TAG = re.compile(r"artist|author|composer|performer|copyright|producer|director|publisher|owner|"
                       r"album_artist|keywords?$|(^|[._-])(title|comment|description|synopsis|subtitle)", re.I)
_POSITION = re.compile(r"[+-]\d{1,3}(\.\d+)?[+-]\d{1,3}(\.\d+)?")


def is_video_path(path: Path | str) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


# --- progress (the command line's progress bar shows frames done, frames per second, time left) ---

_progress: Callable[[int, int, str], None] | None = None


def set_progress(hook: Callable[[int, int, str], None] | None) -> None:
    """``hook(frames_done, frames_total, phase)`` is called as frames of the current video are read
    (phase: screening, covering, checking the copy)."""
    global _progress
    _progress = hook


def tick(done: int, total: int, phase: str = "screening") -> None:
    if _progress is not None and (done % 10 == 0 or done >= total):
        _progress(done, max(done, total), phase)


# --- opening and reading ------------------------------------------------------------------------

def _av_error(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def file_sha256(path: Path, max_file_bytes: int) -> str:
    """The file's SHA-256, read in 1 MB pieces (a video is never read whole into memory)."""
    digest = hashlib.sha256()
    try:
        with open_regular(path, max_file_bytes) as fh:
            for piece in iter(lambda: fh.read(1 << 20), b""):
                digest.update(piece)
    except OSError as exc:
        raise LoadError(_("cannot read file: {why}").format(why=exc.strerror or exc)) from exc
    return digest.hexdigest()


@contextmanager
def open_regular(path: Path, max_file_bytes: int):
    """A binary file object on ``path`` when it is a regular, non-empty file of at most
    ``max_file_bytes`` (checked before opening and on the open descriptor), else LoadError."""
    try:
        _refuse_unless_regular(os.stat(path).st_mode, path)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise LoadError(_("cannot read file: {why}").format(why=exc.strerror or exc)) from exc
    fh = os.fdopen(fd, "rb")
    try:
        info = os.fstat(fd)
        _refuse_unless_regular(info.st_mode, path)
        if info.st_size == 0:
            raise LoadError(_("file is empty (0 bytes)"))
        if info.st_size > max_file_bytes:
            raise LoadError(_("file is {size}, above the limit of {limit} (policy video.max_file_bytes); refused "
                              "(raise the limit in a policy file to screen it)").format(
                size=_size(info.st_size), limit=_size(max_file_bytes)))
        yield fh
    finally:
        fh.close()


@contextmanager
def open_video(path: Path, max_file_bytes: int):
    """The PyAV input container of a regular video file, with its first video stream; LoadError when
    it is not a video FFmpeg can read."""
    import av

    with open_regular(path, max_file_bytes) as fh:
        try:
            container = av.open(fh, "r", metadata_errors="ignore")
        except (av.FFmpegError, ValueError, OSError, UnicodeDecodeError) as exc:
            raise LoadError(_("not a readable video: the file does not open as a video container ({why})").format(
                why=_av_error(exc))) from None
        try:
            if not container.streams.video:
                raise LoadError(_("not a readable video: the file holds no video stream"))
            yield container
        finally:
            container.close()


@dataclass(frozen=True)
class Frame:
    """One decoded video frame: its index (0 = first), time in seconds, the PyAV frame and its pts."""

    index: int
    t: float
    av_frame: object
    turn: int  # quarter turns counter-clockwise (np.rot90) that make the frame upright

    def rgb(self) -> np.ndarray:
        pixels = self.av_frame.to_ndarray(format="rgb24")
        return np.ascontiguousarray(np.rot90(pixels, self.turn)) if self.turn else pixels

    def grey_preview(self) -> np.ndarray:
        f = self.av_frame
        h = max(2, round(PREVIEW_WIDTH * f.height / max(1, f.width)) // 2 * 2)
        small = f.reformat(width=PREVIEW_WIDTH, height=h, format="gray").to_ndarray()
        return np.rot90(small, self.turn) if self.turn else small


def _quarter_turns(frame) -> int:
    """np.rot90 turns that show the frame as its display matrix says (a phone held upright)."""
    try:
        rotation = float(getattr(frame, "rotation", 0) or 0)
    except (TypeError, ValueError):
        return 0
    # FFmpeg's display rotation is counter-clockwise; a player turns the picture by it
    return int(round(rotation / 90.0)) % 4


@dataclass(frozen=True)
class StreamInfo:
    width: int  # upright
    height: int
    fps: float
    duration: float
    expected_frames: int
    audio: bool
    time_base: object
    start: float


def stream_info(container) -> StreamInfo:
    stream = container.streams.video[0]
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    duration = 0.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    if duration <= 0 and container.duration:
        duration = container.duration / 1_000_000
    expected = int(stream.frames or 0) or (round(duration * fps) if fps and duration else 0)
    start = float(stream.start_time * stream.time_base) if stream.start_time is not None and stream.time_base else 0.0
    cc = stream.codec_context
    return StreamInfo(int(cc.width or 0), int(cc.height or 0), fps, duration, expected, bool(container.streams.audio),
                      stream.time_base, start)


def frames(container, info: StreamInfo, max_seconds: float | None = None) -> Iterator[Frame]:
    """Every frame of the first video stream, decoded in order, upright (its display rotation applied).
    Stops after ``max_seconds`` when given. Raises LoadError when the stream does not decode, or
    stops well before the length the container states."""
    import av

    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    index = 0
    stopped = False
    try:
        for frame in container.decode(stream):
            t = float(frame.time) - info.start if frame.time is not None else index / (info.fps or 25.0)
            if max_seconds is not None and t > max_seconds:
                stopped = True
                break
            yield Frame(index, max(0.0, t), frame, _quarter_turns(frame))
            index += 1
    except av.FFmpegError as exc:
        raise LoadError(_("video data is corrupt or truncated at frame {frame} ({why})").format(
            frame=index + 1, why=_av_error(exc))) from None
    if index == 0:
        raise LoadError(_("video data is corrupt or truncated: no frame decodes"))
    if not stopped and info.expected_frames and index < info.expected_frames * (1 - TRUNCATED_SHARE) - 2:
        raise LoadError(_("video is truncated or damaged: {n} frames decode of the {expected} its container "
                          "states; the rest could not be screened").format(n=index, expected=info.expected_frames))


# --- container metadata ------------------------------------------------------------------------

_STREAM_WHERE = {"video": N_("video stream"), "audio": N_("audio stream"), "subtitle": N_("subtitle stream"),
                 "data": N_("data stream")}

def container_tags(container) -> list[tuple[str, str, str]]:
    """``(where, key, value)`` for every tag of the container and its streams."""
    out = [(N_("container"), str(k), str(v)) for k, v in (container.metadata or {}).items()]
    for stream in container.streams:
        where = _STREAM_WHERE.get(stream.type, N_("other stream"))
        out += [(where, str(k), str(v)) for k, v in (stream.metadata or {}).items()]
    return [(w, k, v) for w, k, v in out if v.strip("\0 \t\r\n")]


def find_xmp(path: Path, max_file_bytes: int) -> bytes:
    """An XMP packet in the file (MP4/MOV keep it in a uuid or XMP_ box, FFmpeg does not read it):
    looked for in the first and last ``XMP_SCAN_BYTES`` of the file."""
    with open_regular(path, max_file_bytes) as fh:
        head = fh.read(XMP_SCAN_BYTES)
        size = os.fstat(fh.fileno()).st_size
        tail = b""
        if size > XMP_SCAN_BYTES:
            fh.seek(max(XMP_SCAN_BYTES, size - XMP_SCAN_BYTES))
            tail = fh.read(XMP_SCAN_BYTES)
    for data in (head, tail):
        start = data.find(b"<x:xmpmeta")
        if start < 0:
            start = data.find(b"<rdf:RDF")
        if start >= 0:
            end = data.find(b"</x:xmpmeta>", start)
            end = data.find(b"</rdf:RDF>", start) + len(b"</rdf:RDF>") if end < 0 else end + len(b"</x:xmpmeta>")
            return data[start:end] if end > start else data[start:start + (1 << 20)]
    return b""


def metadata_findings(tags: list[tuple[str, str, str]], xmp: bytes, policy) -> list[Finding]:
    """GPS positions, device names, names and captions in the container's tags and XMP, and the
    names, IDs and grades written in them (the photo's metadata checks and recognizers)."""
    from ..stages.captions import embedded_findings
    from ..stages.metadata import XMP_REVEALING, _xmp_has, gps_findings
    from ..stages.metadata_text import TextField, findings_for, xmp_fields

    found: list[Finding] = []
    revealing: list[str] = []
    fields: list[TextField] = []
    for where, key, value in tags:
        low = key.lower()
        if low in TECHNICAL_TAGS:
            continue
        if _GPS_TAG.search(low) or (_POSITION.fullmatch(value.strip().rstrip("/")) is not None):
            found.append(Finding("gps", None, 1.0, DETECTOR,
                                 why=_("GPS position in the {where}'s {key} tag").format(where=_(where), key=key)))
            continue
        if _DEVICE_TAG.search(low):
            revealing.append(_("device make or model in the {where}'s tags").format(where=_(where)))
        elif _NAME_TAG.search(low):
            revealing.append(_("{tag} in the {where}'s tags").format(tag=key.split('.')[-1].replace('_', ' '),
                                                                     where=_(where)))
        else:
            revealing.append(_("a {where} tag of its own ({key})").format(where=_(where), key=key[:40]))
        fields.append(TextField(f"the {where}'s {key[:40]} tag", value[:64 * 1024]))
    if xmp:
        found += gps_findings(Image.Exif(), xmp)
        text = xmp.decode("utf-8", "replace")
        revealing += [what for prop, what in XMP_REVEALING.items() if _xmp_has(text, prop)]
        try:
            fields += xmp_fields(xmp)
        except Exception:  # an XMP packet we cannot read holds no text we can check
            pass
    gps = [f for f in found if f.kind == "gps"]
    found = ([max(gps, key=lambda f: f.score)] if gps else [])
    found += [Finding("metadata", None, 1.0, DETECTOR, why=what) for what in dict.fromkeys(revealing)]
    return found + findings_for(fields, policy) + embedded_findings(fields, policy)


# --- sampling ------------------------------------------------------------------------------------

def scene_cut(previous: np.ndarray | None, preview: np.ndarray, threshold: float) -> bool:
    """A cut between two consecutive frames: their previews differ by more than ``threshold`` grey
    levels on average (a pan or a zoom changes little from one frame to the next)."""
    return previous is not None and previous.shape == preview.shape and \
        float(np.abs(preview.astype(np.int16) - previous.astype(np.int16)).mean()) > threshold


@dataclass
class Sampler:
    """Which frames are screened: one every 1/``fps`` seconds and the first frame after every cut,
    but never a frame practically identical to the last one screened."""

    fps: float
    next_t: float = 0.0
    last: np.ndarray | None = None

    def take(self, t: float, preview: np.ndarray, cut: bool = False) -> bool:
        due = t >= self.next_t - 1e-6
        if due:
            self.next_t = max(self.next_t + 1.0 / self.fps, t + 0.5 / self.fps)
        if not (due or cut):
            return False
        if self.last is not None and practically_identical(preview, self.last):
            return False
        self.last = preview
        return True


def global_shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """How far the picture moved from preview ``a`` to ``b`` (phase correlation), in preview pixels."""
    import cv2

    if a.shape != b.shape:
        return 0.0, 0.0
    (dx, dy), response = cv2.phaseCorrelate(a.astype(np.float32), b.astype(np.float32))
    return (float(dx), float(dy)) if response > 0.05 else (0.0, 0.0)


# --- the screen of one video -----------------------------------------------------------------

@dataclass
class VideoScreen:
    """What the screen of a video found, for its report row and for the redaction."""

    report: ImageReport
    first: LoadedImage | None = None  # the first frame, for thumbnails
    samples: list[int] = field(default_factory=list)  # frame indices screened
    text_samples: list[int] = field(default_factory=list)  # of which read by the text stage
    motion: np.ndarray | None = None  # per frame, the picture's position (full-size pixels) from frame 0
    info: StreamInfo | None = None


QUALITY_KINDS = ("blur", "exposure")


def screen_video(screener, path: Path, rel: str) -> VideoScreen:
    """Screen one video with ``screener``'s policy and stages (faces, text, quality on sampled frames;
    the container's metadata)."""
    start = time.perf_counter()
    policy = screener.policy
    v = policy.video

    def error(message: str, sha: str | None = None, info: StreamInfo | None = None) -> VideoScreen:
        video = VideoInfo(info.duration, info.fps, info.expected_frames, info.audio) if info else VideoInfo()
        return VideoScreen(ImageReport(rel, Verdict.ERROR, sha256=sha, width=(info.width or None) if info else None,
                                       height=(info.height or None) if info else None, error=message,
                                       seconds=time.perf_counter() - start, video=video), info=info)

    try:
        sha = file_sha256(path, v.max_file_bytes)
    except LoadError as exc:
        return error(str(exc))
    # a video's frames are turned upright by its display matrix: faces are looked for upright only
    # (the turned searches would triple the faces stage's time on every frame without a face)
    policy = replace(policy, faces=replace(policy.faces, search_rotated=False))
    stages = dict(screener.stages)
    per_frame = [(name, stages[name]) for name in ("faces", "quality") if name in stages]
    text_stage = stages.get("text")
    info = None
    try:
        with open_video(path, v.max_file_bytes) as container:
            info = stream_info(container)
            tags = container_tags(container)
            sampler, text_sampler = Sampler(v.sample_fps), Sampler(v.text_fps)
            findings: list[Finding] = []
            quality: dict[str, list[Finding]] = {k: [] for k in QUALITY_KINDS}
            samples, text_samples, positions = [], [], []
            first: LoadedImage | None = None
            previous, pos = None, np.zeros(2)
            count, width, height = 0, info.width, info.height
            for frame in frames(container, info, v.max_seconds):
                count += 1
                tick(count, info.expected_frames or count)
                preview = frame.grey_preview()
                cut = scene_cut(previous, preview, v.scene_change)
                if previous is not None and not cut:
                    dx, dy = global_shift(previous, preview)
                    pos = pos + (dx, dy)
                previous = preview
                positions.append(pos * (frame.av_frame.width / PREVIEW_WIDTH if not frame.turn % 2
                                        else frame.av_frame.height / PREVIEW_WIDTH))
                if not sampler.take(frame.t, preview, cut):
                    continue
                pixels = frame.rgb()
                height, width = pixels.shape[:2]
                image = LoadedImage(pixels=pixels, sha256=sha, format="video", exif_orientation=None,
                                    exif=Image.Exif(), frame=frame.index, frame_count=info.expected_frames or 1)
                if first is None:
                    first = image
                samples.append(frame.index)
                todo = list(per_frame)
                if text_stage is not None and (text_sampler.take(frame.t, preview, cut) or not text_samples):
                    todo.append(("text", text_stage))
                    text_samples.append(frame.index)
                for name, stage in todo:
                    try:
                        found = stage(image, policy)
                    except Exception as exc:  # fail closed, as for photos
                        return error(_("the {stage} stage failed on frame {frame} ({t:.2f} s) ({what}); the video "
                                       "was not screened").format(stage=name, frame=frame.index, t=frame.t,
                                                                  what=type(exc).__name__), sha, info)
                    for f in found:
                        f = replace(f, frame=frame.index, t=round(frame.t, 3))
                        (quality[f.kind] if f.kind in QUALITY_KINDS else findings).append(f)
            too_long = info.duration > v.max_seconds
    except LoadError as exc:
        return error(str(exc), sha, info)
    try:
        xmp = find_xmp(path, v.max_file_bytes)
        findings += metadata_findings(tags, xmp, policy)
    except Exception as exc:  # fail closed
        return error(_("the metadata stage failed ({what}); the video was not screened").format(
            what=type(exc).__name__), sha, info)
    for kind, found in quality.items():  # a quality problem of most of the video, not of a moment
        if found and len(found) * 2 >= len(samples):
            findings.append(replace(found[0], why=found[0].why + _(" (on {n} of {total} frames screened)").format(
                n=len(found), total=len(samples))))
    if too_long:
        findings.append(Finding("frames", None, 1.0, detector="video",
                                why=_("video is {duration:.0f} s long; only its first {limit:.0f} s were screened "
                                      "(policy video.max_seconds)").format(duration=info.duration,
                                                                           limit=v.max_seconds)))
    verdict, reasons = decide_video(findings, policy)
    frames_total = count if not too_long else max(count, info.expected_frames)
    report = ImageReport(rel, verdict, sha256=sha, width=width, height=height, reasons=reasons,
                         findings=tuple(findings), seconds=time.perf_counter() - start,
                         video=VideoInfo(info.duration or count / (info.fps or 25.0), info.fps, frames_total, info.audio))
    return VideoScreen(report, first, samples, text_samples, np.array(positions), info)


def decide_video(findings: list[Finding], policy) -> tuple[Verdict, tuple[str, ...]]:
    """The photo rules over a video's findings, with faces counted on the frame that shows the most
    identifiable ones (then the most faces), and text counted once per hint."""
    from ..review.verdict import decide

    faces: dict[int | None, list[Finding]] = {}
    others: dict[tuple, Finding] = {}
    for f in findings:
        if f.kind == "face":
            faces.setdefault(f.frame, []).append(f)
        else:
            others.setdefault((f.kind, f.hint, f.why if f.hint is None else "", f.category), f)
    busiest = max(faces.values(), key=lambda fs: (sum(1 for f in fs if f.identifiable), len(fs)), default=[])
    return decide(busiest + list(others.values()), policy, video=True)
