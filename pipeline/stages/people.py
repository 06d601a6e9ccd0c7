"""People seen from behind, for ``redact --crop hands``.

MediaPipe's selfie segmentation model (Tasks API image segmenter) tells which pixels belong to a
person, whichever way the person faces. A person whose pixels hold no detected face is seen from
behind (or has the face hidden): the guidance's "backs of their heads", which a crop may show.
The face detectors cannot find such people, and no person detector that ships in a PyPI package
finds people by their bodies (MediaPipe's pose detector finds them by the face).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from ..findings import Box
from ..models import close_at_exit, model_path

# The model sees 256 x 256 pixels; a preview this long is plenty, and cheaper to hand over.
MASK_LONG_SIDE = 512

# Confidence above which a pixel belongs to a person (the model's own midpoint).
PERSON_CONFIDENCE = 0.5

# A region of person pixels is a person only when the segmenter is sure of part of it: at least
# PERSON_CORE_SHARE of its pixels at PERSON_SURE or more. Pieces of a tablecloth, a sweater, a
# stage truss or a logo come out as regions the model hovers over, between 0.5 and 0.9 everywhere.
# Measured on the regions of hands/, people_scenes/ and faces_annotated/ (mask at 512 px), by the
# confidence of each region's most confident tenth: 103 of the 104 regions that hold a face reach
# 0.99 or more; of the 10 without one, the 5 below 0.9 (0.65-0.86) are two pieces of tablecloth,
# a sweater, a stage truss and a head half hidden under a watermark logo, and the two real heads
# seen from behind (one cut by the photo's bottom edge) reach 1.0.
PERSON_SURE = 0.9
PERSON_CORE_SHARE = 0.1

# A person smaller than this share of the photo is left out: specks of the mask, or a figure too
# small to be the subject of a crop.
MIN_PERSON_SHARE = 0.01

# A face box is grown by this share of its size before asking whether it lies on a person: a face
# detector frames the face tightly, the mask may stop at the hairline.
FACE_REACH = 0.25


@lru_cache(maxsize=1)
def _segmenter():
    """The person segmenter, loaded once per process."""
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import ImageSegmenter, ImageSegmenterOptions

    segmenter = ImageSegmenter.create_from_options(ImageSegmenterOptions(
        base_options=BaseOptions(model_asset_path=str(model_path("mediapipe_selfie_segmentation"))),
        output_confidence_masks=True, output_category_mask=False))
    close_at_exit(segmenter)
    return segmenter


def person_confidence(rgb: np.ndarray, long_side: int = MASK_LONG_SIDE) -> np.ndarray:
    """How sure the segmenter is (0 to 1) that each pixel of a preview of ``rgb`` (at most
    ``long_side`` long) belongs to a person."""
    import mediapipe as mp

    h, w = rgb.shape[:2]
    scale = min(1.0, long_side / max(h, w))
    small = rgb if scale == 1.0 else cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                                                interpolation=cv2.INTER_AREA)
    result = _segmenter().segment(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(small)))
    return np.array(result.confidence_masks[0].numpy_view(), dtype=np.float32).reshape(small.shape[:2])


def person_mask(rgb: np.ndarray, long_side: int = MASK_LONG_SIDE) -> np.ndarray:
    """Which pixels of a preview of ``rgb`` (at most ``long_side`` long) belong to a person."""
    return person_confidence(rgb, long_side) > PERSON_CONFIDENCE


def sure_person(confidence: np.ndarray) -> bool:
    """Whether a region of person pixels (``confidence``: the segmenter's values over its pixels)
    is a person: the segmenter is sure of part of it (PERSON_CORE_SHARE of its pixels at
    PERSON_SURE or more), not unsure all over like a fragment of a tablecloth or a logo."""
    return confidence.size > 0 and float(np.mean(confidence >= PERSON_SURE)) >= PERSON_CORE_SHARE


def people_seen_from_behind(rgb: np.ndarray, faces: list[Box], confidence: np.ndarray | None = None) -> list[Box]:
    """Boxes (in ``rgb``'s pixels) round each person whose pixels hold none of the ``faces``: people
    seen from behind. People who touch one another form one region; a region with any face on it
    is left out whole, so a crop that holds one of these boxes holds no face of that region. A
    region the segmenter is nowhere sure of (``sure_person``) is no person.
    ``confidence``: ``person_confidence(rgb)``, when made already."""
    return [person for person, _, sure in _without_faces(rgb, faces, confidence) if sure]


# The head of a person seen from behind: the person's pixels in the top share of the region.
HEAD_SHARE = 0.22


def heads_seen_from_behind(rgb: np.ndarray, faces: list[Box], confidence: np.ndarray | None = None,
                           unsure: bool = False) -> list[Box]:
    """Boxes round the heads of the people ``people_seen_from_behind`` finds: the top of each region
    (a region cut by the photo's top edge has its head outside the photo and gives none). A crop
    for posting shows the back of a head, not a body without one. ``unsure``: the tops of the
    regions without a face that the segmenter is not sure are people instead (for the reason
    when no crop is made)."""
    return [head for _, head, sure in _without_faces(rgb, faces, confidence) if head is not None and sure != unsure]


def _without_faces(rgb: np.ndarray, faces: list[Box],
                   confidence: np.ndarray | None) -> list[tuple[Box, Box | None, bool]]:
    h, w = rgb.shape[:2]
    confidence = person_confidence(rgb) if confidence is None else confidence
    mask = confidence > PERSON_CONFIDENCE
    mh, mw = mask.shape
    sx, sy = mw / w, mh / h
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    with_face = set()
    for face in faces:
        dx, dy = FACE_REACH * face.w, FACE_REACH * face.h
        x1, y1 = max(0, int((face.x - dx) * sx)), max(0, int((face.y - dy) * sy))
        x2, y2 = min(mw, int(np.ceil((face.x + face.w + dx) * sx))), min(mh, int(np.ceil((face.y + face.h + dy) * sy)))
        with_face.update(int(v) for v in np.unique(labels[y1:y2, x1:x2]))
    out = []
    for i in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if i in with_face or area < MIN_PERSON_SHARE * mh * mw:
            continue
        sure = sure_person(confidence[labels == i])
        head = None
        if y > 0:
            band = labels[y:y + max(1, round(HEAD_SHARE * bh)), x:x + bw] == i
            cols, rows = np.nonzero(band.any(0))[0], np.nonzero(band.any(1))[0]
            head = Box.from_xyxy((x + cols.min()) / sx, (y + rows.min()) / sy, (x + cols.max() + 1) / sx,
                                 (y + rows.max() + 1) / sy, w, h)
        out.append((Box.from_xyxy(x / sx, y / sy, (x + bw) / sx, (y + bh) / sy, w, h), head, sure))
    return out


def warm_up() -> None:
    _segmenter()
