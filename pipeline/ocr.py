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
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .findings import Box
from .text_detect import line_transform, lines_in, scaled, upside_down_probability

LINE_HEIGHT = 40  # px: lines are scaled to this height for Tesseract (capital letters about 25 px)
MAX_LINE_WIDTH = 1600  # px: longer lines are scaled down further, so one strip stays a few MP at most
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                 "/usr/share/tessdata", "/usr/local/share/tessdata")
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


@lru_cache(maxsize=2)
def _tesserocr_api(languages: str):
    """Tesseract loaded once per process (through tesserocr, in-process)."""
    import tesserocr

    path = next((d for d in TESSDATA_DIRS if Path(d, "eng.traineddata").is_file()), None)
    return tesserocr.PyTessBaseAPI(path=path or "", lang=languages, psm=tesserocr.PSM.SINGLE_COLUMN)


def tesseract_words(strip: np.ndarray, languages: str, timeout: float, backend: str) -> dict[str, list]:
    """Tesseract's words on the strip: dict of parallel lists text/conf/left/top/width/height.

    backend "tesserocr": the Tesseract library inside this process, loaded once (fast: no process
    start, no model load per photo). "pytesseract": the tesseract command, one process per photo."""
    if backend == "pytesseract":
        import pytesseract

        data = pytesseract.image_to_data(strip, lang=languages, config="--psm 4", timeout=timeout,
                                         output_type=pytesseract.Output.DICT)
        return {k: data[k] for k in ("text", "conf", "left", "top", "width", "height")}
    import tesserocr
    from PIL import Image

    api = _tesserocr_api(languages)
    api.SetImage(Image.fromarray(strip))
    if not api.Recognize(timeout=int(timeout * 1000)):
        raise RuntimeError("Tesseract did not finish within text.ocr_timeout")
    out: dict[str, list] = {k: [] for k in ("text", "conf", "left", "top", "width", "height")}
    iterator = api.GetIterator()
    level = tesserocr.RIL.WORD
    for item in tesserocr.iterate_level(iterator, level):
        try:
            word = item.GetUTF8Text(level)
            box = item.BoundingBox(level)
        except RuntimeError:  # an empty word (tesserocr raises instead of returning "")
            continue
        if not word or box is None:
            continue
        x1, y1, x2, y2 = box
        out["text"].append(word)
        out["conf"].append(item.Confidence(level))
        out["left"].append(x1)
        out["top"].append(y1)
        out["width"].append(x2 - x1)
        out["height"].append(y2 - y1)
    return out


def read_lines(image, detect_long_side: int, min_line_height: float, max_lines: int, languages: str,
               timeout: float, backend: str = "tesserocr") -> list[OcrLine]:
    """Detect and read the text lines of a LoadedImage."""
    preview = image.preview(detect_long_side)
    factor = image.width / preview.shape[1]
    lines = [line for line in lines_in(image, detect_long_side) if line.thickness * factor >= min_line_height]
    lines = sorted(lines, key=lambda x: -x.length)[:max_lines]
    if not lines:
        return []
    full = [scaled(line, factor) for line in lines]
    crops, transforms = [], []
    for line in full:
        matrix, w, h = line_transform(line)
        k = min(LINE_HEIGHT / h, MAX_LINE_WIDTH / w)  # render the crop straight at the common height
        matrix = matrix * k
        out_w, out_h = max(1, int(round(w * k))), max(1, int(round(h * k)))
        crop = cv2.warpAffine(image.pixels, matrix, (out_w, out_h), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
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
        strip[y:y + grey.shape[0], MARGIN:MARGIN + grey.shape[1]] = grey
    data = tesseract_words(strip, languages, timeout, backend)
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
        crop_h = crops[i].shape[0]
        corners = np.array([[x0, 0], [x1, 0], [x1, crop_h], [x0, crop_h]], np.float64)
        box = _box_of(_map_back(corners, transforms[i]), image.width, image.height)
        words[i].append(Word(text, box, float(conf)))
    out = []
    for i, line_words in enumerate(words):
        if line_words:
            ch, cw = crops[i].shape[:2]
            corners = _map_back(np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float64), transforms[i])
            out.append(OcrLine(tuple(line_words), _box_of(corners, image.width, image.height)))
    return out

