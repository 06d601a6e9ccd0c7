"""OCR: read the text lines the detector found, with Tesseract.

Tesseract on a whole 12 MP photo is slow and misses text on busy backgrounds. Here the PP-OCR
detector finds the lines first; each line is cut out of the full-resolution photo, laid horizontal,
turned the right way up (direction classifier), scaled to a common height, and all of them are
stacked into one strip that Tesseract reads in a single call. Words come back with boxes mapped to
the upright original.

The recognised text stays in memory: it goes to the recognizers and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .findings import Box
from .text_detect import detect_lines, line_transform, scaled, upside_down_probability

LINE_HEIGHT = 40  # px: lines are scaled to this height for Tesseract (capital letters about 25 px)
GAP = 16  # px of white between stacked lines
MARGIN = 12


@dataclass(frozen=True)
class Word:
    text: str
    box: Box  # in the upright original
    confidence: float  # Tesseract's word confidence, 0-100


@dataclass(frozen=True)
class OcrLine:
    words: tuple[Word, ...]
    box: Box

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def _map_back(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Points in a crop back to the image through the inverse of the crop's affine map."""
    inverse = cv2.invertAffineTransform(matrix)
    return points @ inverse[:, :2].T + inverse[:, 2]


def _box_of(points: np.ndarray, width: int, height: int) -> Box:
    return Box.from_xyxy(points[:, 0].min(), points[:, 1].min(), points[:, 0].max(), points[:, 1].max(), width, height)


def _binarize(grey: np.ndarray) -> np.ndarray:
    """Dark text on white: Tesseract's layout analysis skips grey or dark patches as pictures."""
    _, bw = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return 255 - bw if (bw == 0).mean() > 0.5 else bw  # light text on a dark ground: invert


def read_lines(image, detect_long_side: int, min_line_height: float, max_lines: int, languages: str,
               timeout: float) -> list[OcrLine]:
    """Detect and read the text lines of a LoadedImage."""
    import pytesseract

    preview = image.preview(detect_long_side)
    factor = image.width / preview.shape[1]
    lines = [line for line in detect_lines(preview) if line.thickness * factor >= min_line_height]
    lines = sorted(lines, key=lambda x: -x.length)[:max_lines]
    if not lines:
        return []
    full = [scaled(line, factor) for line in lines]
    crops, transforms = [], []
    for line in full:
        matrix, w, h = line_transform(line)
        k = LINE_HEIGHT / h  # render the crop straight at the common height
        matrix = matrix * k
        out_w = max(1, int(round(w * k)))
        crop = cv2.warpAffine(image.pixels, matrix, (out_w, LINE_HEIGHT), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        crops.append(crop)
        transforms.append(matrix)
    flipped = upside_down_probability([c for c in crops]) > 0.5
    strip_w = max(c.shape[1] for c in crops) + 2 * MARGIN
    strip_h = len(crops) * (LINE_HEIGHT + GAP) + 2 * MARGIN
    strip = np.full((strip_h, strip_w), 255, np.uint8)
    for i, crop in enumerate(crops):
        grey = _binarize(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY))
        if flipped[i]:
            grey = grey[::-1, ::-1]
        y = MARGIN + i * (LINE_HEIGHT + GAP)
        strip[y:y + LINE_HEIGHT, MARGIN:MARGIN + grey.shape[1]] = grey
    data = pytesseract.image_to_data(strip, lang=languages, config="--psm 4", timeout=timeout,
                                     output_type=pytesseract.Output.DICT)
    words: list[list[Word]] = [[] for _ in crops]
    for text, conf, left, top, width, height in zip(data["text"], data["conf"], data["left"], data["top"],
                                                     data["width"], data["height"]):
        text = (text or "").strip()
        if not text:
            continue
        i = int((top + height / 2 - MARGIN) // (LINE_HEIGHT + GAP))
        if not 0 <= i < len(crops):
            continue
        x0, x1 = left - MARGIN, left - MARGIN + width
        crop_w = crops[i].shape[1]
        if flipped[i]:  # the strip shows this crop turned 180 degrees
            x0, x1 = crop_w - x1, crop_w - x0
        corners = np.array([[x0, 0], [x1, 0], [x1, LINE_HEIGHT], [x0, LINE_HEIGHT]], np.float64)
        box = _box_of(_map_back(corners, transforms[i]), image.width, image.height)
        words[i].append(Word(text, box, float(conf)))
    out = []
    for i, line_words in enumerate(words):
        if line_words:
            corners = _map_back(np.array([[0, 0], [crops[i].shape[1], 0], [crops[i].shape[1], LINE_HEIGHT],
                                          [0, LINE_HEIGHT]], np.float64), transforms[i])
            out.append(OcrLine(tuple(line_words), _box_of(corners, image.width, image.height)))
    return out

