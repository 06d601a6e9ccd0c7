"""Issue 39, documents as regions: a table that holds a student is covered by whole columns. Under a
student, ID or grade header every row's cell goes, single letters and cells no engine read included;
a timetable or an empty template holds no student and gets no column."""

from __future__ import annotations

import pytest

from conftest import find_text_in, render_rows
from pipeline.findings import Box
from pipeline.text.ocr import OcrLine, Word
from pipeline.text.recognizers import REGISTRY, Page, student_columns

COLUMNS = (40, 400, 650, 850)
HEADER = ("Élève", "Matricule", "Note", "Lettre")
ROWS = [("Inès Abernathy", "48213977", "14", "C"), ("Owen Lefèvre-Sato", "48213978", "9", "D"),
        ("Omar Benali", "48213979", "11,5", "C-"), ("Zoé Côté", "48213980", "17", "B"),
        ("Noé Gauthier-Roy", "48213981", "12", "F")]


def line_at(x: int, y: int, *words: str, h: int = 30) -> OcrLine:
    out, left = [], x
    for w in words:
        width = max(12, 16 * len(w))
        out.append(Word(w, Box(left, y, width, h), 90.0))
        left += width + 10
    return OcrLine(tuple(out), Box.enclosing([w.box for w in out]))


def table(header, rows, unread=()) -> list[OcrLine]:
    """A table read one cell per OCR line; the cells ``(row, column)`` in ``unread`` no engine read."""
    lines = [line_at(x, 40, word) for x, word in zip(COLUMNS, header)]
    for r, row in enumerate(rows, start=1):
        lines += [line_at(x, 40 + 50 * r, *cell.split()) for c, (x, cell) in enumerate(zip(COLUMNS, row))
                  if (r, c) not in unread]
    return lines


def columns_of(lines: list[OcrLine]):
    return student_columns(lines, REGISTRY.find(lines, Page([False] * len(lines), None, 85.0)))


def under(columns, kind: str, box: Box) -> bool:
    """A column place of ``kind`` holds most of ``box`` (a cell, read or not)."""
    return any(c.kind == kind and c.box.overlap(box) >= 0.6 * box.w * box.h for c in columns)


def test_every_row_of_the_student_id_and_grade_columns_is_covered_read_or_not() -> None:
    # the third row's letter and the second row's name unread, the fourth row unread in every column
    unread = {(3, 3), (2, 0), (4, 0), (4, 1), (4, 2), (4, 3)}
    columns = columns_of(table(HEADER, ROWS, unread))
    for r, row in enumerate(ROWS, start=1):
        for c, (kind, cell) in enumerate(zip(("name", "student_id", "grade", "grade"), row)):
            box = line_at(COLUMNS[c], 40 + 50 * r, *cell.split()).box
            assert under(columns, kind, box), (r, c, cell, [(col.kind, col.box) for col in columns])
    # the header row stays as it is
    assert not any(c.box.overlap(line_at(x, 40, word).box) > 0.3 * 30 * 16 * len(word)
                   for c in columns for x, word in zip(COLUMNS, HEADER))


@pytest.mark.parametrize("header, kinds", [
    (("Students", "Student ID", "Mark", "Letter"), ("name", "student_id", "grade", "grade")),
    (("Nom", "Prénom", "Note", "Lettre"), ("name", "name", "grade", "grade")),
])
def test_header_phrases_and_split_names_head_their_columns(header, kinds) -> None:
    rows = [("Abernathy", "48213977", "14", "C"), ("Benali", "48213979", "9", "B"), ("Côté", "48213980", "17", "D")]
    if kinds[1] == "name":
        rows = [("Abernathy", "Inès", "14", "C"), ("Benali", "Omar", "9", "B"), ("Côté", "Zoé", "17", "D")]
    lines = [line_at(COLUMNS[0], 40, header[0])] + \
        [line_at(x, 40, *word.split()) for x, word in zip(COLUMNS[1:], header[1:])]
    for r, row in enumerate(rows, start=1):
        lines += [line_at(x, 40 + 50 * r, cell) for x, cell in zip(COLUMNS, row)]
    columns = columns_of(lines)
    for r, row in enumerate(rows, start=1):
        for c, (kind, cell) in enumerate(zip(kinds, row)):
            assert under(columns, kind, line_at(COLUMNS[c], 40 + 50 * r, cell).box), (header, r, c, cell)


def test_a_timetable_or_an_empty_template_gets_no_column() -> None:
    timetable = table(("Day", "Subject", "Room", "Aisle"), [("Monday", "Science", "214", "A"),
                                                            ("Tuesday", "Art", "B12", "C")])
    template = table(HEADER, []) + [line_at(40, 140, "Science", "Fair", "Friday")]
    assert columns_of(timetable) == []
    assert columns_of(template) == []


@pytest.mark.slow
def test_a_rendered_gradebook_is_covered_by_whole_columns() -> None:
    """A gradebook drawn as a photo of a screen would show it: every cell under Élève, Matricule, Note
    and Lettre lies under the text stage's findings, the lone letters too; the header row and the
    title do not."""
    rows = [[(40, "Carnet de notes - 5e B")], list(zip(COLUMNS, HEADER))] + [list(zip(COLUMNS, row)) for row in ROWS]
    png, boxes = render_rows(rows, pitch=56, background=(250, 250, 246))
    found = [f for f in find_text_in(png) if f.kind in ("name", "student_id", "grade")]
    for r, row in enumerate(ROWS, start=2):
        for cell in row:
            box = boxes[(r, cell)]
            assert sum(f.box.overlap(box) for f in found) >= 0.9 * box.w * box.h, \
                (cell, [(f.kind, f.box.as_list(), f.why) for f in found])
    for text in ("Carnet de notes - 5e B", *HEADER):
        box = boxes[(0 if text.startswith("Carnet") else 1, text)]
        assert not any(f.box.overlap(box) > 0.5 * box.w * box.h for f in found), text
