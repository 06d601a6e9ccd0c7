"""Student IDs: 5-10 digit numbers next to an ID label, right of a label standing alone, alone on a
badge or a school's paper; short numbers right after a label and its colon; handwritten numbers
right of a label."""

from __future__ import annotations

import re
from functools import lru_cache

from ...findings import Box
from ..folding import fold
from ..ocr import OcrLine
from .base import Match, Page, Recognizer, line_context, masked, words_for_span
from .geometry import page_slant, right_of
from .repairs import MISREAD_ID_FORMS, misread_id_label, respelled_id_label, written_number
from .vocabulary import Vocabulary, vocabulary

# A number with ":" or "-" inside (a time, a range, a phone number, a date: "8:00-3:30", "555-0134",
# "2024-05-01") is never an ID; the colon of an "ID:" label ("ID:48213977") is not inside the number, but
# the one of any other word run into its number is ("CREATOR_ID:362569" in a JPEG comment).
# A stray "/" after the number with no digit after it ("39624/", the edge of a box read as a slash) is no
# fraction.
ID_PATTERN = re.compile(r"(?:(?<![\w/.,:-])|(?<=\b[Ii][Dd]:))([A-Z]{0,2}\d{5,10})(?![\w%-]|\s?/\s?\d|[.,:]\d)")
# digits on both sides of ":" (a time: "8:30") or of "-" (a range, a phone number, a date: "8:00 - 3:30",
# "555-0134", "2024-05-01"); ":" with a space after it ends a label ("10: 860734916", a misread "ID:")
TIME_RANGE_PHONE = re.compile(r"\d+(?:(?::|\s?[-\u2010-\u2015~]\s?)\d+)+")
# a till receipt or a price list: amounts alone on their lines ("11.97") and a word of the till; a bare number
# there is an order, approval or account number ("Approval 052723", however misread), not a student's
AMOUNT_ALONE = re.compile(r"\W*\d{1,5}[.,]\d\d\W*")
RECEIPT_MIN_AMOUNTS = 3


def looks_like_date(digits: str) -> bool:
    if len(digits) == 8:
        for year, month, day in ((digits[:4], digits[4:6], digits[6:]), (digits[4:], digits[2:4], digits[:2]),
                                 (digits[4:], digits[:2], digits[2:4])):
            if 1900 <= int(year) <= 2100 and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
                return True
    return False


def looks_like_phone(digits: str) -> bool:
    return len(digits) == 10 and digits[0] == "0" or len(digits) >= 10 and digits[:2] in ("33", "44")


def only_words_besides(line: OcrLine, start: int, end: int) -> bool:
    """The rest of the line is words of letters ("Badge 4417821"), not OCR debris ("[x 523272")."""
    rest = (line.text[:start] + " " + line.text[end:]).split()
    return all(re.fullmatch(r"[^\W\d_]{2,}[:.#]?", token) for token in rest)


def inside_time_range_phone(text: str, start: int, end: int) -> bool:
    """The number at ``text[start:end]`` is part of a time, a range, a phone number or a date."""
    return any(m.start() < end and start < m.end() for m in TIME_RANGE_PHONE.finditer(text))


@lru_cache(maxsize=2)
def label_alone_pattern(v: Vocabulary) -> re.Pattern:
    """An ID label (or its context word, or a misreading of "ID:") ending the text with its colon or #, a
    whole word ("Online:" or "Machine:" hold "ine" and are no label)."""
    words = v.id_context + MISREAD_ID_FORMS
    return re.compile(r"(?<![a-z])(?:" + "|".join(re.escape(w.rstrip(" :#")) for w in words) + r")\s*[:#]+$")


def id_label_alone(line: OcrLine) -> bool:
    """The line is an ID label and nothing else ("ID:", "Student ID:", "Matricule :"): its value was
    written apart from it, by hand or in a box, and read as a line of its own."""
    text = fold(line.text).strip()
    return bool(re.search(r"[:#]$", text)) and not any(c.isdigit() for c in text.replace("1d", "id")) and \
        len(text) <= 24 and bool(label_alone_pattern(vocabulary()).search(text))


class StudentIds(Recognizer):
    """5-10 digit numbers (two capitals before them at most) that are no date, time, range or phone
    number and have no word before them saying what else they are (room, page, price): IDs by their
    context (an ID label on the line or the line above, a label alone on its left, a line about a
    student, a barcode near, a school's badge or paper)."""

    kind = "student_id"
    name = "student IDs"

    def patterns(self) -> tuple[re.Pattern, ...]:
        return (ID_PATTERN,)

    def value(self, m: re.Match) -> str:
        return re.sub(r"\D", "", m.group(1))

    def validate(self, text: str, m: re.Match, digits: str) -> bool:
        return not inside_time_range_phone(text, m.start(1), m.end(1)) and len(digits) >= 5 and \
            not looks_like_date(digits) and not looks_like_phone(digits)

    def context_words(self) -> tuple[str, ...]:
        return vocabulary().id_context + MISREAD_ID_FORMS

    def deny_words(self) -> tuple[str, ...]:
        return vocabulary().not_id_context

    def labelled(self, context: str, line: OcrLine, m: re.Match) -> bool:
        """An ID label next to the number: a context word, or the text before it a misread label."""
        before = line.text[:m.start(1)]
        return self.has_context(context) or misread_id_label(before) or respelled_id_label(before)

    def find(self, lines: list[OcrLine], page: Page) -> list[Match]:
        v = vocabulary()
        out = []
        # a school's page: a school word on it, or a student's paper (a test's title, a "Name:" label)
        folded = [fold(line.text) for line in lines]
        school_page = any(word in text for text in folded for word in v.school_words) or \
            any(v.test_title.fullmatch(text.strip()) or v.name_label.search(text) for text in folded)
        labels = [line.box for line in lines if id_label_alone(line)]
        slant = page_slant(lines)
        receipt = sum(bool(AMOUNT_ALONE.fullmatch(line.text)) for line in lines) >= RECEIPT_MIN_AMOUNTS and \
            any(word in fold(line.text) for line in lines for word in v.receipt_words)
        bare = range(page.id_min_digits_bare, page.id_max_digits_bare + 1)
        for i, line in enumerate(lines):
            context = line_context(lines, i)
            for m, digits in self.candidates(line):
                if self.labelled(context, line, m):
                    score, why = 0.9, "5-10 digit number next to an ID label"
                elif len(line.words) == 1 and any(right_of(line.box, label, slant=slant) for label in labels):
                    score, why = 0.85, "5-10 digit number written on its own right of an ID label"
                elif any(word in context for word in v.student_words):
                    score, why = 0.7, "5-10 digit number on a line about a student"
                elif receipt:
                    continue
                elif page.near_barcode(i) and len(digits) in bare:
                    score, why = 0.75, "bare number next to a barcode (badge)"
                elif len(digits) in bare and len(line.words) <= 3 and only_words_besides(line, m.start(1), m.end(1)):
                    score, why = 0.55, "bare 6-9 digit number standing alone (badge, label)"
                elif len(digits) >= 5 and len(line.words) == 1 and school_page:
                    score, why = 0.55, "bare 5-digit number alone on its line, on a school badge or paper"
                else:
                    continue
                out.append(id_match(line, m, digits, score, why))
            out += short_labelled_id(line)
            if labels and not any(m.kind == "student_id" and m.words[0] in line.words for m in out):
                out += written_id_right_of_label(line, labels, slant)
        return out


STUDENT_IDS = StudentIds()


def id_candidates(line: OcrLine):
    """5-10 digit numbers on the line that do not look like a date or a phone number and have no label
    that says what else they are (room, page, phone, price): ``(match, digits)``."""
    return STUDENT_IDS.candidates(line)


def id_match(line: OcrLine, m: re.Match, digits: str, score: float, why: str) -> Match:
    return Match("student_id", words_for_span(line, m.start(1), m.end(1)), score, masked("ID", digits), why)


def written_id_right_of_label(line: OcrLine, labels: list[Box], slant: float) -> list[Match]:
    """A line of one or two words right of an ID label standing alone (``id_label_alone``) that reads as
    a handwritten number misread (``repairs.written_number``): the student's number."""
    compact = written_number(line)
    if compact is None or not any(right_of(line.box, label, slant=slant) for label in labels):
        return []
    return [Match("student_id", line.words, 0.8, masked("ID", compact),
                  "a number written by hand right of an ID label (read with letters for digits or a space inside)")]


def short_labelled_id(line: OcrLine) -> list[Match]:
    """A number of 3 or 4 digits ending the line right after an ID label and its colon: an ID cut by
    the card's edge or a finger ("Numéro d'élève : 5792"), or a school's short student number."""
    if len(line.words) < 2:
        return []
    last = line.words[-1]
    digits = last.text.strip(".,;:)}]|'\"")
    before = fold(" ".join(w.text for w in line.words[:-1]))
    if not re.fullmatch(r"\d{3,4}", digits) or not vocabulary().id_label_before.search(before):
        return []
    return [Match("student_id", (last,), 0.8, masked("ID", digits),
                  "a short number right after an ID label (cut by the card's edge, or a short student number)")]


def find_student_ids(lines: list[OcrLine], barcode_near: list[bool], id_min_digits_bare: int = 6,
                     id_max_digits_bare: int = 9) -> list[Match]:
    return STUDENT_IDS.find(lines, Page(barcode_near, None, 85.0, id_min_digits_bare, id_max_digits_bare))
