"""Documents as regions: a table that holds a student's name or number is covered by whole columns.

A careful person covering a gradebook does not black out one cell at a time: under the headers that
mark a student's column (Élève, Nom | Prénom, Students), an ID column (Matricule, Student ID) and a
grade column (Note, Lettre, Score), every cell goes, single letters and the cells no engine read
included. This module gives those columns' places; the text stage makes findings of them."""

from __future__ import annotations

from dataclasses import dataclass

from ...findings import Box
from ..ocr import OcrLine
from .base import Match
from .columns import columns_cells
from .frame import TABLE_SLANT, in_frame, slant_of, to_image
from .geometry import same_row
from .headers import table_headers

COLUMN_GAP = 0.3  # header heights: a column ends this far left of the next column's header
LAST_COLUMN = 6.0  # header heights: how far right of its header's start the last column reaches at least
ROW_JOIN = 0.6  # header heights: cells whose centres lie this close down are one row
STUDENT_KINDS = ("name", "student_id")
KINDS = ("student_id", "name", "grade")  # what a header phrase of several says: the first of these
PHRASE_GAP = 0.5  # word heights: header words closer than this on a row are one header phrase


@dataclass(frozen=True)
class Column:
    kind: str  # name | student_id | grade: what the column's header says it holds
    box: Box  # in the image: the column's cell in one of the table's rows (its text's height; the cover adds
    # its margin), read or not


def header_rows(headers: list[tuple[Box, str | None]]) -> list[list[tuple[Box, str | None]]]:
    """The header words grouped by row, each row from left to right, the words of one header phrase
    ("Student ID", "Mark /20") joined into one header that says what any of them says."""
    rows: list[list[tuple[Box, str | None]]] = []
    for h, kind in sorted(headers, key=lambda hk: hk[0].x):
        row = next((r for r in rows if same_row(r[0][0], h)), None)
        if row is None:
            rows.append([(h, kind)])
            continue
        last, last_kind = row[-1]
        if h.iou(last) > 0.5 or h.x - (last.x + last.w) < PHRASE_GAP * min(h.h, last.h):  # one header read
            # by both engines, or a phrase: one header
            row[-1] = (Box.enclosing([last, h]), min((k for k in (last_kind, kind) if k), key=KINDS.index, default=None))
        else:
            row.append((h, kind))
    return rows


def table_rows(cells: list[Box], height: float) -> list[tuple[float, float]]:
    """The rows of a table, top and bottom of their text, from the cells read in any of its columns: a
    row is the cells whose centres lie within ROW_JOIN header heights down of each other; where two rows
    read lie more than 1.5 pitches apart (the median step between rows), the rows between them no engine
    read are put in at that pitch."""
    rows: list[list[Box]] = []
    for b in sorted(cells, key=lambda b: b.y + b.h / 2):
        if rows and b.y + b.h / 2 - (rows[-1][0].y + rows[-1][0].h / 2) <= ROW_JOIN * height:
            rows[-1].append(b)
        else:
            rows.append([b])
    spans = [(min(b.y for b in r), max(b.y + b.h for b in r)) for r in rows]
    centres = [(a + b) / 2 for a, b in spans]
    steps = sorted(b - a for a, b in zip(centres, centres[1:]))
    pitch = steps[len(steps) // 2] if steps else 0.0
    out = []
    for k, (top, bottom) in enumerate(spans):
        out.append((top, bottom))
        if k + 1 < len(spans) and pitch > 0:
            gap = centres[k + 1] - centres[k]
            missing = round(gap / pitch) - 1 if gap > 1.5 * pitch else 0
            half = min(bottom - top, 1.5 * height) / 2
            for j in range(1, missing + 1):
                centre = centres[k] + j * gap / (missing + 1)
                out.append((centre - half, centre + half))
    return out


def student_columns(lines: list[OcrLine], matches: list[Match]) -> list[Column]:
    """The student, ID and grade columns of the tables that hold a student's name or number (a match
    in one of their cells), whole: a place per row of the table (``table_rows``: every row read in any
    column, and the rows no engine read between them), across from the column's header (or its cells,
    when they start further left) to the next column's header. An empty template
    or a timetable holds no student and gives none. A table turned in the photo is read in its own
    frame and its columns mapped back (the box holding each turned column)."""
    slant = slant_of(lines)
    turned, origin = in_frame(lines, slant) if abs(slant) >= TABLE_SLANT else (lines, None)
    frame_of = {id(a): b for line, line_turned in zip(lines, turned) for a, b in zip(line.words, line_turned.words)}
    student_words = {id(frame_of.get(id(w), w)) for m in matches if m.kind in STUDENT_KINDS for w in m.words}
    headers, grade_columns, id_columns, name_columns = table_headers(turned)

    def kind_of(h: Box) -> str | None:
        for kind, boxes in (("student_id", id_columns), ("name", name_columns), ("grade", grade_columns)):
            if any(h is b or h.iou(b) > 0.5 for b in boxes):
                return kind
        return None

    out: list[Column] = []
    for row in header_rows([(h, kind_of(h)) for h in headers]):
        if not any(kind for _h, kind in row):
            continue
        boxes = [h for h, _kind in row]
        cells = columns_cells(turned, boxes)
        if not any(id(w) in student_words for column in cells for _box, words in column for w in words):
            continue  # no student in the table: a timetable, an empty template
        bands = table_rows([box for column in cells for box, _ in column], max(h.h for h in boxes))
        height = max(h.h for h in boxes)
        for k, (h, kind) in enumerate(row):
            if kind is None:
                continue
            start = boxes[k - 1].x + boxes[k - 1].w if k else 0
            left = min([h.x] + [b.x for b, _ in cells[k] if b.x >= start])
            if k + 1 < len(row):
                right = boxes[k + 1].x - COLUMN_GAP * height
            else:
                # as far as its header reaches, or its cells that start under the header (a row read as one
                # line, or a note beside the table, does not stretch it)
                right = max([h.x + max(h.w, LAST_COLUMN * height)] + [b.x + b.w for b, _ in cells[k]
                                                                       if b.x <= h.x + h.w])
            for top, bottom in bands:
                if right <= left or (top + bottom) / 2 < h.y + h.h:
                    continue
                box = Box(int(left), int(top), max(1, int(right - left)), max(1, int(bottom - top)))
                out.append(Column(kind, to_image(box, origin, slant) if origin is not None else box))
    return out
