"""Writing no engine read on a student's sheet: a student's paper covered whole.

A mark written in black pen on ruled paper ("Excellent ! B" in a school script), a score in faded ink, a
number the text detector passed over: no engine reads them, and the pen-mark step (``ink``) sees only
coloured ink. Where a student's name or ID was found, the sheet it is written on (``sheets.sheet_mask``, with a
sheet's shape) is looked over for strokes (``sheets.strokes_on_paper``: rules to write on left out) that
neither a finding nor a line an engine read as words (``read_as_print``: the teacher's print) accounts for. Each group of
them is a ``grade`` finding, covered in the copy: covering an unread answer costs nothing, leaving a mark
readable is a leak. A sheet with no student's name or ID on it gets nothing from this step.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..findings import Box, Finding
from .ocr import OcrLine
from .sheets import sheet_like, sheet_mask, strokes_on_paper, turned_sheet_like

LOOK_SIDE = 1024  # px: the grey preview the sheet is looked over on
EDGE = 0.6  # line heights: the band along the sheet's edge left out (its shadow, the ground's border)
READ_MARGIN = 0.3  # line heights round a line read cleanly, or a finding, that its strokes may reach
GROUP = (1.5, 0.4)  # line heights across and down: strokes this close are one piece of writing
MIN_HEIGHT = 0.5  # line heights: a piece of writing is at least this tall (grain and specks are not)
MIN_PIXELS = 8  # ... and this many pixels tall in the original
MIN_LINE_PX = 6.0  # px on the preview: the smallest text height the strokes are looked for at
PRINT_CONFIDENCE = 80.0  # median word confidence (0-100) of a line read as print: PP-OCR reads a sheet's print at
# 85-99, and a scrawl at 20-70 (a handwritten "8/20" read as "8120" at 89 holds no letter)
PRINT_LETTERS = 2  # a header such as "ID"; a mark ("A+", "8/20") has one letter or none


def read_as_print(line: OcrLine) -> bool:
    """An engine read the line as words (PRINT_LETTERS letters or more, at PRINT_CONFIDENCE): print, or writing
    read well enough that the recognizers have judged it."""
    return sum(c.isalpha() for c in line.text) >= PRINT_LETTERS and bool(line.words) and \
        float(np.median([w.confidence for w in line.words])) >= PRINT_CONFIDENCE


WHY = "writing on a student's sheet that no engine read (a mark, a score or a name): the paper is covered whole"


def unread_writing(image, lines: list[OcrLine], findings: list[Finding]) -> list[Finding]:
    """``grade`` findings for the writing no engine read on the sheets of the students' names and IDs in
    ``findings`` (the text stage's, so far)."""
    students = list(dict.fromkeys(f.box for f in findings if f.kind in ("name", "student_id")))
    if not students or not lines:
        return []
    grey = image.preview(LOOK_SIDE, grey=True)
    factor = image.width / grey.shape[1]
    height = max(MIN_LINE_PX, float(np.median([line.thickness or line.box.h for line in lines])) / factor)
    known = [(line.box, READ_MARGIN) for line in lines if read_as_print(line)] + [(f.box, READ_MARGIN) for f in findings]
    out: list[Finding] = []
    looked: list[np.ndarray] = []
    for anchor in students:
        a = (int(anchor.x / factor), int(anchor.y / factor), max(1, int(anchor.w / factor)), max(1, int(anchor.h / factor)))
        centre = (min(grey.shape[0] - 1, a[1] + a[3] // 2), min(grey.shape[1] - 1, a[0] + a[2] // 2))
        if any(mask[centre] for mask in looked):
            continue  # this sheet is looked over already
        mask = sheet_mask(grey, a)
        if mask is None or mask.sum() < a[2] * a[3] or not (sheet_like(mask) or turned_sheet_like(mask)):
            continue
        looked.append(mask)
        out += _writing_on(grey, mask, height, factor, known, image.width, image.height)
    return out


def _writing_on(grey: np.ndarray, mask: np.ndarray, height: float, factor: float, known, width: int,
                full_height: int) -> list[Finding]:
    """The groups of strokes on the sheet ``mask`` (of ``grey``) outside the ``known`` boxes (in the original)."""
    x, y, w, h = cv2.boundingRect(mask.astype(np.uint8))
    edge = max(3, int(EDGE * height)) | 1
    inner = cv2.erode(mask.astype(np.uint8), np.ones((edge, edge), np.uint8))[y:y + h, x:x + w] > 0
    strokes, _ = strokes_on_paper(grey[y:y + h, x:x + w].astype(np.float32), height)
    strokes &= inner
    for box, margin in known:
        m = margin * height
        x0, y0 = int(box.x / factor - x - m), int(box.y / factor - y - m)
        x1, y1 = int((box.x + box.w) / factor - x + m) + 1, int((box.y + box.h) / factor - y + m) + 1
        strokes[max(0, y0):max(0, y1), max(0, x0):max(0, x1)] = False
    if not strokes.any():
        return []
    joined = cv2.dilate(strokes.astype(np.uint8), np.ones((max(1, int(GROUP[1] * height)) | 1,
                                                           max(1, int(GROUP[0] * height)) | 1), np.uint8))
    count, labels = cv2.connectedComponents(joined, connectivity=8)
    # each group's strokes' extent (not the grown pieces'): one pass over the stroke pixels
    ys, xs = np.nonzero(strokes)
    group = labels[ys, xs]
    tops, lefts = np.full(count, h, np.int64), np.full(count, w, np.int64)
    bottoms, rights = np.full(count, -1, np.int64), np.full(count, -1, np.int64)
    np.minimum.at(tops, group, ys)
    np.minimum.at(lefts, group, xs)
    np.maximum.at(bottoms, group, ys + 1)
    np.maximum.at(rights, group, xs + 1)
    out = []
    for k in range(1, count):
        top, bottom, left, right = tops[k], bottoms[k], lefts[k], rights[k]
        if bottom < 0 or bottom - top < MIN_HEIGHT * height or (bottom - top) * factor < MIN_PIXELS:
            continue
        box = Box.from_xyxy((x + left) * factor, (y + top) * factor, (x + right) * factor, (y + bottom) * factor,
                            width, full_height)
        out.append(Finding("grade", box, 0.5, "text:writing", hint="writing", why=WHY))
    return out
