"""Results lists: a board or a sheet listing students one per row, each row a name and its mark."""

from __future__ import annotations

import re

import numpy as np

from ..folding import fold
from ..ocr import OcrLine
from .base import Match
from .repairs import slash_read_as_one
from .vocabulary import vocabulary

LIST_ALONG = 1.5  # line heights: how far the rows of a list may start from each other along the rows
LIST_ACROSS = 4.0  # line heights: the largest step from one row of a list to the next
LIST_SLANT = 10.0  # degrees: the rows of a list run about the same way
LIST_MAX_WORDS = 6  # a row of a list is a name and a mark, not a sentence
LIST_TITLE_END = re.compile(r"[!:?]\W*$")
LIST_MARK_PIECE = re.compile(r"[\d/%.,+-]{1,4}")  # a piece of a score read apart: "92", "/20", "%"


def row_start(line: OcrLine) -> tuple[np.ndarray, np.ndarray, float]:
    """The point where ``line`` starts (its left end, half way up), the unit vector it runs along and
    its thickness, in the upright original: from its box, slant and thickness."""
    angle = np.radians(line.angle)
    along = np.array([np.cos(angle), np.sin(angle)])
    thick = line.thickness or float(line.box.h)
    cos, sin = abs(along[0]), abs(along[1])
    if cos >= sin:
        length = (line.box.w - thick * sin) / max(cos, 1e-6)
    else:
        length = (line.box.h - thick * cos) / max(sin, 1e-6)
    centre = np.array([line.box.x + line.box.w / 2, line.box.y + line.box.h / 2])
    return centre - max(length, 0.0) / 2 * along, along, thick


def next_row(a: OcrLine, b: OcrLine, frame_a, frame_b) -> bool:
    """``b`` is the row just above or below ``a`` in a list: it runs the same way, is about as thick,
    starts where ``a`` starts (left-aligned, in the rows' own frame, so a turned board's list too)
    and lies at most LIST_ACROSS line heights from it. ``frame_a``, ``frame_b``: their ``row_start``."""
    start_a, along, thick_a = frame_a
    start_b, _, thick_b = frame_b
    slant = abs((a.angle - b.angle + 90.0) % 180.0 - 90.0)
    if slant > LIST_SLANT or not 0.6 <= thick_b / thick_a <= 1.7:
        return False
    step = start_b - start_a
    across = abs(float(step @ np.array([-along[1], along[0]])))
    return abs(float(step @ along)) <= LIST_ALONG * thick_a and 0.8 * thick_a <= across <= LIST_ACROSS * thick_a


def list_title(line: OcrLine) -> bool:
    """A list's title rather than one of its rows: it holds a title word (``list_title_words``: "Quiz
    results", "RÉSULTATS", read run together or not) or ends like a sentence or a label ("Well done!",
    "Scores:"), with no digit in it."""
    if any(c.isdigit() for c in line.text):
        return False
    letters = re.sub(r"[^a-z]", "", fold(line.text))
    return bool(LIST_TITLE_END.search(line.text)) or any(word in letters for word in vocabulary().list_title_words)


def find_list_rows(lines: list[OcrLine], matches: list[Match]) -> list[Match]:
    """The rows of a results list (a board or a sheet of "name mark" rows, one student per row) that
    OCR read too poorly for the other recognizers: when one row of a list reads as a student's name
    and, right after it, a grade ending the row, every row of it is a student's row, so the last
    word of each is a grade and the words before it a name ("Er R er+5Oh" between "Jules Simon C"
    and "Liam Simon 92 %" on a chalkboard). A list is rows that follow each other down, left-aligned,
    running the same way and about as thick (``next_row``); its title is left out. A row read as
    one word ("LIANSION53") is both."""
    def name_then_mark(line: OcrLine) -> bool:
        """The line is a name and, right after it, a grade ending the line ("Liam Simon 92 %")."""
        ids = [id(w) for w in line.words]
        ends = {ids.index(id(m.words[-1])) for m in matches if m.kind == "name" and m.words and id(m.words[-1]) in ids}
        return any(m.kind == "grade" and m.words and id(m.words[-1]) == ids[-1] and id(m.words[0]) in ids and
                   ids.index(id(m.words[0])) - 1 in ends for m in matches)

    # a labelled line ("Name: Alex Martin", "Grade: 17/20") is a form's, not a list's row
    rows = [line for line in lines if 1 <= len(line.words) <= LIST_MAX_WORDS and
            not any(w.text.endswith(":") for w in line.words[:-1])]
    seen: set[int] = set()
    frames: list = []  # each row's row_start, worked out once a list is followed
    taken = {id(w) for m in matches for w in m.words}
    out = []
    for first in range(len(rows)):
        if first in seen or not name_then_mark(rows[first]):
            continue
        frames = frames or [row_start(row) for row in rows]
        group, todo = {first}, [first]
        while todo:  # the rows that follow each other from this one, up and down
            i = todo.pop()
            for j in range(len(rows)):
                if j not in group and next_row(rows[i], rows[j], frames[i], frames[j]):
                    group.add(j)
                    todo.append(j)
        seen |= group
        members = [rows[i] for i in sorted(group)]
        if len(members) < 2:
            continue
        why = "a row of a results list whose other rows hold a student's name and a grade"
        for row in members:
            if list_title(row):
                continue
            # the mark: the last word, with the short bits of a score read apart before it ("92 %", "17 /20")
            start = len(row.words) - 1
            while start > 1 and LIST_MARK_PIECE.fullmatch(row.words[start - 1].text):
                start -= 1
            mark, before = row.words[start:], row.words[:start]
            if len(row.words) == 1 and len(mark[0].text) >= 6:
                before = mark  # the row read as one word: the name and the mark in it
            digits = "".join(w.text for w in mark).strip(".,;:!")
            if not any(id(w) in taken for w in mark):
                out.append(Match("grade", mark, 0.55, "grade •", why + ": its last word, the mark"))
            elif slash_read_as_one(digits):
                # "771100" for a chalk "77/100", its slash lost or read as a 1, taken for a bare student number: a
                # grade too
                out.append(Match("grade", mark, 0.55, "grade •", why + ": its last word, a score read without its slash"))
            if before and not any(id(w) in taken for w in before):
                out.append(Match("name", before, 0.55, "name •••", why + ": the words before the mark"))
    return out
