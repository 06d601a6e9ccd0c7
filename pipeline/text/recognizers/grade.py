"""Grades: scores out of a usual total, percentages, letter grades and numbers after a grade label, with a
grade label on the line, the line above or the page; the look-alikes left out (grade levels, prices)."""

from __future__ import annotations

import re

from ..folding import fold, unaccent
from ..ocr import OcrLine
from .base import TOTALS, Match, Page, Recognizer, words_for_span
from .repairs import (LETTER_GRADE, MISREAD_OUT_OF, comma_lost, header_token, misread_score, misread_total,
                      score_without_slash, sign_read_as_digit, spaced_score, stray_total_digit, unreadable_mark)
from .vocabulary import vocabulary

# a date read with stray spaces ("0 4/0 6/ 20 06", PP-OCR on a banner's 04/06/2006): no "6/ 20" in it is a score
SPACED_DATE = re.compile(r"(?<![\d/])\d(?:\s?\d)?\s?/\s?\d(?:\s?\d)?\s?/\s?\d(?:\s?\d){1,3}(?![\d/])")
# a percentage whose grade label is on another line of the page, not its own or the one above: the text
# stage keeps it only on the sheet of such a label (``stage.py``), not on a poster or a sign beside the paper
PERCENT_LABEL_ON_PAGE = "percentage with a grade label on the page"
OUT_OF = re.compile(r"(?<![\d/.,:])(\d{1,3}(?:[.,]\d{1,2})?)\s?/\s?(\d{2,4})(?![\d/.,]\d|\d)")
# ... ending a line on a page with a grade label: 5 digits, a score out of 100 ("Sofia Nguyen 49100"; four
# digits are as often a time read without its colon, "16:30" as "1630")
RUN_AT_END = re.compile(r"(?<![\w/.,:-])(\d{5})\W*$")
PERCENT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)\s?%")
LETTER_ALONE = re.compile(r"^\W*([A-F][+-])\W*$")
# a gradebook row: a name (capitalised words) and then the letter, nothing else
GRADEBOOK_ROW = re.compile(r"^\W*[A-Z][a-zA-Z'-]*(?:,?\s+[A-Z][a-zA-Z'-]*){0,3}\s+" + LETTER_GRADE + r"\W*$")
LETTER_AT_END = re.compile(r"\s(" + LETTER_GRADE + r")\W*$")


def has_grade_label(text: str) -> bool:
    """A grade label on the line; "total" and "points" only on a line that is not a price
    ("Total 24,90 €" on a receipt or a menu); a grade level ("Grade 5", "5th grade") is no label."""
    v = vocabulary()
    folded = fold(v.grade_level.sub(" ", text))
    found = [word for word in v.grade_context if word in folded]
    return bool(found) and not (set(found) <= v.grade_price_labels and v.price.search(text))


def just_above(upper: OcrLine, line: OcrLine) -> bool:
    """``upper`` is the line right above ``line`` on the same page: at most a line's height between them,
    and across from it (the line before in reading order may be anywhere else on the photo)."""
    a, b = upper.box, line.box
    gap = b.y - (a.y + a.h)
    return -0.5 * b.h <= gap <= 1.5 * max(a.h, b.h) and min(a.x + a.w, b.x + b.w) > max(a.x, b.x)


def exercise(text: str) -> bool:
    """The line is an exercise ("1. Write 15/20 as a percent", "Calcule 3/4 de 20", "Simplify 12/20") with
    no grade label on it: its numbers are the exercise's."""
    v = vocabulary()
    folded = fold(text)
    return bool(v.exercise.search(folded) or misread_exercise_start(folded)) and not has_grade_label(text)


def misread_exercise_start(folded: str) -> bool:
    """A numbered line whose first word is an exercise's start word read with one letter wrong ("7. eeris
    7/10", "2. e eris 15/20": écris), not a subject or a name ("1. maths 15/20" on a report card)."""
    from rapidfuzz.distance import Levenshtein

    v = vocabulary()
    m = v.exercise_numbered.search(folded)
    if not m:
        return False
    word = m.group(1) + (m.group(2) or "") if len(m.group(1)) == 1 else m.group(1)
    return any(Levenshtein.distance(word, start, score_cutoff=1) <= 1 for start in v.exercise_start_words)


def student_page(lines: list[OcrLine]) -> bool:
    """A student's paper: a "Name:" label on it, or an ID label of a student's paper or report card
    ("Matricule : 9149142")."""
    v = vocabulary()
    return any(v.name_label.search(fold(line.text)) or v.student_id_label.search(fold(line.text)) for line in lines)


class Grades(Recognizer):
    """Scores, percentages and letter grades. Context: a grade label (``has_grade_label``) on the
    line, the line above, or anywhere on the page (a gradebook's title); a student's paper
    (``student_page``) for a score out of any usual total or a percentage alone on its line."""

    kind = "grade"
    name = "grades"

    def context_words(self) -> tuple[str, ...]:
        return vocabulary().grade_context

    def find(self, lines: list[OcrLine], page: Page) -> list[Match]:
        v = vocabulary()
        out = []
        page_context = any(has_grade_label(line.text) for line in lines)
        on_paper = student_page(lines)
        for i, line in enumerate(lines):
            text = line.text
            praise = v.praise_letter.search(fold(text))
            if praise:  # "Great work! B", "Bien ! A-": the mark a teacher writes after praise
                out.append(Match("grade", words_for_span(line, praise.start(praise.lastindex), praise.end(praise.lastindex)), 0.7, "grade •",
                                 "a letter grade after praise (\"Great work! B\")"))
            if exercise(text):
                continue  # "Write 15/20 as a percent", "Calcule 3/4 de 20": the exercise's numbers, no mark
            has_context = page_context or has_grade_label(text) or (i > 0 and has_grade_label(lines[i - 1].text))
            levels = [m.span() for m in v.grade_level.finditer(text)]
            labelled = [m for m in v.labelled_out_of.finditer(unaccent(text))]
            for m in labelled:  # "Résultat : 17/24": right after a grade label, any total is a grade's
                total = re.split(r"\s?/\s?", m.group(1))[-1].replace(" ", "")
                out.append(Match("grade", words_for_span(line, m.start(1), m.end(1)), 0.9, f"grade ••/{total}",
                                 "a score right after a grade label"))
            dates = [d.span() for d in SPACED_DATE.finditer(text)]
            for m in OUT_OF.finditer(text):
                if any(a <= m.start() and m.end() <= b for a, b in dates):
                    continue
                if any(a.start(1) <= m.start() < a.end(1) for a in labelled):
                    continue
                value, total = float(m.group(1).replace(",", ".")), int(m.group(2))
                if len(m.group(2)) == 4 and not has_context:  # "52/1068": 100 with a stray digit, given a label
                    continue
                if has_context and total not in TOTALS:
                    total = misread_total(stray_total_digit(m.group(2)))
                if has_context:
                    value = comma_lost(m.group(1), value, total)  # "12,5/20" read without its comma
                if total not in TOTALS or value > total or any(a <= m.start() < b for a, b in levels):
                    continue
                if total in (10, 20, 100) or has_context or on_paper:
                    score = 0.9 if has_context else 0.7
                    out.append(Match("grade", words_for_span(line, m.start(), m.end()), score, f"grade ••/{total}",
                                     "score out of %d%s" % (total, " with a grade label" if has_context else "")))
            for m in MISREAD_OUT_OF.finditer(text) if has_context else ():  # "1D /25": a handwritten 19/25
                total = misread_score(m.group(1), m.group(2))
                if total and not any(a <= m.start() < b for a, b in levels):
                    out.append(Match("grade", words_for_span(line, m.start(), m.end()), 0.75, f"grade ••/{total}",
                                     "score out of %d with a grade label, a digit of it read as a letter" % total))
            run = v.labelled_run.search(unaccent(text))
            split = score_without_slash(run.group(1)) if run and not v.price.search(text) else None
            if split:
                out.append(Match("grade", words_for_span(line, run.start(1), run.end(1)), 0.8, f"grade ••/{split}",
                                 "a score and its total run together (the slash not read) right after a grade label"))
            elif run and sign_read_as_digit(run.group(1)) and not v.price.search(text):  # "GRADE: 847.": 84%
                out.append(Match("grade", words_for_span(line, run.start(1), run.end(1)), 0.75, "grade ••",
                                 "a 3-digit number right after a grade label (a % sign or a slash read as a digit)"))
            run = RUN_AT_END.search(text) if has_context and not run else None
            split = score_without_slash(run.group(1)) if run and not re.fullmatch(r"(?:19|20)\d\d", run.group(1)) and \
                not v.price.search(text) and not any(w in fold(text[:run.start(1)]) for w in v.not_id_context) else None
            if split:  # "Sofia Nguyen 49100" on a results board: 49/100
                out.append(Match("grade", words_for_span(line, run.start(1), run.end(1)), 0.7, f"grade ••/{split}",
                                 "a score and its total run together (the slash not read) ending a line, with a grade "
                                 "label on the page"))
            number = v.labelled_number.search(unaccent(text))
            # ("Grade: 5" with a whole number up to 12 after a grade-level word may be a class, a grade level: left out)
            if number and float(number.group(2).replace(",", ".")) <= 100 and not (
                    fold(number.group(1)) in v.grade_level_words and number.group(2).isdigit() and
                    int(number.group(2)) <= 12):
                out.append(Match("grade", words_for_span(line, number.start(2), number.end(2)), 0.85, "grade ••",
                                 "a number right after a grade label"))
            for m in PERCENT.finditer(text):
                if has_context and float(m.group(1).replace(",", ".")) <= 100:
                    own = has_grade_label(text) or (i > 0 and has_grade_label(lines[i - 1].text)
                                                    and just_above(lines[i - 1], line))
                    out.append(Match("grade", words_for_span(line, m.start(), m.end()), 0.8, "grade ••%",
                                     "percentage with a grade label" if own else PERCENT_LABEL_ON_PAGE))
                elif on_paper and float(m.group(1).replace(",", ".")) <= 100 and m.group(0) == text.strip():
                    out.append(Match("grade", words_for_span(line, m.start(), m.end()), 0.7, "grade ••%",
                                     "percentage alone on its line, on a student's paper or report"))
            if has_context and not v.letter_after_label.search(unaccent(text)):
                end = LETTER_AT_END.search(text)
                # "Sarah Robert A+"; not a header row's words before a letter ("Student A", "Name B")
                if end and len(line.words) >= 2 and GRADEBOOK_ROW.match(unaccent(text)) and \
                        not all(header_token(w) in v.header_words for w in text[:end.start(1)].split()):
                    out.append(Match("grade", words_for_span(line, end.start(1), end.end(1)), 0.75, "grade •",
                                     "letter grade ending a line, with a grade label on the page"))
            short = v.label_short_mark.search(text)
            if short and unreadable_mark(short.group(1)) and not v.letter_after_label.search(unaccent(text)):
                out.append(Match("grade", words_for_span(line, short.start(1), short.end(1)), 0.7, "grade •",
                                 "a short mark after a grade label"))
            for m in v.letter_after_label.finditer(unaccent(text)):
                out.append(Match("grade", words_for_span(line, m.start(1), m.end(1)), 0.9, "grade •",
                                 "letter grade after a grade label"))
            spaced = spaced_score(text) if line.short and not any(
                m.kind == "grade" and m.words and m.words[0] in line.words for m in out) else None
            if spaced:  # "48 /10 0", "13,5 /2 0": a short crop read with spaces inside the score
                value, total = float(spaced.group(1).replace(",", ".")), int(spaced.group(2))
                if total in TOTALS and value <= total and (total in (10, 20, 100) or has_context or on_paper):
                    out.append(Match("grade", line.words, 0.9 if has_context else 0.7, f"grade ••/{total}",
                                     "score out of %d, read with spaces inside%s" % (
                                         total, " with a grade label" if has_context else "")))
            alone = LETTER_ALONE.match(text)
            if alone:
                out.append(Match("grade", words_for_span(line, alone.start(1), alone.end(1)), 0.6, "grade •",
                                 "letter grade with + or - standing alone"))
        return out


GRADES = Grades()


def find_grades(lines: list[OcrLine]) -> list[Match]:
    return GRADES.find(lines, Page())
