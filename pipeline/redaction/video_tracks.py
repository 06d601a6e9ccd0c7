"""Where a video's faces and text are on each frame: faces detected every few frames and followed
between them (``FacePlan``, ``Track``), boxes moved with the picture's overall motion (``move_box``), and
the frames each piece of sensitive text is covered on (``text_covers``). Image in, boxes out: the
painting and writing are ``video.py``'s."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..findings import SENSITIVE_TEXT, Box
from ..screen.video import VideoScreen
from ..stages import faces
from .cover import grow

DETECT_MIN_LONG_SIDE = 960  # px: small frames are scaled up (at most 2x) so small faces are still found


MAX_GROWTH = 1.0  # a box grows at most by its own size on every side while a face is not seen


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


def same_face(a: Box, b: Box) -> float:
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


def expand(box: Box, share: float, width: int, height: int) -> Box:
    return grow(box, min(MAX_GROWTH, share), width, height) if share > 0 else box


def shift(box: Box, dx: float, dy: float, width: int, height: int) -> Box | None:
    x1, y1 = max(0.0, box.x + dx), max(0.0, box.y + dy)
    x2, y2 = min(float(width), box.x + box.w + dx), min(float(height), box.y + box.h + dy)
    return Box.from_xyxy(x1, y1, x2, y2, width, height) if x2 - x1 >= 1 and y2 - y1 >= 1 else None


def move_box(motion: np.ndarray | None, box: Box, src: int, dst: int, width: int, height: int) -> Box | None:
    """``box`` on frame ``src`` moved as the whole picture moved to frame ``dst`` (None: out of the frame)."""
    if motion is None or not len(motion) or src >= len(motion) or dst >= len(motion):
        return box
    dx, dy = motion[dst] - motion[src]
    return shift(box, float(dx), float(dy), width, height)


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
        pairs = sorted(((same_face(self._move(t.seen[t.latest(frame)], t.latest(frame), frame) or
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
                box = expand(box, margin * min(frame - before, after - frame), self.width, self.height)
            elif before is not None and frame - before <= self.v.keep_frames:  # held after the last sighting
                moved = self._move(track.seen[before], before, frame)
                box = expand(moved, margin * (frame - before), self.width, self.height) if moved else None
            elif after is not None and after - frame < 2 * self.v.detect_every:  # appearing: covered before
                moved = self._move(track.seen[after], after, frame)
                box = expand(moved, margin * (after - frame), self.width, self.height) if moved else None
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


def text_covers(screen: VideoScreen, policy, total: int) -> list[TextCover]:
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
