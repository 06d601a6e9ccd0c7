"""Issue 39, text in photos: what belongs to a student on a school paper is covered whole. A name after
a name label (with or without a colon, accented and hyphenated), every cell of a table's student
column, every cell under a grade header (single letters included), a letter grade after praise; and
no exercise's numbers or a name's first letter taken for a grade."""

from __future__ import annotations

import pytest

from conftest import find_text_in, render_rows
from pipeline.findings import Box
from pipeline.text.ocr import OcrLine, Word
from pipeline.text.roster import Roster
from pipeline.text.recognizers import REGISTRY, Page


def line_at(x: int, y: int, *words: str, h: int = 30, step: int | None = None) -> OcrLine:
    """One OCR line whose words start at ``x``, each as wide as its letters, a space apart (or ``step`` px)."""
    out, left = [], x
    for w in words:
        width = max(12, 16 * len(w))
        out.append(Word(w, Box(left, y, width, h), 90.0))
        left = left + step if step else left + width + 10
    return OcrLine(tuple(out), Box.enclosing([w.box for w in out]))


def lines_of(*texts: str) -> list[OcrLine]:
    return [line_at(10, 10 + 50 * row, *t.split()) for row, t in enumerate(texts)]


def all_matches(lines: list[OcrLine], roster: Roster | None = None):
    """Every recognizer and layout pass, as the text stage runs them (the registry)."""
    return REGISTRY.find(lines, Page([False] * len(lines), roster, 85.0))


def texts(matches, kind: str) -> list[str]:
    return sorted(" ".join(w.text for w in m.words) for m in matches if m.kind == kind)


# ---------------------------------------------------------------------------------------------
# A name after a name label, whole

@pytest.mark.parametrize("text, name", [
    ("Name Inès Abernathy", "Inès Abernathy"),
    ("Nom et prénom : Owen Sato", "Owen Sato"),
    ("Nom et prénom Owen Sato", "Owen Sato"),
    ("Élève Zoé Côté", "Zoé Côté"),
    ("Élève : Noé Gauthier-Roy", "Noé Gauthier-Roy"),
    ("Student Marie-Ève Desrosiers", "Marie-Ève Desrosiers"),
    ("Nom LEFÈVRE Oscar", "LEFÈVRE Oscar"),
    ("Name: Anne-Sophie Morin-Lapointe Date: 12/03", "Anne-Sophie Morin-Lapointe"),
])
def test_a_name_after_a_label_is_found_whole(text: str, name: str) -> None:
    assert texts(all_matches(lines_of("Contrôle de maths", text)), "name") == [name]


@pytest.mark.parametrize("text", ["Student Council elections", "Name the parts of a plant", "Student Services",
                                  "Nom de la ville", "Nom commun et nom propre", "Élève du mois", "Name Tags",
                                  "Student of the Month", "Name: ____________",
                                  # another label after it, or what is left of one beside a cover in a copy
                                  # ("Student ID: 2048..." with its number and the I covered)
                                  "Student ID: 20481937", "Student Number:", "Student D", "Student lD:", "Student IQ",
                                  "Name TBD"])
def test_a_label_word_starting_a_line_about_something_else_is_no_name(text: str) -> None:
    assert texts(all_matches(lines_of("Science worksheet", text)), "name") == []


def test_a_hyphenated_name_right_of_a_label_alone_is_found_whole() -> None:
    """The label alone on its line, no colon, the handwritten name found as a line right of it."""
    lines = [line_at(10, 10, "Nom", "et", "prénom"), line_at(260, 8, "Bastien", "Fontaine-Leduc", h=34)]
    assert texts(all_matches(lines), "name") == ["Bastien Fontaine-Leduc"]


def test_the_rest_of_a_name_found_apart_on_its_row_is_a_name_too() -> None:
    lines = [line_at(10, 10, "Name:", "Owen"), line_at(220, 12, "Sato"), line_at(10, 60, "Answer", "all", "questions")]
    assert texts(all_matches(lines), "name") == ["Owen", "Sato"]


# ---------------------------------------------------------------------------------------------
# A gradebook table: the student column is names, the letter column grades

COLUMNS = (40, 400, 650, 850)
ROWS = [("Inès Abernathy", "48213977", "14", "C"), ("Owen Lefèvre-Sato", "48213978", "9", "D"),
        ("Omar Benali", "48213979", "11,5", "C-"), ("Zoé Côté", "48213980", "17", "B")]


def _table(header) -> list[OcrLine]:
    """Read one cell per OCR line; a name's words a space apart, wider than the header word above them."""
    lines = [line_at(x, 40, word) for x, word in zip(COLUMNS, header)]
    for r, row in enumerate(ROWS, start=1):
        lines += [line_at(x, 40 + 50 * r, *cell.split()) for x, cell in zip(COLUMNS, row)]
    return lines[::-1]


@pytest.mark.parametrize("header", [("Élève", "Matricule", "Note", "Lettre"), ("Students", "ID", "Mark", "Letter"),
                                    ("Nom", "Matricule", "Note", "Lettre"), ("Name", "ID", "Score", "Grade")])
def test_every_cell_of_a_student_column_is_a_name_and_of_a_letter_column_a_grade(header) -> None:
    matches = all_matches(_table(header))
    assert texts(matches, "name") == sorted(row[0] for row in ROWS)
    assert set(row[3] for row in ROWS) <= set(texts(matches, "grade"))
    assert not [m for m in matches if any(w.text in header for w in m.words)]


def test_a_timetable_with_a_letter_column_is_not_a_gradebook() -> None:
    lines = [line_at(x, 40, word) for x, word in zip(COLUMNS, ("Day", "Subject", "Room", "Aisle"))]
    for r, row in enumerate([("Monday", "Science", "214", "A"), ("Tuesday", "Art", "B12", "C")], start=1):
        lines += [line_at(x, 40 + 50 * r, cell) for x, cell in zip(COLUMNS, row)]
    assert [m for m in all_matches(lines) if m.kind in ("name", "grade")] == []


# ---------------------------------------------------------------------------------------------
# Praise and a mark; exercises; a name's first letter

@pytest.mark.parametrize("text, mark", [("Great work! B", "B"), ("Bien ! A-", "A-"), ("Très bien ! B+", "B+"),
                                        ("GOOD JOB!D", "JOB!D"), ("BRAVO | C+", "C+"), ("Excellent ! b +", "b +"),
                                        # misread: "!" as a 1, "Good job!" as "God ja!", a C as "(" (seed 3941)
                                        ("Super 1 C", "C"), ("God ja! C", "C"), ("NICE WORK (", "("),
                                        ("BravoIA-", "BravoIA-")])
def test_a_letter_grade_after_praise_is_a_grade(text: str, mark: str) -> None:
    assert texts(all_matches(lines_of("History test", text)), "grade") == [mark]


@pytest.mark.parametrize("text", ["Great work!", "Bien !", "Well done, see me", "Bravo à tous",
                                  "of these, but plenty of off-tope!", "Topical authority", "Bravo 12 C",
                                  "Oh no! A", "Très bien (voir page 3)", "Bravissimo", "Superb", "Superlative"])
def test_praise_alone_is_no_grade(text: str) -> None:
    assert texts(all_matches(lines_of("History test", text)), "grade") == []


@pytest.mark.parametrize("text", ["Write 15/20 as a percent", "1. Calcule 3/4 de 20", "2. Écris 15/20 en pourcentage",
                                  "3. Simplify 12/20", "7. Écris 7/10 sous forme décimale", "4. What is 25% of 80?",
                                  "Exercice 2 : compare 9/12 et 3/4", "5, Calcule 25 % de 80",  # its full stop read as a comma
                                  # its verb read a letter wrong or split in two (PP-OCR on seed 3941's neg_351)
                                  "7. Eeris 7/10 sous for me decim ale", "2. E eris 15/20 en pourcentage",
                                  "4. Simplfy 12/20"])
def test_an_exercise_is_no_grade_even_under_a_tests_title(text: str) -> None:
    assert texts(all_matches(lines_of("Contrôle de maths", "Nom : ____", text)), "grade") == []


@pytest.mark.parametrize("text", ["0 4/0 6/ 20 06", "Date : 1 2/0 3/2024", "04/06/2006"])
def test_a_date_read_with_stray_spaces_holds_no_score(text: str) -> None:
    """PP-OCR read a banner's 04/06/2006 as "0 4/0 6/ 20 06", and "6/ 20" in it was a score out of 20 (seed 3941)."""
    assert texts(all_matches(lines_of("Contrôle de maths", text)), "grade") == []


@pytest.mark.parametrize("text", ["Score: 15/20", "Note : 12/20", "15/20", "12, 15/20",
                                  "1. Maths 15/20", "2. Anglais 12/20", "3. Sofia 14/20"])  # a subject or a name, numbered
def test_a_score_that_is_no_exercise_is_still_a_grade(text: str) -> None:
    assert texts(all_matches(lines_of("Contrôle de maths", text)), "grade")


def test_the_first_letter_of_a_name_read_apart_is_no_grade() -> None:
    """The "O" of "Omar" found as a short line of its own, the rest of the name beside it (read as the
    roster's "Omar Benali" all the same): no mark."""
    roster = Roster((("omar", "benali"), ("zoe", "cote")))
    lines = [line_at(40, 40, "O"), line_at(62, 42, "mar", "Benali"), line_at(40, 90, "Zoé", "Côté")]
    assert texts(all_matches(lines, roster), "grade") == []
    marked = lines + [line_at(300, 90, "B")]  # a mark standing apart beside a student's name still is one
    assert texts(all_matches(marked, roster), "grade") == ["B"]
    # a letter grade and a comment on one line are words apart: the mark stays one
    assert texts(all_matches(lines_of("History test", "Grade: B good effort")), "grade") == ["B"]


# ---------------------------------------------------------------------------------------------
# Rendered papers through the whole text stage







def _width_covered(box: Box, findings, kind: str) -> float:
    xs = set()
    for f in findings:
        if f.kind == kind and f.box.overlap(box) > 0:
            xs.update(range(max(box.x, f.box.x), min(box.x + box.w, f.box.x + f.box.w)))
    return len(xs) / box.w


def test_a_rendered_paper_with_names_after_labels_with_and_without_a_colon() -> None:
    png, boxes = render_rows([[(40, "Contrôle de maths")], [(40, "Nom et prénom : Owen Sato")],
                             [(40, "Name Inès Abernathy")], [(40, "1. Calcule 3/4 de 20")],
                             [(40, "2. Write 15/20 as a percent")]], pitch=56, background=(250, 250, 246))
    found = find_text_in(png)
    for row, label, name in ((1, "Nom et prénom : Owen Sato", "Owen Sato"), (2, "Name Inès Abernathy", "Inès Abernathy")):
        line = boxes[(row, label)]
        share = len(name) / len(label)  # the name ends the line: its part of the line's box, right
        name_box = Box(int(line.x + line.w * (1 - share)), line.y, int(line.w * share), line.h)
        assert _width_covered(name_box, found, "name") >= 0.8, [(f.kind, f.box, f.why) for f in found]
    assert [f for f in found if f.kind == "grade"] == [], [(f.kind, f.box, f.why) for f in found]


def test_a_lone_letter_under_the_exercises_of_a_students_paper_is_a_grade() -> None:
    """A paper with a student's name and a "D" alone on its own line below the exercises (seed 3941's
    pos_321): the mark is covered; the same paper with no name on it has no grade."""
    def paper(name_line: str):
        return render_rows([[(40, "History test")], [(40, name_line)], [(40, "1. Write 15/20 as a percent")],
                            [(40, "2. Reduce 18/24 to lowest terms")], [(60, "D")]], pitch=56, background=(250, 250, 246))

    png, boxes = paper("Student: Ava Vasquez")
    found = find_text_in(png)
    assert _width_covered(boxes[(4, "D")], found, "grade") >= 0.8, [(f.kind, f.box, f.why) for f in found]
    png, boxes = paper("Spelling and reading")
    assert [f for f in find_text_in(png) if f.kind == "grade"] == []


@pytest.mark.slow
def test_a_rendered_gradebook_with_a_student_column_and_a_letter_column() -> None:
    header = ("Élève", "Matricule", "Note", "Lettre")
    rows = [list(zip(COLUMNS, header))] + [list(zip(COLUMNS, row)) for row in ROWS]
    png, boxes = render_rows(rows, pitch=56, background=(250, 250, 246))
    found = find_text_in(png)
    for r, row in enumerate(ROWS, start=1):
        assert _width_covered(boxes[(r, row[0])], found, "name") >= 0.8, (row[0], [(f.kind, f.box, f.why) for f in found])
        assert _width_covered(boxes[(r, row[3])], found, "grade") >= 0.8, (row[3], [(f.kind, f.box, f.why) for f in found])


# ---------------------------------------------------------------------------------------------
# Names known by where they stand, without a roster or a label

def test_a_name_alone_on_its_line_above_a_student_number_is_a_name() -> None:
    """A badge: the school, the student's name, the student's number."""
    lines = [line_at(10, 10, "Lincoln", "High", "School"), line_at(12, 60, "Chloe", "Thomas"),
             line_at(10, 110, "Student", "No.", "559973")]
    assert texts(all_matches(lines), "name") == ["Chloe Thomas"]


def test_the_names_of_a_list_of_name_and_mark_rows_are_names() -> None:
    """A gradebook card: each row a name and its mark, the mark read apart or on the name's line."""
    lines = [line_at(10, 10, "Gradebook", "-", "Period", "3"),
             line_at(10, 60, "Manon", "Dubois"), line_at(300, 60, "Score:", "73%"),
             line_at(10, 110, "Nathan", "Okafor", "Mark:", "B-"),
             line_at(10, 160, "Gabriel", "Nguyen"), line_at(300, 160, "14/20")]
    assert texts(all_matches(lines), "name") == ["Gabriel Nguyen", "Manon Dubois", "Nathan Okafor"]


@pytest.mark.parametrize("texts_", [("Maths Test", "Score: 12/20"), ("Lincoln High School", "ID: 4417821"),
                                    ("Science Fair", "Room 214"), ("Quiz Results", "Grade: B")])
def test_a_title_or_a_school_above_a_mark_or_a_number_is_no_name(texts_) -> None:
    assert texts(all_matches(lines_of(*texts_)), "name") == []


def test_a_note_under_an_empty_gradebook_template_is_no_name() -> None:
    lines = [line_at(x, 40, word) for x, word in zip(COLUMNS, ("Name", "ID", "Score", "Grade"))]
    lines.append(line_at(40, 140, "Science", "Fair", "Friday"))
    assert [m for m in all_matches(lines) if m.kind == "name"] == []


def test_a_line_spanning_columns_under_an_empty_template_is_no_name() -> None:
    """One line under the header row, across the mark and the student columns: no list of students."""
    lines = [line_at(426, 325, "Note"), line_at(536, 323, "Name"), line_at(765, 325, "Letter"),
             line_at(430, 365, "Grade", "4", "Spelling", "Bee")]
    assert [m for m in all_matches(lines) if m.kind in ("name", "grade")] == []


def test_a_student_header_alone_beside_an_id_header_is_no_name_label() -> None:
    """A gradebook's header row read in pieces ("Student", "Student ID"): a stroke right of it is no name."""
    lines = [line_at(520, 570, "Gradebook"), line_at(643, 576, "Student"), line_at(787, 549, "Student", "ID"),
             line_at(916, 560, "T")]
    assert [m for m in all_matches(lines) if m.kind in ("name", "grade")] == []
