"""Documents as regions on a sheet: the name line of a student's paper, whole.

A careful person covering a student's paper covers the name line, not the words an OCR engine
happened to read on it: a name written by hand after "Nom et prénom :" is often read as nothing, or
as half a word. So where a line holds a name label, the row right of the label is looked at in the
pixels: from the label's end, the strokes written there (print or handwriting, a rule drawn to write
on left out) as far as they run on the paper, stopping at a gap of several letters, at the next field
of the form ("Date :") or where the paper ends. When strokes are written there, that stretch is a
``name`` finding (the copy covers it); a blank name line ("Nom : ________") gives none, and a label
with no colon ("Name the parts of a plant") counts only where a recognizer found a name after it.

These name lines also tell the pen-mark step (``ink``) which sheet is a student's: every mark on it
is a grade (``find_ink_grades``' ``student_lines``).
"""

from __future__ import annotations

import cv2
import numpy as np

from ..findings import Box, Finding
from .folding import fold
from .ocr import OcrLine
from .recognizers import Match, header_line, misread_name_label, vocabulary

FIELD_REACH = 30.0  # label heights: how far right of its label a name line reaches at most
BAND_ABOVE = 0.8  # label heights above the label's top a handwritten name may reach (written bigger than print)
BAND_BELOW = 1.0  # ... and below its bottom
START_GAP = 4.0  # label heights: the writing starts at most this far right of the label
WORD_GAP = 2.0  # label heights: a wider gap between strokes ends the name
FLAT = 0.2  # label heights: a piece of stroke no taller than this, and FLAT_ASPECT times as long as it is tall, is a
FLAT_ASPECT = 2.5  # rule's remnant or an underscore printed to write on ("Nom : ________", each glyph a piece)
DASH_GAP = 0.5  # label heights: gaps this wide along a row are closed before rules are looked for
RULE_LENGTH = 2.5  # label heights: a straight horizontal stroke this long is a rule to write on, not writing
DARK = 30  # grey levels below the paper's round it that a stroke is at least
DARK_SHARE = 0.22  # ... and at least this share of the paper's level (a photo's grain on white paper stays above)
PAPER_REACH = 1.2  # label heights: the paper's level round a pixel is its lightest this far round
PAPER_COLUMN = 0.5  # share of a column of the band that is light: below this the paper has ended
MIN_WIDTH = 1.5  # label heights: the narrowest name written (two letters)
MIN_STROKES = 0.04  # share of the writing's box that is strokes: less is a speck, not a name
LABEL_SCORE = 0.65
MAX_SLANT = 15.0  # degrees: a label's line turned further is left to the recognizers
NAME_LENGTH = 10.0  # label heights: how long a name written on a turned sheet is taken to run, for its drift


def _label_end(line: OcrLine, lines: list[OcrLine], matches: list[Match]) -> float | None:
    """Where the name label of ``line`` ends (x in the image), or None when the line holds no name
    label waiting for a name: a label and its colon, a label alone on its line, or a label with no
    colon at the start of the line where a recognizer found a name after it."""
    v = vocabulary()
    folded = fold(line.text)
    named = any(m.kind == "name" and any(w in line.words for w in m.words) for m in matches)
    if v.name_label_alone.fullmatch(folded) or misread_name_label(folded):
        # "Nom :" alone; "Nom" alone with no colon heads a table's column as often ("Nom | Prénom | Note"):
        # only where a name was found right of it
        if ":" in line.text or _named_right_of(line, matches) or not _header_row(line, lines):
            return float(line.box.x + line.box.w)
        return None
    found = v.name_label.search(folded)
    if not found:
        found = v.name_label_start.search(folded)
        if not (found and named):
            return None
    # the label's words: those whose characters overlap the label's match (the fold keeps the text's length)
    pos, end = 0, None
    for word in line.words:
        if pos < found.end() and found.start() < pos + len(word.text):
            end = word.box.x + word.box.w
        pos += len(word.text) + 1
    return None if end is None else float(end)


def _header_row(line: OcrLine, lines: list[OcrLine]) -> bool:
    """Another line in the row of ``line`` is a table's header ("Prénom", "Note", "Résultat"; a form's next
    label, "Class:", is none): ``line`` heads a column, no form's label."""
    box = line.box
    return any(other is not line and header_line(other) and not other.text.rstrip().endswith(":") and
               min(other.box.y + other.box.h, box.y + box.h) - max(other.box.y, box.y) >= 0.5 * min(other.box.h, box.h)
               and abs(other.box.x - box.x) <= FIELD_REACH * box.h for other in lines)


def _named_right_of(line: OcrLine, matches: list[Match]) -> bool:
    """A name was found right of ``line`` in its row, within a few label heights."""
    box = line.box
    for m in matches:
        if m.kind != "name" or not m.words:
            continue
        b = Box.enclosing([w.box for w in m.words])
        if 0 <= b.x - (box.x + box.w) <= START_GAP * box.h and \
                min(b.y + b.h, box.y + box.h) - max(b.y, box.y) >= 0.3 * min(b.h, box.h):
            return True
    return False


def _next_field(line: OcrLine, lines: list[OcrLine], start: float, matches: list[Match]) -> float:
    """The x where the next field of the form starts on the label's row ("Date :", "Classe :"), or
    infinity: a line in the row right of ``start`` holding a colon and no name found."""
    named = {id(w) for m in matches if m.kind == "name" for w in m.words}
    box = line.box
    ends = [other.box.x for other in lines if other is not line and other.box.x > start + 0.5 * box.h
            and min(other.box.y + other.box.h, box.y + box.h) - max(other.box.y, box.y) >= 0.5 * min(other.box.h, box.h)
            and ":" in other.text and not any(id(w) in named for w in other.words)]
    # a field on the label's own line after the name ("Nom : Zoé Côté  Classe : 5e")
    for word in line.words:
        if word.box.x > start + 0.5 * box.h and word.text.endswith(":") and id(word) not in named:
            ends.append(word.box.x)
    return min(ends, default=float("inf"))


RULE_SLANTS = (-10.0, -7.5, -5.0, -2.5, 0.0, 2.5, 5.0, 7.5, 10.0)  # degrees: a rule on a sheet turned this much


def _rule_kernels(length: int) -> list[np.ndarray]:
    """Straight lines ``length`` px long at each of RULE_SLANTS: what a rule to write on is, on a sheet turned a little."""
    out = []
    for slant in RULE_SLANTS:
        rise = int(round(length * np.tan(np.radians(abs(slant)))))
        kernel = np.zeros((rise + 1, length), np.uint8)
        start, end = ((0, rise), (length - 1, 0)) if slant > 0 else ((0, 0), (length - 1, rise))
        cv2.line(kernel, start, end, 1, 1)
        out.append(kernel)
    return out


def strokes_on_paper(grey: np.ndarray, height: float) -> tuple[np.ndarray, np.ndarray]:
    """The strokes on a piece of paper (``grey``, text ``height`` tall) with the rules to write on and the
    underscores left out, and the pixels that are light paper: two boolean masks."""
    # the paper's level round each pixel (its lightest within a letter's reach, smoothed): a shadow across the
    # sheet, lighter on one side, does not hide the strokes on its dark side
    k = max(3, int(PAPER_REACH * height)) | 1
    paper = cv2.blur(cv2.dilate(grey, np.ones((k, k), np.uint8)), (k, k))
    dark = (grey < paper - np.maximum(DARK, DARK_SHARE * paper)).astype(np.uint8)
    light = ~dark.astype(bool)
    # a dashed rule or typed underscores ("Nom : _ _ _ _"): their gaps closed first, so it is one rule
    joined = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((1, max(3, int(DASH_GAP * height))), np.uint8))
    rules = np.zeros_like(dark)
    for kernel in _rule_kernels(max(3, int(RULE_LENGTH * height))):
        rules |= cv2.morphologyEx(joined, cv2.MORPH_OPEN, kernel)
    strokes = (dark & ~cv2.dilate(rules, np.ones((3, 3), np.uint8)).astype(bool)).astype(np.uint8)
    # what is left of a rule where the kernels did not fit it whole, and underscores: flat pieces, no letter
    count, labels, stats, _ = cv2.connectedComponentsWithStats(strokes, connectivity=8)
    flat = np.flatnonzero((stats[:, cv2.CC_STAT_HEIGHT] <= max(2, FLAT * height)) &
                          (stats[:, cv2.CC_STAT_WIDTH] >= FLAT_ASPECT * stats[:, cv2.CC_STAT_HEIGHT]))
    return strokes.astype(bool) & ~np.isin(labels, flat[flat > 0]), light


def _writing(grey: np.ndarray, height: float) -> tuple[int, int] | None:
    """The strokes written in a band right of a label (``grey``, the label's end at x 0): their left and
    right x, or None when nothing is written there (paper, a rule to write on)."""
    strokes, light = strokes_on_paper(grey, height)
    paper_columns = light.mean(axis=0) >= PAPER_COLUMN
    columns = strokes.any(axis=0)
    left = right = None
    gap = 0
    for x in range(grey.shape[1]):
        if not paper_columns[x] and not columns[x]:
            break  # the paper ends
        if columns[x]:
            if left is None:
                if x > START_GAP * height:
                    return None
                left = x
            right, gap = x, 0
        elif left is not None:
            gap += 1
            if gap > WORD_GAP * height:
                break
    if left is None or right - left < MIN_WIDTH * height:
        return None
    written = strokes[:, left:right + 1]
    if written[written.any(axis=1)].mean() < MIN_STROKES:  # over the rows the strokes span, not the band's
        return None
    return left, right + 1


def _band(line: OcrLine, lines: list[OcrLine], start: float, end: float, h: float) -> tuple[int, int]:
    """Top and bottom of the band right of a label where its name is written: BAND_ABOVE and BAND_BELOW
    label heights round it (a handwritten name is taller than print; more along a turned sheet's slant), short
    of the lines above and below
    across from the band (the form's next line, "Student ID: ...", is no part of the name)."""
    box = line.box
    top, bottom = box.y - BAND_ABOVE * h, box.y + box.h + BAND_BELOW * h
    # on a sheet turned a little, the row drifts down (or up) along a name NAME_LENGTH label heights long
    drift = np.tan(np.radians(abs(line.angle))) * NAME_LENGTH * h
    top, bottom = (top, bottom + drift) if line.angle > 0 else (top - drift, bottom)
    for other in lines:
        b = other.box
        if other is line or min(b.x + b.w, end) - max(b.x, start) <= 0:
            continue
        if b.x >= start - h and b.y < box.y + box.h and b.y + b.h > box.y:
            continue  # the name itself, read as a line of its own (handwriting, taller than the label)
        centre = b.y + b.h / 2
        if centre > box.y + box.h:
            bottom = min(bottom, b.y)
        elif centre < box.y:
            top = max(top, b.y + b.h)
    return int(top), int(bottom)


def name_lines(image, lines: list[OcrLine], matches: list[Match]) -> list[Finding]:
    """``name`` findings for the name lines of students' papers: right of a name label, the strokes
    written there, printed or by hand, read or not (``_writing``)."""
    out: list[Finding] = []
    pixels = image.pixels
    for line in lines:
        start = _label_end(line, lines, matches)
        if start is None:
            continue
        h = float(line.thickness or line.box.h)
        if abs(line.angle) > MAX_SLANT:
            continue  # a card turned further: its row is no band across (the recognizers' findings stand)
        end = min(start + FIELD_REACH * h, _next_field(line, lines, start, matches) - 0.3 * h, image.width)
        top, bottom = _band(line, lines, start, end, h)
        top, bottom = max(0, top), min(image.height, bottom)
        x0 = int(start + 0.15 * h)
        if end - x0 < h or bottom - top < 4:
            continue
        band = pixels[top:bottom, x0:int(end)]
        grey = band.mean(axis=2) if band.ndim == 3 else band.astype(float)
        found = _writing(grey.astype(np.float32), h)
        if found is None:
            continue
        left, right = found
        box = Box.from_xyxy(x0 + left, top, x0 + right, bottom, image.width, image.height)
        if any(f.box.iou(box) > 0.5 for f in out):
            continue
        out.append(Finding("name", box, LABEL_SCORE, "text:name", hint="name line",
                           why="the name line of a student's paper: what is written right of its name label, "
                               "read or not (handwriting included)"))
    return out


BLOCK_GAP = 2.5  # line heights: a line this close below or above the block, across from it, is on the same sheet
BLOCK_MARGIN = 3.0  # line heights: the sheet reaches this far round its lines (a mark in the margin, a corner)


def sheet_extent(anchor: Box, height: float, lines: list[OcrLine], on_sheet=None) -> Box:
    """The sheet ``anchor`` (a student's name, ID or name line, its text ``height`` tall) is on, from the
    lines that belong together: the lines read round it, each at most BLOCK_GAP line heights above or
    below the block gathered so far and across from it (and, given ``on_sheet``, on the sheet's pixels: not
    a watermark printed over the photo), grown by BLOCK_MARGIN line heights (the margins, where a mark is
    written). A mark far off on a wall, a ceiling or another sheet lies outside it."""
    x0, y0, x1, y1 = anchor.x, anchor.y, anchor.x + anchor.w, anchor.y + anchor.h
    rest = [line.box for line in lines if 0.4 * height <= line.box.h <= 3.0 * height
            and (on_sheet is None or on_sheet(line.box))]
    grown = True
    while grown:
        grown = False
        for b in list(rest):
            gap_y = max(y0 - (b.y + b.h), b.y - y1, 0)
            across = min(x1, b.x + b.w) - max(x0, b.x) > -2 * height
            if gap_y <= BLOCK_GAP * height and across:
                x0, y0, x1, y1 = min(x0, b.x), min(y0, b.y), max(x1, b.x + b.w), max(y1, b.y + b.h)
                rest.remove(b)
                grown = True
    m = BLOCK_MARGIN * height
    return Box(int(x0 - m), int(y0 - m), int(x1 - x0 + 2 * m), int(y1 - y0 + 2 * m))


SHEET_STEP = 2.5  # grey levels between neighbouring pixels (blurred) within a sheet: its shading passes, its edge stops
SHEET_BLUR = 5  # px on the preview: letters and paper grain blurred before the sheet is filled from its ground


def sheet_mask(grey: np.ndarray, anchor: tuple[int, int, int, int]) -> np.ndarray | None:
    """The sheet a student's line ``anchor`` (x, y, w, h on ``grey``, a preview) is written on: the ground
    round the line filled out while neighbouring pixels differ by at most SHEET_STEP (uneven light passes,
    the sheet's edge against a garment, a bag or a desk stops it), its letters' holes filled. The sheet
    holds its line: a fill that leaves most of the line out ran over the wall or the window beyond the
    sheet's edge (a line near the edge of a turned card), and the next seed is tried; when none holds it (a
    line on a poster or a picture, no even ground round it), the first seed's ground. None when no ground
    is found beside the line."""
    x, y, w, h = anchor
    height, width = grey.shape
    x0, x1 = max(0, x), min(width, x + w)
    if min(height, y + 2 * h) <= max(0, y - h) or x1 <= x0:
        return None
    blurred = cv2.GaussianBlur(grey, (SHEET_BLUR, SHEET_BLUR), 0)
    # the seeds: the lightest pixel just above or below the line (the paper between lines), then the
    # middle of the lightest stretch just below it, then just above it (not a letter's hole)
    tried: list[tuple[int, int]] = []
    fills: list[np.ndarray | None] = []
    smooth = None
    for top, bottom in ((y - h, y + 2 * h), (y + h, y + 2 * h), (y - h, y)):
        y0, y1 = max(0, top), min(height, bottom)
        if y1 <= y0:
            continue
        if tried and smooth is None:
            k = max(SHEET_BLUR, h // 2)
            smooth = cv2.blur(blurred, (k, k))
        patch = (blurred if not tried else smooth)[y0:y1, x0:x1]
        sy, sx = np.unravel_index(int(np.argmax(patch)), patch.shape)
        seed = (int(x0 + sx), int(y0 + sy))
        if seed in tried:
            continue
        tried.append(seed)
        filled = _filled_from(blurred, seed)
        fills.append(filled)
        if filled is not None and float(filled[max(0, y + h // 3):y + h - h // 3, max(0, x + w // 3):x + w - w // 3].mean()) \
                >= SHEET_HOLDS_LINE:
            return filled
    return fills[0] if fills else None


SHEET_HOLDS_LINE = 0.5  # share of the middle third of its line's box (a turned line's upright box is mostly not the line) a sheet covers


def _filled_from(blurred: np.ndarray, seed: tuple[int, int]) -> np.ndarray | None:
    """The ground filled from ``seed`` (``sheet_mask``), the holes of its largest piece filled."""
    height, width = blurred.shape
    mask = np.zeros((height + 2, width + 2), np.uint8)
    cv2.floodFill(blurred.copy(), mask, seed, 255, SHEET_STEP, SHEET_STEP, 4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8))
    mask = mask[1:-1, 1:-1]
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, [max(contours, key=cv2.contourArea)], -1, 255, cv2.FILLED)
    return filled > 0


SHEET_FILL = 0.6  # share of its bounding box a sheet's shape fills (a sheet turned 15 degrees: 0.75)
SHEET_SPAN = 0.92  # share of the photo's width and height a sheet's box spans at most, unless photographed whole


def sheet_like(mask: np.ndarray) -> bool:
    """The filled ground has a sheet's shape: it fills most of its bounding box and does not run out
    over the whole photo (a white wall or ceiling the fill ran into is neither)."""
    x, y, w, h = cv2.boundingRect(mask.astype(np.uint8))
    if w == 0 or h == 0:
        return False
    height, width = mask.shape
    return float(mask[y:y + h, x:x + w].mean()) >= SHEET_FILL and not (w >= SHEET_SPAN * width and h >= SHEET_SPAN * height
                                                                       and mask.mean() < SHEET_FILL)


def turned_sheet_like(mask: np.ndarray) -> bool:
    """The filled ground is a sheet turned further than ``sheet_like`` allows (a card at 26 degrees fills 0.57
    of its upright bounding box): it fills SHEET_FILL_TURNED of its smallest turned rectangle, and does not
    run out over the whole photo."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return False
    (_, _), (w, h), _ = cv2.minAreaRect(max(contours, key=cv2.contourArea))
    return w * h > 0 and float(mask.sum()) / (w * h) >= SHEET_FILL_TURNED and float(mask.mean()) < SHEET_FILL


SHEET_FILL_TURNED = 0.85
SHEET_LOOK_SIDE = 1024  # px: the preview the labels' sheets are filled on


def on_label_sheets(image, boxes: list[Box], anchors: list[Box], long_side: int = SHEET_LOOK_SIDE) -> list[bool]:
    """For each of ``boxes``, whether it lies on the sheet of one of the ``anchors`` (lines printed on a paper,
    a card or a screen): mostly inside the ground filled from round the anchor (``sheet_mask``, filled once
    per anchor). True where round an anchor no ground with a sheet's shape is found (``sheet_like``,
    ``turned_sheet_like``), or the ground found is smaller than the anchor's line: the test cannot tell, and
    what it would take away is kept."""
    grey = image.preview(long_side, grey=True)
    factor = image.width / grey.shape[1]
    sheets: list[np.ndarray | None] = []  # None: no sheet found round that anchor
    for a in dict.fromkeys((a.x, a.y, a.w, a.h) for a in anchors):  # a line both engines read is one anchor
        anchor = (int(a[0] / factor), int(a[1] / factor), max(1, int(a[2] / factor)), max(1, int(a[3] / factor)))
        mask = sheet_mask(grey, anchor)
        # a ground smaller than the line itself is no sheet found (a screen's or a chalkboard's grain stops the fill)
        found = mask is not None and mask.sum() >= anchor[2] * anchor[3] and (sheet_like(mask) or turned_sheet_like(mask))
        sheets.append(mask if found else None)

    def on_one(box: Box) -> bool:
        x0, y0 = int(box.x / factor), int(box.y / factor)
        x1, y1 = max(x0 + 1, int((box.x + box.w) / factor)), max(y0 + 1, int((box.y + box.h) / factor))
        return any(mask is None or (mask[y0:y1, x0:x1].size > 0 and float(mask[y0:y1, x0:x1].mean()) >= 0.5)
                   for mask in sheets)

    return [on_one(box) for box in boxes]
