"""Table columns: the cells under a header word, followed down a table (one photographed at an angle
too), and what a cell holds."""

from __future__ import annotations

import re

import numpy as np

from ...findings import Box
from ..ocr import OcrLine, Word
from .geometry import x_overlap
from .repairs import LETTER_GRADE

CELL_LETTER = re.compile(LETTER_GRADE)
CELL_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{1,2})?")
CELL_OUT_OF = re.compile(r"\d{1,3}(?:[.,]\d{1,2})?/\d{1,3}")
CELL_PERCENT = re.compile(r"\d{1,3}(?:[.,]\d{1,2})?%")
TABLE_REACH = 3.0  # a gap of more than this many row heights ends a table's column
COLUMN_CELL_WIDTH = 2.5  # header widths: a cell this wide or narrower leads the column on down


def cell_kind(text: str) -> str | None:
    """What a table cell holds: "letter" (A-F with + or -), "number" (up to 3 digits, decimals),
    "out_of" (n/20) or "percent"; None for anything else."""
    t = "".join(text.split()).strip(".,;:()[]")
    if CELL_LETTER.fullmatch(t):
        return "letter"
    if CELL_OUT_OF.fullmatch(t):
        return "out_of"
    if CELL_PERCENT.fullmatch(t) and float(t[:-1].replace(",", ".")) <= 100:
        return "percent"
    if CELL_NUMBER.fullmatch(t):
        return "number"
    return None


def column_cells(lines: list[OcrLine], header: Box, rivals: list[Box] = (),
                 leading: bool = False) -> list[tuple[Box, tuple[Word, ...]]]:
    """The cells under a header word: runs of a line's words overlapping the header's column, below
    it, down to the first gap of more than TABLE_REACH row heights. The column follows its cells
    down: a cell overlapping the one above it across is in the column too (a table photographed at
    an angle, its columns drifting sideways row by row); a cell much wider than the header (a row
    read as one) does not lead the column on. ``rivals`` are the other header words of the header's
    row: their columns are followed down at the same time, and a word overlapping several columns
    leads on the one it overlaps most (a column of narrow letters drifting towards a column of
    scores does not follow the scores down); it is a cell of the others whose header it overlaps
    too (a row's ID and mark read as one word across two columns), without leading them on.
    ``leading``: only the cells that lead the column on."""
    return columns_cells(lines, [header, *rivals], leading)[0]


def columns_cells(lines: list[OcrLine], headers: list[Box],
                  leading: bool = False) -> list[list[tuple[Box, tuple[Word, ...]]]]:
    """The cells of the columns of ``headers`` (the header words of one row), followed down
    together (see ``column_cells``)."""
    reach = [[h] for h in headers]  # what a cell must overlap across: the header, and the last cell of the column
    out: list[list[tuple[Box, tuple[Word, ...]]]] = [[] for _ in headers]
    bottom = [h.y + h.h for h in headers]
    closed = [False] * len(headers)

    def columns_of(word: Word) -> tuple[int | None, tuple[int, ...]]:
        """The column the word overlaps most (None: none), and the others whose header it overlaps."""
        below = [word.box.y + word.box.h / 2 > h.y + h.h for h in headers]
        overlaps = [max(x_overlap(word.box, r) for r in reach[k]) if below[k] else 0 for k in range(len(headers))]
        if not any(overlaps):
            return None, ()
        best = int(np.argmax(overlaps))
        return best, tuple(k for k, h in enumerate(headers) if k != best and below[k] and x_overlap(word.box, h) > 0)

    for line in sorted(lines, key=lambda line: line.box.y + line.box.h / 2):
        placed = [columns_of(word) for word in line.words]
        cells = []
        for k in range(len(headers)):
            run: list[Word] = []
            leads = False
            for word, (best, others) in (*zip(line.words, placed), (None, (None, ()))):
                if word is not None and (k == best or (k in others and not leading)):
                    run.append(word)
                    leads = leads or k == best
                    continue
                if run:
                    cells.append((k, Box.enclosing([w.box for w in run]), tuple(run), leads))
                    run, leads = [], False
        for k, box, words, leads in sorted(cells, key=lambda c: c[1].y):
            if closed[k]:
                continue
            if box.y - bottom[k] > TABLE_REACH * headers[k].h:
                closed[k] = True
                continue
            out[k].append((box, words))
            bottom[k] = max(bottom[k], box.y + box.h)
            if leads and box.w <= COLUMN_CELL_WIDTH * headers[k].w:
                # a narrow cell (a lone letter) reaches half its height further each side: the next
                # row's letter, drifted by as much, still overlaps it
                grow = box.h // 2 if box.w <= 2 * box.h else 0
                reach[k] = [headers[k], Box(box.x - grow, box.y, box.w + 2 * grow, box.h)]
    return out
