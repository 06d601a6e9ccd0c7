"""Videos: open and decode with PyAV (FFmpeg's libraries, shipped in its wheels), sample frames,
and read the container's tags and XMP packet. Decoding only: the screen of a video is
``pipeline/screen/video.py``.

Frames come upright (the display matrix applied), each with its index and time; a greyscale
preview of every frame gives scene cuts and the picture's motion (``Sampler``, ``global_shift``).

A file that does not open, a stream that does not decode, or a video that stops well before the
length its container states (truncated) raises ``LoadError``: the screen makes it an ``error`` row,
since frames that were never decoded were never screened.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..i18n import N_, _
from .loader import LoadError, refuse_unless_regular, human_size, practically_identical

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".webm", ".avi"})
PREVIEW_WIDTH = 160  # px: the greyscale preview every frame is reduced to (scene changes, motion)
# A video that decodes to fewer frames than its container states, by more than this share (and 2
# frames), stopped early: truncated or damaged.
TRUNCATED_SHARE = 0.02
XMP_SCAN_BYTES = 16 << 20  # an XMP packet is looked for in the first and last 16 MB of the file


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

def av_error(exc: Exception) -> str:
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
        refuse_unless_regular(os.stat(path).st_mode, path)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise LoadError(_("cannot read file: {why}").format(why=exc.strerror or exc)) from exc
    fh = os.fdopen(fd, "rb")
    try:
        info = os.fstat(fd)
        refuse_unless_regular(info.st_mode, path)
        if info.st_size == 0:
            raise LoadError(_("file is empty (0 bytes)"))
        if info.st_size > max_file_bytes:
            raise LoadError(_("file is {size}, above the limit of {limit} (policy video.max_file_bytes); refused "
                              "(raise the limit in a policy file to screen it)").format(
                size=human_size(info.st_size), limit=human_size(max_file_bytes)))
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
                why=av_error(exc))) from None
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


def quarter_turns(frame) -> int:
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
            yield Frame(index, max(0.0, t), frame, quarter_turns(frame))
            index += 1
    except av.FFmpegError as exc:
        raise LoadError(_("video data is corrupt or truncated at frame {frame} ({why})").format(
            frame=index + 1, why=av_error(exc))) from None
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
