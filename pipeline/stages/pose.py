"""Body pose, for ``redact --crop hands``: whether a hand is at rest on a body, not at work.

A crop centred on a hand hanging at someone's side, on a hip or a thigh, clasped in front of the
body or in folded arms shows a body, not hands doing something. The hand detector cannot tell
these apart from a hand writing or holding something; the arm can: a hand at rest hangs at the
level of the hips at the end of an arm that is nearly straight, or lies across the body on a
folded arm.

The models are MediaPipe's classic BlazePose ones from the mediapipe 0.10.21 wheel: a person
detector (224 x 224, SSD with 2254 anchors, 4 keypoints per person) and the full landmark model
(256 x 256 crop aligned on the person, 39 landmarks with their visibility). The Tasks API of
mediapipe 1.2.3 refuses these files (they carry no metadata), so they run through LiteRT
(``ai-edge-litert``, Google's TFLite runtime), loaded once per process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..findings import Box
from ..models import model_path

DETECTOR_SIZE = 224
LANDMARK_SIZE = 256
# the detector's score (after the sigmoid) and the landmark model's "a person is here" output
# below which there is no person (MediaPipe's own defaults)
MIN_DETECTION = 0.5
MIN_PRESENCE = 0.5
# the square the landmark model sees: twice the distance from the hips' centre to the keypoint
# that bounds the body, grown by MediaPipe's 1.25
ROI_SCALE = 1.25

# Landmarks (BlazePose's 33 body points; the model adds 6 auxiliary ones)
SHOULDERS, ELBOWS, WRISTS, HIPS = (11, 12), (13, 14), (15, 16), (23, 24)

# A landmark counts when the model sees it with at least this visibility.
MIN_VISIBILITY = 0.5

# A hand at rest: its wrist at least REST_LEVEL of the way from the shoulders down to the hips (the
# waist, the hips or lower), within REST_REACH torso lengths of the body's middle line, at the end
# of an arm bent by at most REST_BEND degrees (upper arm to forearm: 0 is a straight arm). That is
# a hand hanging at the side, on a hip or a thigh, or clasped in front; a hand writing, holding
# something up or pointing has its elbow bent or its wrist higher.
# Measured on the 23 crops `redact --crop hands` makes of hands/, people_scenes/ and faces_annotated/
# with the minimum size lowered to 200 px: the 5 poor ones (a hand on a thigh, on a hip, at a coat's
# belt, hands clasped in front of a suit, hands hanging beside a skirt) have a hand at rest with
# bends of 2-56 degrees at levels 0.64-1.2; the hands of the 18 right ones (writing, holding a
# model or a card, on a table, raised, pointing) are bent 62 degrees or more, or higher up, or
# their arm is not seen.
REST_LEVEL = 0.6
REST_REACH = 1.0
REST_BEND = 60.0
# Arms folded across the body are at rest too: the wrist past the body's middle line by at least
# FOLDED_ACROSS torso lengths, towards the other arm, between FOLDED_LEVELS (chest to waist), the
# forearm folded back by at least FOLDED_BEND degrees. Measured on the same crops and on those made
# at 120 px: crossed arms (across 0.32, bent 120 degrees) and a torso crop with a forearm across it
# (0.26-0.34, 72-78 degrees) are folded; a hand pointing across the body (0.10, 113 degrees) and
# writing in front of it (0.01, 107 degrees) are not.
FOLDED_ACROSS = 0.2
FOLDED_LEVELS = (0.1, 0.9)
FOLDED_BEND = 70.0

# Where to look for the person a hand belongs to: a square this many times the hand's size, its
# centre this many hand sizes above the hand (the shoulders and the face are above a hand at rest).
WINDOW_HANDS = 10.0
WINDOW_UP = 2.0
# A pose's wrist is on a hand when it lies inside the hand's box grown by this share of its size.
WRIST_REACH = 0.25


@dataclass(frozen=True)
class Pose:
    """One person's landmarks, in the photo's pixels, and how visible the model sees each."""
    points: np.ndarray  # (39, 2) x, y
    visibility: np.ndarray  # (39,) 0 to 1

    def seen(self, *indices: int) -> bool:
        return all(self.visibility[i] >= MIN_VISIBILITY for i in indices)


@lru_cache(maxsize=1)
def _interpreters():
    """The person detector and the landmark model, loaded once per process."""
    from ai_edge_litert.interpreter import Interpreter

    out = []
    for name in ("mediapipe_pose_detection", "mediapipe_pose_landmark"):
        interpreter = Interpreter(model_path=str(model_path(name)), num_threads=1)
        interpreter.allocate_tensors()
        out.append(interpreter)
    return tuple(out)


@lru_cache(maxsize=1)
def _anchors() -> np.ndarray:
    """The detector's SSD anchor centres (MediaPipe's pose_detection settings: strides 8, 16 and
    three layers of 32 sharing one grid; two anchors per layer and cell; fixed size)."""
    centres = []
    for stride, per_cell in ((8, 2), (16, 2), (32, 6)):
        cells = math.ceil(DETECTOR_SIZE / stride)
        ys, xs = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(xs.ravel() + 0.5) / cells, (ys.ravel() + 0.5) / cells], axis=1)
        centres.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(centres)


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -80, 80)))


def _run(interpreter, tensor: np.ndarray) -> dict[str, np.ndarray]:
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor[None].astype(np.float32))
    interpreter.invoke()
    return {d["name"]: interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()}


def detect_people(rgb: np.ndarray) -> list[np.ndarray]:
    """The detector's people in ``rgb``: for each, its 4 keypoints (hips' centre, the point that
    bounds the body, shoulders' centre, the point above the head) in ``rgb``'s pixels."""
    from .faces import nms

    h, w = rgb.shape[:2]
    scale = DETECTOR_SIZE / max(h, w)
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    square = np.zeros((DETECTOR_SIZE, DETECTOR_SIZE, 3), np.uint8)
    ox, oy = (DETECTOR_SIZE - small.shape[1]) // 2, (DETECTOR_SIZE - small.shape[0]) // 2
    square[oy:oy + small.shape[0], ox:ox + small.shape[1]] = small
    outputs = sorted(_run(_interpreters()[0], square / 127.5 - 1.0).values(), key=lambda a: a.shape[-1])
    scores, raw = outputs[0][0, :, 0], outputs[1][0]
    scores = _sigmoid(scores)
    keep = np.nonzero(scores >= MIN_DETECTION)[0]
    if keep.size == 0:
        return []
    anchors = _anchors()[keep] * DETECTOR_SIZE
    raw = raw[keep]
    boxes = np.concatenate([anchors + raw[:, 0:2] - raw[:, 2:4] / 2, anchors + raw[:, 0:2] + raw[:, 2:4] / 2], axis=1)
    kept = nms(boxes, scores[keep], 0.3)
    out = []
    for i in kept:
        points = raw[i, 4:12].reshape(4, 2) + anchors[i]
        out.append((points - [ox, oy]) / scale)
    return out


def landmarks(rgb: np.ndarray, keypoints: np.ndarray) -> Pose | None:
    """The person's landmarks from the detector's ``keypoints``, in ``rgb``'s pixels; None when the
    landmark model sees no person there."""
    hips, bound = keypoints[0], keypoints[1]
    size = 2.0 * float(np.hypot(*(bound - hips))) * ROI_SCALE
    if size < 8:
        return None
    # the square is turned so that the line from the hips to the bounding point points up
    angle = math.pi / 2 - math.atan2(-(bound[1] - hips[1]), bound[0] - hips[0])
    cos, sin, step = math.cos(angle), math.sin(angle), size / LANDMARK_SIZE
    to_photo = np.array([[cos * step, -sin * step, 0.0], [sin * step, cos * step, 0.0]])
    to_photo[:, 2] = hips - to_photo[:, :2] @ [LANDMARK_SIZE / 2, LANDMARK_SIZE / 2]
    square = cv2.warpAffine(rgb, cv2.invertAffineTransform(to_photo), (LANDMARK_SIZE, LANDMARK_SIZE),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    outputs = _run(_interpreters()[1], square / 255.0)
    flat = next(a for a in outputs.values() if a.shape == (1, 195))[0].reshape(39, 5)
    presence = next(a for a in outputs.values() if a.shape == (1, 1))[0, 0]
    if presence < MIN_PRESENCE:
        return None
    points = flat[:, :2] @ to_photo[:, :2].T + to_photo[:, 2]
    return Pose(points, _sigmoid(flat[:, 3]))


def at_rest(pose: Pose, side: int) -> bool:
    """Whether the pose's hand on ``side`` (0: its left, 1: its right) hangs at the level of the
    hips at the end of a nearly straight arm (REST_LEVEL, REST_REACH, REST_BEND), or lies across
    the body on a folded arm (FOLDED_ACROSS, FOLDED_LEVELS, FOLDED_BEND). Unknown (a landmark the
    model does not see) is not at rest."""
    shoulder, elbow, wrist = SHOULDERS[side], ELBOWS[side], WRISTS[side]
    if not pose.seen(shoulder, elbow, wrist, *SHOULDERS, *HIPS):
        return False
    p = pose.points
    top, bottom = (p[SHOULDERS[0]] + p[SHOULDERS[1]]) / 2, (p[HIPS[0]] + p[HIPS[1]]) / 2
    torso = float(np.hypot(*(bottom - top)))
    if torso < 1:
        return False
    down = (bottom - top) / torso
    across = np.array([-down[1], down[0]])
    level = float((p[wrist] - top) @ down) / torso
    sideways = float((p[wrist] - top) @ across) / torso
    # towards the arm's own shoulder is positive: a wrist past the middle line has a negative one
    own_side = 1.0 if float((p[shoulder] - top) @ across) >= 0 else -1.0
    upper, fore = p[elbow] - p[shoulder], p[wrist] - p[elbow]
    norms = float(np.hypot(*upper) * np.hypot(*fore))
    if norms == 0:
        return False
    bend = math.degrees(math.acos(float(np.clip(upper @ fore / norms, -1.0, 1.0))))
    hanging = level >= REST_LEVEL and abs(sideways) <= REST_REACH and bend <= REST_BEND
    folded = (own_side * sideways <= -FOLDED_ACROSS and FOLDED_LEVELS[0] <= level <= FOLDED_LEVELS[1]
              and bend >= FOLDED_BEND)
    return hanging or folded


def _window(hand: Box, width: int, height: int) -> tuple[int, int, int, int]:
    size = WINDOW_HANDS * max(hand.w, hand.h)
    cx, cy = hand.x + hand.w / 2, hand.y + hand.h / 2 - WINDOW_UP * max(hand.w, hand.h)
    x1, y1 = max(0, round(cx - size / 2)), max(0, round(cy - size / 2))
    return x1, y1, min(width, round(cx + size / 2)), min(height, round(cy + size / 2))


def poses_around(rgb: np.ndarray, hands: list[Box]) -> list[Pose]:
    """The poses of the people in ``rgb`` and of those around each of the ``hands`` (the detector
    sees the photo at 224 px, where a person in a group is a few pixels tall)."""
    h, w = rgb.shape[:2]
    return poses_in(rgb, [(0, 0, w, h)] + [_window(hand, w, h) for hand in hands])


def poses_in(rgb: np.ndarray, windows: list[tuple[int, int, int, int]]) -> list[Pose]:
    """The poses the detector and the landmark model find in each window ``(x1, y1, x2, y2)`` of ``rgb``
    (the detector finds one person per window), in ``rgb``'s pixels."""
    poses = []
    for x1, y1, x2, y2 in dict.fromkeys(windows):
        if x2 - x1 < 16 or y2 - y1 < 16:
            continue
        part = rgb[y1:y2, x1:x2]
        for keypoints in detect_people(part):
            pose = landmarks(part, keypoints)
            if pose is not None:
                poses.append(Pose(pose.points + [x1, y1], pose.visibility))
    return poses


def hands_at_rest(rgb: np.ndarray, hands: list[Box]) -> list[bool]:
    """For each of the ``hands`` (boxes in ``rgb``'s pixels), whether a person's pose holds it at
    rest (``at_rest``): one of their wrists lies on the hand, and that arm hangs at the hips or is
    folded across the body."""
    if not hands:
        return []
    poses = poses_around(rgb, hands)
    out = []
    for hand in hands:
        grow = WRIST_REACH * max(hand.w, hand.h)
        x1, y1, x2, y2 = hand.x - grow, hand.y - grow, hand.x + hand.w + grow, hand.y + hand.h + grow
        out.append(any(at_rest(pose, side) for pose in poses for side in (0, 1)
                       if pose.seen(WRISTS[side]) and x1 <= pose.points[WRISTS[side]][0] <= x2
                       and y1 <= pose.points[WRISTS[side]][1] <= y2))
    return out


def warm_up() -> None:
    _interpreters()


# A head seen from behind is a body's head when a pose found around it has both shoulders seen, their
# centre below the head's centre by at most this many head heights, and within this many head
# widths of it sideways. The person segmenter alone also fires on buildings, a clock and the ground.
HEAD_TO_SHOULDERS = 3.0
HEAD_SIDEWAYS = 1.5
# the window a pose is looked for in round a head: this many head sizes to each side, above and below
# it (the person detector finds one person in a window: a wider one finds the person beside instead)
HEAD_WINDOW_SIDE, HEAD_WINDOW_UP, HEAD_WINDOW_DOWN = 2.5, 0.5, 4.0


def heads_on_bodies(rgb: np.ndarray, heads: list[Box]) -> list[bool]:
    """For each of the ``heads`` (boxes in ``rgb``'s pixels, the tops of people regions without a
    face), whether a person's pose has its shoulders under it: a head seen from behind sits on a
    body; a building, a clock face or a patch of ground does not."""
    if not heads:
        return []
    h, w = rgb.shape[:2]
    windows = [(0, 0, w, h)]
    for head in heads:
        size, cx = max(head.w, head.h), head.x + head.w / 2
        windows.append((max(0, round(cx - HEAD_WINDOW_SIDE * size)), max(0, round(head.y - HEAD_WINDOW_UP * size)),
                        min(w, round(cx + HEAD_WINDOW_SIDE * size)), min(h, round(head.y + HEAD_WINDOW_DOWN * size))))
    poses = poses_in(rgb, windows)
    out = []
    for head in heads:
        cx, cy = head.x + head.w / 2, head.y + head.h / 2
        held = False
        for pose in poses:
            if not pose.seen(*SHOULDERS):
                continue
            sx, sy = (pose.points[SHOULDERS[0]] + pose.points[SHOULDERS[1]]) / 2
            held |= 0 < sy - cy <= HEAD_TO_SHOULDERS * head.h and abs(sx - cx) <= HEAD_SIDEWAYS * head.w
        out.append(bool(held))
    return out
