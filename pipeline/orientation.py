"""Orientation stage: sideways or upside-down content in a photo that has no EXIF tag to say so.

The loader has already applied any EXIF orientation, so the picture is judged as a viewer sees it.
Evidence, strongest first:
1. Faces: CenterFace on the photo turned 0, 90, 180 and 270 degrees; each confident face votes
   for the direction its chin points (from eyes to mouth, with its landmarks).
2. Text, when no face gave an answer: lines found by the PP-OCR text detector run horizontally in
   an upright photo; PaddleOCR's direction classifier on the longest lines tells right way up
   from upside down. When the lines do not settle it, Tesseract's orientation detection (OSD).
A photo with neither (a landscape, say) is not judged. The finding carries ``rotate_cw``: the
clockwise turn that makes the photo upright.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .findings import Finding

DETECTOR_FACES = "orientation:faces"
DETECTOR_TEXT = "orientation:text-lines"
DETECTOR_OSD = "orientation:tesseract-osd"


def rotate_cw_for_chin(dx: float, dy: float) -> int:
    """Clockwise turn that makes a face upright, given the direction its chin points (image x
    right, y down). Upright faces point down (0); chin to the right means the photo was turned
    counter-clockwise, so it needs 90; and so on."""
    angle = math.degrees(math.atan2(dy, dx)) % 360  # 90 = down
    return {0: 90, 1: 0, 2: 270, 3: 180}[int(((angle + 45) % 360) // 90)]


def face_votes(image, policy) -> dict[int, float]:
    from .faces import detect_at

    o = policy.orientation
    votes = {0: 0.0, 90: 0.0, 180: 0.0, 270: 0.0}
    for k in range(4):
        for det in detect_at(image.preview(o.faces_long_side), o.faces_long_side, o.face_min_score, k):
            (lx, ly), (rx, ry), _, (mlx, mly), (mrx, mry) = det.landmarks
            votes[rotate_cw_for_chin((mlx + mrx - lx - rx) / 2, (mly + mry - ly - ry) / 2)] += det.score
        total = sum(votes.values())
        if k == 0 and total >= 2 * o.face_min_votes and votes[0] >= 0.9 * total:
            break  # clear upright faces as the photo stands (the common case): no need to turn it
    return votes


def _decided(votes: dict[int, float], o) -> int | None:
    """The winning turn when the face votes are strong and agree enough, else None."""
    total = sum(votes.values())
    if total < o.face_min_votes:
        return None
    best = max(votes, key=votes.get)
    return best if votes[best] / total >= o.face_min_share else None


def text_rotation(image, policy) -> tuple[int, float] | None:
    """From text lines: (rotate_cw, confidence 0-1), or None when there is too little text.

    Lines in an upright photo run horizontally; in a sideways one, vertically. Which of the two
    ways up is right comes from the direction classifier on the longest lines."""
    from .text_detect import line_crop, lines_in, upside_down_probability

    o = policy.orientation
    preview = image.preview(o.text_long_side)
    lines = [line for line in lines_in(image, o.text_long_side) if line.length >= 3 * line.thickness]
    if len(lines) < o.text_min_lines:
        return None
    steep = [line for line in lines if 45 <= line.angle < 135]
    flat = [line for line in lines if not 45 <= line.angle < 135]
    steep_weight, flat_weight = sum(x.length for x in steep), sum(x.length for x in flat)
    group, (upright_turn, flipped_turn) = ((steep, (270, 90)) if steep_weight > flat_weight else (flat, (0, 180)))
    share = max(steep_weight, flat_weight) / (steep_weight + flat_weight)
    group = sorted(group, key=lambda x: -x.length)[: o.text_max_lines]
    if len(group) < o.text_min_lines:
        return None
    weights = np.array([x.length for x in group])
    flipped = float(np.average(upside_down_probability([line_crop(preview, x) for x in group]), weights=weights))
    turn = flipped_turn if flipped > 0.5 else upright_turn
    return turn, share * abs(flipped - 0.5) * 2


def orientation_findings(image, policy) -> list[Finding]:
    o = policy.orientation
    votes = face_votes(image, policy)
    best = _decided(votes, o)
    if best == 0:
        return []
    if best is not None:
        share = votes[best] / sum(votes.values())
        return [Finding("orientation", None, float(min(1.0, share)), DETECTOR_FACES, rotate_cw=best,
                        why=f"faces lie turned: rotate {best} deg clockwise to make the photo upright")]
    text = text_rotation(image, policy)
    if text and text[1] >= o.text_min_confidence:
        if not text[0]:
            return []
        return [Finding("orientation", None, float(min(1.0, text[1])), DETECTOR_TEXT, rotate_cw=text[0],
                        why=f"text runs turned: rotate {text[0]} deg clockwise to make the photo upright")]
    if text is not None:  # text found but the lines did not settle it: ask Tesseract's orientation detection
        osd = osd_rotation(image, policy)
        if osd and osd[0] and osd[1] >= o.osd_min_confidence:
            return [Finding("orientation", None, float(min(1.0, osd[1] / (2 * o.osd_min_confidence))), DETECTOR_OSD,
                            rotate_cw=osd[0],
                            why=f"text runs turned: rotate {osd[0]} deg clockwise to make the photo upright")]
    return []


def osd_rotation(image, policy) -> tuple[int, float] | None:
    """Tesseract's orientation detection (OSD): (rotate_cw, confidence), None with too little text."""
    import pytesseract

    try:
        osd = pytesseract.image_to_osd(image.preview(policy.orientation.text_long_side), config="--psm 0",
                                       timeout=policy.orientation.osd_timeout)
    except (pytesseract.TesseractError, RuntimeError):
        return None  # too few characters, or too slow: no evidence
    rotate = re.search(r"Rotate:\s*(\d+)", osd)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", osd)
    if not rotate or not confidence:
        return None
    return int(rotate.group(1)) % 360, float(confidence.group(1))


def stage(image, policy) -> list[Finding]:
    """Stage entry point: ``(LoadedImage, Policy) -> findings``."""
    return orientation_findings(image, policy)


def upright(pixels: np.ndarray, rotate_cw: int) -> np.ndarray:
    """The picture turned ``rotate_cw`` degrees clockwise."""
    return np.ascontiguousarray(np.rot90(pixels, -(rotate_cw // 90)))
