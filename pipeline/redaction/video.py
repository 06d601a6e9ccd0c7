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
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from ..stages import faces
from ..text import stage as text
from ..media import video
from ..findings import KEPT_KINDS, Box, Covered, ImageReport, Redaction, Verdict
from ..media.loader import LoadedImage, LoadError
from .cover import cover, grow
from .core import KIND_NAMES, on_own_paint, summary
from .names import video_output_name
from ..screen.video import VideoScreen, metadata_findings
from ..i18n import _, ngettext
from .video_tracks import DETECT_MIN_LONG_SIDE, FacePlan, expand, move_box, text_covers

SOLID_BELOW = 40  # px: faces less tall than this are covered solid, not pixelated (see VideoCopy._paint)
# Audio codecs each output container takes as they are; other sound is re-encoded (AAC, Opus).
AUDIO_COPY = {"mp4": {"aac", "mp3", "opus", "alac", "flac", "ac3", "eac3"},
              "mov": {"aac", "mp3", "alac", "ac3", "eac3", "pcm_s16le", "pcm_s24le", "pcm_f32le"},
              "webm": {"opus", "vorbis"}}
# Tags the muxers write themselves; any other tag in a copy is a failure.
MUXER_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder", "handler_name", "language",
              "vendor_id", "duration", "encoder-eng"}


@dataclass
class PassResult:
    covered: list[Covered]
    frames: int
    left: dict[int, list]  # verify frame -> what the check still found there
    audio: str


class VideoCopy:
    """One video's redacted copy: the encode passes and the check of each."""

    def __init__(self, redactor, candidate, screen: VideoScreen, container_format: str) -> None:
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
        moved = expand(moved, self.policy.video.grow_per_frame * abs(index - seen), w, h)
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
            if tags or metadata_findings(tags, b"", self.policy):
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
                out.publish(tmp, out_rel)
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
                # (not ``first``: that is the video's first frame, returned with the row for its thumbnail)
                since, until = max(0, index - reach), min(frames - 1, index + reach)
                copy.recheck |= set(range(since, until + 1))
                for lo in found:
                    box = redactor.cover_box(lo.kind, lo.box, copy.width, copy.height)
                    copy.extra.append((since, until, index, box, lo.kind))
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

