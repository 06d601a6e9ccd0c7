"""Redacted copies of videos: every frame covered, the copy checked again, then renamed into place.

Faces are detected on every ``video.detect_every``-th frame (CenterFace at the frame's own size, at
least ``DETECT_MIN_LONG_SIDE`` px, at ``redact.face_min_score``; the screen's faces on its sampled
frames are added) and tracked in between by box overlap (IoU, or centres close for a face that moves
fast): frames are held back until the next detected frame, so a face seen on two detected frames is
covered at the interpolated place on the frames between, a face that appears is covered from the
frame after the last detection without it, and one that is no longer found stays covered for
``video.keep_frames`` frames, following the picture's overall motion. While a face is not seen its
box grows by ``video.grow_per_frame`` a frame. Sensitive text the screen found is covered (solid)
from the text sample before it to the text sample after it, moved with the picture.

The copy is H.264 (VP8 for WebM), the sound stream-copied (or dropped with ``--no-audio``), with no
container metadata (no GPS, comment, device or names; the display rotation baked into the pixels).
It is written to a temporary file in the output folder, decoded again and checked on frames sampled
at ``video.verify_fps``: its frame count and duration must match the original's (within 2 frames),
no tag may be left, and the two independent detectors of the photo copies' check (CenterFace at
the frame's own size, BlazeFace), and the text stage where the screen found text, must find nothing
that is not under a cover (``on_own_paint``; at video sizes BlazeFace's box round one of our mosaics
needs only be half on it, ``on_mosaic``). What they find is covered solid on the frames around it and the copy made
again, up to ``redact.max_passes``; then the file is renamed into place, or removed.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from ..stages import faces
from ..text import stage as text
from ..media import video
from ..findings import KEPT_KINDS, SENSITIVE_TEXT, Box, Covered, ImageReport, Redaction, Verdict
from ..media.loader import LoadedImage, LoadError
from .cover import cover, grow
from .core import KIND_NAMES, on_own_paint, summary
from .names import video_output_name
from ..i18n import _, ngettext

DETECT_MIN_LONG_SIDE = 960  # px: small frames are scaled up (at most 2x) so small faces are still found
SOLID_BELOW = 40  # px: faces less tall than this are covered solid, not pixelated (see VideoCopy._paint)
MAX_GROWTH = 1.0  # a box grows at most by its own size on every side while a face is not seen
# Audio codecs each output container takes as they are; other sound is re-encoded (AAC, Opus).
AUDIO_COPY = {"mp4": {"aac", "mp3", "opus", "alac", "flac", "ac3", "eac3"},
              "mov": {"aac", "mp3", "alac", "ac3", "eac3", "pcm_s16le", "pcm_s24le", "pcm_f32le"},
              "webm": {"opus", "vorbis"}}
# Tags the muxers write themselves; any other tag in a copy is a failure.
MUXER_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder", "handler_name", "language",
              "vendor_id", "duration", "encoder-eng"}


@dataclass
class Track:
    """One face followed through the frames: the face boxes it was detected with, by frame."""

    seen: dict[int, Box] = field(default_factory=dict)
    covered: list[Box] = field(default_factory=list)
    first: int | None = None
    last: int | None = None

    def latest(self, upto: int) -> int | None:
        frames = [f for f in self.seen if f <= upto]
        return max(frames) if frames else None

    def note(self, frame: int, box: Box) -> None:
        self.covered.append(box)
        self.first = frame if self.first is None else min(self.first, frame)
        self.last = frame if self.last is None else max(self.last, frame)


def _same_face(a: Box, b: Box) -> float:
    """How well detection ``b`` continues track box ``a``: IoU, or for a face that moved fast, a
    lower score when the centres are within the larger box's size."""
    iou = a.iou(b)
    if iou > 0:
        return iou
    ax, ay, bx, by = a.x + a.w / 2, a.y + a.h / 2, b.x + b.w / 2, b.y + b.h / 2
    reach = max(a.w, a.h, b.w, b.h)
    distance = ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5
    size = min(a.w * a.h, b.w * b.h) / max(a.w * a.h, b.w * b.h)
    return 0.05 * (1 - distance / reach) if distance < reach and size > 0.25 else 0.0


def _expand(box: Box, share: float, width: int, height: int) -> Box:
    return grow(box, min(MAX_GROWTH, share), width, height) if share > 0 else box


def _shift(box: Box, dx: float, dy: float, width: int, height: int) -> Box | None:
    x1, y1 = max(0.0, box.x + dx), max(0.0, box.y + dy)
    x2, y2 = min(float(width), box.x + box.w + dx), min(float(height), box.y + box.h + dy)
    return Box.from_xyxy(x1, y1, x2, y2, width, height) if x2 - x1 >= 1 and y2 - y1 >= 1 else None


def move_box(motion: np.ndarray | None, box: Box, src: int, dst: int, width: int, height: int) -> Box | None:
    """``box`` on frame ``src`` moved as the whole picture moved to frame ``dst`` (None: out of the frame)."""
    if motion is None or not len(motion) or src >= len(motion) or dst >= len(motion):
        return box
    dx, dy = motion[dst] - motion[src]
    return _shift(box, float(dx), float(dy), width, height)


class FacePlan:
    """Which face boxes cover which frame: detections at a stride, tracks between them."""

    def __init__(self, policy, width: int, height: int, motion: np.ndarray | None,
                 cache: dict[int, list[Box]] | None = None) -> None:
        self.cache = {} if cache is None else cache  # frame -> detected boxes, kept from one pass to the next
        self.v = policy.video
        self.score = policy.redact.face_min_score
        self.width, self.height = width, height
        self.motion = motion
        self.tracks: list[Track] = []

    def _move(self, box: Box, src: int, dst: int) -> Box | None:
        return move_box(self.motion, box, src, dst, self.width, self.height)

    def detect(self, frame: int, rgb: np.ndarray, extra: list[Box], independent=None) -> None:
        """Detect the faces of ``frame`` and add them to the tracks; ``independent(rgb)``, when given,
        adds the faces the check's detectors see on the original frame (as the photos' first pass does)."""
        h, w = rgb.shape[:2]
        long_side = max(max(h, w), min(DETECT_MIN_LONG_SIDE, 2 * max(h, w)))
        if frame not in self.cache:
            self.cache[frame] = [Box.from_xyxy(d.x1, d.y1, d.x2, d.y2, w, h)
                                 for d in faces.detect_at(rgb, long_side, self.score)
                                 if d.x2 - d.x1 >= 1 and d.y2 - d.y1 >= 1]
            if independent is not None:
                self.cache[frame] += independent(rgb)
        boxes = self.cache[frame] + list(extra)
        live = [t for t in self.tracks if t.latest(frame) is not None and frame - t.latest(frame) <= self.v.keep_frames
                + self.v.detect_every]
        pairs = sorted(((_same_face(self._move(t.seen[t.latest(frame)], t.latest(frame), frame) or
                                    t.seen[t.latest(frame)], b), i, j) for i, t in enumerate(live)
                        for j, b in enumerate(boxes)), reverse=True)
        used_t, used_b = set(), set()
        for score, i, j in pairs:
            if score <= 0 or i in used_t or j in used_b:
                continue
            used_t.add(i)
            used_b.add(j)
            live[i].seen[frame] = boxes[j]
        for j, b in enumerate(boxes):
            if j not in used_b:
                self.tracks.append(Track({frame: b}))

    def boxes(self, frame: int, known_to: int) -> list[tuple[Track, Box]]:
        """The face boxes (margins and growth included) covering ``frame``, from detections up to frame
        ``known_to`` (the next detected frame, or the frame itself)."""
        margin = self.v.grow_per_frame
        out = []
        for track in self.tracks:
            before = track.latest(frame)
            after = min((f for f in track.seen if frame <= f <= known_to), default=None)
            box = None
            if before is not None and before == frame:
                box = track.seen[frame]
            elif before is not None and after is not None:  # seen on both sides: interpolated
                a, b = track.seen[before], track.seen[after]
                s = (frame - before) / (after - before)
                x1, y1 = a.x + (b.x - a.x) * s, a.y + (b.y - a.y) * s
                x2 = a.x + a.w + (b.x + b.w - a.x - a.w) * s
                y2 = a.y + a.h + (b.y + b.h - a.y - a.h) * s
                box = Box.from_xyxy(min(x1, a.x, b.x) if s < 0.5 else x1, y1, x2, y2, self.width, self.height)
                box = _expand(box, margin * min(frame - before, after - frame), self.width, self.height)
            elif before is not None and frame - before <= self.v.keep_frames:  # held after the last sighting
                moved = self._move(track.seen[before], before, frame)
                box = _expand(moved, margin * (frame - before), self.width, self.height) if moved else None
            elif after is not None and after - frame < 2 * self.v.detect_every:  # appearing: covered before
                moved = self._move(track.seen[after], after, frame)
                box = _expand(moved, margin * (after - frame), self.width, self.height) if moved else None
            if box is not None:
                out.append((track, box))
        return out

    def forget(self, before: int) -> None:
        """Drop what no later frame needs (tracks long gone), keeping memory bounded."""
        keep = self.v.keep_frames + 2 * self.v.detect_every
        self.tracks = [t for t in self.tracks if max(t.seen) >= before - keep or t.covered]
        for t in self.tracks:
            old = sorted(f for f in t.seen if f < before - keep)
            for f in old[:-1]:
                del t.seen[f]


@dataclass
class TextCover:
    kind: str
    box: Box
    frame: int  # the sample it was found on
    first: int
    last: int


def text_covers(screen: video.VideoScreen, policy, total: int) -> list[TextCover]:
    """Sensitive text the screen found: covered from the text sample before to the one after."""

    samples = sorted(screen.text_samples)
    out = []
    for f in screen.report.findings:
        if f.kind not in SENSITIVE_TEXT or f.box is None or f.frame is None:
            continue
        before = max((s for s in samples if s < f.frame), default=-1)
        after = min((s for s in samples if s > f.frame), default=total + 10 ** 9)
        out.append(TextCover(f.kind, f.box, f.frame, before + 1, after - 1))
    return out


@dataclass
class PassResult:
    covered: list[Covered]
    frames: int
    left: dict[int, list]  # verify frame -> what the check still found there
    audio: str


class VideoCopy:
    """One video's redacted copy: the encode passes and the check of each."""

    def __init__(self, redactor, candidate, screen: video.VideoScreen, container_format: str) -> None:
        self.redactor = redactor
        self.policy = redactor.policy
        self.candidate = candidate
        self.screen = screen
        self.format = container_format
        info = screen.info
        self.width, self.height = screen.report.width, screen.report.height
        self.total = screen.report.video.frames if screen.report.video else 0
        self.texts = text_covers(screen, self.policy, self.total)
        self.screen_faces: dict[int, list[Box]] = {}
        for f in screen.report.findings:
            if f.kind == "face" and f.box is not None and f.frame is not None:
                self.screen_faces.setdefault(f.frame, []).append(f.box)
        self.info = info
        self.extra: list[tuple[int, int, int, Box, str]] = []  # (first, last, frame, box, kind): found by a check
        self.detections: dict[int, list[Box]] = {}  # the faces detected on each detected frame (every pass)
        self.recheck: set[int] | None = None  # frames the next check must look at again (None: all)
        # possible faces a check saw that only low-score detectors saw, ruled out as on photos (too small
        # to recognise once posted, no face on a closer look), with why, by frame, from the last check of it
        self.ruled_out: dict[int, list[tuple[Box, str]]] = {}
        # checked frames are detected frames: the check's detectors also look at them in the first pass
        stride = self.policy.video.detect_every
        self.verify_every = max(1, round((info.fps or 25.0) / self.policy.video.verify_fps / stride)) * stride


    # --- one pass: decode, cover, encode -------------------------------------------------------
    def encode(self, tmp: Path) -> tuple[list[Covered], int, str, dict[int, list[Covered]]]:
        import av

        v = self.policy.video
        stride = v.detect_every
        plan = FacePlan(self.policy, self.width, self.height, self.screen.motion, self.detections)
        rng = np.random.default_rng(int(self.screen.report.sha256[:8], 16))
        done_on: dict[int, list[Covered]] = {}  # verify frames -> covers painted there
        track_cover: dict[int, Covered] = {}
        with video.open_video(self.candidate.path, v.max_file_bytes) as source:
            in_v = source.streams.video[0]
            in_a = source.streams.audio[0] if source.streams.audio and v.keep_audio else None
            out = av.open(str(tmp), "w", format=self.format)
            try:
                codec = "libvpx" if self.format == "webm" else "libx264"
                rate = in_v.average_rate or in_v.guessed_rate or Fraction(25)
                out_v = out.add_stream(codec, rate=rate)
                out_v.width, out_v.height, out_v.pix_fmt = self.width, self.height, "yuv420p"
                out_v.codec_context.time_base = in_v.time_base
                out_v.time_base = in_v.time_base
                out_v.options = ({"crf": str(v.crf), "preset": "superfast"} if codec == "libx264" else
                                 {"crf": str(max(4, v.crf - 10)), "b": "2M", "deadline": "realtime", "cpu-used": "8"})
                transcode = False
                out_a, audio = None, _("no sound in the original") if not source.streams.audio else _("sound dropped (--no-audio)")
                if in_a is not None:
                    if in_a.codec_context.name in AUDIO_COPY[self.format]:
                        out_a, audio = out.add_stream_from_template(in_a), _("sound copied as it is")
                    else:
                        out_a = out.add_stream("libopus" if self.format == "webm" else "aac",
                                               rate=in_a.codec_context.sample_rate or 48000)
                        audio = _("sound re-encoded ({codec} does not go in {container})").format(
                            codec=in_a.codec_context.name, container=self.format.upper())
                        transcode = True
                pending: list[tuple[int, object, object]] = []  # held frames: (index, av frame, rgb)
                painted: list[tuple[int, object, object]] = []  # covered, to encode

                def emit(upto: int) -> None:
                    for index, av_frame, rgb in pending:
                        self._paint(index, rgb, plan.boxes(index, upto), rng, track_cover, done_on)
                        painted.append((index, av_frame, rgb))
                    pending.clear()

                def flush() -> None:
                    for index, av_frame, rgb in painted:
                        new = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                        new.pts, new.time_base = av_frame.pts, in_v.time_base
                        for packet in out_v.encode(new):
                            out.mux(packet)
                        video.tick(index + 1, self.total or index + 1, "covering")
                    painted.clear()

                streams = [in_v] + ([in_a] if in_a is not None else [])
                index = 0
                try:
                    for packet in source.demux(*streams):
                        if packet.stream.type == "audio":
                            if packet.dts is None:
                                continue
                            if transcode:
                                for frame in packet.decode():
                                    for p in out_a.encode(frame):
                                        out.mux(p)
                            else:
                                packet.stream = out_a
                                out.mux(packet)
                            continue
                        for frame in packet.decode():
                            f = video.Frame(index, 0.0, frame, video.quarter_turns(frame))
                            rgb = f.rgb()
                            if rgb.shape[:2] != (self.height, self.width):
                                raise LoadError(f"frame {index} is {rgb.shape[1]}x{rgb.shape[0]}, not "
                                                f"{self.width}x{self.height}: frame size changes are not supported")
                            pending.append((index, frame, rgb))
                            if index % stride == 0:
                                plan.detect(index, rgb, self.screen_faces.get(index, []),
                                            self._independent if index % self.verify_every == 0 else None)
                                emit(index)
                                plan.forget(index)
                                flush()
                            index += 1
                except av.FFmpegError as exc:
                    raise LoadError(f"video data is corrupt or truncated at frame {index + 1} "
                                    f"({video.av_error(exc)})") from None
                if pending:  # the frames after the last detected one: detect on the last
                    last_index, _frame, last_rgb = pending[-1]
                    if last_index % stride:
                        plan.detect(last_index, last_rgb, self.screen_faces.get(last_index, []))
                    emit(last_index)
                flush()
                for packet in out_v.encode():
                    out.mux(packet)
                if out_a is not None and transcode:
                    for packet in out_a.encode():
                        out.mux(packet)
            finally:
                out.close()
        covered = list(track_cover.values())
        return covered, index, audio, done_on

    def _independent(self, rgb: np.ndarray) -> list[Box]:
        """Faces the check's two detectors see on an original frame (covered from the first pass):
        BlazeFace, and CenterFace at the frame's own size unless the stride detection ran at that size."""
        h, w = rgb.shape[:2]
        r = self.policy.redact
        out = [Box.from_xyxy(*b[:4], w, h) for b in faces.blazeface_boxes(rgb, r.verify_blazeface_min_score)
               if b[2] > b[0] and b[3] > b[1]]
        if max(h, w) < DETECT_MIN_LONG_SIDE:
            out += [Box.from_xyxy(d.x1, d.y1, d.x2, d.y2, w, h) for d in faces.detect_at(rgb, max(h, w), r.verify_min_score)
                    if d.x2 > d.x1 and d.y2 > d.y1]
        if r.faces != "all":
            min_height = self.policy.faces.identifiable_min_height * w / self.policy.faces.posting_width
            out = [b for b in out if b.h >= min_height]
        return out

    def _paint(self, index: int, rgb: np.ndarray, face_boxes, rng, track_cover, done_on) -> None:
        r = self.policy.redact
        w, h = self.width, self.height
        painted: list[Covered] = []
        for track, box in face_boxes:
            # a mosaic of a small face (5 cells of a few pixels) still reads as a face to a detector:
            # small faces are covered solid
            mode = "solid" if r.face_mode == "pixelate" and box.h < SOLID_BELOW else r.face_mode
            c = Covered("face", grow(box, r.face_margin, w, h), mode)
            cover(rgb, c.box, c.mode, rng, shuffle=False)  # the cells in place: no flicker from frame to frame
            painted.append(c)
            track.note(index, c.box)
            key = id(track)
            before = track_cover.get(key)
            enclosing = Box.enclosing([c.box] + ([before.box] if before else []))
            first = before.frames[0] if before else index
            track_cover[key] = Covered("face", enclosing, before.mode if before else mode, (first, index))
        for t in self.texts:
            if not t.first <= index <= t.last:
                continue
            moved = move_box(self.screen.motion, t.box, t.frame, index, w, h)
            if moved is None:
                continue
            m = r.text_margin * t.box.h + 0.05 * max(t.box.w, t.box.h)
            box = Box.from_xyxy(moved.x - m, moved.y - m, moved.x + moved.w + m, moved.y + moved.h + m, w, h)
            cover(rgb, box, "solid", rng)
            painted.append(Covered(t.kind, box, "solid"))
            key = ("text", t.kind, t.frame, t.box)
            before = track_cover.get(key)
            track_cover[key] = Covered(t.kind, Box.enclosing([box] + ([before.box] if before else [])), "solid",
                                       (before.frames[0] if before else index, index))
        for entry in self.extra:
            if entry[0] <= index <= entry[1]:
                self._paint_extra(index, rgb, entry, rng, track_cover, {index: painted})
        if (index % self.verify_every == 0 or any(t.frame == index for t in self.texts)) and \
                (self.recheck is None or index in self.recheck):
            done_on[index] = painted

    def _paint_extra(self, index: int, rgb: np.ndarray, entry, rng, track_cover, painted: dict) -> None:
        first, last, seen, box, kind = entry
        w, h = self.width, self.height
        moved = move_box(self.screen.motion, box, seen, index, w, h)
        if moved is None:
            return
        moved = _expand(moved, self.policy.video.grow_per_frame * abs(index - seen), w, h)
        cover(rgb, moved, "solid", rng)
        if index in painted:
            painted[index].append(Covered(kind, moved, "solid"))
        key = ("extra", first, last, box)
        before = track_cover.get(key)
        track_cover[key] = Covered(kind, Box.enclosing([moved] + ([before.box] if before else [])), "solid",
                                   (first, last))

    def _left(self, rgb: np.ndarray, index: int, done: list[Covered]) -> list:
        """What the independent detectors (CenterFace at the frame's own size, BlazeFace), and the text
        stage where the screen found text, see on a covered frame that is not on our own covers."""
        image = LoadedImage(pixels=rgb, sha256=self.screen.report.sha256, format="video",
                            exif_orientation=None, exif=Image.Exif(), frame=index)
        findings = text.stage(image, self.policy) if any(t.frame == index for t in self.texts) else []
        left = [lo for lo in self.redactor.found(image, findings)
                if not on_own_paint(lo, 0, 0, done) and not on_mosaic(lo, done)]
        cover_now, unsure = self.redactor.decide(rgb, left, [c.box for c in done])
        if unsure:
            self.ruled_out[index] = [(lo.box, why) for lo, why in unsure]
        else:
            self.ruled_out.pop(index, None)
        return cover_now

    # --- the check of a copy -----------------------------------------------------------------
    def check(self, tmp: Path, done_on: dict[int, list[Covered]]) -> tuple[int, float, dict[int, list]]:
        """Decode the copy: its frame count and duration, tags left, and what the independent
        detectors still find on the checked frames (not on our own covers)."""
        left: dict[int, list] = {}
        with video.open_video(tmp, self.policy.video.max_file_bytes) as copy:
            tags = [(w, k, val) for w, k, val in video.container_tags(copy) if k.lower() not in MUXER_TAGS]
            if tags or video.metadata_findings(tags, b"", self.policy):
                raise ValueError(f"metadata left in the copy: {', '.join(k for _, k, _ in tags)}")
            info = video.stream_info(copy)
            count = 0
            for frame in video.frames(copy, info):
                count += 1
                video.tick(count, self.total or count, "checking the copy")
                if frame.index not in done_on:
                    continue
                found = self._left(frame.rgb(), frame.index, done_on[frame.index])
                if found:
                    left[frame.index] = found
            duration = info.duration or count / (info.fps or 25.0)
        return count, duration, left


def on_mosaic(found, done: list[Covered], share: float = 0.5) -> bool:
    """BlazeFace's square box round one of our mosaics: centred on it and at least half on it. At video
    sizes a face is 30 to 80 px and its mosaic 5 cells across; BlazeFace sees a head-shaped blob there
    and frames it with the hair and shoulders around, so less than the photos' nine tenths of its box
    lies on the mosaic. CenterFace on a mosaic still counts (the mosaic is then covered solid)."""
    if found.detector != faces.BLAZEFACE_NAME:
        return False
    b = found.box
    cx, cy = b.x + b.w / 2, b.y + b.h / 2
    return any(c.mode == "pixelate" and c.box.x <= cx <= c.box.x + c.box.w and c.box.y <= cy <= c.box.y + c.box.h
               and b.overlap(c.box) >= share * b.w * b.h for c in done)


def redact_video(redactor, candidate, out_rel: str, dest: Path, start: float) -> tuple[ImageReport, LoadedImage | None]:
    """The row for one video, its copy written when it is safe (``Redactor.redact_keep_image`` for videos)."""
    report, first, screen = redactor.screener.screen_video(candidate)
    if report.verdict is Verdict.ERROR:
        return redactor.without_copy(report, out_rel), first
    r, v = redactor.policy.redact, redactor.policy.video
    copy = VideoCopy(redactor, candidate, screen, video_output_name(out_rel)[1])  # the copy's name has its container's suffix
    out = redactor.out
    try:
        dest = out.path(out_rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest = out.path(out_rel)
        tmp = out.temporary()  # in our temporary folder, locked while we write it
    except (OSError, ValueError) as exc:
        return redactor.without_copy(replace(report, verdict=Verdict.ERROR, reasons=(), error=_("no copy written: {why}").format(why=exc),
                                              seconds=time.perf_counter() - start), out_rel), first
    redaction = None
    try:
        fps = screen.info.fps or 25.0
        for passes in range(1, r.max_passes + 1):
            covered, frames, audio, done_on = copy.encode(tmp)
            count, duration, left = copy.check(tmp, done_on)
            original = report.video
            if abs(count - frames) > 2 or (original.frames and abs(count - original.frames) > 2 and
                                           not any(f.kind == "frames" for f in report.findings)):
                raise ValueError(_("the copy has {n} frames, the original {original}").format(n=count, original=original.frames))
            if original.duration and abs(duration - original.duration) > 2.0 / fps + 0.05:
                raise ValueError(_("the copy lasts {t:.2f} s, the original {original:.2f} s").format(
                    t=duration, original=original.duration))
            if not left:
                os.chmod(tmp, 0o666 & ~_umask())
                with open(tmp, "rb") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, dest)
                out.note_written(out_rel, dest)
                redaction = Redaction(out_rel, tuple(covered), None, passes, size=(copy.width, copy.height),
                                      ruled_out=tuple((b, f"{why}, at {i / fps:.1f} s") for i in sorted(copy.ruled_out)
                                                      for b, why in copy.ruled_out[i]),
                                      ready=_("all {n} frames re-encoded, faces looked for on one frame in "
                                              "{every} and tracked between; {audio}").format(
                                          n=count, every=v.detect_every, audio=audio))
                break
            # what the check still found: covered solid around that frame, and the copy made again
            # (moved with the picture); only the frames around them are checked again
            reach = v.detect_every + v.keep_frames
            copy.recheck = set()
            for index, found in left.items():
                first, last = max(0, index - reach), min(frames - 1, index + reach)
                copy.recheck |= set(range(first, last + 1))
                for lo in found:
                    box = redactor.cover_box(lo.kind, lo.box, copy.width, copy.height)
                    copy.extra.append((first, last, index, box, lo.kind))
        else:
            kinds = sorted({lo.kind for found in left.values() for lo in found})
            redaction = Redaction(None, tuple(covered), None, r.max_passes,
                                  withheld=ngettext(
                                      "{kinds} still found on {n} checked frame after {passes} passes of covering",
                                      "{kinds} still found on {n} checked frames after {passes} passes of covering",
                                      len(left)).format(kinds=", ".join(_(KIND_NAMES.get(k, k)) for k in kinds),
                                                        n=len(left), passes=r.max_passes))
    except (LoadError, OSError, ValueError) as exc:
        return redactor.without_copy(replace(
            report, verdict=Verdict.ERROR, reasons=(), seconds=time.perf_counter() - start,
            error=_("the redacted copy could not be made ({what})").format(
                what=f"{type(exc).__name__}: {exc}")), out_rel), first
    except Exception as exc:  # an encoder failure inside FFmpeg: fail closed, the batch goes on
        return redactor.without_copy(replace(
            report, verdict=Verdict.ERROR, reasons=(), seconds=time.perf_counter() - start,
            error=_("the redacted copy could not be made ({what})").format(what=type(exc).__name__)), out_rel), first
    finally:
        out.discard(tmp)
    return finish(redactor, report, redaction, out_rel, start), first


def finish(redactor, report: ImageReport, redaction: Redaction, out_rel: str, start: float) -> ImageReport:
    from ..screen.verdict import decide

    if redaction.output is None:
        report = redactor.without_copy(report, out_rel)
        verdict, reasons = Verdict.BLOCK, (_("no copy written: {why}").format(why=redaction.withheld),)
    else:
        kept = [f for f in report.findings if f.kind in KEPT_KINDS + ("frames",) and f.kind not in ("orientation",)]
        verdict, reasons = decide(kept, redactor.policy, video=True)
        reasons = (summary(redaction, container=True),) + reasons
    report = replace(report, verdict=verdict, reasons=reasons, redaction=redaction, seconds=time.perf_counter() - start)
    if redaction.output is not None:
        outcome = {"verdict": verdict.value, "reasons": list(reasons), "redaction": redaction.to_dict(),
                   "width": report.width, "height": report.height, "exif_orientation": None,
                   "video": report.video.to_dict() if report.video else None}
        redactor.out.note_source(out_rel, report.sha256, redactor.config, json.dumps(outcome))
    return report


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
