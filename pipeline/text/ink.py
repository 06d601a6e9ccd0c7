"""Pen marks as grades: coloured-ink marks on paper beside a grade label, a student's name or ID.

Teachers grade by hand in red, green or blue pen, and neither OCR engine reads handwriting reliably
(a red "Final grade: 85%" comes back as ``Final ame 85``). So the marks are found by their look:
- ink: saturated red, green or blue pixels (a printed or photographed colour area is excluded below);
- on paper: the pixels around a mark are light and of low saturation;
- stroke-like: each connected piece is thin (a pen line a few pixels wide) for its size and fills
  little of its box, so a coloured shirt, a poster's colour area or a photo is no mark.
Pieces of one colour lying close together (letters of one word, words of one line) form a mark
region. A region becomes a ``grade`` finding when it lies within a few line heights of a grade
label ("Grade:", "Note :", "Score:", "Final ...": the lexicons' ``pen_labels``,
pipeline/text/lexicons/), a student's name or ID found in the OCR lines, or
when an engine read a grade inside it. Ink alone, with nothing of that beside it, is no finding.

Everything is done on a preview (``LONG_SIDE``) and the boxes mapped back to the upright original.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from ..findings import Box, Finding
from .folding import fold
from .recognizers import header_line, vocabulary
from .sheets import sheet_extent, sheet_like, sheet_mask, turned_sheet_like

LONG_SIDE = 1600  # px: the preview the marks are looked for on
MIN_CHROMA = 28  # max(R,G,B) - min(R,G,B) of an ink pixel: black ink and grey paper stay below
MIN_SATURATION = 55  # HSV saturation (0-255) of an ink pixel (a thin blue line in a JPEG: 50-110)
PAPER_MAX_SATURATION = 60  # paper: light and nearly grey
PAPER_MIN_VALUE = 120
# yellow paper (sticky notes, legal pads, cream card): light, of a yellow hue (OpenCV's 0-179) no ink has,
# and more saturated than white paper
YELLOW_PAPER_HUES = (20, 38)
YELLOW_PAPER_MAX_SATURATION = 170
YELLOW_PAPER_MIN_VALUE = 150
PAPER_AROUND = 0.75  # share of the pixels around a piece (not ink) that must be paper
MAX_STROKE = 24.0  # px on the preview: the widest pen line (twice the largest distance to the edge; a marker
# written big, 90 px letters, draws 16-18 px lines)
MAX_FILL = 0.65  # a piece fills at most this share of its box (letters, ticks, underlines; a bold "C" or "O" in
# marker fills half of it, a filled dot or patch 0.8 or more)
MIN_PIECE = 6  # px on the preview: pieces smaller than this (both sides) are noise
SINGLE_MIN = 2.5  # pieces: a lone piece smaller than this many MIN_PIECE is noise (a lone letter beside a student's
# name from this size to 3 pieces is taken only there)
SINGLE_LINE_SHARE = 0.75  # ... and only on the student's own sheet, at least this share of the name's or ID's line
# height: a letter as large as the line it grades, not a 15-17 px fleck on an arm beside a sheet (26-32 px lines)
BAR_ASPECT = 0.45  # a piece this much narrower than long is a bar (a dash, a minus sign), whatever it fills
STROKE_SLACK = 2.0  # px: where strokes meet (the top of an "A") the widest-line measure runs over on a small letter
NEAR_LINES = 4.0  # a region this many line heights from a label, name or ID is beside it
SAME_SHEET_LINES = 15.0  # ... or this many, when both lie on one sheet of paper
# hue ranges (OpenCV's 0-179) of red, green and blue ink
HUES = {"red": ((0, 9), (168, 180)), "green": ((42, 88),), "blue": ((100, 130),)}
REGION_PAPER = 0.9  # share of the non-ink pixels in a mark region that must be paper
MARGIN_PAPER = 0.6  # ... and in a margin around it (a third of its height; a sheet's edge may run through it)
LEGIBLE_WORD = 90.0  # word confidence (0-100) of a line read cleanly: print, not a scrawl no engine can read
MAX_REGION_WIDTH = 0.85  # share of the photo's width: a line written across a sheet that fills a small photo
REGION_MAX_INK = 0.3  # a mark region is at most this share ink (stripes, a coloured print are denser)


def _label_at(words: list[str], i: int) -> bool:
    """``words[i]`` (folded) is a grade label (``pen_labels``) waiting for its value: followed by a colon,
    or last on its line, or "Final" followed by a number ("Final grade: 85%" read as "Final ame 85").
    "Grade 5", "5th grade", "Total 24,90" are not labels of a mark."""
    v = vocabulary()
    word = words[i].strip(".")
    bare = word.rstrip(":")
    if bare not in v.pen_labels:
        return False
    after = words[i + 1:]
    if word.endswith(":") or (after and after[0].startswith(":")):
        # "Note: bring a pencil": a sentence follows, not a value
        return sum(bool(re.fullmatch(r"[^\W\d_]{2,}", w)) for w in after) < 2
    if not after:  # "5th grade", "Total" at the end of a line, a header word alone ("Moyenne") say nothing
        return i > 0 and bare not in v.pen_labels_not_at_end and not v.ordinal_number.match(words[i - 1])
    if bare in v.pen_labels_with_number:  # "Final ame 85" (Final grade: 85%), not "Final exam: Room 12, 9:00"
        near = after[:2]
        return any(re.search(r"\d", w) for w in near) and not any(w.strip(":") in v.pen_not_mark_words for w in near)
    return False


def label_boxes(lines, words_too: list | None = None) -> list[Box]:
    """Boxes of the OCR lines holding a grade label (``words_too`` gets the label words' boxes)."""
    out = []
    for line in lines:
        if len(line.words) >= 2 and ":" not in line.text and header_line(line):
            continue  # a table's header row ("Letter Score"), not a label waiting for a mark
        words = [fold(w.text) for w in line.words]
        at = [i for i in range(len(words)) if _label_at(words, i)]
        if at:
            out.append(line.box)
            if words_too is not None:
                words_too += [line.words[i].box for i in at]
    return out


_HUE_CLASS = np.zeros(256, np.uint8)  # hue (0-179) to colour index
for _k, _ranges in enumerate(HUES.values(), start=1):
    for _lo, _hi in _ranges:
        _HUE_CLASS[_lo:_hi] = _k


def _ink_mask(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ink pixels, a colour index per pixel (0 none, 1 red, 2 green, 3 blue) and the paper pixels."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    h, s, v = cv2.split(hsv)
    chroma = cv2.subtract(v, cv2.min(cv2.min(rgb[..., 0], rgb[..., 1]), rgb[..., 2]))  # v is max(R, G, B)
    saturated = (s >= MIN_SATURATION) & (chroma >= MIN_CHROMA) & (v >= 50)
    colour = _HUE_CLASS[h] * saturated
    paper = (s <= PAPER_MAX_SATURATION) & (v >= PAPER_MIN_VALUE) | \
        (h >= YELLOW_PAPER_HUES[0]) & (h <= YELLOW_PAPER_HUES[1]) & (s <= YELLOW_PAPER_MAX_SATURATION) & \
        (v >= YELLOW_PAPER_MIN_VALUE)
    return colour > 0, colour, paper


def _integral_sum(integral: np.ndarray, x0, y0, x1, y1) -> np.ndarray:
    return integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]


def ink_pieces(rgb: np.ndarray, masks: dict | None = None) -> list[tuple[int, int, int, int, int]]:
    """Stroke-like pieces of ink on paper: ``(x, y, w, h, colour)`` on ``rgb`` (``masks`` gets the
    ink and paper masks)."""
    ink, colour, paper = _ink_mask(rgb)
    if masks is not None:
        masks.update(ink=ink, paper=paper)
    if not ink.any():
        return []
    mask = ink.astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return []
    xs, ys, ws, hs, areas = (stats[1:, i] for i in range(5))
    # a dash or an underline fills its box: a thin bar (a minus sign) is a stroke all the same
    bar = hs <= BAR_ASPECT * ws  # across: a minus, a dash (an upright bar is more often an edge)
    keep = (np.maximum(ws, hs) >= MIN_PIECE) & (areas >= 12) & ((areas <= MAX_FILL * ws * hs) | bar)
    if not keep.any():
        return []
    # stroke width: twice the largest distance from an ink pixel to the edge of the ink
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 3)
    flat = labels.ravel()
    on = np.flatnonzero(flat)
    order = on[np.argsort(flat[on], kind="stable")]
    starts = np.searchsorted(flat[order], np.arange(1, count))  # every label has at least one pixel
    stroke = 2 * np.maximum.reduceat(distance.ravel()[order], starts)
    keep &= (stroke <= MAX_STROKE) & (stroke <= 0.35 * np.maximum(ws, hs) + 1.5 + STROKE_SLACK)
    # on paper: around the piece (its box grown by a margin, less the ink) mostly light and grey
    height, width = mask.shape
    pad = np.maximum(3, (stroke * 1.5).astype(int))
    x0, y0 = np.clip(xs - pad, 0, width), np.clip(ys - pad, 0, height)
    x1, y1 = np.clip(xs + ws + pad, 0, width), np.clip(ys + hs + pad, 0, height)
    paper_sum = _integral_sum(cv2.integral(paper.astype(np.uint8)), x0, y0, x1, y1)
    ink_sum = _integral_sum(cv2.integral(mask), x0, y0, x1, y1)
    around = (x1 - x0) * (y1 - y0) - ink_sum
    keep &= paper_sum >= PAPER_AROUND * np.maximum(1, around)
    # a piece of one ink colour: its most common colour index
    out = []
    for i in np.nonzero(keep)[0]:
        x, y, w, h = int(xs[i]), int(ys[i]), int(ws[i]), int(hs[i])
        inside = colour[y:y + h, x:x + w][labels[y:y + h, x:x + w] == i + 1]
        out.append((x, y, w, h, int(np.bincount(inside, minlength=4)[1:].argmax()) + 1))
    return out


def _group(boxes: np.ndarray) -> list[list[int]]:
    """Indices of the boxes ``(x, y, w, h, colour, pieces, letter height)`` of one colour close
    together: at most the smaller letter height apart across, 0.6 of it down."""
    x, y, w, h, c = boxes.T[:5]
    h_letter = boxes[:, 6]
    n = len(boxes)
    parent = list(range(n))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    gap_x = np.maximum(0, np.maximum(x[:, None], x[None, :]) - np.minimum((x + w)[:, None], (x + w)[None, :]))
    gap_y = np.maximum(0, np.maximum(y[:, None], y[None, :]) - np.minimum((y + h)[:, None], (y + h)[None, :]))
    scale = np.minimum(h_letter[:, None], h_letter[None, :])  # a tall stroke does not reach far onto a small one
    close = (gap_x <= 1.0 * scale) & (gap_y <= 0.6 * scale) & (c[:, None] == c[None, :])
    for a, b in zip(*np.nonzero(np.triu(close, 1))):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def mark_regions(pieces, max_pieces: int = 800) -> list[tuple[int, int, int, int, int]]:
    """Pieces of one colour close together (letters of a word, words of a line), merged into regions
    ``(x, y, w, h, pieces)``; merged again while the merged regions reach their neighbours. How far a
    region reaches is set by its tallest piece (a letter), not by its box: a region of several lines
    does not reach further than one line would, so ink of the same colour scattered over a photo
    (a banner, a jacket's stripes) is not chained onto a mark through regions that keep growing."""
    if not pieces:
        return []
    # columns: x, y, w, h, colour, pieces, letter height
    boxes = np.array([q + (1, q[3]) for q in sorted(pieces, key=lambda q: -q[2] * q[3])[:max_pieces]], np.float32)
    for _ in range(4):
        merged = []
        for members in _group(boxes):
            b = boxes[members]
            x0, y0 = b[:, 0].min(), b[:, 1].min()
            x1, y1 = (b[:, 0] + b[:, 2]).max(), (b[:, 1] + b[:, 3]).max()
            merged.append((x0, y0, x1 - x0, y1 - y0, b[0, 4], b[:, 5].sum(), b[:, 6].max()))
        done = len(merged) == len(boxes)
        boxes = np.array(merged, np.float32)
        if done:
            break
    return [(int(x), int(y), int(w), int(h), int(n)) for x, y, w, h, _c, n, _letter in boxes]


def _on_paper(masks: dict, x: int, y: int, w: int, h: int) -> bool:
    """The region is paper apart from the ink, and not too much ink; so is most of a margin around
    it (a mark in a sheet's margin, circled in a corner, has the sheet's edge within that margin)."""
    pad = max(3, h // 3)
    y0, x0 = max(0, y - pad), max(0, x - pad)
    ink = masks["ink"][y0:y + h + pad, x0:x + w + pad]
    paper = masks["paper"][y0:y + h + pad, x0:x + w + pad]
    inked = int(ink.sum())
    rest = ink.size - inked
    if inked > REGION_MAX_INK * ink.size:
        return False
    inside_ink, inside_paper = masks["ink"][y:y + h, x:x + w], masks["paper"][y:y + h, x:x + w]
    inside_rest = inside_ink.size - int(inside_ink.sum())
    margin_rest, margin_paper = rest - inside_rest, int(paper.sum()) - int(inside_paper.sum())
    return int(inside_paper.sum()) >= REGION_PAPER * max(1, inside_rest) and \
        margin_paper >= MARGIN_PAPER * max(1, margin_rest)


def _legible(line) -> bool:
    """Every word of the line read with at least LEGIBLE_WORD confidence, and at least three letters."""
    return bool(line.words) and min(w.confidence for w in line.words) >= LEGIBLE_WORD and \
        sum(c.isalpha() for c in line.text) >= 3


COMMENT_LETTERS = 5  # a pen mark every engine read as this many letters or more, and no digit, is a comment


def _read_as_words(box: Box, lines, label_words: list[Box]) -> bool:
    """Every reading of the lines over the mark region is letters only, COMMENT_LETTERS or more: a
    teacher's comment in pen ("Well done!", "See me", "Good effort"), not a grade (a score has
    digits, a letter grade one letter). A grade label's words (``label_words``) are no part of a
    reading: "Grade:" and its mark in one pen is read by what follows the label ("91 7": a mark)."""
    area = box.w * box.h
    over = [line for line in lines if line.box.overlap(box) >= 0.5 * min(area, line.box.w * line.box.h)]
    readings = [" ".join(w.text for w in line.words if w.box not in label_words) for line in over]
    readings = [text for text, line in zip(readings, over) if text.strip() or not any(
        w.box in label_words for w in line.words)]
    if not readings:
        return False
    for text in readings:
        letters = re.sub(r"[\W_]", "", text)
        if len(letters) < COMMENT_LETTERS or not letters.isalpha():
            return False
    return True


def _line_height(box: Box, lines) -> int:
    """The height of the OCR line holding ``box`` (the words of a match), across its slant when that is
    known (the upright box of a card turned 11 degrees is twice as tall as its text), else the box's own."""
    holding = [line.thickness or line.box.h for line in lines if line.box.overlap(box) >= 0.5 * box.w * box.h]
    return round(min(holding, default=box.h))


def find_ink_grades(image, lines, matches, long_side: int = LONG_SIDE, student_lines=()) -> list[Finding]:
    """``grade`` findings for the pen marks beside a grade label, a student's name or ID (from the
    OCR ``lines`` and the recognizers' ``matches``), or over a grade an engine read; and every pen mark
    on a sheet that holds a student's name or ID, or a name line written on (``student_lines``: their
    boxes and line heights), however far from it: a student's paper is covered whole."""
    label_words: list[Box] = []
    labels = [(b, b.h) for b in label_boxes(lines, label_words)]
    people = []
    for m in matches:
        if m.kind in ("name", "student_id") and m.words:
            box = Box.enclosing([w.box for w in m.words])
            people.append((box, _line_height(box, lines)))
    people += list(student_lines)
    grades = [Box.enclosing([w.box for w in m.words]) for m in matches if m.kind == "grade" and m.words]
    # the lines whose grade an engine read: other ink on them (a label in red) is no grade of its own
    read_lines = [line.box for line in lines if any(line.box.overlap(g) >= 0.5 * g.w * g.h for g in grades)]
    # lines an engine read cleanly, with no grade in them: coloured print (the title and headings of a
    # sheet printed in green), not a pen mark no engine could read; a line with a grade label is not
    # one of them (its value may be the ink past the label: "Grade: C" in one pen, the C not read)
    labelled = [b for b, _ in labels]
    legible = [line.box for line in lines if line.box not in read_lines and line.box not in labelled
               and _legible(line)]
    if not (labels or people or grades):
        return []  # nothing a mark could be the grade of: skip the pixel work
    preview = image.preview(long_side)
    factor = image.width / preview.shape[1]
    masks: dict = {}
    regions = mark_regions(ink_pieces(preview, masks))
    extents: dict[tuple, Box] = {}  # anchor -> the extent of the lines round it (``sheet_extent``)
    out: list[Finding] = []

    grey = None
    filled: dict[tuple, np.ndarray | None] = {}  # anchor -> the sheet filled from its ground (``sheet_mask``)
    compact: dict[tuple, bool] = {}  # anchor -> its filled ground has a sheet's shape (``sheet_like``)

    def on_mask(mask: np.ndarray, box: Box) -> bool:
        x0, y0 = int(box.x / factor), int(box.y / factor)
        x1, y1 = max(x0 + 1, int((box.x + box.w) / factor)), max(y0 + 1, int((box.y + box.h) / factor))
        inside = mask[y0:y1, x0:x1]
        return inside.size > 0 and float(inside.mean()) >= 0.5

    def same_sheet(box: Box, anchor: Box, line_h: float, unknown: bool = False) -> bool:
        """``box`` lies on the sheet of ``anchor``: on the sheet filled from the ground round the anchor
        (``sheet_mask``), within the extent of the lines round the anchor on it (``sheet_extent``);
        ``unknown`` where no sheet is found round the anchor."""
        nonlocal grey
        key = (anchor.x, anchor.y, anchor.w, anchor.h)
        if key not in extents:
            if grey is None:
                grey = cv2.cvtColor(preview, cv2.COLOR_RGB2GRAY)
            filled[key] = sheet_mask(grey, (int(anchor.x / factor), int(anchor.y / factor),
                                            max(1, int(anchor.w / factor)), max(1, int(anchor.h / factor))))
            mask = filled[key]
            compact[key] = mask is not None and (sheet_like(mask) or turned_sheet_like(mask))
            extents[key] = sheet_extent(anchor, line_h, lines, None if mask is None else lambda b: on_mask(mask, b))
        mask = filled[key]
        if mask is None:
            return unknown
        if not on_mask(mask, box):
            return False
        # a sheet's shape: its ground is the sheet; else the ground ran on past the sheet (a white wall),
        # and only the extent of the lines round the anchor is taken for it
        return compact[key] or extents[key].overlap(box) >= 0.5 * box.w * box.h

    def beside(box: Box, anchors) -> bool:
        """Near one of the ``anchors`` and on its sheet when one is found round it (not on the garment, the
        bag or the desk beside the sheet), or farther on the same sheet."""
        for anchor, line_h in anchors:
            dx, dy = box.gap(anchor)
            gap = max(dx, dy)
            scale = max(line_h, 0.5 * box.h)
            if gap <= NEAR_LINES * scale and same_sheet(box, anchor, line_h, unknown=True):
                return True
            if gap <= SAME_SHEET_LINES * scale and same_sheet(box, anchor, line_h):
                return True
        return False

    def on_student_sheet(box: Box, min_height: float = 0.0) -> bool:
        """On the same sheet as a student's name, ID or name line (``same_sheet``), at any distance."""
        return any(box.h >= min_height * line_h and same_sheet(box, anchor, line_h) for anchor, line_h in people)

    for x, y, w, h, n in regions:
        # a region: several pieces (letters) or one long stroke (a circled grade, a scrawl)
        # one small piece: noise or a tick, unless it is a lone letter as tall as a line beside a student's
        # name or ID on the same sheet (a red "C" on a small photo of a worksheet)
        single = n < 2 and max(w, h) < 3 * MIN_PIECE
        if h * factor < 8 or (single and max(w, h) < SINGLE_MIN * MIN_PIECE):
            continue
        if w > MAX_REGION_WIDTH * preview.shape[1] or h > 0.4 * preview.shape[0]:
            continue
        if not _on_paper(masks, x, y, w, h):
            continue
        box = Box.from_xyxy(x * factor, y * factor, (x + w) * factor, (y + h) * factor, image.width, image.height)
        area = box.w * box.h
        read = [g for g in grades if box.overlap(g) > 0]
        # the label itself ("Grade:" in red) is not sensitive; a region that goes on past it ("Grade: C"
        # in one pen, the letter as close to the label as its letters are to each other) holds the mark,
        # unless an engine read the grade there (then that finding covers it)
        if any(box.overlap(b) >= 0.6 * min(area, b.w * b.h) and (read or box.x + box.w - (b.x + b.w) < 0.4 * b.h)
               for b in label_words):
            continue
        why = None
        if read:
            why = "pen mark an OCR engine read as a grade"
            box = Box.enclosing([box] + read)
        elif any(box.overlap(b) >= 0.5 * area for b in read_lines) or \
                any(box.overlap(b) >= 0.5 * area for b, _h in student_lines) or \
                any(box.overlap(b) >= 0.8 * area for b in legible):
            continue
        elif _read_as_words(box, lines, label_words):
            # a comment in pen ("Well done!"), unless on a student's sheet: there the praise and the mark
            # after it ("Well done! D", its letter read into the words) are covered together
            if on_student_sheet(box):
                why = "pen writing on a student's sheet (a name or ID on it)"
        elif single:
            if on_student_sheet(box, SINGLE_LINE_SHARE):
                why = "a lone pen letter on a student's sheet"
        elif beside(box, labels):
            why = "pen mark beside a grade label"
        elif beside(box, people):
            why = "pen mark beside a student's name or ID"
        elif on_student_sheet(box):
            why = "pen mark on a student's sheet (a name or ID on it)"
        if why is None or any(f.box.iou(box) > 0.5 for f in out):
            continue
        out.append(Finding("grade", box, 0.6, "ink", hint="pen mark", why=why))
    return out
