"""Marks and numbers written beside a student's name or ID, or beside a test's title: what a student's
paper carries next to the name, even when OCR garbles its label."""

from __future__ import annotations

import re

from ..folding import fold
from ..ocr import OcrLine, Word
from .base import TOTALS, Match
from .geometry import near_any
from .repairs import MARK_AFTER_NAME, score_without_slash, scrawl
from .student_id import id_candidates, id_match
from .vocabulary import vocabulary

# why a short mark beside a test's title is a grade: one that counts only where the page holds a student (the text
# stage drops it where no name, ID or written name line is found: the mark of a blank test is a look-alike)
BESIDE_TITLE = "a short mark standing alone beside a test's title (\"Quiz 4\")"
# a mark written alone near a test's title (a letter grade, read in either case, or a number of one or two digits)
LONE_MARK = re.compile(r"[A-Fa-f][+-]?|\d{1,2}")
# a score alone on its line ("22/25", "16,5 / 20"), and how far from a student's name it is theirs (line heights:
# written at the sheet's right edge, beside the name line's other fields)
SCORE_ALONE = re.compile(r"\W*(\d{1,3}(?:[.,]\d{1,2})?)\s?/\s?(\d{2,3})\W*")
SCORE_REACH = 6.0


def mark_after_name(line: OcrLine, names: list[tuple[Word, ...]], taken: set[int]) -> list[Match]:
    """The mark ending a line that holds a student's name: the words after the name, when they are
    only a short mark (``repairs.MARK_AFTER_NAME``: "Ethan Moreau A", "Camille Thomas Il / Z0" on a
    chalkboard's results list), or a few signs holding no word (``repairs.scrawl``: "é&")."""
    ids = [id(w) for w in line.words]
    for words in names:
        if not words or id(words[-1]) not in ids:
            continue
        rest = line.words[ids.index(id(words[-1])) + 1:]
        mark = "".join("".join(w.text for w in rest).split()).strip(".,;:!")
        if not rest or any(id(w) in taken for w in rest):
            continue
        if len(mark) <= 7 and MARK_AFTER_NAME.fullmatch(mark):
            return [Match("grade", tuple(rest), 0.6, "grade •", "a short mark ending the line of a student's name")]
        if mark.isdigit() and 4 <= len(mark) <= 6 and score_without_slash(mark):  # "91100": 91/100, its slash lost
            return [Match("grade", tuple(rest), 0.6, "grade •", "a score read without its slash, ending the line "
                          "of a student's name")]
        if scrawl(mark):  # a scrawl no engine read ("é&", "W/ UO" for a chalk "11 / 20")
            return [Match("grade", tuple(rest), 0.55, "grade •", "a short unreadable mark ending the line of a "
                          "student's name")]
    return []


def find_beside_student(lines: list[OcrLine], matches: list[Match], reach: float = 3.0) -> list[Match]:
    """What a student's paper carries next to the name, even when OCR garbles its label:

    - a grade written alone ("A-", "C+", "14") in a corner is a short line that OCR often misreads
      ("A:", "~", "?"): a line of one or two characters near a student's name or ID is a grade;
    - a 5-10 digit number near a student's name ("Num&ro diilive : 958488177", the label misread)
      is the student's number, unless it looks like a date or a phone number or has a label that
      says otherwise (room, page, phone).

    The photo is flagged for that name or ID anyway, so a wrong guess only adds a box to cover; a
    missed grade or number would stay readable in a redacted copy."""
    taken = {id(w) for m in matches for w in m.words}
    names = [m.words for m in matches if m.kind == "name"]
    students = names + [m.words for m in matches if m.kind == "student_id"]
    tests = [line.words for line in lines if vocabulary().test_title.fullmatch(fold(line.text).strip())]
    out = []
    for line in lines:
        marks = mark_after_name(line, names, taken)
        out += marks
        if any(id(w) in taken for w in line.words):
            # a student's own line (a name or a mark on it): a 5-10 digit number there that is not the mark is the
            # student's number
            used = taken | {id(w) for m in marks for w in m.words}
            ids = [id_match(line, m, digits, 0.55, "a 5-10 digit number on the line of a student's name or mark")
                   for m, digits in id_candidates(line)]
            out += [m for m in ids if m.words and not any(id(w) in used for w in m.words)]
            continue
        mark = "".join(line.text.split())
        # a lone letter's box is tight (a "C" has no ascender, its crop no margin): a third of a name's height
        if 1 <= len(mark) <= 2 and near_any(line.box, students, reach, shortest=0.35):
            out.append(Match("grade", line.words, 0.55, "grade •",
                             "a short mark standing alone beside a student's name or ID"))
            continue
        score = SCORE_ALONE.fullmatch(line.text)
        if score and int(score.group(2)) in TOTALS and float(score.group(1).replace(",", ".")) <= int(score.group(2)) \
                and near_any(line.box, students, SCORE_REACH):
            out.append(Match("grade", line.words, 0.6, "grade •", "a score standing alone beside a student's name or ID"))
            continue
        if LONE_MARK.fullmatch(mark) and near_any(line.box, tests, reach, shortest=0.35):
            out.append(Match("grade", line.words, 0.55, "grade •", BESIDE_TITLE))
            continue
        if not near_any(line.box, names, reach):
            continue
        out += [id_match(line, m, digits, 0.55, "a 5-10 digit number beside a student's name")
                for m, digits in id_candidates(line)]
    return out
