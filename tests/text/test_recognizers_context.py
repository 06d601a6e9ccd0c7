"""Context in the recognizers: numbers with ":" or "-" inside are never student IDs, and a
gradebook table's grade column and student rows are grades while its header words are not."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from conftest import SAMPLES, find_text_in, render_rows, text_font
from pipeline.findings import Box
from pipeline.text.ocr import OcrLine, Word
from pipeline.text.recognizers import (REPAIRS, find_beside_student, find_grades, find_list_rows, find_names,
                                       find_student_ids, find_table_grades)


def line_at(x: int, y: int, *words: str, h: int = 30, step: int = 90) -> OcrLine:
    """One OCR line whose words start at ``x`` and stand ``step`` px apart."""
    ws = tuple(Word(w, Box(x + step * i, y, max(12, 16 * len(w)), h), 90.0) for i, w in enumerate(words))
    return OcrLine(ws, Box.enclosing([w.box for w in ws]))


def lines_of(*texts: str) -> list[OcrLine]:
    return [line_at(10, 10 + 40 * row, *t.split()) for row, t in enumerate(texts)]


def all_matches(lines: list[OcrLine], roster=None):
    """The recognizers in the order ``pipeline.text.stage.find_text`` runs them."""
    matches = find_student_ids(lines, [False] * len(lines)) + find_grades(lines) + find_names(lines, roster, 85)
    matches += find_beside_student(lines, matches)
    matches += find_list_rows(lines, matches)
    return find_table_grades(lines, matches)


# ---------------------------------------------------------------------------------------------
# Numbers with ":" or "-" inside

@pytest.mark.parametrize("texts", [
    ("Library hours 8:00-3:30",), ("Library hours 8:00 - 3:30",), ("Library hours 800330",),  # separators lost
    ("Call 555-0134",), ("555-0134",), ("2024-05-01",), ("8:30",), ("Open 8:00-15:30",), ("12:30:45",),
    ("Lincoln High School", "Office 555-01345"), ("Lincoln High School", "Bus 8:00-330330"),
    ("Lincoln High School", "Library hours 8:00-3:30"), ("Ref 2024-0501-77",), ("Tel 01-45-67-89-12",),
])
def test_numbers_with_colons_or_dashes_inside_are_not_ids(texts) -> None:
    lines = lines_of(*texts)
    assert find_student_ids(lines, [False] * len(lines)) == []
    assert find_beside_student(lines, find_names(lines_of("Nom : Maya Roux"), None, 85)) == []


@pytest.mark.parametrize("text, hint", [
    ("Student ID: 48213977", "ID ••••••77"), ("Student ID:48213977", "ID ••••••77"), ("ID# 48213977", "ID ••••••77"),
    ("ID : 48213977", "ID ••••••77"), ("Student ID: 48213977 (8:30)", "ID ••••••77"),
])
def test_a_labelled_id_is_still_found(text: str, hint: str) -> None:
    assert [m.hint for m in find_student_ids(lines_of(text), [False])] == [hint]


# ---------------------------------------------------------------------------------------------
# Tables built from OCR lines

HEADER = ("Student", "ID", "Score", "Grade")
ROWS = [("Marc Thiessen", "48213977", "87", "B"), ("Lea Okafor", "48213978", "72", "C+"),
        ("Sam Dubois", "48213979", "93", "A"), ("Noah Petit", "48213980", "61", "D")]
COLUMNS = (40, 400, 650, 850)


def _cell_lines(rows=ROWS, top: int = 40, pitch: int = 50) -> list[OcrLine]:
    """A gradebook screen read one cell per OCR line (in no particular order, as the detector gives them)."""
    lines = [line_at(x, top, word) for x, word in zip(COLUMNS, HEADER)]
    for r, row in enumerate(rows, start=1):
        lines += [line_at(x, top + r * pitch, *cell.split(), step=70) for x, cell in zip(COLUMNS, row)]
    return lines[::-1]


def _row_lines(rows=ROWS, top: int = 40, pitch: int = 50) -> list[OcrLine]:
    """The same screen read one row per OCR line: the words keep their columns' boxes."""
    def row_line(y: int, cells) -> OcrLine:
        words = []
        for x, cell in zip(COLUMNS, cells):
            words += [Word(w, Box(x + 70 * i, y, max(12, 16 * len(w)), 30), 90.0) for i, w in enumerate(cell.split())]
        return OcrLine(tuple(words), Box.enclosing([w.box for w in words]))
    return [row_line(top, HEADER)] + [row_line(top + r * pitch, row) for r, row in enumerate(rows, start=1)]


def _grades(matches) -> list[str]:
    return sorted(" ".join(w.text for w in m.words) for m in matches if m.kind == "grade")


@pytest.mark.parametrize("make", [_cell_lines, _row_lines])
def test_the_grade_and_score_columns_are_grades_and_the_header_is_not(make) -> None:
    matches = all_matches(make())
    assert _grades(matches) == sorted(["B", "C+", "A", "D", "87", "72", "93", "61"])
    header_words = {w for line in make() for w in line.words if w.box.y == 40}
    assert not [m for m in matches if any(w.box.y == 40 for w in m.words)], [m.why for m in matches]
    assert len(header_words) == 4
    assert sorted(m.hint for m in matches if m.kind == "student_id") == [f"ID ••••••{n}" for n in (77, 78, 79, 80)]


def test_letter_grades_without_plus_or_minus_are_found_only_in_a_grade_column() -> None:
    grades = [m for m in all_matches(_cell_lines()) if m.kind == "grade" and m.words[0].text in "BAD"]
    assert len(grades) == 3 and all("grade column" in m.why for m in grades)
    # the same letters with no header above them are not grades
    bare = [line_at(850, 90 + 50 * i, letter) for i, letter in enumerate("BAD")]
    assert all_matches(bare) == []


def test_a_misread_mark_in_the_grade_column_is_still_a_grade() -> None:
    rows = [("Marc Thiessen", "48213977", "87", "fo"), ("Lea Okafor", "48213978", "72", "<")]
    matches = all_matches(_cell_lines(rows))
    assert {"fo", "<"} <= set(_grades(matches))


def test_french_headers_and_out_of_twenty() -> None:
    lines = [line_at(40, 40, "Élève"), line_at(400, 40, "Moyenne"), line_at(650, 40, "Résultat")]
    lines += [line_at(40, 90, "Marc", "Thiessen", step=70), line_at(400, 90, "14,5"), line_at(650, 90, "15/20")]
    lines += [line_at(40, 140, "Lea", "Okafor", step=70), line_at(400, 140, "9"), line_at(650, 140, "12/20")]
    assert _grades(all_matches(lines)) == sorted(["14,5", "9", "15/20", "12/20"])


def test_the_column_ends_at_a_big_gap() -> None:
    lines = _cell_lines() + [line_at(850, 40 + 4 * 50 + 5 * 30, "B")]  # far below the last row
    assert _grades(all_matches(lines)).count("B") == 1


def test_a_label_with_its_value_is_not_a_header() -> None:
    # "Grade: B+" on a paper: its own grade, but the room number under it is not a grade
    lines = [line_at(40, 40, "Grade:", "B+"), line_at(40, 80, "214"), line_at(40, 120, "35")]
    assert _grades(all_matches(lines)) == ["B+"]


def test_a_lone_total_over_prices_is_not_a_grade_column() -> None:
    lines = [line_at(600, 40, "Total"), line_at(600, 80, "12.50"), line_at(600, 120, "8.90")]
    assert all_matches(lines) == []


def test_numbers_in_a_students_row_are_grades() -> None:
    # no header at all: the row of a student's ID makes its numbers sensitive
    lines = [line_at(40, 40, "ID#", "48213977", "17", "B", step=140)]
    matches = all_matches(lines)
    assert [m.kind for m in matches if m.kind == "student_id"] == ["student_id"]
    assert _grades(matches) == ["17", "B"]
    # a number on another row is not
    lines = [line_at(40, 40, "ID#", "48213977", step=140), line_at(40, 200, "Room", "17", step=140)]
    assert _grades(all_matches(lines)) == []


# ---------------------------------------------------------------------------------------------
# A rendered gradebook screen through the whole text stage







def _covered(box: Box, findings, kind: str) -> bool:
    return any(f.kind == kind and f.box is not None and f.box.overlap(box) >= 0.3 * box.w * box.h for f in findings)


@pytest.mark.slow
def test_a_rendered_gradebook_screen() -> None:
    rows = [list(zip(COLUMNS, HEADER))] + [list(zip(COLUMNS, row)) for row in ROWS]
    png, boxes = render_rows(rows)
    found = find_text_in(png)
    for r, row in enumerate(ROWS, start=1):
        assert _covered(boxes[(r, row[3])], found, "grade"), (row[3], [(f.kind, f.box, f.why) for f in found])
        assert _covered(boxes[(r, row[2])], found, "grade"), (row[2], [(f.kind, f.box, f.why) for f in found])
    for word in HEADER:
        header = boxes[(0, word)]
        assert not [f for f in found if f.box is not None and f.box.overlap(header) > 0], \
            (word, [(f.kind, f.box, f.why) for f in found])


def test_a_rendered_sign_with_hours_and_a_phone_number() -> None:
    png, _ = render_rows([[(40, "Lincoln Middle School Library")], [(40, "Library hours 8:00-3:30")],
                      [(40, "Call 555-0134")], [(40, "Book fair 2024-05-01 at 8:30")]])
    found = find_text_in(png)
    assert [f for f in found if f.kind in ("student_id", "grade", "name")] == [], [(f.kind, f.why) for f in found]


def test_a_price_total_is_not_a_grade_label() -> None:
    from pipeline.text.recognizers import find_grades

    assert find_grades(lines_of("Total 24,90 €", "60% of NC voted early")) == []
    assert [m.hint for m in find_grades(lines_of("Total: 17/20", "85%"))] == ["grade ••/20", "grade ••%"]


def test_an_id_read_with_the_next_cell_is_covered_whole() -> None:
    """A gradebook row whose ID and mark the detector joined into one line ("748077608" + "77")."""
    from pipeline.text.recognizers import find_table_grades

    lines = [OcrLine((Word("Name", Box(10, 10, 60, 20), 95.0),), Box(10, 10, 60, 20)),
             OcrLine((Word("Numéro", Box(200, 10, 80, 20), 95.0),), Box(200, 10, 80, 20)),
             OcrLine((Word("Note", Box(380, 10, 50, 20), 95.0),), Box(380, 10, 50, 20)),
             OcrLine((Word("74807760877", Box(200, 50, 150, 20), 95.0),), Box(200, 50, 150, 20))]
    found = find_table_grades(lines, [])
    assert [(m.kind, m.words[0].text) for m in found] == [("student_id", "74807760877")]


@pytest.mark.parametrize("merged", ["54536872317/20", "63358332486%", "7444571188"])
def test_an_id_run_into_the_mark_beside_it_is_an_id_and_a_grade(merged: str) -> None:
    """The OCR read a row's ID and its mark as one word across the ID and Score columns: the word is
    covered as a student ID and as a grade (either way, the mark is covered)."""
    lines = [line_at(x, 40, word) for x, word in zip(COLUMNS, HEADER)]
    lines += [line_at(40, 90, "Noah", "Petit"), line_at(850, 90, "B")]
    lines.append(OcrLine((Word(merged, Box(400, 90, 300, 30), 90.0),), Box(400, 90, 300, 30)))
    found = all_matches(lines)
    assert {m.kind for m in found if m.words[0].text == merged} == {"student_id", "grade"}, \
        [(m.kind, m.why) for m in found]
    assert not [m for m in found if any(w.box.y == 40 for w in m.words)]


@pytest.mark.parametrize("text, hint", [
    ("Matlicule : 39624/", "ID •••24"),  # the label misread, and the box's edge read as a slash
    ("Studemt ID 5512093", "ID •••••93"), ("ldentifiant : 7754321", "ID •••••21"),
])
def test_an_id_label_with_a_letter_misread_is_still_a_label(text: str, hint: str) -> None:
    assert [m.hint for m in find_student_ids(lines_of(text), [False])] == [hint]


@pytest.mark.parametrize("text", ["Page 12345/6", "Standard 12345", "Stadium 12345"])
def test_a_fraction_or_an_unlike_word_is_not_an_id_label(text: str) -> None:
    assert find_student_ids(lines_of(text), [False]) == []


@pytest.mark.parametrize("text, hint", [
    ("Moyenne générale : 15,2", "grade ••"), ("Moyenne : 13.75", "grade ••"), ("Score: 92", "grade ••"),
    ("Note finale : 16", "grade ••"),
])
def test_a_bare_number_after_a_grade_label_is_a_grade(text: str, hint: str) -> None:
    assert hint in [m.hint for m in find_grades(lines_of(text))]


@pytest.mark.parametrize("text", ["Grade: 5", "Note: 5 pages", "Total pages: 12", "Score: ____", "Moyenne d'âge : 11 ans",
                                  "Average wait: 15"])
def test_a_grade_level_or_a_count_after_a_label_is_no_grade(text: str) -> None:
    assert find_grades(lines_of(text)) == []


@pytest.mark.parametrize("header", [("Student", "ID", "Score", "Letter"), ("Student", "ID", "Score", "MoyennA"),
                                    ("Élève", "Numero", "Note", "Moyenn")])
def test_a_letter_column_and_misread_header_words_head_grade_columns(header) -> None:
    lines = [line_at(x, 40, word) for x, word in zip(COLUMNS, header)]
    for r, row in enumerate(ROWS, start=1):
        lines += [line_at(x, 40 + r * 50, *cell.split(), step=70) for x, cell in zip(COLUMNS, row)]
    matches = all_matches(lines)
    assert sorted(m.words[0].text for m in matches if m.kind == "grade" and m.words[0].box.x == COLUMNS[3]) == \
        sorted(row[3] for row in ROWS)
    assert not [m for m in matches if any(w.box.y == 40 for w in m.words)], [m.why for m in matches]


def test_a_sign_word_close_to_a_header_word_heads_no_column() -> None:
    """ "NO LITTER" on a sign is not "No" and "Letter" heading a gradebook's columns."""
    lines = [line_at(100, 40, "NO", "LITTER"), line_at(250, 90, "ゴミ"), line_at(340, 90, "禁止")]
    assert all_matches(lines) == []


# ---------------------------------------------------------------------------------------------
# Tables photographed at an angle; cells the detector did not find

def _turned_cells(slant: float, rows=ROWS, top: int = 300, pitch: int = 50) -> list[OcrLine]:
    """``_cell_lines`` as seen on a card turned ``slant`` degrees: each word's box is the box holding
    its turned rectangle, and each line carries the detector's slant and thickness."""
    import math

    a = math.radians(slant)

    def turned(box: Box) -> Box:
        corners = [(box.x, box.y), (box.x + box.w, box.y), (box.x + box.w, box.y + box.h), (box.x, box.y + box.h)]
        xs = [x * math.cos(a) - y * math.sin(a) + 300 for x, y in corners]
        ys = [x * math.sin(a) + y * math.cos(a) for x, y in corners]
        return Box(int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys)))

    out = []
    for line in _cell_lines(rows, top, pitch):
        words = tuple(Word(w.text, turned(w.box), w.confidence) for w in line.words)
        out.append(OcrLine(words, Box.enclosing([w.box for w in words]), angle=slant, thickness=30.0))
    return out


@pytest.mark.parametrize("slant", [-20.0, 12.0, 25.0])
def test_a_table_turned_in_the_photo_is_read_in_its_own_frame(slant: float) -> None:
    """On a card photographed askew the columns run slanted across the photo's rows: the grade
    column's cells (lone letters among them) are still grades, the ID column's numbers IDs, the header not."""
    lines = _turned_cells(slant)
    matches = all_matches(lines)
    assert _grades(matches) == sorted(["B", "C+", "A", "D", "87", "72", "93", "61"]), [m.why for m in matches]
    assert sorted(m.hint for m in matches if m.kind == "student_id") == [f"ID ••••••{n}" for n in (77, 78, 79, 80)]
    assert not [m for m in matches if any(w.text in HEADER for w in m.words)]
    # read in the photo's frame (the slant not known), the slanted columns and rows come out wrong
    from dataclasses import replace

    flat = all_matches([replace(line, angle=0.0, thickness=0.0) for line in lines])
    assert _grades(flat) != _grades(matches) or [m.hint for m in flat if m.kind == "student_id"] != \
        [m.hint for m in matches if m.kind == "student_id"]


def test_a_column_is_followed_down_as_it_drifts_sideways() -> None:
    """Perspective: each row's cells sit a little further left than the one above, until the last
    ones no longer overlap the header across; the column still holds them."""
    lines = [line_at(x, 40, word) for x, word in zip(COLUMNS, HEADER)]
    for r, row in enumerate(ROWS, start=1):
        lines += [line_at(x - 9 * r * (k == 3), 40 + r * 50, cell, step=70) for k, (x, cell) in enumerate(zip(COLUMNS, row))]
    letters = [m for m in all_matches(lines) if m.kind == "grade" and COLUMNS[2] + 150 < m.words[0].box.x < COLUMNS[3] - 16]
    assert {"A", "D"} <= {m.words[0].text for m in letters if "grade column" in m.why}, [m.why for m in letters]


def test_unread_cells_of_a_grade_column_in_a_students_row() -> None:
    """Rows whose name and ID were read but whose grade cell was not (a lone letter the detector
    missed): its place is given, in those rows only; a template without students gives none."""
    from pipeline.text.recognizers import unread_grade_cells

    rows = [("Marc Thiessen", "48213977", "87", "B"), ("Lea Okafor", "48213978", "72", "C+")]
    lines = [line for line in _cell_lines(rows) if line.words[0].text not in ("B", "C+")]
    cells = unread_grade_cells(lines, all_matches(lines))
    assert len(cells) == 2
    for cell, y in zip(sorted(cells, key=lambda b: b.y), (90, 140)):
        assert cell.x <= COLUMNS[3] < cell.x + cell.w and cell.y <= y + 15 <= cell.y + cell.h
    assert unread_grade_cells(_cell_lines(rows), all_matches(_cell_lines(rows))) == []  # all read
    assert unread_grade_cells(lines, []) == []  # no student's name or ID in those rows
    turned = [line for line in _turned_cells(20.0, rows) if line.words[0].text not in ("B", "C+")]
    assert len(unread_grade_cells(turned, all_matches(turned))) == 2


def test_two_header_words_read_as_one_are_two_headers() -> None:
    from pipeline.text.recognizers import respell_labels

    header = ("Student", "ID", "Score", "Grade")
    lines = [line_at(COLUMNS[0], 40, header[0]), line_at(COLUMNS[1], 40, header[1]),
             OcrLine((Word("ScoreGrade", Box(COLUMNS[2], 40, COLUMNS[3] + 80 - COLUMNS[2], 30), 90.0),),
                     Box(COLUMNS[2], 40, COLUMNS[3] + 80 - COLUMNS[2], 30))]
    for r, row in enumerate(ROWS, start=1):
        lines += [line_at(x, 40 + r * 50, *cell.split(), step=70) for x, cell in zip(COLUMNS, row)]
    split = respell_labels(lines)
    assert [w.text for w in split[2].words] == ["Score", "Grade"]
    assert sorted(m.words[0].text for m in all_matches(split) if m.kind == "grade" and m.words[0].box.x >= COLUMNS[3]) \
        == sorted(row[3] for row in ROWS)
    assert [w.text for w in respell_labels([line_at(10, 10, "McDonald")])[0].words] == ["McDonald"]


@pytest.mark.parametrize("merged, covered", [("Kowalski327771", True), ("ski327771", True), ("Kowalski", False),
                                             ("Room12", False)])
def test_an_id_run_into_the_name_on_its_left_is_an_id(merged: str, covered: bool) -> None:
    """A gradebook row whose name and ID the engines read as one word ("Nathan Kowalski327771"):
    the word under the ID header is the student's number, covered whole."""
    lines = [line_at(10, 10, "Student"), line_at(200, 10, "ID"), line_at(380, 10, "Grade"),
             OcrLine((Word("Nathan", Box(10, 50, 80, 20), 95.0), Word(merged, Box(100, 50, 190, 20), 95.0)),
                     Box(10, 50, 280, 20)), line_at(380, 50, "B")]
    ids = [m for m in find_table_grades(lines, []) if m.kind == "student_id"]
    assert [m.words[0].text for m in ids] == ([merged] if covered else [])


# ---------------------------------------------------------------------------------------------
# Issue 15, part 3: columns drifting into each other, cut and run-together headers, report cards,
# a column of cells found as one vertical line, results lists on a board

def test_a_narrow_letter_column_drifting_towards_the_scores_keeps_its_own_cells() -> None:
    """A wide "Moyenne" header over narrow letters, the score column beside it, the table in
    perspective (each row a little further left): the letters' column does not follow the scores
    down, so its cells the detector missed are found in the right place, row by row."""
    from pipeline.text.recognizers import unread_grade_cells

    header = ("Moyenne", "Score", "Student", "ID")
    columns = (100, 242, 400, 700)  # "Moyenne" 112 px wide, 30 px left of "Score"
    lines = [line_at(x, 40, word) for x, word in zip(columns, header)]
    rows = [("C+", "51/100", "Adam Girard", "969165602"), ("", "9/10", "Sofia Thomas", "505898149"),
            ("B", "90%", "Noah Fournier", "48622"), ("", "5/10", "Owen Morel", "546433")]
    for r, row in enumerate(rows, start=1):
        lines += [line_at(x - 10 * r * (k < 2), 40 + r * 50, *cell.split(), step=70)
                  for k, (x, cell) in enumerate(zip(columns, row)) if cell]
    matches = all_matches(lines)
    cells = sorted(unread_grade_cells(lines, matches), key=lambda b: b.y)
    assert len(cells) == 2, cells
    for cell, r in zip(cells, (2, 4)):  # the rows whose letter was not read, where the letter column lies then
        x = columns[0] - 10 * r
        assert cell.x <= x + 8 < cell.x + cell.w and cell.x < columns[1] - 10 * r, (r, cell)
    assert "B" in _grades(matches) and "C+" in _grades(matches)


def test_a_grade_header_cut_by_the_photo_or_card_edge_still_heads_its_column() -> None:
    from pipeline.text.recognizers import complete_cut_headers, unread_grade_cells

    def screen(last: str) -> list[OcrLine]:
        lines = [line_at(10, 40, "Name"), line_at(300, 40, "ID"), line_at(480, 40, "Score"), line_at(640, 40, last)]
        for r, (name, number, score) in enumerate([("Alex Simon", "1547008", "11/25"),
                                                   ("Lucas Michel", "605327035", "80/100")], start=1):
            lines += [line_at(10, 40 + 50 * r, *name.split()), line_at(300, 40 + 50 * r, number),
                      line_at(480, 40 + 50 * r, score)]
        return lines

    # "Grad" ending a line at the photo's right edge (x + w = 704): read as "Grade"
    lines = complete_cut_headers(screen("Grad"), width=705)
    assert lines[3].words[0].text == "Grade"
    assert complete_cut_headers(screen("Grad"), width=900)[3].words[0].text == "Grad"  # not at the edge
    assert len(unread_grade_cells(lines, all_matches(lines))) == 2
    # cut by the card's edge inside the photo: the last word of the header row, the start of a grade header
    for cut in ("Gra", "Lettd"):
        lines = screen(cut)
        assert len(unread_grade_cells(lines, all_matches(lines))) == 2, cut
    for word in ("Not", "Gras", "Room"):  # a word of its own, not a grade header's start
        lines = screen(word)
        assert unread_grade_cells(lines, all_matches(lines)) == [], word


def test_a_title_of_two_header_words_heads_no_columns() -> None:
    """"Quiz results" on a board is a title, one phrase, not two columns' headers: the initial of
    "M. Clark's class" below it is no mark in a grade column."""
    title = OcrLine((Word("Quiz", Box(30, 10, 60, 30), 90.0), Word("results", Box(100, 10, 100, 30), 90.0)),
                    Box(30, 10, 170, 30))
    below = OcrLine((Word("M", Box(30, 60, 20, 30), 90.0), Word("Clark's", Box(70, 60, 90, 30), 90.0),
                     Word("class", Box(170, 60, 70, 30), 90.0)), Box(30, 60, 210, 30))
    assert _grades(all_matches([title, below])) == []


def test_run_together_headers_with_a_letter_lost_are_split() -> None:
    from pipeline.text.recognizers import respell_labels

    line = OcrLine((Word("MoyennStudent", Box(100, 40, 260, 30), 90.0), Word("ID", Box(370, 40, 30, 30), 90.0)),
                   Box(100, 40, 300, 30))
    assert [w.text for w in respell_labels([line])[0].words] == ["Moyenn", "Student", "ID"]


def test_a_report_cards_unread_marks_are_covered() -> None:
    """One student's report card: the name above the table, rows by subject. The marks the detector
    missed in the grade columns are places to cover (the stage checks the pixels there for a mark);
    the same table without a student's name or ID above it gives none."""
    from pipeline.text.recognizers import Roster, unread_grade_cells

    roster = Roster((("hugo", "haddad"),))
    head = [line_at(30, 10, "Hugo", "Haddad"), line_at(500, 10, "ID:", "0280407")]
    table = [line_at(30, 80, "Subject"), line_at(300, 80, "Mark"), line_at(500, 80, "Grade"),
             line_at(30, 130, "Physics"), line_at(300, 130, "21/50"),
             line_at(30, 180, "EPS"), line_at(500, 180, "C+")]
    cells = unread_grade_cells(head + table, all_matches(head + table, roster))
    assert sorted((c.x < 400, c.y // 50) for c in cells) == [(False, 2), (True, 3)], cells
    assert unread_grade_cells(table, all_matches(table, roster)) == []


@pytest.mark.parametrize("text, mark", [("Ethan Moreau A", "A"), ("Camille Thomas Il / Z0", "Il / Z0"),
                                         ("ETHANMOREAU B+", "B+"), ("Owen Morel é&", "é&"), ("Owen Morel 15,5", "15,5")])
def test_a_mark_ending_a_students_line_is_a_grade(text: str, mark: str) -> None:
    """A results list on a board: each line a student's name, then the mark (often misread)."""
    from pipeline.text.recognizers import Roster

    roster = Roster((("ethan", "moreau"), ("camille", "thomas"), ("owen", "morel")))
    lines = [line_at(10, 10, "Quiz", "results")] + [line_at(10, 60, *text.split())]
    assert mark in _grades(all_matches(lines, roster)), [(m.kind, m.why) for m in all_matches(lines, roster)]


@pytest.mark.parametrize("text", ["Ethan Moreau Room", "Ethan Moreau 48213977", "Owen Morel Dubois", "Owen Morel 22643"])
def test_a_word_or_a_number_ending_a_students_line_is_no_grade(text: str) -> None:
    from pipeline.text.recognizers import Roster

    roster = Roster((("ethan", "moreau"), ("owen", "morel")))
    matches = all_matches([line_at(10, 60, *text.split())], roster)
    assert _grades(matches) == []
    # a number of 5 digits or more there is the student's number
    assert [m.kind for m in matches if m.kind != "name"] == (["student_id"] if text[-1].isdigit() else [])


def test_a_score_read_without_its_slash_ending_a_students_line_is_a_grade() -> None:
    from pipeline.text.recognizers import Roster

    roster = Roster((("lucas", "michel"),))
    assert _grades(all_matches([line_at(10, 60, "Lucas", "Michel", "91100")], roster)) == ["91100"]


def test_a_short_crops_score_read_with_spaces_inside_is_a_grade() -> None:
    from dataclasses import replace

    short = replace(line_at(300, 60, "48", "/10", "0", step=30), short=True)
    assert [m.hint for m in find_grades([short])] == ["grade ••/100"]
    assert find_grades([replace(line_at(300, 60, "12", "/3", "0", step=30), short=True)]) == []  # no usual total
    assert find_grades([line_at(300, 60, "48", "/10", "0", step=30)]) == []  # a long line: words apart


# ---------------------------------------------------------------------------------------------
# A column of cells the detector found as one vertical line, on rendered pixels

def _stack(texts, size: int = 24, pitch: float = 1.9, turned: bool = False) -> tuple[np.ndarray, list[tuple]]:
    """Cells drawn one under another (or one word turned 90 degrees) on a light card: the pixels
    and the cells' boxes."""
    font = text_font(size)
    card = Image.new("RGB", (240, 60 + int(pitch * size * len(texts)) + 40), (246, 246, 248))
    draw = ImageDraw.Draw(card)
    boxes = []
    if turned:
        word = Image.new("RGB", (int(size * 0.7 * len(texts[0])) + 20, size + 16), (246, 246, 248))
        ImageDraw.Draw(word).text((10, 4), texts[0], fill=(25, 25, 30), font=font)
        word = word.rotate(90, expand=True, fillcolor=(246, 246, 248))
        card.paste(word, (100, 40))
        boxes.append((100, 40, 100 + word.width, 40 + word.height))
    else:
        for k, t in enumerate(texts):
            xy = (100, 40 + int(pitch * size * k))
            draw.text(xy, t, fill=(25, 25, 30), font=font)
            boxes.append(draw.textbbox(xy, t, font=font))
    return np.asarray(card), boxes


def _vertical_line_over(boxes) -> "TextLine":
    import cv2

    from pipeline.text.detect import TextLine

    x0, y0 = min(b[0] for b in boxes) - 4, min(b[1] for b in boxes) - 4
    x1, y1 = max(b[2] for b in boxes) + 4, max(b[3] for b in boxes) + 4
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    corners = cv2.boxPoints(((cx, cy), (x1 - x0, y1 - y0), 0.0))
    return TextLine(cx, cy, y1 - y0, x1 - x0, 90.0, corners, 0.8)


def test_a_vertical_line_over_a_column_of_cells_is_split_into_its_cells() -> None:
    from pipeline.text.detect import split_stacked

    pixels, boxes = _stack(["B+", "C", "A-", "C+"])
    pieces = split_stacked(pixels, [_vertical_line_over(boxes)])
    assert len(pieces) == 4
    for piece, (x0, y0, x1, y1) in zip(sorted(pieces, key=lambda p: p.cy), boxes):
        assert piece.angle == 0.0 and y0 - 4 <= piece.cy <= y1 + 4 and piece.thickness < 2 * (y1 - y0)
    # light letters on a dark screen too
    assert len(split_stacked(255 - pixels, [_vertical_line_over(boxes)])) == 4


def test_a_word_turned_ninety_degrees_is_not_split() -> None:
    from pipeline.text.detect import split_stacked

    pixels, boxes = _stack(["Mathematics"], turned=True)
    assert split_stacked(pixels, [_vertical_line_over(boxes)]) == []


@pytest.mark.parametrize("text, hint", [("Il / Z0", "grade ••/20"), ("7/I00", "grade ••/100"), ("1D /25", "grade ••/25")])
def test_a_score_with_digits_read_as_letters_is_a_grade_beside_a_label(text: str, hint: str) -> None:
    assert [m.hint for m in find_grades(lines_of("Quiz: score", text))] == [hint]
    assert find_grades(lines_of("Bus stop", text)) == []  # no grade label on the page
    assert find_grades(lines_of("Quiz: score", "SS/SO")) == []  # no digit at all


def test_an_id_run_into_its_mark_under_a_narrow_id_header_is_still_an_id() -> None:
    """The ID and the mark read as one word that overlaps the narrow "ID" header less than the
    "Score" header: it is a cell of both columns, and the ID cells below it stay in the ID column."""
    lines = [line_at(10, 40, "Student"), line_at(300, 40, "ID"), line_at(400, 40, "Score"),
             OcrLine((Word("9047226583", Box(300, 90, 170, 30), 90.0),), Box(300, 90, 170, 30)),
             line_at(300, 140, "936357"), line_at(400, 140, "11/20")]
    ids = sorted(m.words[0].text for m in find_table_grades(lines, []) if m.kind == "student_id")
    assert ids == ["9047226583", "936357"]


# ---------------------------------------------------------------------------------------------
# Results lists: one student per row, a name and its mark

BOARD = [("Quiz", "results"), ("Lles", "Sinn", "C"), ("Er", "R", "er+5Oh"), ("Liam", "Simon", "92", "%"),
         ("GABREL", "B", "XIA/20"), ("LIANSION53",)]


def _board(slant: float, rows=BOARD, x: int = 40) -> list[OcrLine]:
    """A chalkboard's results list, left-aligned rows 45 px apart, turned ``slant`` degrees about
    (40, 40): each word's box holds its turned rectangle, each line carries the slant and thickness."""
    import math

    a = math.radians(slant)

    def turned(box: Box) -> Box:
        corners = [(box.x, box.y), (box.x + box.w, box.y), (box.x + box.w, box.y + box.h), (box.x, box.y + box.h)]
        xs = [40 + (px - 40) * math.cos(a) - (py - 40) * math.sin(a) for px, py in corners]
        ys = [40 + (px - 40) * math.sin(a) + (py - 40) * math.cos(a) for px, py in corners]
        return Box(int(min(xs)) + 200, int(min(ys)) + 200, int(max(xs) - min(xs)), int(max(ys) - min(ys)))

    out = []
    for row, words in enumerate(rows):
        flat = line_at(x, 40 + 45 * row, *words, h=24, step=70)
        ws = tuple(Word(w.text, turned(w.box), w.confidence) for w in flat.words)
        out.append(OcrLine(ws, turned(flat.box), angle=slant, thickness=24.0))
    return out


@pytest.mark.parametrize("slant", [0.0, -25.0, 15.0])
def test_the_rows_of_a_results_list_are_names_and_marks(slant: float) -> None:
    """On a chalkboard only one row reads cleanly ("Liam Simon 92 %"); the others are the same kind
    of row, so each one's last word is a grade and the words before it a name, on a board
    photographed askew too. The title is neither."""
    from pipeline.text.recognizers import Roster

    roster = Roster((("liam", "simon"), ("jules", "simon")))
    matches = all_matches(_board(slant), roster)
    grades = sorted(" ".join(w.text for w in m.words) for m in matches if m.kind == "grade")
    assert grades == sorted(["C", "er+5Oh", "92 %", "XIA/20", "LIANSION53"]), [(m.kind, m.why) for m in matches]
    names = sorted(" ".join(w.text for w in m.words) for m in matches if m.kind == "name")
    assert names == sorted(["Lles Sinn", "Er R", "Liam Simon", "GABREL B", "LIANSION53"])
    assert not [m for m in matches if {"Quiz", "results"} & {w.text for w in m.words}]


@pytest.mark.parametrize("score, grade", [("771100", True), ("77100", True), ("1420", True), ("4821397", False)])
def test_a_score_read_without_its_slash_ending_a_results_lists_row_is_a_grade(score: str, grade: bool) -> None:
    """A chalk "77/100" read "771100" (the slash a 1) ends a row of a results list whose name was
    garbled: the bare 6-9 digit number rule takes it for a student number, and it is a grade too.
    A 7-digit number there is no score."""
    from pipeline.text.recognizers import Roster

    rows = [("Quiz", "results"), ("Louis", "Gekahd", score), ("Jade", "Petit", "58", "%")]
    matches = all_matches(_board(-15.0, rows), Roster((("jade", "petit"),)))
    assert (score in [" ".join(w.text for w in m.words) for m in matches if m.kind == "grade"]) == grade, \
        [(m.kind, m.why) for m in matches]


def test_rows_that_are_no_results_list_are_left_alone() -> None:
    """Without a student's name and a grade ending a row in the list, its rows are nothing; nor are
    lines that do not start where the list's rows start, or sentences."""
    from pipeline.text.recognizers import Roster

    roster = Roster((("liam", "simon"),))
    # no name on the board: a list of chores
    chores = [("Water", "plants", "Tom"), ("Feed", "fish", "Ana"), ("Tidy", "desks", "all")]
    assert all_matches(_board(0.0, chores), roster) == []
    # a name, but no grade anywhere in the list
    assert [m.kind for m in all_matches(_board(0.0, [("Liam", "Simon", "helps"), ("Feed", "fish", "Ana")]),
                                        roster)] == ["name"]
    # the clean row, then lines far to its right (another column of the board): not its rows
    clean = _board(0.0, [("Liam", "Simon", "92%")])
    aside = _board(0.0, [("x",), ("Lunch", "at", "12"), ("Gym", "kit", "Friday")], x=600)[1:]
    assert sorted(m.kind for m in all_matches(clean + aside, roster)) == ["grade", "name"]
    # a student's paper: labelled lines, left-aligned, one with the name and another with the grade
    form = [("Maths", "test", "Term", "1"), ("Name:", "Liam", "Simon"), ("Student", "ID:", "20481937"),
            ("Grade:", "17/20")]
    assert not [m for m in all_matches(_board(0.0, form), roster) if "results list" in m.why]


def test_a_header_word_read_with_a_space_inside_heads_its_column() -> None:
    """PP-OCR cuts "Letter" at a wide gap between its letters ("L etter"): read as one header word,
    its column's letters are grades; "de notes" stays two words."""
    from pipeline.text.recognizers import respell_labels

    head = [OcrLine((Word("L", Box(500, 40, 14, 30), 90.0), Word("etter", Box(518, 40, 70, 30), 90.0)),
                    Box(500, 40, 88, 30)), line_at(30, 40, "Course")]
    rows = [line_at(30, 90, "Biology"), line_at(520, 90, "C"), line_at(30, 140, "History"), line_at(520, 140, "B")]
    lines = respell_labels(head + rows)
    assert [w.text for w in lines[0].words] == ["Letter"]
    assert _grades(all_matches(lines)) == ["B", "C"]
    assert [w.text for w in respell_labels(lines_of("Relevé de notes"))[0].words] == ["Relevé", "de", "notes"]


@pytest.mark.parametrize("text, hint", [("Numéro d'élève : 5792}", "ID ••92"), ("Student ID: 4417", "ID ••17"),
                                        ("Student # 765;", "ID •65")])
def test_a_short_number_right_after_an_id_label_is_an_id(text: str, hint: str) -> None:
    """An ID cut by the card's edge leaves 3 or 4 digits after its label; some schools' numbers are
    that short."""
    assert [m.hint for m in all_matches(lines_of(text)) if m.kind == "student_id"] == [hint]


@pytest.mark.parametrize("text", ["Room: 1234", "Lincoln High School 1234", "Page 12 of 1234", "Grade: 1234",
                                  "ID: 2024-05"])
def test_a_short_number_after_another_label_is_no_id(text: str) -> None:
    assert [m for m in all_matches(lines_of(text)) if m.kind == "student_id"] == []


@pytest.mark.parametrize("mark", ["b", "B", "14"])
def test_a_mark_alone_under_a_tests_title_is_a_grade(mark: str) -> None:
    """A sticky note reading "Quiz 4" and, under it, a small "B-" that OCR reads as "b"."""
    title = OcrLine((Word("Quiz", Box(176, 187, 38, 24), 98.0), Word("4", Box(218, 187, 12, 24), 99.0)),
                    Box(176, 187, 56, 24))
    lone = OcrLine((Word(mark, Box(180, 214, 21, 21), 39.0),), Box(180, 214, 21, 21))  # the box of a read line
    assert _grades(all_matches([title, lone])) == [mark]


@pytest.mark.parametrize("title", ["Maths test", "Spelling quiz 3", "Contrôle de français", "Devoir n°2 de maths"])
def test_a_mark_alone_under_a_tests_title_with_its_subject_is_a_grade(title: str) -> None:
    """A whiteboard reading "Maths test" and, under it, a "C-" PP-OCR reads as "C"."""
    words = tuple(Word(w, Box(176 + 70 * i, 187, 60, 24), 95.0) for i, w in enumerate(title.split()))
    lone = OcrLine((Word("C", Box(180, 214, 16, 17), 80.0),), Box(180, 214, 16, 17))
    assert _grades(all_matches([OcrLine(words, Box.enclosing([w.box for w in words])), lone])) == ["C"]


@pytest.mark.parametrize("texts", [("Room 4", "B"), ("Test 2", "Friday"), ("Quiz night", "b"), ("Test on Friday", "B"),
                                   ("Quiz next week", "4"), ("Science report", "C")])
def test_a_short_word_near_no_tests_title_is_no_grade(texts) -> None:
    assert _grades(all_matches(lines_of(*texts))) == []


def test_a_number_written_apart_right_of_an_id_label_is_an_id() -> None:
    """A hand-written ID beside a printed "ID:" label, read as a line of its own (a little higher,
    taller, well to the right); a number right of another label is not."""
    label = OcrLine((Word("1D:", Box(124, 184, 27, 24), 70.0),), Box(124, 184, 27, 24))
    number = OcrLine((Word("44643", Box(289, 153, 77, 39), 97.0),), Box(289, 153, 77, 39))
    # the lines in the detector's order (longest first), so the label is not the line read before it
    assert [m.kind for m in all_matches([number, label])] == ["student_id"]
    room = OcrLine((Word("Room:", Box(100, 184, 60, 24), 90.0),), Box(100, 184, 60, 24))
    assert all_matches([number, room]) == []
    online = OcrLine((Word("Online:", Box(60, 184, 90, 24), 90.0),), Box(60, 184, 90, 24))  # holds "ine"
    assert all_matches([number, online]) == []
    far = OcrLine((Word("44643", Box(700, 153, 77, 39), 97.0),), Box(700, 153, 77, 39))  # across the page
    assert all_matches([far, label]) == []


def test_ppocrs_reading_of_a_table_takes_the_header_tesseract_read() -> None:
    """Both engines: PP-OCR reads only the lines Tesseract was unsure of. A row Tesseract garbled
    ("94498583%H/10") and PP-OCR read ("9449858395/10") is a student's ID and mark only under the
    header row, which Tesseract alone read: PP-OCR's reading of the page holds that row too."""
    from dataclasses import replace

    from pipeline.text.ocr import PP_OCR, TESSERACT
    from pipeline.text.stage import engine_readings

    header = [replace(line_at(x, 40, word), engine=TESSERACT) for x, word in ((30, "Student"), (300, "ID"),
                                                                              (480, "Score"), (620, "Grade"))]
    garbled = replace(line_at(300, 90, "94498583%H/10"), engine=TESSERACT)
    clean = replace(line_at(300, 90, "9449858395/10"), engine=PP_OCR)
    name = replace(line_at(30, 90, "Maya", "Andre"), engine=TESSERACT)
    readings = dict(engine_readings(header + [garbled, clean, name]))
    assert [line.text for line in readings[PP_OCR]] == ["9449858395/10", "Student", "ID", "Score", "Grade",
                                                        "Maya Andre"]
    kinds = sorted(m.kind for m in all_matches(readings[PP_OCR]) if "9449858395/10" in [w.text for w in m.words])
    assert kinds == ["grade", "student_id"], kinds


@pytest.mark.parametrize("glued, hint", [("studentNumber4241109", "ID •••••09"), ("StudentID48213977", "ID ••••••77"),
                                          ("Matricule39624", "ID •••24")])
def test_an_id_label_run_into_its_number_is_read_apart(glued: str, hint: str) -> None:
    # PP-OCR drops a narrow space: "Student Number 4241109" read as one word
    from pipeline.text.recognizers import respell_labels

    lines = respell_labels([line_at(10, 10, "Report", "card"), line_at(10, 50, glued)])
    ids = [m for m in all_matches(lines) if m.kind == "student_id"]
    assert [m.hint for m in ids] == [hint]
    assert all(not w.text.isalpha() for m in ids for w in m.words)  # the label's words are not the ID's


@pytest.mark.parametrize("glued", ["Paid123456", "Casino123456", "Room123456", "Idaho123456"])
def test_a_word_run_into_a_number_is_no_id_label(glued: str) -> None:
    from pipeline.text.recognizers import respell_labels

    lines = respell_labels([line_at(10, 10, "Menu"), line_at(10, 50, glued)])
    assert [w.text for w in lines[1].words] == [glued]
    assert not [m for m in all_matches(lines) if m.kind == "student_id"]


def test_a_total_label_read_with_a_space_inside_still_labels_its_letter() -> None:
    """PP-OCR cuts "Total:" at a wide gap ("Tot al: C"): read as the label, its letter is a grade; a
    letter after "Total", "Résultat" or "Évaluation" is a grade only with their colon ("total A" is not)."""
    from pipeline.text.recognizers import respell_labels

    cut = OcrLine((Word("Tot", Box(100, 40, 45, 30), 90.0), Word("al:", Box(152, 40, 40, 30), 90.0),
                   Word("C", Box(205, 40, 20, 30), 90.0)), Box(100, 40, 125, 30))
    lines = respell_labels([cut])
    assert [w.text for w in lines[0].words] == ["Total:", "C"]
    assert _grades(all_matches(lines)) == ["C"]
    assert _grades(all_matches(lines_of("Résultat : B+"))) == ["B+"]
    assert _grades(all_matches(lines_of("total A"))) == []


def test_a_percentage_alone_on_a_students_report_is_a_grade() -> None:
    """A report card whose "%" column header was not read: a percentage alone in its cell, on a page with
    the student's ID label, is a grade; one inside a question, or on a page of no student, is not."""
    assert _grades(all_matches(lines_of("Matricule : 9149142", "Physics", "86%"))) == ["86%"]
    assert _grades(all_matches(lines_of("Name: Lea", "What is 25% of 80?"))) == []
    assert _grades(all_matches(lines_of("Science fair", "86%"))) == []


@pytest.mark.parametrize("written", ["OUU467", "C07A67", "5615 74"])
def test_a_handwritten_id_misread_right_of_its_label_on_a_turned_card_is_an_id(written: str) -> None:
    """A card turned 22 degrees: the number written right of "ID:" sits lower than the label, by the
    row's slant; read with letters for digits or a space inside, it is still the student's number."""
    from dataclasses import replace

    title = replace(line_at(556, 390, "Answer", "all", "questions"), angle=22.0)
    label = replace(OcrLine((Word("ID:", Box(577, 349, 25, 21), 90.0),), Box(577, 349, 25, 21)), short=True)
    words = written.split()
    number = OcrLine(tuple(Word(w, Box(696 + 60 * k, 400, 50, 68), 90.0) for k, w in enumerate(words)),
                     Box(696, 400, 108, 68), angle=24.0)
    found = [m for m in all_matches([title, label, number]) if m.kind == "student_id"]
    assert [" ".join(w.text for w in m.words) for m in found] == [written]
    assert not [m for m in all_matches([title, number]) if m.kind == "student_id"], "no label, no ID"
    room = OcrLine((Word("Room", Box(696, 400, 60, 68), 90.0), Word("12", Box(760, 400, 40, 68), 90.0)),
                   Box(696, 400, 104, 68), angle=24.0)
    assert not [m for m in all_matches([title, label, room]) if m.kind == "student_id"]


def test_a_number_in_a_students_row_and_the_numbers_in_its_column_are_ids() -> None:
    """A gradebook whose header row was not read: the 5-digit number in Manon Leroy's row is her
    number, and the numbers under and over it (rows whose names OCR garbled) are numbers too."""
    from pipeline.text.recognizers import Roster

    roster = Roster((("manon", "leroy"),))
    lines = [line_at(40, 40 + 40 * row, name, h=20) for row, name in enumerate(["Zoe Mrtn", "Manon Leroy", "20e gu"])]
    lines += [line_at(400, 40 + 40 * row, number, h=20) for row, number in enumerate(["70975", "82584", "736716"])]
    ids = {m.words[0].text for m in all_matches(lines, roster) if m.kind == "student_id"}
    assert ids == {"70975", "82584", "736716"}
    # 5-digit numbers with no student's name in any row (a stock list): none is an ID
    stock = [line_at(40, 40 + 40 * row, word, h=20) for row, word in enumerate(["Pens", "Rulers", "Glue"])]
    stock += lines[3:5] + [line_at(400, 120, "73671", h=20)]
    assert [m for m in all_matches(stock, roster) if m.kind == "student_id"] == []
    # a number in the same column but far below the list, or a time in the row, is not taken
    far = lines + [line_at(400, 400, "55123", h=20), line_at(600, 80, "8:30-9:45", h=20)]
    assert not {"55123", "8:30-9:45"} & {m.words[0].text for m in all_matches(far, roster) if m.kind == "student_id"}


def test_a_column_of_lone_marks_beside_the_students_gives_the_rows_whose_mark_was_not_read() -> None:
    """A gradebook screen in perspective with no header read: letter grades left of the names, each
    row a little further left. The detector found the marks of the first three rows only; the cells
    of the last two are given where the column puts them, in their own rows (not a row off), and
    none where a mark was read."""
    from pipeline.text.recognizers import Roster, unread_column_marks

    roster = Roster((("maya", "nguyen"), ("sofia", "laurent"), ("adam", "dubois"), ("jade", "andre"),
                     ("camille", "morel")))
    names = ("Maya Nguyen", "Sofia Laurent", "Adam Dubois", "Jade Andre", "Camille Morel")
    marks = ("D", "B+", "F", "E", "C")
    mark_at = [(100 - 6 * r, 40 + 30 * r) for r in range(5)]
    lines = [line_at(160 - 3 * r, 37 + 30 * r, *name.split(), h=20) for r, name in enumerate(names)]
    read = [line_at(x, y, mark, h=14) for (x, y), mark in zip(mark_at[:3], marks[:3])]
    cells = unread_column_marks(lines + read, all_matches(lines + read, roster))
    assert len(cells) == 2, cells
    for cell, (x, y) in zip(sorted(cells, key=lambda b: b.y), mark_at[3:]):
        assert cell.x <= x + 6 <= cell.x + cell.w and cell.y <= y + 7 <= cell.y + cell.h, (cell, x, y)
        assert cell.h < 30  # one row's cell
    every = [line_at(x, y, mark, h=14) for (x, y), mark in zip(mark_at, marks)]
    assert unread_column_marks(lines + every, all_matches(lines + every, roster)) == []  # all read
    assert unread_column_marks(lines, all_matches(lines, roster)) == []  # no mark read: no column
    two = lines[:2] + read[:2]
    assert unread_column_marks(two, all_matches(two, roster)) == []  # two rows: nothing to follow


# ---------------------------------------------------------------------------------------------
# One shape for the code (issue 37): lexicons as data, OCR repairs listed, one registry

@pytest.fixture
def extra_lexicons(tmp_path, monkeypatch):
    """A folder of more lexicon files, read through PHOTOSCREEN_LEXICONS (the documented hook); the
    package's own lexicons alone again after the test."""
    from pipeline.text import lexicons

    folder = tmp_path / "lexicons"
    folder.mkdir()
    monkeypatch.setenv(lexicons.ENV, str(folder))
    yield folder
    monkeypatch.undo()
    lexicons.reload()


def test_a_new_language_s_id_label_is_one_lexicon_file(extra_lexicons) -> None:
    from pipeline.text import lexicons

    labelled, short = lines_of("Schülernummer: 4821937"), lines_of("Schülernummer: 5792")
    # unknown, "Schülernummer" is a word like any: the number is only a bare number, the short one nothing
    assert [m.why for m in find_student_ids(labelled, [False])] == ["bare 6-9 digit number standing alone (badge, label)"]
    assert find_student_ids(short, [False]) == []
    (extra_lexicons / "de.toml").write_text('language = "de"\nid_labels = ["Schülernummer"]\n', encoding="utf-8")
    lexicons.reload()
    assert [(m.score, m.hint, m.why) for m in find_student_ids(labelled, [False])] == [
        (0.9, "ID •••••37", "5-10 digit number next to an ID label")]
    assert [m.hint for m in find_student_ids(short, [False])] == ["ID ••92"]  # a short number after the label
    # the other languages' labels still count
    assert [m.score for m in find_student_ids(lines_of("Matricule : 39624"), [False])] == [0.9]


def test_a_lexicon_file_that_cannot_be_used_stops_with_the_file_and_the_key(extra_lexicons) -> None:
    from pipeline.text import lexicons

    (extra_lexicons / "de.toml").write_text('id_lables = ["Schülernummer"]\n', encoding="utf-8")
    with pytest.raises(lexicons.LexiconError, match=r"de\.toml: unknown key 'id_lables'.*did you mean 'id_labels'"):
        lexicons.reload()
    (extra_lexicons / "de.toml").write_text('id_labels = "Schülernummer"\n', encoding="utf-8")
    with pytest.raises(lexicons.LexiconError, match=r"de\.toml: id_labels must be a list of words"):
        lexicons.reload()


def test_scan_stops_at_start_up_on_a_lexicon_file_that_cannot_be_used(extra_lexicons, tmp_path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    (extra_lexicons / "de.toml").write_text("id_labels = [\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["scan", "--no-progress", "--out", str(tmp_path / "out"),
                                      str(SAMPLES / "portrait_cat.jpg")])
    assert result.exit_code == 2, result.output
    assert "de.toml cannot be read" in result.output and not (tmp_path / "out" / "report.json").exists()


@pytest.mark.parametrize("repair", REPAIRS, ids=lambda r: r.name)
def test_each_listed_ocr_repair_reads_through_its_misreading(repair) -> None:
    assert repair.apply(repair.example) == repair.result, (repair.name, repair.what)


def test_a_recognizer_registered_once_is_run_by_the_text_stage_the_metadata_and_the_captions(monkeypatch, policy) -> None:
    """A new kind of student number (the French INE: ten digits and a letter, which the ID recognizer's
    pattern leaves out) is one ``Recognizer`` given to the registry; every caller then finds it."""
    import re

    from pipeline.stages import captions, metadata_text
    from pipeline.text import stage
    from pipeline.text.recognizers import REGISTRY, Match, Recognizer
    from pipeline.text.recognizers.base import masked, words_for_span

    class IneNumbers(Recognizer):
        kind, name = "student_id", "INE numbers"

        def patterns(self):
            return (re.compile(r"\b(\d{10}[A-Z])\b"),)

        def find(self, lines, page):
            return [Match(self.kind, words_for_span(line, m.start(1), m.end(1)), 0.9, masked("INE", value), "an INE")
                    for line in lines for m, value in self.candidates(line)]

    text = "INE 1234567890A"
    lines = lines_of(text)
    field = metadata_text.TextField("the JPEG comment", text)
    assert not [m for m in stage._matches(lines, [], policy) if m.kind == "student_id"]
    assert not metadata_text.field_findings(field, policy) and not captions.check(text, policy)
    monkeypatch.setattr(REGISTRY, "recognizers", [*REGISTRY.recognizers])
    REGISTRY.register(IneNumbers())
    assert [m.hint for m in stage._matches(lines, [], policy) if m.kind == "student_id"] == ["INE •••••••••0A"]
    assert [f.kind for f in metadata_text.field_findings(field, policy)] == ["student_id"]
    assert [f.category for f in captions.check(text, policy)] == ["student_id"]


def test_a_roster_name_read_in_pieces_and_a_score_beside_it() -> None:
    """PP-OCR's "S urient N oe- L efe vr e" for "Student: Noé Lefèvre" written by hand (seed 9128's pos_060): the
    roster's name read in pieces is a name, and a score alone on its line at the sheet's right ("22/25", six line
    heights on) is that student's grade. Pieces that spell another word, and a score far from any name, are not."""
    from pipeline.text.recognizers import Roster

    roster = Roster((("noe", "lefevre"),))
    paper = [line_at(10, 10, "Homework", "sheet"), line_at(10, 60, "S", "urient", "N", "oe-", "L", "efe", "vr", "e", step=30),
             line_at(380, 0, "22/25")]
    matches = all_matches(paper, roster)
    names = [" ".join(w.text for w in m.words) for m in matches if m.kind == "name"]
    assert names == ["N oe- L efe vr e"], [(m.kind, m.why) for m in matches]
    assert [m.why for m in matches if m.kind == "grade"] == ["a score standing alone beside a student's name or ID"], \
        [(m.kind, m.why) for m in matches]
    other = [line_at(10, 10, "Homework", "sheet"), line_at(10, 60, "N", "o", "el", "left", "over", step=30),
             line_at(420, 50, "22/25")]
    assert [m for m in all_matches(other, roster) if m.kind in ("name", "grade")] == []


def test_a_roster_first_name_alone_is_a_name_in_a_photo_but_judged_by_its_sentence_in_a_caption() -> None:
    """A paper with only the first name written after its label (seed 9128's "Elodie"), a name tag "MAYA": names
    with a roster, as surnames alone are. Captions leave the first name to their sentence rules (Page
    ``first_names_alone=False``), and a common word, a first name with someone else's surname or a word one letter
    off a first name ("Manson", a shop sign, for Manon) is none."""
    from pipeline.text.recognizers import REGISTRY, Page, Roster

    roster = Roster((("elodie", "martin"), ("maya", "nguyen"), ("rose", "dubois"), ("manon", "petit")))
    paper = [line_at(10, 10, "Nom", "et", "prénom", ":"), line_at(300, 30, "Elodie"), line_at(10, 90, "MAYA")]
    names = [" ".join(w.text for w in m.words) for m in REGISTRY.find(paper, Page([False] * 3, roster)) if m.kind == "name"]
    assert sorted(names) == ["Elodie", "MAYA"], names
    assert [m for m in REGISTRY.find(paper, Page([False] * 3, roster, first_names_alone=False)) if m.kind == "name"] == []
    other = [line_at(10, 10, "Maya", "Angelou", "poems"), line_at(10, 60, "Rose", "garden"), line_at(10, 110, "Manson")]
    assert [m for m in REGISTRY.find(other, Page([False] * 3, roster)) if m.kind == "name"] == []  # a first name is exact
