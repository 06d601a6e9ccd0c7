"""Tables: gradebook screens, mark sheets and class lists, read one cell or one row per OCR line: the
cells of their grade and ID columns, the marks and numbers in a student's row, the numbers in a column
with a student's number."""

from __future__ import annotations

import re

from ...findings import Box
from ..ocr import OcrLine, Word
from .base import Match, masked, words_for_span
from .columns import cell_kind, column_cells
from .frame import TABLE_SLANT, in_frame, slant_of, with_words
from .geometry import same_row
from .headers import rivals, table_headers
from .repairs import LONG_DIGIT_RUN, NAME_RUN_INTO_ID, RUN_INTO_GRADE
from .student_id import id_candidates, id_match

ROW_REACH = 25.0  # row heights, across: how far along a student's row its numbers are looked for
COLUMN_STEP = 2.5  # row heights: the largest step down (or up) from one number of a column of IDs to the next
COLUMN_ALIGN = 1.0  # row heights: how far the numbers of a column may start (or end) from each other across


def grade_match(words: tuple[Word, ...], kind: str, score: float, why: str) -> Match:
    hint = {"letter": "grade •", "percent": "grade ••%"}.get(kind, "grade ••")
    if kind == "out_of":
        hint = "grade ••/" + "".join(w.text for w in words).split("/")[-1].strip(".,;:()[] ")
    return Match("grade", words, score, hint, why)


def name_cell(text: str, capital: bool = True) -> bool:
    """A cell of a student column that reads as a name: at least two letters, more letters than
    other signs, no digit (not an ID, a mark or "Grade 4 Spelling Bee" read into the column), a word of it starting with
    a capital (unless not ``capital``: the rest of a name, which OCR may read in small letters)."""
    letters = sum(c.isalpha() for c in text)
    words = text.split()
    capitals = sum(word.lstrip("\"'([")[:1].isupper() for word in words)
    # a name is a few words, most of them capitalised: not a sentence ("Use a pencil for the diagrams.") under
    # a form's row of fields that reads as a header row ("Student ____ Class ____ Date")
    return letters >= 2 and letters >= 0.6 * len(text.replace(" ", "")) and not any(c.isdigit() for c in text) and \
        (not capital or capitals >= 1 and (len(words) <= 4 and 2 * capitals >= len(words)))


NAME_GAP = 1.5  # word heights: the largest gap between two words of one name in a table's cell
NAME_CELLS = 2  # rows whose cell reads as a name a student column needs (a note under an empty template is one)


def whole_name(words: tuple[Word, ...], line_of: dict[int, OcrLine], others: list[Box]) -> tuple[Word, ...]:
    """A student column's cell with the rest of the name on its line: the words right of it, a word
    space apart, that start before the next column's header (a surname wider than the column's
    header, "Owen Lefèvre" under "Nom", is not under the header but is the cell's)."""
    if not words or id(words[-1]) not in line_of:
        return words
    line = line_of[id(words[-1])]
    start = next(k for k, w in enumerate(line.words) if w is words[-1]) + 1
    limit = min((h.x for h in others if h.x > words[0].box.x), default=None)
    out = list(words)
    for word in line.words[start:]:
        last = out[-1].box
        if limit is not None and word.box.x >= limit - 0.3 * last.h or \
                word.box.x - (last.x + last.w) > NAME_GAP * last.h or not name_cell(word.text, capital=False):
            break
        out.append(word)
    return tuple(out)


def find_table_grades(lines: list[OcrLine], matches: list[Match]) -> list[Match]:
    """Table context on gradebook screens and mark sheets, on a table turned in the photo (a card
    photographed askew, by more than TABLE_SLANT degrees) as on a straight one: see
    ``table_grades``. A turned table is read in its own frame (``frame.in_frame``) and the matches
    mapped back to the words as read."""
    slant = slant_of(lines)
    if abs(slant) < TABLE_SLANT:
        return table_grades(lines, matches)
    turned, _origin = in_frame(lines, slant)
    pairs = [(a, b) for line, line_turned in zip(lines, turned) for a, b in zip(line.words, line_turned.words)]
    forth, back = {id(a): b for a, b in pairs}, {id(b): a for a, b in pairs}
    return [with_words(m, back) for m in table_grades(turned, [with_words(m, forth) for m in matches])]


def table_grades(lines: list[OcrLine], matches: list[Match]) -> list[Match]:
    """Table context on gradebook screens and mark sheets (columns Student, ID, Score, Grade), read
    one cell or one row per OCR line. Returns ``matches`` with:

    - the cells under a grade header (Grade, Score, Mark, Note, Moyenne, %, Résultat, Points, "Test 1")
      added as grades: letters A-F with + or -, numbers, n/20, percentages, and marks of one or two
      characters (a letter grade OCR misread). A column is the cells whose box overlaps the header
      word's box across, below it, down to a gap of more than 3 row heights. A header is a line
      made only of header words (so "Grade: B+" is a label, not a header) with another header word
      in its row or at least two such cells under it;
    - the cells under a student header ("Élève", "Nom", "Prénom", "Students") added as names, whole,
      when at least NAME_CELLS of them read as names (not a note under an empty template);
    - the 5-10 digit numbers under an ID header (with other header words in its row) added as
      student IDs;
    - the numbers and letter grades in the row of a student's name or ID (same height, about as
      tall) added as grades;
    - the header words themselves taken out: "Student ID Score Grade" is never a finding."""
    headers, columns, id_columns, name_columns = table_headers(lines)

    def is_header(word: Word) -> bool:
        return any(word.box.iou(h) > 0.5 for h in headers)

    kept = [m for m in matches if not (m.words and all(is_header(w) for w in m.words))]
    taken = {id(w) for m in kept for w in m.words}
    out: list[Match] = []
    graded = {id(w) for m in kept if m.kind == "grade" for w in m.words}
    for column in columns:
        for box, words in column_cells(lines, column, rivals(headers, column)):
            joined = "".join(w.text for w in words)
            if box.x < column.x - column.h and RUN_INTO_GRADE.fullmatch(joined) and \
                    not any(id(w) in graded or is_header(w) for w in words):
                # the mark read run together with the cell on its left (an ID): covered whole, a
                # grade as well as whatever else it was taken for
                out.append(grade_match(words, "number", 0.7, "a cell in a table's grade column, read run "
                                       "together with the cell on its left"))
                graded.update(id(w) for w in words)
                taken.update(id(w) for w in words)
                continue
            if any(id(w) in taken or is_header(w) for w in words):
                continue
            text = " ".join(w.text for w in words)
            kind = cell_kind(text)
            if kind:
                out.append(grade_match(words, kind, 0.75, "a cell in a table's grade column"))
            elif 1 <= len("".join(text.split())) <= 2:
                out.append(grade_match(words, "letter", 0.6, "a short mark in a table's grade column (misread)"))
            else:
                continue
            taken.update(id(w) for w in words)
    line_of = {id(w): line for line in lines for w in line.words}
    for column in name_columns:  # every cell under "Élève", "Nom", "Students" is a student's name, whole
        others = rivals(headers, column)
        cells = [whole_name(tuple(w for w in words if not is_header(w)), line_of, others)
                 for _box, words in column_cells(lines, column, others)]
        cells = [words for words in cells if words and name_cell(" ".join(w.text for w in words))]
        rows = [Box.enclosing([w.box for w in words]) for words in cells]
        listed = sum(not any(same_row(box, other) for other in rows[:k]) for k, box in enumerate(rows))
        for words in cells if listed >= NAME_CELLS else []:
            if any(id(w) in taken for w in words):
                continue  # a name (or a mark) found already
            out.append(Match("name", words, 0.7, "name " + " ".join(w.text[:1] + "•••" for w in words),
                             "a cell in a table's student column"))
            taken.update(id(w) for w in words)
    ids = {id(w) for m in kept + out if m.kind == "student_id" for w in m.words}
    for column in id_columns:  # "48213977" under "ID", on a row read as one line with the name and grades
        for box, words in column_cells(lines, column, rivals(headers, column)):
            if any(id(w) in ids or is_header(w) for w in words):
                continue
            cell = OcrLine(words, box)
            for m, digits in id_candidates(cell):
                out.append(id_match(cell, m, digits, 0.75, "a 5-10 digit number in a table's ID column"))
                taken.update(id(w) for w in words_for_span(cell, m.start(1), m.end(1)))
                ids.update(id(w) for w in words_for_span(cell, m.start(1), m.end(1)))
            for word in words:  # an ID read together with the next cell's mark ("74807760877"): all of it
                run_into = NAME_RUN_INTO_ID.fullmatch(word.text)  # or with the name on its left ("Kowalski327771")
                if id(word) not in ids and (LONG_DIGIT_RUN.fullmatch(word.text) or run_into):
                    digits = run_into.group(1) if run_into else re.sub(r"\D", "", word.text)
                    out.append(Match("student_id", (word,), 0.7, masked("ID", digits),
                                     "a long number in a table's ID column (an ID read with the cell beside it)"))
                    taken.add(id(word))
                    ids.add(id(word))
    anchors = [Box.enclosing([w.box for w in m.words]) for m in kept + out if m.kind in ("name", "student_id")
               and m.words]
    for line in lines:
        for word in line.words:
            if id(word) in taken or is_header(word):
                continue
            kind = cell_kind(word.text)
            if kind and any(same_row(word.box, a) and max(word.box.gap(a)) <= ROW_REACH * a.h for a in anchors):
                out.append(grade_match((word,), kind, 0.7, "a score in the row of a student's name or ID"))
                taken.add(id(word))
    return kept + out + row_and_column_ids(lines, kept + out)


def row_and_column_ids(lines: list[OcrLine], matches: list[Match]) -> list[Match]:
    """Student numbers known by where they stand, on a class list or a gradebook whose header row
    was not read: a 5-10 digit number in the row of a student's name (same height, within
    ROW_REACH row heights along it) is the student's number; and a number standing in a column with
    a student's number (starting or ending where it does, about as tall, one row or two above or
    below it) is one too, so a row whose name OCR garbled keeps its number covered. Dates, times,
    phone numbers and labelled numbers (room, page) are left out as everywhere (``id_candidates``)."""
    taken = {id(w) for m in matches for w in m.words}
    names = [Box.enclosing([w.box for w in m.words]) for m in matches if m.kind == "name" and m.words]
    found = [Box.enclosing([w.box for w in m.words]) for m in matches if m.kind == "student_id" and m.words]
    candidates = []
    for line in lines:
        for m, digits in id_candidates(line):
            words = words_for_span(line, m.start(1), m.end(1))
            if words and not any(id(w) in taken for w in words):
                candidates.append((line, m, digits, Box.enclosing([w.box for w in words])))

    def in_column(box: Box, of: Box) -> bool:
        step = max(of.y - (box.y + box.h), box.y - (of.y + of.h))
        return 0.7 <= box.h / of.h <= 1.4 and -0.3 * of.h <= step <= COLUMN_STEP * of.h and \
            min(abs(box.x - of.x), abs(box.x + box.w - of.x - of.w)) <= COLUMN_ALIGN * of.h

    out: list[Match] = []
    for cand in list(candidates):
        line, m, digits, box = cand
        if any(same_row(box, name) and max(box.gap(name)) <= ROW_REACH * name.h for name in names):
            out.append(id_match(line, m, digits, 0.6, "a 5-10 digit number in the row of a student's name"))
            found.append(box)
            candidates.remove(cand)
    grown = True
    while grown:  # the column grows from each number taken, up and down
        grown = False
        for cand in list(candidates):
            line, m, digits, box = cand
            if any(in_column(box, of) for of in found):
                out.append(id_match(line, m, digits, 0.55, "a 5-10 digit number in a column with a student's "
                                    "number"))
                found.append(box)
                candidates.remove(cand)
                grown = True
    return out
