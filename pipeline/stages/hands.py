"""Hands: where the hands are in a photo, for ``redact --crop hands``.

MediaPipe's hand landmarker (Tasks API). Its model bundle is a zip holding the palm detector and
the landmark model, stored uncompressed; we build it in memory from the two verified model files
(``photoscreen models fetch``), so nothing but the manifest's files is ever loaded.
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache

import numpy as np

from ..findings import Box
from ..models import close_at_exit, model_path

# Room around the 21 landmarks (share of the hand's larger side): the landmarks sit on the joints,
# the hand's outline (palm edge, finger pads) lies a little outside them.
HAND_MARGIN = 0.15

# A raised open hand (a wave, a hand up to answer, a greeting) is no hand at work: its four fingers
# are stretched (each fingertip at least this many times farther from the wrist than the finger's
# middle joint) and point up, the wrist-to-knuckles line within RAISED_ANGLE degrees of straight up.
# Measured on the hands crops of the test data: the two waves (a politician's, a gloved hand outside a
# sailing club) point 15 and 39 degrees from up, all four fingers stretched, and were both judged not
# postable; hands at work (a book, paint, a strap) curl fingers or lie flat (53 to 180 degrees). A hand
# pressed flat on something above it (a child's hand on a rock, faces_annotated/29_..._432) looks the
# same to this rule and is taken for a wave.
STRETCHED = 1.15
RAISED_ANGLE = 45.0
# landmark numbers of the hand model: the wrist, the middle finger's knuckle, and each finger's
# (tip, middle joint) from the index to the little finger
_WRIST, _MIDDLE_KNUCKLE = 0, 9
_FINGERS = ((8, 6), (12, 10), (16, 14), (20, 18))


def _bundle() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:  # the Tasks API refuses deflated bundles
        zf.write(model_path("mediapipe_palm_detection"), "hand_detector.tflite")
        zf.write(model_path("mediapipe_hand_landmark"), "hand_landmarks_detector.tflite")
    return buf.getvalue()


@lru_cache(maxsize=1)
def _landmarker():
    """The hand landmarker, loaded once per process."""
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import HandLandmarker, HandLandmarkerOptions, RunningMode

    options = HandLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=_bundle()),
        running_mode=RunningMode.IMAGE,
        num_hands=8,
        min_hand_detection_confidence=0.4,
        min_hand_presence_confidence=0.4,
    )
    landmarker = HandLandmarker.create_from_options(options)
    close_at_exit(landmarker)
    return landmarker


def raised_open(points: np.ndarray) -> bool:
    """Whether a hand's 21 landmarks (x, y in pixels, y down) are a raised open hand: four stretched
    fingers pointing up (``STRETCHED``, ``RAISED_ANGLE``)."""
    wrist = points[_WRIST]
    stretched = all(np.linalg.norm(points[tip] - wrist) > STRETCHED * np.linalg.norm(points[joint] - wrist)
                    for tip, joint in _FINGERS)
    dx, dy = points[_MIDDLE_KNUCKLE] - wrist
    return bool(stretched and dy < 0 and abs(np.degrees(np.arctan2(dx, -dy))) <= RAISED_ANGLE)


def _detect(rgb: np.ndarray, margin: float) -> list[tuple[float, float, float, float, bool]]:
    import mediapipe as mp

    h, w = rgb.shape[:2]
    result = _landmarker().detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)))
    boxes = []
    for landmarks in result.hand_landmarks:
        points = np.array([(p.x * w, p.y * h) for p in landmarks])
        xs, ys = points[:, 0], points[:, 1]
        pad = margin * max(np.ptp(xs), np.ptp(ys))
        boxes.append((xs.min() - pad, ys.min() - pad, xs.max() + pad, ys.max() + pad, raised_open(points)))
    return boxes


def find_hands(rgb: np.ndarray, long_side: int = 1024, grid: int = 3, margin: float = HAND_MARGIN) -> list[Box]:
    """Boxes around the hands in an upright RGB photo, in its own pixels; ``margin`` (share of the
    hand's size) is added around the landmarks."""
    return [box for box, _raised in hands_and_waves(rgb, long_side, grid, margin)]


def hands_and_waves(rgb: np.ndarray, long_side: int = 1024, grid: int = 3,
                    margin: float = HAND_MARGIN) -> list[tuple[Box, bool]]:
    """The hands of ``find_hands``, each with whether it is a raised open hand (``raised_open``: a
    wave, not a hand at work).

    The palm detector sees its input at 192 x 192, where a hand a tenth of the photo wide is
    a few pixels; so it also runs on ``grid`` x ``grid`` overlapping tiles (each half again as
    large as a grid cell), and overlapping boxes are merged.
    """
    import cv2

    from .faces import nms

    h, w = rgb.shape[:2]
    scale = min(1.0, long_side / max(h, w))
    work = rgb if scale == 1.0 else cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    wh, ww = work.shape[:2]
    found = _detect(work, margin)
    if grid > 1:
        tw, th = min(ww, round(1.5 * ww / grid)), min(wh, round(1.5 * wh / grid))
        for gy in range(grid):
            for gx in range(grid):
                x0 = round(gx * (ww - tw) / (grid - 1))
                y0 = round(gy * (wh - th) / (grid - 1))
                found += [(x1 + x0, y1 + y0, x2 + x0, y2 + y0, raised)
                          for x1, y1, x2, y2, raised in _detect(work[y0:y0 + th, x0:x0 + tw], margin)]
    if not found:
        return []
    arr = np.asarray([f[:4] for f in found], dtype=np.float64)
    areas = (arr[:, 2] - arr[:, 0]) * (arr[:, 3] - arr[:, 1])
    keep = nms(arr, areas, 0.3)  # the larger of two overlapping boxes holds more of the hand
    return [(Box.from_xyxy(*(arr[i] / scale), w, h), found[i][4]) for i in keep]


def warm_up() -> None:
    _landmarker()
