"""The screen of one video into one report row (decoding: ``pipeline/media/video.py``).

A video is screened on sampled frames (``video.sample_fps`` a second, plus every scene change):
the faces and quality stages on each, the text stage on ``video.text_fps`` of them; findings carry
the frame index and its time (``t``, seconds). The verdict follows the same rules as for photos,
with faces counted on the frame that shows the most. The container's tags (GPS ``location`` /
``©xyz``, device make and model, comments, titles, names) and an XMP packet in the file go through
the same metadata checks and text recognizers as a photo's EXIF, XMP and IPTC.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image

from ..findings import QUALITY_KINDS, Finding, ImageReport, Verdict, VideoInfo
from ..i18n import _
from ..media.loader import LoadedImage, LoadError
from ..media.video import PREVIEW_WIDTH, Sampler, StreamInfo, container_tags, file_sha256, find_xmp, frames, global_shift, open_video, scene_cut, stream_info, tick
from ..stages.captions import embedded_findings
from ..stages.metadata import XMP_REVEALING, gps_findings, xmp_has
from ..media.metadata_fields import TextField, xmp_fields
from ..stages.metadata_text import findings_for
from .verdict import decide_video

DETECTOR = "metadata"

# Container tags that say nothing about a person or a place (FFmpeg's technical keys).
TECHNICAL_TAGS = frozenset({
    "major_brand", "minor_version", "compatible_brands", "encoder", "creation_time", "handler_name", "language",
    "vendor_id", "duration", "timecode", "rotate", "encoder-eng", "com.apple.quicktime.creationdate",
    "com.apple.quicktime.software", "software", "date", "bps", "number_of_frames", "number_of_bytes",
    "_statistics_tags", "_statistics_writing_app", "_statistics_writing_date_utc", "mimetype", "filename",
})
GPS_TAG = re.compile(r"location|gps|(^|[^a-z])xyz($|[^a-z])|iso6709", re.I)
DEVICE_TAG = re.compile(r"(^|[._-])(make|model|manufacturer|device|camera|serial)", re.I)
NAME_TAG = re.compile(r"artist|author|composer|performer|copyright|producer|director|publisher|owner|"
                       r"album_artist|keywords?$|(^|[._-])(title|comment|description|synopsis|subtitle)", re.I)
POSITION = re.compile(r"[+-]\d{1,3}(\.\d+)?[+-]\d{1,3}(\.\d+)?")


def metadata_findings(tags: list[tuple[str, str, str]], xmp: bytes, policy) -> list[Finding]:
    """GPS positions, device names, names and captions in the container's tags and XMP, and the
    names, IDs and grades written in them (the photo's metadata checks and recognizers)."""
    found: list[Finding] = []
    revealing: list[str] = []
    fields: list[TextField] = []
    for where, key, value in tags:
        low = key.lower()
        if low in TECHNICAL_TAGS:
            continue
        if GPS_TAG.search(low) or (POSITION.fullmatch(value.strip().rstrip("/")) is not None):
            found.append(Finding("gps", None, 1.0, DETECTOR,
                                 why=_("GPS position in the {where}'s {key} tag").format(where=_(where), key=key)))
            continue
        if DEVICE_TAG.search(low):
            revealing.append(_("device make or model in the {where}'s tags").format(where=_(where)))
        elif NAME_TAG.search(low):
            revealing.append(_("{tag} in the {where}'s tags").format(tag=key.split('.')[-1].replace('_', ' '),
                                                                     where=_(where)))
        else:
            revealing.append(_("a {where} tag of its own ({key})").format(where=_(where), key=key[:40]))
        fields.append(TextField(f"the {where}'s {key[:40]} tag", value[:64 * 1024]))
    if xmp:
        found += gps_findings(Image.Exif(), xmp)
        text = xmp.decode("utf-8", "replace")
        revealing += [what for prop, what in XMP_REVEALING.items() if xmp_has(text, prop)]
        try:
            fields += xmp_fields(xmp)
        except Exception:  # an XMP packet we cannot read holds no text we can check
            pass
    gps = [f for f in found if f.kind == "gps"]
    found = ([max(gps, key=lambda f: f.score)] if gps else [])
    found += [Finding("metadata", None, 1.0, DETECTOR, why=what) for what in dict.fromkeys(revealing)]
    return found + findings_for(fields, policy) + embedded_findings(fields, policy)


@dataclass
class VideoScreen:
    """What the screen of a video found, for its report row and for the redaction."""

    report: ImageReport
    first: LoadedImage | None = None  # the first frame, for thumbnails
    samples: list[int] = field(default_factory=list)  # frame indices screened
    text_samples: list[int] = field(default_factory=list)  # of which read by the text stage
    motion: np.ndarray | None = None  # per frame, the picture's position (full-size pixels) from frame 0
    info: StreamInfo | None = None


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
