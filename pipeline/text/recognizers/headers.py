"""Table headers: which lines are a table's header row, and which of their words head a column of
grades or of student numbers."""

from __future__ import annotations

import re

from ...findings import Box
from ..ocr import OcrLine
from .columns import cell_kind, column_cells
from .geometry import same_row, x_overlap
from .repairs import cut_last_headers, header_token
from .vocabulary import vocabulary

CELL_GAP = 0.5  # word heights: header words closer than this on a line are one header phrase


def header_line(line: OcrLine) -> bool:
    """Every word of the line is a header word ("Student ID Score Grade", "Note /20", "Quiz 2"), so
    it is not a label followed by its value ("Grade: B+")."""
    v = vocabulary()
    tokens = [header_token(w.text) for w in line.words]
    for i, token in enumerate(tokens):
        if token in v.grade_headers or token in v.test_headers or token in v.table_headers or \
                v.header_out_of.fullmatch(token):
            continue
        if re.fullmatch(r"\d{1,2}", token) and i > 0 and tokens[i - 1] in v.test_headers:
            continue
        return False
    return bool(tokens) and any(t for t in tokens)


def rivals(headers: list[Box], column: Box) -> list[Box]:
    """The other header words of ``column``'s header row (beside it, not over it)."""
    return [h for h in headers if h is not column and same_row(h, column) and x_overlap(h, column) == 0]


def same_line(a: Box | None, b: Box | None) -> bool:
    """Two OCR lines are one detected line read by each engine (their words are not two columns'
    headers)."""
    return a is not None and b is not None and a is not b and a.iou(b) > 0.5


def table_headers(lines: list[OcrLine]) -> tuple[list[Box], list[Box], list[Box], list[Box]]:
    """The boxes of the header words of tables' header rows, of the grade headers among them (their
    columns hold grades), of the ID headers (their columns hold student numbers) and of the student
    headers ("Élève", "Nom", "Students": their columns hold names). A header is a
    word of a line made only of header words with another header word in its row; a strong grade
    header ("Grade", "Note") alone on its row heads a column when at least two cells under it read
    as marks."""
    v = vocabulary()
    # a word ending with a colon is a form's label waiting for its value ("Name: ____  Class: ____  Date: ____",
    # a header row of fields), no column's header
    header_words = [(w, header_token(w.text)) for line in lines if header_line(line) for w in line.words
                    if not w.text.rstrip().endswith(":")]
    header_words += cut_last_headers(lines, header_words)
    headers: list[Box] = []
    columns: list[Box] = []
    id_columns: list[Box] = []
    name_columns: list[Box] = []
    phrase = {}  # header words a word space apart on one line ("Quiz results", a title) name one column
    line_of = {}
    for line in lines:
        for k, w in enumerate(line.words):
            line_of[id(w)] = line.box
            before = line.words[k - 1] if k else None
            gap = w.box.x - (before.box.x + before.box.w) if before is not None else None
            phrase[id(w)] = phrase[id(before)] if gap is not None and 0 < gap < CELL_GAP * min(
                w.box.h, before.box.h) else id(w)
    for word, token in header_words:
        mates = [w for w, _ in header_words if w is not word and same_row(w.box, word.box)
                 and x_overlap(w.box, word.box) == 0 and phrase.get(id(w), id(w)) != phrase.get(id(word), id(word))
                 and not same_line(line_of.get(id(w)), line_of.get(id(word)))]
        gradeish = token in v.grade_headers or token in v.test_headers
        if gradeish:
            below = [c for c in column_cells(lines, word.box) if cell_kind(" ".join(w.text for w in c[1]))]
            if mates or (token in v.strong_grade_headers and len(below) >= 2):
                columns.append(word.box)
                headers.append(word.box)
        elif mates:
            headers.append(word.box)
            if token in v.id_headers:
                id_columns.append(word.box)
            elif token in v.student_headers and not any(
                    phrase.get(id(w), id(w)) == phrase.get(id(word), id(word)) and header_token(w.text) in v.id_headers
                    for w, _ in header_words):  # "Student ID", "Élève n°": the ID's column
                name_columns.append(word.box)
    return headers, columns, id_columns, name_columns
