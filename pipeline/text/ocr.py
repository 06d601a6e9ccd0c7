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

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from ..findings import Box
from ..stages.orientation import legibility
from .detect import (
    SHORT_CROP_ASPECT, Reading, TextLine, detect_lines, flip_decisions, line_transform, lines_in, marks_beside_lines,
    recognise, scaled, shifted, split_stacked, upright_crops, upside_down_probability,
)

STRIP_HALVED = 4  # crops: a strip this long read as no word at all is read again in halves
LINE_HEIGHT = 40  # px: lines are scaled to this height for Tesseract (capital letters about 25 px)
REC_LINE_HEIGHT = 48  # px: the PP-OCR recogniser's own input height
WORD_GAP = 1.5  # a gap this many times the usual character spacing separates two words
MAX_LINE_WIDTH = 1600  # px: longer lines are scaled down further, so one strip stays a few MP at most
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                 "/usr/share/tessdata", "/usr/local/share/tessdata")
LEGIBLE_LEAD = 0.2  # a disputed line reading this much more legibly one way up (0-1) is read that way only
LEGIBILITY_ASPECT = 6.0  # line heights of a disputed line's middle read to tell its way up (about ten characters)
LEGIBLE = 0.5  # legibility (0-1) of text read the right way up; the wrong way up reads at 0.3 at most
TRIAL_BATCH_WIDTH = 80  # recogniser batches of 2 middles (320 px wide at most, so never squeezed): faster on one core
SURE_WORD = 90.0  # Tesseract confidence (0-100): with "both", lines with a word below it are read by PP-OCR too
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
    engine: str = ""  # TESSERACT or PP_OCR: the engine that read it
    short: bool = False  # read from a short crop (a lone grade or number: SHORT_CROP_ASPECT)
    angle: float = 0.0  # degrees: the line's slant in the upright original (clockwise, -90 to 90; a turned card's)
    thickness: float = 0.0  # px: the line's height across its slant in the upright original (0: not known)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def _map_back(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Points in a crop back to the image through the inverse of the crop's affine map."""
    inverse = cv2.invertAffineTransform(matrix)
    return points @ inverse[:, :2].T + inverse[:, 2]


def _box_of(points: np.ndarray, width: int, height: int) -> Box:
    return Box.from_xyxy(points[:, 0].min(), points[:, 1].min(), points[:, 0].max(), points[:, 1].max(), width, height)


def _slant(corners: np.ndarray) -> tuple[float, float]:
    """A line's slant (degrees, clockwise, -90 to 90) and thickness (px) from its crop's corners mapped
    back to the image (top-left, top-right, bottom-right, bottom-left)."""
    along, across = corners[1] - corners[0], corners[3] - corners[0]
    angle = float(np.degrees(np.arctan2(along[1], along[0])))
    angle = (angle + 90.0) % 180.0 - 90.0  # read turned 180 degrees or not, the same slant
    return angle, float(np.hypot(*across))


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
                           backend: str, halve: bool = True) -> list[list[tuple[str, float, float, float]]]:
    """All crops stacked into one strip and read by Tesseract in one call: per crop, its words as
    (text, left, right, confidence 0-100) in crop pixels. A strip of STRIP_HALVED crops or more read as
    no word at all ("Empty page": one blob can make the layout analysis take the whole strip for a
    picture) is read again in two halves, once."""
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
    if halve and len(crops) >= STRIP_HALVED and not any(words):
        half = len(crops) // 2
        return [w for part in (slice(0, half), slice(half, None)) for w in _tesseract_strip_words(
            crops[part], flipped[part], languages, timeout, backend, halve=False)]
    return words


def settle_disputes(crops: list[np.ndarray], probabilities: np.ndarray, flipped: np.ndarray,
                    disputed: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Which way up to read the disputed crops (their own lean and their neighbours' vote disagree):
    the crops turned as decided, and the ones to read the other way up as well.

    Short crops (under SHORT_CROP_ASPECT line heights), where the neighbours' vote helps most and
    legibility says little, are read both ways up. The middle of a longer one (LEGIBILITY_ASPECT
    line heights, about ten characters) is read by PP-OCR's recogniser both ways up: text comes out
    legible only the right way up (``orientation.legibility``). One legible the decided way up
    (LEGIBLE), or clearly more legible one way (by LEGIBLE_LEAD), is read that way only, whatever
    the classifier and the neighbours said: handwriting read the wrong way up comes out as
    digit-like garbage that can pass for a student number. The others, unclear either way, are read
    both ways up, their neighbours' way first (in Tesseract's strip with the other lines, as before
    the dispute was looked at), then their own lean's. The other way up is tried only on lines not
    legible the decided way."""
    flipped = np.array(flipped, bool)
    disputed = [int(i) for i in np.nonzero(disputed)[0]]
    twice = [i for i in disputed if crops[i].shape[1] < SHORT_CROP_ASPECT * crops[i].shape[0]]
    long = [i for i in disputed if i not in twice]
    if long:
        flipped, unclear = _by_legibility(crops, flipped, long)
        twice += unclear
    for i in twice:  # in dispute, the neighbours' way is the one the line's own lean is not
        flipped[i] = not probabilities[i] > 0.5
    return flipped, sorted(twice)


def _by_legibility(crops: list[np.ndarray], flipped: np.ndarray, long: list[int]) -> tuple[np.ndarray, list[int]]:
    """``flipped`` with the ``long`` crops read clearly more legibly the other way up turned, and
    those unclear either way (see ``settle_disputes``)."""
    twice = []
    middles = []
    for i in long:
        h, w = crops[i].shape[:2]
        keep = min(w, int(LEGIBILITY_ASPECT * h))
        middles.append(crops[i][:, (w - keep) // 2:(w - keep) // 2 + keep])
    decided = upright_crops(middles, flipped[long])
    legible = [legibility(r) for r in recognise(decided, batch_width=TRIAL_BATCH_WIDTH)]
    # read clearly the decided way up: text the wrong way up does not come out that legible
    unsure = [k for k, value in enumerate(legible) if value < LEGIBLE]
    other = recognise([decided[k][::-1, ::-1] for k in unsure], batch_width=TRIAL_BATCH_WIDTH) if unsure else []
    for k, reading in zip(unsure, other):
        i, lead = long[k], legibility(reading) - legible[k]  # the other way's over the decided way's
        if abs(lead) < LEGIBLE_LEAD:
            twice.append(i)
        elif lead > 0:
            flipped[i] = not flipped[i]
    return flipped, twice


TESSERACT, PP_OCR = "Tesseract", "PP-OCR"  # OcrLine.engine: which engine read the line


def _unsure(words: list[tuple[str, float, float, float]]) -> bool:
    """Tesseract read nothing on the line, or a word below SURE_WORD confidence."""
    return not words or min(w[3] for w in words) < SURE_WORD


def _line_crops(image, full: list, height: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each line cut out of the full-resolution pixels, laid horizontal at ``height`` px (longer
    lines narrower, MAX_LINE_WIDTH at most), and the affine maps from the image to each crop."""
    crops, transforms = [], []
    for line in full:
        matrix, w, h = line_transform(line)
        k = min(height / h, MAX_LINE_WIDTH / w)  # render the crop straight at the common height
        matrix = matrix * k
        out_w, out_h = max(1, int(round(w * k))), max(1, int(round(h * k)))
        crops.append(cv2.warpAffine(image.pixels, matrix, (out_w, out_h),
                                    flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
        transforms.append(matrix)
    return crops, transforms


def read_lines(image, detect_long_side: int, min_line_height: float, max_lines: int, languages: str,
               timeout: float, backend: str = "tesserocr") -> list[OcrLine]:
    """Detect and read the text lines of a LoadedImage with the engine ``backend``: tesserocr,
    pytesseract, rapidocr, or both (every line read by Tesseract and by PP-OCR's recogniser; each
    OcrLine says which engine read it)."""
    preview = image.preview(detect_long_side)
    factor = image.width / preview.shape[1]
    lines = [line for line in lines_in(image, detect_long_side) if line.thickness * factor >= min_line_height]
    lines = sorted(lines, key=lambda x: -x.length)[:max_lines]
    # a table's column of short cells found as one vertical line: its cells as lines of their own too
    lines += [line for line in split_stacked(preview, lines) if line.thickness * factor >= min_line_height]
    # short marks the detector passed over beside the lines it found (a lone "C-" under "Quiz 4")
    first_mark = len(lines)
    lines += [line for line in marks_beside_lines(preview, lines) if line.thickness * factor >= min_line_height]
    if not lines:
        return []
    return read_found_lines(image, [scaled(line, factor) for line in lines], first_mark, languages, timeout, backend)


ZOOM_THICKNESS = 48.0  # px: a zoomed region is enlarged so that its lines are about this thick for the detector (letters about 28 px)
ZOOM_MAX = 3.0  # the most a region is enlarged
ZOOM_MIN = 1.4  # a region whose lines are already nearly that thick is not looked at again
ZOOM_CLAHE_LIMIT = 3.0  # OpenCV's CLAHE clip limit for the zoomed region's lightness
ZOOM_CLAHE_TILE = 6.0  # line thicknesses: the side of CLAHE's tiles
ZOOM_MAX_SIDE = 2400  # px: the enlarged region's long side at most (the detector's time grows with its area)


def zoomed_lines(image, region: Box, thickness: float, known: list[Box], min_line_height: float) -> list[TextLine]:
    """Text lines the detector finds in ``region`` of the full-resolution photo enlarged, for lines
    about ``thickness`` px thick (a gradebook's 10 px text, the detector passed over at the photo's
    scale) and its contrast raised, in the original's pixels: those that are not already ``known`` (most of a known line's
    box, or most of theirs, overlapping). None when the region's text is already large enough."""
    factor = min(ZOOM_MAX, ZOOM_THICKNESS / max(thickness, 1.0), ZOOM_MAX_SIDE / max(region.w, region.h, 1))
    if factor < ZOOM_MIN:
        return []
    crop = image.pixels[region.y:region.y + region.h, region.x:region.x + region.w]  # RGB (the loader's)
    # local contrast raised (CLAHE on the lightness): grey 10 px text on a dark screen is passed over
    # by the detector even enlarged, and found once it stands out
    lab = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2LAB)
    tiles = tuple(int(np.clip(round(side / (ZOOM_CLAHE_TILE * thickness)), 2, 32)) for side in (region.w, region.h))
    lab[..., 0] = cv2.createCLAHE(ZOOM_CLAHE_LIMIT, tiles).apply(lab[..., 0])
    big = cv2.resize(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    out = []
    found = detect_lines(big, min_thickness=min_line_height * factor)
    found += split_stacked(big, found)  # a column of short cells found as one line: its cells too
    for line in found:
        line = shifted(scaled(line, 1 / factor), region.x, region.y)
        box = _box_of(line.corners, image.width, image.height)
        if not any(box.overlap(k) >= 0.5 * min(box.w * box.h, k.w * k.h) for k in known):
            out.append(line)
    return out


def read_found_lines(image, full: list[TextLine], first_mark: int, languages: str, timeout: float,
                     backend: str = "tesserocr") -> list[OcrLine]:
    """Read lines found in the full-resolution photo (``full``, in its pixels) with ``backend``;
    the lines from ``first_mark`` on are recovered marks (``marks_beside_lines``): read in a strip of
    their own, and dropped when read as no letter or digit."""
    if not full:
        return []
    tesseract = backend in ("tesserocr", "pytesseract", "both")
    tesseract_backend = "tesserocr" if backend == "both" else backend
    crops, transforms = _line_crops(image, full, REC_LINE_HEIGHT if backend == "rapidocr" else LINE_HEIGHT)
    rec_crops, rec_transforms = _line_crops(image, full, REC_LINE_HEIGHT) if backend == "both" else (crops, transforms)
    probabilities = upside_down_probability(crops)
    flipped, twice = settle_disputes(crops, probabilities, *flip_decisions(full, probabilities))

    def read(views: list[tuple[int, bool]]) -> list[tuple[str, tuple[int, bool], list]]:
        """(engine, view, words) of (crop, turned 180 degrees) views, read together in one strip or batch."""
        out = []
        if tesseract:
            # the recovered marks in a strip of their own: a smudge's crop, binarised to a black blob, can make
            # Tesseract's layout analysis take the whole strip for a picture and read none of its lines
            words = []
            for group in ([v for v in views if v[0] < first_mark], [v for v in views if v[0] >= first_mark]):
                if group:
                    words += _tesseract_strip_words([crops[i] for i, _ in group], [f for _, f in group], languages,
                                                    timeout, tesseract_backend)
            views = [v for v in views if v[0] < first_mark] + [v for v in views if v[0] >= first_mark]
            out += [(TESSERACT, v, w) for v, w in zip(views, words)]
        # Tesseract misreads a lone "A-" or "C+" as "<" or "&" now and then: short crops (a grade, a
        # number) are also read by the PP-OCR recogniser, and the recognizers see both readings
        short = [(i, f) for i, f in views if crops[i].shape[1] < SHORT_CROP_ASPECT * crops[i].shape[0]]
        if not tesseract:
            by_rec = views
        elif backend == "both":  # PP-OCR reads the lines Tesseract was unsure of (and the short ones)
            by_rec = [v for v, w in zip(views, words) if v in short or _unsure(w)]
        else:
            by_rec = short
        if by_rec:
            readings = recognise(upright_crops([rec_crops[i] for i, _ in by_rec], [f for _, f in by_rec]))
            out += [(PP_OCR, v, _reading_words(r, rec_crops[v[0]].shape[1])) for v, r in zip(by_rec, readings)]
        return out

    # each crop is read its decided way up, and those still in dispute the other way up too, apart:
    # an engine's reading of a line depends on the lines read with it (Tesseract's strip, the
    # recogniser's padded batches), so the other lines read as they would without the dispute
    readings = read([(i, bool(f)) for i, f in enumerate(flipped)])
    readings += read([(i, not flipped[i]) for i in twice]) if twice else []
    out = []
    for engine, (i, turned), crop_words in readings:
        crop, matrix = (rec_crops[i], rec_transforms[i]) if engine == PP_OCR else (crops[i], transforms[i])
        crop_h, crop_w = crop.shape[:2]
        line_words = []
        for text, x0, x1, conf in crop_words:
            if turned:  # the engine saw this crop turned 180 degrees
                x0, x1 = crop_w - x1, crop_w - x0
            corners = np.array([[x0, 0], [x1, 0], [x1, crop_h], [x0, crop_h]], np.float64)
            line_words.append(Word(text, _box_of(_map_back(corners, matrix), image.width, image.height), conf))
        if i >= first_mark and not any(re.search(r"[A-Za-z0-9]", w.text) for w in line_words):
            continue  # a missed mark's crop read as no letter or digit (PP-OCR's "福" for a smudge): no mark
        if line_words:
            corners = _map_back(np.array([[0, 0], [crop_w, 0], [crop_w, crop_h], [0, crop_h]], np.float64), matrix)
            out.append(OcrLine(tuple(line_words), _box_of(corners, image.width, image.height), engine,
                               crop_w < SHORT_CROP_ASPECT * crop_h, *_slant(corners)))
    return out
