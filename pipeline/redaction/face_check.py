"""A second look at a possible face that only a low-score detection saw, for ``photoscreen redact``.

The re-check detectors (CenterFace below the screen's own score, BlazeFace) see faces in hands,
bottle caps, knees and shoes as well as in small or turned real faces. Such a detection is covered
only when it is face-like on a second look: two independent detectors (CenterFace and BlazeFace)
found it at the same place, or BlazeFace's short-range model, made for faces that fill its view,
finds a face in the area enlarged so the face would be about ``LOOK_FACE_SIZE`` pixels tall.
Measured on faces_annotated, hands and people_scenes (scripts/eval/redact.py): every labelled
face of 20 px or more that only the re-check saw scored 0.3 or more at the photo's own size, which
is no low score; the low-score rest are specks, hands and small background faces. Image in,
answer out: this module paints nothing.

What the second look does not find face-like is then settled (``settle``), never handed to a person:
covered when it lies mostly on a cover already placed (the edge of a covered face, a detector
seeing a face in our own mosaic), dismissed when it is smaller than a face anyone could recognise
once posted, else decided by CenterFace on a closer look (the area enlarged so the box is about
``CLOSER_FACE_SIZE`` pixels tall). Tuned on the first 36 photos of faces_annotated by name and
measured on the other 36: of 185 possible faces, 36 covered (2 of the 3 labelled faces of 20 px or
more among them; the third was covered by a later pass) and 149 dismissed, 7 of the covers on no face.
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

# settle(): a possible face this share of whose area lies under covers already placed is covered too
ON_COVER_SHARE = 0.3
# ... else CenterFace looks at a square this many times its larger side, scaled so the box is about this
# tall (at most this many times enlarged), and a face there at this score or more is covered
CLOSER_CONTEXT = 3.0
CLOSER_FACE_SIZE = 64
CLOSER_MAX_UPSCALE = 6.0
CLOSER_MIN_SCORE = 0.30


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


def closer_look(rgb: np.ndarray, box: Box) -> float:
    """CenterFace's best score for a face at ``box`` on a square area around it (``CLOSER_CONTEXT``
    times its larger side, zeros past the photo's edge) enlarged so the box is ``CLOSER_FACE_SIZE``
    pixels tall (the screen's own closer look, ``stages.faces.closer_look``)."""
    from ..stages.faces import closer_look as look

    return look(rgb, box, CLOSER_CONTEXT, CLOSER_FACE_SIZE, CLOSER_MAX_UPSCALE)


def settle(rgb: np.ndarray, box: Box, covers: list[Box], min_height: float) -> tuple[bool, str]:
    """A possible face the second look did not find face-like, settled: (True, why) to cover it,
    (False, why) to dismiss it. ``covers``: the boxes covered already; ``min_height``: the height in
    ``rgb``'s pixels of the smallest face anyone could recognise once the photo is posted."""
    area = max(1, box.w * box.h)
    on = max((box.overlap(c) / area for c in covers), default=0.0)
    if on >= ON_COVER_SHARE:
        return True, f"{on:.0%} of it lies on a cover already placed"
    if box.h < min_height:
        return False, f"{box.h} px tall, smaller than a face anyone could recognise once posted ({min_height:.0f} px)"
    score = closer_look(rgb, box)
    if score >= CLOSER_MIN_SCORE:
        return True, f"CenterFace on a closer look: score {score:.2f}"
    return False, f"no face on a closer look (CenterFace {score:.2f})"


def warm_up() -> None:
    _short_range()
