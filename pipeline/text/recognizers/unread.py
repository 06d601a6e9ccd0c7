"""Marks no engine read: where a table's grade column, or a column of lone marks beside the students,
should hold a student's mark and nothing was read. The text stage checks the pixels there."""

from __future__ import annotations

import numpy as np

from ...findings import Box
from ..ocr import OcrLine
from .base import Match
from .columns import COLUMN_CELL_WIDTH, column_cells
from .frame import TABLE_SLANT, in_frame, slant_of, to_image
from .geometry import centre, same_row, x_overlap
from .headers import rivals, table_headers

MAX_DRIFT = 0.5  # px across per px down: a column drifting more than this is not followed by its cells
SHEET_ABOVE = 6.0  # header heights: a student's name or ID this close above a table's header row heads the sheet
MARK_MAX_CHARS = 3  # a lone mark of a column: "B", "A-", "15"
MARK_ROW_TOLERANCE = 0.4  # row pitches: a mark this close to the line through a student's text is in its row; marks
# this close along their rows are one column
MARK_CELL = 1.6  # a missing mark's cell: the column's marks' median size times this
MARK_PUNCTUATION = ".,;:!?'\"()[]|"


def drift(cells: list[tuple[Box, tuple]], header: Box) -> float:
    """How far a column drifts sideways per pixel down (a table photographed at an angle, in
    perspective): the slope of its narrow cells' centres, 0 with fewer than two of them."""
    narrow = [box for box, _ in cells if box.w <= COLUMN_CELL_WIDTH * header.w]
    ys = np.array([b.y + b.h / 2 for b in narrow], float)
    if len(narrow) < 2 or ys.max() - ys.min() < header.h:
        return 0.0
    xs = np.array([b.x + b.w / 2 for b in narrow], float)
    slope = float(np.polyfit(ys, xs, 1)[0])
    return slope if abs(slope) <= MAX_DRIFT else 0.0


def unread_grade_cells(lines: list[OcrLine], matches: list[Match]) -> list[Box]:
    """Where a table's grade column should hold a mark no engine read: the places, in the image, of
    the cells of a grade column (a grade header with other header words in its row) in the rows that
    hold cells in the other columns, one of them a student's name or ID (in ``matches``), or in every
    row when a student's name or ID stands just above the header row (SHEET_ABOVE: a report card,
    one student's marks by subject), but nothing read in the grade column.
    A lone letter grade ("B", "F") in a cell is often too small for the text detector to find at
    all. The caller checks the pixels there for a mark; an empty template has no such rows."""
    slant = slant_of(lines)
    turned, origin = in_frame(lines, slant) if abs(slant) >= TABLE_SLANT else (lines, None)
    headers, columns, _, _ = table_headers(turned)
    words = [w for line in turned for w in line.words]
    frame_of = {id(a): b for line, line_turned in zip(lines, turned) for a, b in zip(line.words, line_turned.words)}
    students = [frame_of[id(w)].box for m in matches if m.kind in ("name", "student_id") for w in m.words
                if id(w) in frame_of]
    out = []
    for column in columns:
        others = rivals(headers, column)
        # one student's sheet (a report card): the student's name or ID just above the table's header
        # row, so every row of the table is the student's
        sheet = any(b.y + b.h <= column.y + column.h and column.y - (b.y + b.h) <= SHEET_ABOVE * column.h
                    for b in students)
        bands: list[list[int]] = []  # rows, as the span down of the cells in the other columns
        for header in others:
            for box, _words in column_cells(turned, header, rivals(headers, header)):
                if 0.5 * column.h <= box.h <= 2 * column.h and (sheet or any(same_row(box, b) for b in students)):
                    bands.append([box.y, box.y + box.h])
        merged: list[list[int]] = []
        for top, bottom in sorted(bands):
            if merged and top < merged[-1][1] - 0.5 * (bottom - top):
                merged[-1][1] = max(merged[-1][1], bottom)
            else:
                merged.append([top, bottom])
        pad = column.h // 3
        slope = drift(column_cells(turned, column, others, leading=True), column)
        for top, bottom in merged:
            shift = int(round(slope * ((top + bottom) / 2 - (column.y + column.h / 2))))
            cell = Box(max(0, column.x + shift - pad), top, column.w + 2 * pad, max(1, bottom - top))
            if any(x_overlap(w.box, cell) > 0.5 * min(w.box.w, cell.w) and
                   min(w.box.y + w.box.h, bottom) - max(w.box.y, top) > 0.3 * (bottom - top) for w in words):
                continue  # something was read there (a mark, or another kind of cell)
            out.append(to_image(cell, origin, slant) if origin else cell)
    return out


def unread_column_marks(lines: list[OcrLine], matches: list[Match]) -> list[Box]:
    """Where a column of lone marks beside the students' names or IDs (a gradebook's letter grades,
    found row by row, with no header read) should hold the mark of a student's row in which no mark
    was read: the places, in the image. A lone letter is often too small for the detector, so some
    rows of the column are found and others not. A mark is in a student's row when it stands on the
    line through the student's text at that text's slant; a column is the marks at about the same
    distance along their rows; a row without its mark gets the offset the rows with one give it
    (fitted to the rows with one, which follows the perspective of a photographed screen). The caller checks the pixels there."""
    def distinct(boxes: list[Box]) -> list[Box]:  # one box per item (both engines' readings, two patterns)
        out: list[Box] = []
        for box in boxes:
            if not any(box.iou(o) > 0.5 for o in out):
                out.append(box)
        return out

    def boxes(kinds: tuple[str, ...], short: bool = False) -> list[Box]:
        return [Box.enclosing([w.box for w in m.words]) for m in matches if m.kind in kinds and m.words and (
            not short or len("".join(w.text for w in m.words).strip(MARK_PUNCTUATION)) <= MARK_MAX_CHARS)]

    def slant_of_box(box: Box) -> float:  # the slant of the line the text in ``box`` was read in (radians)
        line = max(lines, key=lambda line: line.box.overlap(box), default=None)
        return float(np.radians(line.angle)) if line is not None and line.box.overlap(box) > 0 else 0.0

    marks = distinct(boxes(("grade",), short=True))
    read = boxes(("grade", "name", "student_id"))
    out: list[Box] = []
    for kind in ("name", "student_id"):
        students = distinct(boxes((kind,)))
        if len(marks) < 2 or len(students) < 3:
            continue
        centres = [centre(b) for b in students]
        pitch = float(np.median([min(np.hypot(cx - ox, cy - oy) for j, (ox, oy) in enumerate(centres) if j != i)
                                 for i, (cx, cy) in enumerate(centres)]))
        slants = [slant_of_box(b) for b in students]
        # each row's place down the column, across the rows' slant
        down = [cy * np.cos(a) - cx * np.sin(a) for (cx, cy), a in zip(centres, slants)]
        pairs = []  # (distance along the row, student, offset) of each mark in a student's row
        for mark in marks:
            mx, my = centre(mark)
            for i, ((sx, sy), a) in enumerate(zip(centres, slants)):
                dx, dy = mx - sx, my - sy
                if abs(dy * np.cos(a) - dx * np.sin(a)) <= MARK_ROW_TOLERANCE * pitch:
                    pairs.append((dx * np.cos(a) + dy * np.sin(a), i, (dx, dy)))
        pairs.sort()
        columns: list[list] = []
        for pair in pairs:  # a column: marks at about the same distance along their rows
            if columns and pair[0] - columns[-1][-1][0] <= MARK_ROW_TOLERANCE * pitch:
                columns[-1].append(pair)
            else:
                columns.append([pair])
        width, height = (MARK_CELL * float(np.median([getattr(b, side) for b in marks])) for side in ("w", "h"))
        for column in columns:
            offsets = {i: offset for _, i, offset in column}
            if len(offsets) < 2:
                continue
            # the offset as a straight function of the row's place down the column (a screen's perspective)
            # from three rows with a mark or more; else the nearest row's
            fits = [np.polyfit([down[i] for i in offsets], [o[axis] for o in offsets.values()], 1)
                    for axis in (0, 1)] if len({round(down[i]) for i in offsets}) >= 3 else None
            for i, (cx, cy) in enumerate(centres):
                if i in offsets:
                    continue
                dx, dy = (float(np.polyval(f, down[i])) for f in fits) if fits else offsets[
                    min(offsets, key=lambda k: np.hypot(centres[k][0] - cx, centres[k][1] - cy))]
                x, y = cx + dx, cy + dy
                cell = Box(max(0, int(round(x - width / 2))), max(0, int(round(y - height / 2))),
                           max(1, int(round(width))), max(1, int(round(height))))
                if not any(r.overlap(cell) > 0.2 * cell.w * cell.h for r in read + out):
                    out.append(cell)  # (where something was read, or a cell already out, nothing more)
    return out
