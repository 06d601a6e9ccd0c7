"""A video's strip of frames for the review page: one small JPEG of a frame at a given time.

The frames are those of the safe copy (its covers are in its pixels); in a report without copies,
those of the original, with every text box found on any of its frames painted over (the page never
shows the text the screen found). Each is decoded with PyAV (``pipeline/media/video.py``) by seeking
to the key frame before the time and decoding up to it, turned upright, reduced to ``FRAME_SIDE``
pixels, and kept in the report folder's ``thumbs/`` under a thumbnail's name (the content's hash and a
hash of the time and the boxes painted), so it is made once; ``thumbs/`` is left out of the walk and
the next batch clears what no row shows.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from PIL import Image

from ..findings import Box, SENSITIVE_TEXT
from ..media.loader import LoadError
from ..media.video import Frame, av_error, open_video, quarter_turns, stream_info
from ..owned import OwnedFolder
from ..redaction.cover import solid

FRAME_SIDE = 320  # px: the strip's frames, as the contact sheet's thumbnails
MAX_T = 24 * 3600.0  # seconds: a time beyond this is no time of a video here


def text_boxes(findings: list[dict]) -> list[list[int]]:
    """Every box of sensitive text found on any frame of a video: painted on each frame of its original."""
    return sorted({tuple(f["box"]) for f in findings if f["kind"] in SENSITIVE_TEXT and f.get("box")})


def stat_key(path: Path | None) -> str | None:
    """A hash standing for a file's content when none is recorded: its real path, time and size."""
    if path is None:
        return None
    st = path.stat()
    return hashlib.sha256(f"{path}:{st.st_mtime_ns}:{st.st_size}".encode()).hexdigest()


def frame_name(sha256: str, t: float, paint: list) -> str:
    """The frame's name in ``thumbs/``: the file's content hash and a hash of what it shows (see
    ``pipeline/runs/work.py``'s ``THUMB_NAME``)."""
    what = json.dumps(["frame", round(t, 2), [list(b) for b in paint]])
    return f"thumbs/{sha256[:20]}-{hashlib.sha256(what.encode()).hexdigest()[:8]}.jpg"


def grab(path: Path, t: float, max_file_bytes: int):
    """The upright RGB pixels of the frame shown at ``t`` seconds (the last one before it when ``t`` is past
    the end). Raises LoadError when the video does not decode."""
    import av

    with open_video(path, max_file_bytes) as container:
        info = stream_info(container)
        stream = container.streams.video[0]
        target = info.start + max(0.0, t)
        last = None
        try:
            if stream.time_base:
                container.seek(int(target / stream.time_base), stream=stream, backward=True)
            for frame in container.decode(stream):
                last = frame
                if frame.time is not None and frame.time >= target - 1e-3:
                    break
        except av.FFmpegError as exc:
            if last is None:
                raise LoadError(av_error(exc)) from None
        if last is None:
            raise LoadError("no frame decodes")
        return Frame(0, t, last, quarter_turns(last)).rgb()


def frame_jpeg(path: Path, sha256: str, t: float, paint: list, report_root: Path, max_file_bytes: int) -> bytes:
    """The strip's JPEG of ``path`` (content ``sha256``) at ``t`` seconds with the ``paint`` boxes painted
    over, from the report folder's ``thumbs/`` when it was made before."""
    out = OwnedFolder(report_root)
    rel = frame_name(sha256, t, paint)
    try:
        target = out.path(rel)
        if target.is_file():
            return target.read_bytes()
        pixels = grab(path, t, max_file_bytes)
        h, w = pixels.shape[:2]
        if paint:
            pixels = pixels.copy()
            for b in paint:
                solid(pixels, Box.from_xyxy(b[0], b[1], b[0] + b[2], b[1] + b[3], w, h), (20, 20, 20))
        picture = Image.fromarray(pixels)
        picture.thumbnail((FRAME_SIDE, FRAME_SIDE), Image.BILINEAR)
        buf = io.BytesIO()
        picture.save(buf, "JPEG", quality=85)
        data = buf.getvalue()
        try:
            out.write(rel, data)
        except OSError:  # a report folder we cannot write: the frame is shown all the same
            pass
        return data
    finally:
        out.close()
