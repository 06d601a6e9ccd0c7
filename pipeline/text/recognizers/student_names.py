"""Names without a roster or a label, known by where they stand: a line that is only a first and a last
name, right above or below a student's number (a badge, a paper's header) or a mark, or on the row of
a mark in a list of such rows (a gradebook card, "Chloe Lefebvre    Score: 61%")."""

from __future__ import annotations

from ...findings import Box
from ..folding import fold
from ..ocr import OcrLine
from .base import Match
from .geometry import same_row
from .name import name_word
from .vocabulary import vocabulary

NEXT_LINE = 1.2  # line heights: the largest gap down (or up) from a name's line to its student's number or mark
ALIGN = 3.0  # line heights: how far the two lines may start from each other along the row
ROW_REACH = 15.0  # line heights: how far right of a name its mark may stand on its row


def name_words(words) -> bool:
    """Words that are a first and a last name and nothing else: two or three capitalised words of letters,
    none a common, school, grade or title word ("Lincoln High School", "Science Report", "Quiz Results"
    are no names)."""
    v = vocabulary()
    if not 2 <= len(words) <= 3 or not all(name_word(w.text) for w in words):
        return False
    folded = fold(" ".join(w.text for w in words))
    return not (set(folded.split()) & v.common_words) and not any(w in folded for w in v.school_words) and \
        not any(w in folded for w in v.grade_context + v.list_title_words) and \
        not v.test_title.fullmatch(folded.strip())


def next_to(a: Box, b: Box) -> bool:
    """``b`` is the line right above or below ``a``, starting about where it does."""
    gap = max(b.y - (a.y + a.h), a.y - (b.y + b.h))
    return -0.3 * a.h <= gap <= NEXT_LINE * a.h and abs(a.x - b.x) <= ALIGN * a.h and 0.6 <= b.h / a.h <= 1.7


def find_names_beside_marks(lines: list[OcrLine], matches: list[Match]) -> list[Match]:
    """Names no roster or label gives: a line that is only a name (``name_words``) right above or below
    the line of a student's number or a mark (a badge, a paper); and in a list of two rows or more of a
    name and then a mark (the mark on the row right of the name's line, or ending the name's own line
    after it, "Nathan Okafor Mark: B-"), each row's name."""
    taken = {id(w) for m in matches for w in m.words}
    line_of = {id(w): line for line in lines for w in line.words}
    marked = {id(line_of[id(m.words[-1])]) for m in matches if m.kind in ("student_id", "grade") and m.words
              and id(m.words[-1]) in line_of}
    grades = [Box.enclosing([w.box for w in m.words]) for m in matches if m.kind == "grade" and m.words]
    grade_words = {id(w) for m in matches if m.kind == "grade" for w in m.words}
    alone, rows = [], []
    for line in lines:
        if any(id(w) in taken for w in line.words[:2]):
            continue
        if name_words(line.words):
            alone.append(line)
            if any(same_row(line.box, box) and 0 <= box.x - (line.box.x + line.box.w) <= ROW_REACH * line.box.h
                   for box in grades):
                rows.append(line.words)
            continue
        # the name and then its mark on one line: the words up to the first that is no name's, then a mark
        end = next((k for k, w in enumerate(line.words) if not name_word(w.text)), len(line.words))
        for size in (min(end, 3), 2):
            if size >= 2 and name_words(line.words[:size]) and id(line.words[-1]) in grade_words and \
                    not any(id(w) in taken for w in line.words[:size]):
                rows.append(line.words[:size])
                break
    out = []
    for words in rows if len(rows) >= 2 else []:
        out.append(Match("name", tuple(words), 0.6, "name " + " ".join(w.text[:1] + "•••" for w in words),
                         "a first and a last name on the row of a mark, in a list of such rows"))
    listed = {id(words[0]) for words in rows} if len(rows) >= 2 else set()
    for line in alone:
        if id(line.words[0]) in listed:
            continue
        if any(id(other) in marked and next_to(line.box, other.box) for other in lines if other is not line):
            out.append(Match("name", line.words, 0.6, "name " + " ".join(w.text[:1] + "•••" for w in line.words),
                             "a first and a last name alone on its line, right above or below a student's number "
                             "or mark"))
    return out
