"""OCR: read the text lines the detector found, with Tesseract or PP-OCR's recogniser.

Tesseract on a whole 12 MP photo is slow and misses text on busy backgrounds. Here the PP-OCR
detector finds the lines first; each line is cut out of the full-resolution photo, laid horizontal,
turned the right way up (direction classifier, decided together with the neighbouring lines unless
the line's own reading is confident; a line on which the two disagree is settled by how legibly
PP-OCR's recogniser reads it each way up, or else read both ways up) and scaled to a common height.
Then one of two engines reads them:
- Tesseract: all lines stacked into one strip, read in a single call (tesserocr in-process, or
  pytesseract, the command);
- PP-OCRv4's recogniser (the model RapidOCR ships): each line read on its own, in batches.
Words come back with boxes mapped to the upright original.

The recognised text stays in memory: it goes to the recognizers and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from .findings import Box
from .orientation import _legibility
from .text_detect import SHORT_CROP_ASPECT, Reading, flip_decisions, line_transform, lines_in, recognise, scaled, \
    upright_crops, upside_down_probability

LINE_HEIGHT = 40  # px: lines are scaled to this height for Tesseract (capital letters about 25 px)
REC_LINE_HEIGHT = 48  # px: the PP-OCR recogniser's own input height
WORD_GAP = 1.5  # a gap this many times the usual character spacing separates two words
MAX_LINE_WIDTH = 1600  # px: longer lines are scaled down further, so one strip stays a few MP at most
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                 "/usr/share/tessdata", "/usr/local/share/tessdata")
LEGIBLE_LEAD = 0.2  # a disputed line reading this much more legibly one way up (0-1) is read that way only
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


def _reading_words(reading: Reading, crop_w: int) -> list[tuple[str, float, float, float]]:
    """Split a recogniser reading into words: (text, left, right, confidence 0-100) in crop pixels.

    Words end at a space, after a colon or #, or where the gap between two characters is more than
    WORD_GAP times the line's usual spacing (the recogniser often drops the space between two words)."""
    chars, centres, probs = reading.chars, np.asarray(reading.centres), np.asarray(reading.probabilities)
    if not chars:
        return []
    gaps = np.diff(centres)
    pitch = float(np.median(gaps)) if gaps.size else crop_w / 2
    words, current = [], []
    for i, char in enumerate(chars):
        after_label = current and chars[current[-1]] in ":#"  # "ID:885367": the recogniser drops the space
        wide_gap = current and pitch > 0 and centres[i] - centres[current[-1]] > WORD_GAP * pitch
        if char == " " or after_label or wide_gap:
            if current:
                words.append(current)
            current = [] if char == " " else [i]
            continue
        current.append(i)
    if current:
        words.append(current)
    out = []
    for word in words:
        left = max(0.0, centres[word[0]] - 0.65 * pitch)
        right = min(float(crop_w), centres[word[-1]] + 0.65 * pitch)
        out.append(("".join(chars[i] for i in word), left, right, float(probs[word].mean() * 100)))
    return out


def _tesseract_strip_words(crops: list[np.ndarray], flipped: np.ndarray, languages: str, timeout: float,
                           backend: str) -> list[list[tuple[str, float, float, float]]]:
    """All crops stacked into one strip and read by Tesseract in one call: per crop, its words as
    (text, left, right, confidence 0-100) in crop pixels."""
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
    words: list[list[tuple[str, float, float, float]]] = [[] for _ in crops]
    for text, conf, left, top, width, height in zip(data["text"], data["conf"], data["left"], data["top"],
                                                     data["width"], data["height"]):
        text = (text or "").strip()
        if not text:
            continue
        i = int((top + height / 2 - MARGIN) // (LINE_HEIGHT + GAP))
        if 0 <= i < len(crops):
            words[i].append((text, left - MARGIN, left - MARGIN + width, float(conf)))
    return words


def settle_disputes(crops: list[np.ndarray], flipped: np.ndarray, disputed: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Which way up to read the disputed crops (their own lean and their neighbours' vote disagree):
    the crops turned as decided, and the ones to read the other way up as well.

    Each disputed crop is read by PP-OCR's recogniser both ways up; text comes out legible only the
    right way up (``orientation._legibility``). A crop at least SHORT_CROP_ASPECT line heights long
    and clearly more legible one way (by LEGIBLE_LEAD) is read that way only, whatever the classifier
    and the neighbours said: handwriting read the wrong way up comes out as digit-like garbage that
    can pass for a student number. The others (short crops, where legibility says little, and lines
    unclear either way) are read both ways up."""
    flipped = np.array(flipped, bool)
    ids = [int(i) for i in np.nonzero(disputed)[0]]
    if not ids:
        return flipped, []
    decided = upright_crops([crops[i] for i in ids], flipped[ids])
    trial = recognise(decided + [c[::-1, ::-1] for c in decided])
    twice = []
    for k, i in enumerate(ids):
        lead = _legibility(trial[len(ids) + k]) - _legibility(trial[k])  # the other way's over the decided way's
        if crops[i].shape[1] < SHORT_CROP_ASPECT * crops[i].shape[0] or abs(lead) < LEGIBLE_LEAD:
            twice.append(i)
        elif lead > 0:
            flipped[i] = not flipped[i]
    return flipped, twice


def read_lines(image, detect_long_side: int, min_line_height: float, max_lines: int, languages: str,
               timeout: float, backend: str = "tesserocr") -> list[OcrLine]:
    """Detect and read the text lines of a LoadedImage with the engine ``backend``: tesserocr, pytesseract or rapidocr."""
    preview = image.preview(detect_long_side)
    factor = image.width / preview.shape[1]
    lines = [line for line in lines_in(image, detect_long_side) if line.thickness * factor >= min_line_height]
    lines = sorted(lines, key=lambda x: -x.length)[:max_lines]
    if not lines:
        return []
    full = [scaled(line, factor) for line in lines]
    height = REC_LINE_HEIGHT if backend == "rapidocr" else LINE_HEIGHT
    crops, transforms = [], []
    for line in full:
        matrix, w, h = line_transform(line)
        k = min(height / h, MAX_LINE_WIDTH / w)  # render the crop straight at the common height
        matrix = matrix * k
        out_w, out_h = max(1, int(round(w * k))), max(1, int(round(h * k)))
        crop = cv2.warpAffine(image.pixels, matrix, (out_w, out_h), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        crops.append(crop)
        transforms.append(matrix)
    flipped, twice = settle_disputes(crops, *flip_decisions(full, upside_down_probability(crops)))

    def read(views: list[tuple[int, bool]]) -> list[tuple[tuple[int, bool], list]]:
        """Words of (crop, turned 180 degrees) pairs, read together in one strip or batch."""
        view_crops, view_flips = [crops[i] for i, _ in views], [f for _, f in views]
        if backend == "rapidocr":
            readings = recognise(upright_crops(view_crops, view_flips))
            return [(v, _reading_words(r, c.shape[1])) for v, r, c in zip(views, readings, view_crops)]
        words = list(zip(views, _tesseract_strip_words(view_crops, view_flips, languages, timeout, backend)))
        # Tesseract misreads a lone "A-" or "C+" as "<" or "&" now and then: short crops (a grade, a
        # number) are also read by the PP-OCR recogniser, and the recognizers see both readings
        short = [k for k, c in enumerate(view_crops) if c.shape[1] < SHORT_CROP_ASPECT * c.shape[0]]
        readings = recognise(upright_crops([view_crops[k] for k in short], [view_flips[k] for k in short])) \
            if short else []
        return words + [(views[k], _reading_words(r, view_crops[k].shape[1])) for k, r in zip(short, readings)]

    # each crop is read its decided way up, and those still in dispute the other way up too, apart:
    # an engine's reading of a line depends on the lines read with it (Tesseract's strip, the
    # recogniser's padded batches), so the other lines read as they would without the dispute
    readings = read([(i, bool(f)) for i, f in enumerate(flipped)])
    readings += read([(i, not flipped[i]) for i in twice]) if twice else []
    out = []
    for (i, turned), crop_words in readings:
        crop_h, crop_w = crops[i].shape[:2]
        line_words = []
        for text, x0, x1, conf in crop_words:
            if turned:  # the engine saw this crop turned 180 degrees
                x0, x1 = crop_w - x1, crop_w - x0
            corners = np.array([[x0, 0], [x1, 0], [x1, crop_h], [x0, crop_h]], np.float64)
            line_words.append(Word(text, _box_of(_map_back(corners, transforms[i]), image.width, image.height), conf))
        if line_words:
            corners = _map_back(np.array([[0, 0], [crop_w, 0], [crop_w, crop_h], [0, crop_h]], np.float64), transforms[i])
            out.append(OcrLine(tuple(line_words), _box_of(corners, image.width, image.height)))
    return out
