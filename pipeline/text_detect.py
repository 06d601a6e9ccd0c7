"""Text lines in a photo: PP-OCRv4's text detector and PaddleOCR's 0/180 direction classifier,
both the ONNX files rapidocr-onnxruntime ships, run with onnxruntime and loaded once per process.

``detect_lines`` finds where text lines are (rotated rectangles in the given image's pixels);
``upside_down_probability`` tells, for line crops laid horizontal, how likely each is upside down.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .models import model_path, onnx_session_options

DET_BINARY_THRESHOLD = 0.3  # probability above which a pixel belongs to text (PaddleOCR's default)
DET_BOX_THRESHOLD = 0.5  # mean probability inside a candidate line to keep it (PaddleOCR's default)
CLS_SHAPE = (48, 192)  # the direction classifier's input height and width


@dataclass(frozen=True)
class TextLine:
    """A detected line: centre, size along and across the line, angle of its long side in degrees
    (0 = horizontal, 90 = vertical), the four corners, and the detector's mean probability."""

    cx: float
    cy: float
    length: float
    thickness: float
    angle: float
    corners: np.ndarray
    score: float


def _session(name: str):
    import onnxruntime

    return onnxruntime.InferenceSession(str(model_path(name)), onnx_session_options(),
                                        providers=["CPUExecutionProvider"])


@lru_cache(maxsize=1)
def _detector():
    return _session("ppocr_det")


@lru_cache(maxsize=1)
def _classifier():
    return _session("ppocr_cls")


def detect_lines(rgb: np.ndarray, min_thickness: float = 6.0) -> list[TextLine]:
    """Text lines in ``rgb`` (run at the image's own size, padded to a multiple of 32)."""
    h, w = rgb.shape[:2]
    ph, pw = -(-h // 32) * 32, -(-w // 32) * 32
    blob = np.zeros((1, 3, ph, pw), np.float32)
    blob[0, :, :h, :w] = (rgb[:, :, ::-1].astype(np.float32) / 255.0 - 0.5).transpose(2, 0, 1) / 0.5
    session = _detector()
    prob = session.run(None, {session.get_inputs()[0].name: blob})[0][0, 0, :h, :w]
    mask = cv2.dilate((prob > DET_BINARY_THRESHOLD).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    lines = []
    for contour in contours:
        if len(contour) < 4:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        region = np.zeros((bh, bw), np.uint8)
        cv2.fillPoly(region, [contour - [x, y]], 1)
        score = float(prob[y:y + bh, x:x + bw][region.astype(bool)].mean())
        if score < DET_BOX_THRESHOLD:
            continue
        (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
        # the detector shrinks lines; grow them back (PaddleOCR's unclip, ratio 1.6, as a margin)
        area, perimeter = rw * rh, 2 * (rw + rh)
        grow = area * 1.6 / max(perimeter, 1e-6)
        rw, rh = rw + 2 * grow, rh + 2 * grow
        length, thickness = max(rw, rh), min(rw, rh)
        if thickness < min_thickness:
            continue
        long_angle = angle if rw >= rh else angle + 90
        corners = cv2.boxPoints(((cx, cy), (rw, rh), angle))
        lines.append(TextLine(cx, cy, length, thickness, long_angle % 180, corners, score))
    return lines


def lines_in(image, long_side: int) -> list[TextLine]:
    """Text lines of a LoadedImage's preview at ``long_side``, found once and shared by the stages."""
    return image.cached(("text-lines", long_side), lambda: detect_lines(image.preview(long_side)))


def line_transform(line: TextLine) -> tuple[np.ndarray, int, int]:
    """Affine map from image pixels to the line's crop, and the crop's width and height.

    A line within 45 degrees of horizontal is read left to right with the crop's top towards the
    image's top; a steeper line is read top to bottom with the crop's top towards the image's right.
    So text turned 90 degrees clockwise comes out upright, and text turned 90 degrees
    counter-clockwise comes out upside down."""
    angle = np.deg2rad(line.angle)
    along = np.array([np.cos(angle), np.sin(angle)])
    steep = 45 <= line.angle < 135
    if (steep and along[1] < 0) or (not steep and along[0] < 0):
        along = -along
    across = np.array([-along[1], along[0]])  # along turned 90 degrees clockwise on screen
    centre = np.array([line.cx, line.cy])
    half_l, half_t = line.length / 2, line.thickness / 2
    corners = np.float32([centre - along * half_l - across * half_t, centre + along * half_l - across * half_t,
                          centre + along * half_l + across * half_t])
    out_w, out_h = max(1, int(round(line.length))), max(1, int(round(line.thickness)))
    return cv2.getAffineTransform(corners, np.float32([[0, 0], [out_w, 0], [out_w, out_h]])), out_w, out_h


def line_crop(rgb: np.ndarray, line: TextLine) -> np.ndarray:
    """The line cut out along its long side (see ``line_transform``)."""
    matrix, out_w, out_h = line_transform(line)
    return cv2.warpAffine(rgb, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def scaled(line: TextLine, factor: float) -> TextLine:
    """The same line in an image ``factor`` times larger."""
    return TextLine(line.cx * factor, line.cy * factor, line.length * factor, line.thickness * factor,
                    line.angle, line.corners * factor, line.score)


def upside_down_probability(crops: list[np.ndarray]) -> np.ndarray:
    """For each horizontal line crop, the classifier's probability that it is upside down."""
    if not crops:
        return np.zeros(0, np.float32)
    height, width = CLS_SHAPE
    batch = np.zeros((len(crops), 3, height, width), np.float32)
    for i, crop in enumerate(crops):
        h, w = crop.shape[:2]
        new_w = min(width, max(1, int(np.ceil(height * w / max(h, 1)))))
        resized = cv2.resize(crop[:, :, ::-1], (new_w, height)).astype(np.float32) / 255.0
        batch[i, :, :, :new_w] = ((resized - 0.5) / 0.5).transpose(2, 0, 1)
    session = _classifier()
    probs = session.run(None, {session.get_inputs()[0].name: batch})[0]
    return probs[:, 1].astype(np.float32)  # labels: 0 = upright, 1 = turned 180 degrees
