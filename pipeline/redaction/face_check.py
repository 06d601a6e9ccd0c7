"""A second look at a possible face that only a low-score detection saw, for ``photoscreen redact``.

The re-check detectors (CenterFace below the screen's own score, BlazeFace) see faces in hands,
bottle caps, knees and shoes as well as in small or turned real faces. Such a detection is covered
only when it is face-like on a second look: two independent detectors (CenterFace and BlazeFace)
found it at the same place, or BlazeFace's short-range model, made for faces that fill its view,
finds a face in the area enlarged so the face would be about ``LOOK_FACE_SIZE`` pixels tall.
Measured on faces_annotated, hands and people_scenes (scripts/eval_redact.py): every labelled
face of 20 px or more that only the re-check saw scored 0.3 or more at the photo's own size, which
is no low score; the low-score rest are specks, hands and small background faces. Image in,
answer out: this module paints nothing.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..findings import Box, iou_xyxy

# The crop looked at is the box enlarged to this many times its larger side (context: hair,
# shoulders, what the object is held by), and scaled so the box is about this many pixels tall.
LOOK_CONTEXT = 2.5
LOOK_FACE_SIZE = 80
MAX_LOOK_UPSCALE = 6.0  # a face 10 px tall holds no more detail when enlarged further

# A detection on the enlarged crop is the same face when it overlaps the box by this IoU.
SAME_FACE_IOU = 0.3

# BlazeFace short range's score for the same face on the enlarged crop.
SHORT_RANGE_MIN_SCORE = 0.6


def _short_range():
    """MediaPipe's short-range face detector (BlazeFace), made for faces that fill its view."""
    from ..stages.faces import face_detector

    return face_detector("mediapipe_face_short_range", 0.3)


def _look_crop(rgb: np.ndarray, box: Box) -> tuple[np.ndarray, float, int, int]:
    """The enlarged area round ``box``: pixels, scale, and the crop's top-left corner in ``rgb``."""
    h, w = rgb.shape[:2]
    side = LOOK_CONTEXT * max(box.w, box.h)
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    x1, y1 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    x2, y2 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
    crop = rgb[y1:y2, x1:x2]
    scale = min(MAX_LOOK_UPSCALE, LOOK_FACE_SIZE / max(1, box.h))
    scale = min(scale, 640 / max(1, max(crop.shape[:2])))  # never a crop larger than 640 px
    if abs(scale - 1.0) > 0.05:
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    else:
        scale = 1.0
    return np.ascontiguousarray(crop), scale, x1, y1


def second_look(rgb: np.ndarray, box: Box) -> tuple[bool, str]:
    """Whether BlazeFace's short-range model finds a face on the area of ``box`` (pixels of
    ``rgb``) enlarged, and what it saw."""
    import mediapipe as mp

    crop, scale, x0, y0 = _look_crop(rgb, box)
    target = ((box.x - x0) * scale, (box.y - y0) * scale, (box.x + box.w - x0) * scale, (box.y + box.h - y0) * scale)
    best = 0.0
    for d in _short_range().detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=crop)).detections:
        b = d.bounding_box
        if iou_xyxy((b.origin_x, b.origin_y, b.origin_x + b.width, b.origin_y + b.height), target) >= SAME_FACE_IOU:
            best = max(best, d.categories[0].score if d.categories else 0.0)
    if best >= SHORT_RANGE_MIN_SCORE:
        return True, f"BlazeFace short range on a closer look: score {best:.2f}"
    return False, "no face on a closer look" + (f" (BlazeFace short range {best:.2f})" if best else "")


def warm_up() -> None:
    _short_range()
