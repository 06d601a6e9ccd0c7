"""Orientation stage: sideways or upside-down content in a photo that has no EXIF tag to say so.

The loader has already applied any EXIF orientation, so the picture is judged as a viewer sees it.
Evidence, strongest first:
1. Faces: CenterFace on the photo turned 0, 90, 180 and 270 degrees; each confident face votes
   for the direction its chin points (from eyes to mouth, with its landmarks).
2. Text, when no face gave an answer: the lines found by the PP-OCR text detector are read by
   PP-OCR's recogniser along their length and turned 180 degrees; text reads with confidence
   only the right way up. When the lines do not settle it, Tesseract's orientation detection (OSD).
A photo with neither (a landscape, say) is not judged. The finding carries ``rotate_cw``: the
clockwise turn that makes the photo upright.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np

from ..findings import Finding

DETECTOR_FACES = "orientation:faces"
DETECTOR_TEXT = "orientation:text-lines"
DETECTOR_OSD = "orientation:tesseract-osd"
LINES_PER_ROUND = 4  # text lines are read this many at a time, longest first
CLEAR_LEAD, CLEAR_CONFIDENCE = 8.0, 0.25  # a lead in votes at which reading more lines stops


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


def _plurality(votes: dict[int, float], o) -> int | None:
    """When the faces disagree (no direction has face_min_share of the votes), the direction with
    at least face_plurality_share of them and twice the runner-up's votes; else None."""
    total = sum(votes.values())
    if total < 2 * o.face_min_votes:
        return None
    first, second = sorted(votes.values(), reverse=True)[:2]
    best = max(votes, key=votes.get)
    return best if first / total >= o.face_plurality_share and first >= 2 * second else None


def legibility(reading) -> float:
    """How much a reading looks like text read the right way up, 0-1: its length in characters (up
    to 10) times how far its confidence rises above 0.5. Text turned the wrong way, or in a script
    the recogniser does not know (Devanagari, say), reads at 0.2-0.6; Latin and Chinese text the
    right way up at 0.9 and more."""
    return min(len(reading.chars), 10) / 10 * float(np.clip((reading.confidence - 0.5) / 0.5, 0.0, 1.0))


def _read_votes(preview: np.ndarray, lines, votes: dict[int, float], shift: int) -> None:
    """Add the votes of ``lines`` (found in ``preview``, longest first) to ``votes``, read until
    they agree clearly. ``shift``: the clockwise turn from the photo to ``preview``."""
    from ..text.detect import MAX_VOTE_ASPECT, line_crop, recognise

    for start in range(0, len(lines), LINES_PER_ROUND):
        batch = lines[start:start + LINES_PER_ROUND]
        # the middle of a long line is enough to tell which way up it reads, and costs less
        crops = [line_crop(preview, replace(x, length=min(x.length, MAX_VOTE_ASPECT * x.thickness))) for x in batch]
        readings = recognise(crops + [c[::-1, ::-1] for c in crops])
        for line, read, read_turned in zip(batch, readings[:len(crops)], readings[len(crops):]):
            # line_transform reads a steep line top to bottom: upright there means text turned 90 cw
            upright_turn, flipped_turn = (270, 90) if 45 <= line.angle < 135 else (0, 180)
            weight = min(line.length / max(line.thickness, 1e-6), MAX_VOTE_ASPECT)
            votes[(upright_turn + shift) % 360] += weight * legibility(read)
            votes[(flipped_turn + shift) % 360] += weight * legibility(read_turned)
        if _clear(votes):
            return  # the longest lines already agree: the shorter ones would not change the answer


def _clear(votes: dict[int, float]) -> bool:
    first, second = sorted(votes.values(), reverse=True)[:2]
    return first - second >= CLEAR_LEAD and (first - second) / max(sum(votes.values()), 1e-9) >= CLEAR_CONFIDENCE


def text_rotation(image, policy) -> tuple[int, float, float] | None:
    """From text lines: (rotate_cw, confidence 0-1, evidence), or None when no line is found.

    Each of the longest lines is read by PP-OCR's recogniser twice: along its long side as the
    photo stands, and turned 180 degrees. Text read the right way up comes out as confident words;
    read upside down or sideways it comes out short and unsure. A line running across the photo
    votes for "upright" or "upside down", a line running down it for a quarter turn either way,
    each with its reading's legibility (``legibility``) times its length in line heights (up to
    12). The detector finds lines running across a picture better than lines running down it, so
    when the votes are not clear, lines are also looked for on the photo turned a quarter. Evidence
    is the winning direction's votes; confidence is its lead over the runner-up, as a share of all
    votes."""
    from ..text.detect import detect_lines_any_size, lines_in

    o = policy.orientation
    keep = lambda found: [x for x in found if x.length >= 1.5 * x.thickness][: o.text_max_lines]  # noqa: E731
    votes = {0: 0.0, 90: 0.0, 180: 0.0, 270: 0.0}
    lines = keep(sorted(lines_in(image, o.text_long_side), key=lambda x: -x.length))
    _read_votes(image.preview(o.text_long_side), lines, votes, 0)
    if not _clear(votes):
        quarter = np.ascontiguousarray(np.rot90(image.preview(o.turned_text_long_side)))  # turned 90 ccw
        turned_lines = keep(sorted(detect_lines_any_size(quarter), key=lambda x: -x.length))
        _read_votes(quarter, turned_lines, votes, 270)
        lines += turned_lines
    if not lines:
        return None
    ranked = sorted(votes.values(), reverse=True)
    return max(votes, key=votes.get), (ranked[0] - ranked[1]) / max(sum(ranked), 1e-9), ranked[0]


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
    if text and text[1] >= o.text_min_confidence and text[2] >= o.text_min_evidence:
        if not text[0]:
            return []
        return [Finding("orientation", None, float(min(1.0, text[1])), DETECTOR_TEXT, rotate_cw=text[0],
                        why=f"text runs turned: rotate {text[0]} deg clockwise to make the photo upright")]
    plurality = _plurality(votes, o)
    if plurality is not None:  # the faces disagree, the text says nothing: the clear plurality decides
        if not plurality:
            return []
        share = votes[plurality] / sum(votes.values())
        return [Finding("orientation", None, float(share), DETECTOR_FACES, rotate_cw=plurality,
                        why=f"most faces lie turned: rotate {plurality} deg clockwise to make the photo upright")]
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
