"""Recognizers: which recognised text is a student ID, a grade or a name.

In the manner of Presidio: each recognizer has patterns with a base score, context words that
raise the score when they stand on the same line or the line above, and a validation step that
rejects look-alikes (dates, phone numbers, prices, grade levels). Each match carries the words it
covers and an explanation; the text itself is only turned into a masked hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..findings import Box
from .folding import fold, unaccent
from .ocr import OcrLine, Word
# the roster's loading lives in roster.py; Roster and RosterError stay importable from here
from .roster import (  # noqa: F401
    COMMON_WORDS, SURNAME_ALONE_MIN_LETTERS, SURNAME_ALONE_SCORE, Roster, RosterError, letters,
)


@dataclass(frozen=True)
class Match:
    kind: str  # student_id | grade | name
    words: tuple[Word, ...]
    score: float
    hint: str
    why: str


def _words_for_span(line: OcrLine, start: int, end: int) -> tuple[Word, ...]:
    """The line's words that overlap the character span [start, end) of ``line.text``."""
    out, pos = [], 0
    for word in line.words:
        w_start, w_end = pos, pos + len(word.text)
        if w_start < end and start < w_end:
            out.append(word)
        pos = w_end + 1
    return tuple(out)


def _context(lines: list[OcrLine], i: int) -> str:
    previous = lines[i - 1].text if i > 0 else ""
    return fold(previous + " \n " + lines[i].text)


# ---------------------------------------------------------------------------------------------
# Student IDs

ID_CONTEXT = ("student id", "student no", "student number", "student #", "student n", "id#", "id #",
              "id no", "id:", "id :", "id number", "identifiant", "matricule", "numero d'eleve",
              "numero eleve", "no eleve", "n° eleve", "n eleve", "eleve n", "pupil", "learner", "badge",
              "card no", "carte", "ine")
NOT_ID_CONTEXT = ("tel", "phone", "fax", "mobile", "portable", "room", "salle", "page", "p.", "isbn", "$", "€",
                  "price", "prix", "total", "invoice", "facture", "order", "commande", "zip", "code postal",
                  # opening hours whose ":" and "-" OCR lost ("Library hours 800-330" read as 800330)
                  "hours", "hrs", "heures", "horaire", "open", "ouvert", "closed", "ferme", "call", "appel")
# A number with ":" or "-" inside (a time, a range, a phone number, a date: "8:00-3:30", "555-0134",
# "2024-05-01") is never an ID; the colon of an "ID:" label ("ID:48213977") is not inside the number, but
# the one of any other word run into its number is ("CREATOR_ID:362569" in a JPEG comment).
# A stray "/" after the number with no digit after it ("39624/", the edge of a box read as a slash) is no
# fraction.
ID_PATTERN = re.compile(r"(?:(?<![\w/.,:-])|(?<=\b[Ii][Dd]:))([A-Z]{0,2}\d{5,10})(?![\w%-]|\s?/\s?\d|[.,:]\d)")
# digits on both sides of ":" (a time: "8:30") or of "-" (a range, a phone number, a date: "8:00 - 3:30",
# "555-0134", "2024-05-01"); ":" with a space after it ends a label ("10: 860734916", a misread "ID:")
TIME_RANGE_PHONE = re.compile(r"\d+(?:(?::|\s?[-\u2010-\u2015~]\s?)\d+)+")
# a badge or paper from a school: a number alone on its line there is most likely a student's
SCHOOL_WORDS = ("school", "ecole", "college", "lycee", "academy", "student", "eleve")
# a till receipt or a price list: amounts alone on their lines ("11.97") and a word of the till; a bare number
# there is an order, approval or account number ("Approval 052723", however misread), not a student's
RECEIPT_WORDS = ("subtotal", "sub total", "tax", "tva", "cashier", "caisse", "receipt", "recu", "ticket", "cash",
                 "visa", "mastercard", "master card", "change", "$", "€", "£")
AMOUNT_ALONE = re.compile(r"\W*\d{1,5}[.,]\d\d\W*")
RECEIPT_MIN_AMOUNTS = 3
# OCR misreadings of an "ID" label: "IO:", "lD:", "1D#", "\D#"
ID_CONTEXT_MISREAD = ("io:", "io :", "ld:", "ld :", "1d:", "1d :", "1d#", "ld#", "\\d#", "|d#", "io#",
                      "numero d'")  # "Numéro d'élève" with the last word misread
# label words of an ID read with a letter or two wrong ("Matlicule", "Studemt", "ldentifiant"): matched by
# similarity (rapidfuzz ratio, 0-100), words of at least 7 letters only
ID_LABEL_WORDS = ("matricule", "identifiant", "student", "students")
ID_LABEL_SIMILARITY = 80
# the whole text before a number is a misread "ID:" or "ID#" label: "10:", "IO:", "1D#", "IDF"
MISREAD_ID_LABEL = re.compile(r"\W*[1lIi|\\][DdOo0]\s*[:#F]\s*")


def _looks_like_date(digits: str) -> bool:
    if len(digits) == 8:
        for year, month, day in ((digits[:4], digits[4:6], digits[6:]), (digits[4:], digits[2:4], digits[:2]),
                                 (digits[4:], digits[:2], digits[2:4])):
            if 1900 <= int(year) <= 2100 and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
                return True
    return False


def _looks_like_phone(digits: str) -> bool:
    return len(digits) == 10 and digits[0] == "0" or len(digits) >= 10 and digits[:2] in ("33", "44")


def _only_words_besides(line: OcrLine, start: int, end: int) -> bool:
    """The rest of the line is words of letters ("Badge 4417821"), not OCR debris ("[x 523272")."""
    rest = (line.text[:start] + " " + line.text[end:]).split()
    return all(re.fullmatch(r"[^\W\d_]{2,}[:.#]?", token) for token in rest)


def _inside_time_range_phone(text: str, start: int, end: int) -> bool:
    """The number at ``text[start:end]`` is part of a time, a range, a phone number or a date."""
    return any(m.start() < end and start < m.end() for m in TIME_RANGE_PHONE.finditer(text))


def _id_candidates(line: OcrLine):
    """5-10 digit numbers on the line that do not look like a date or a phone number and have no label
    that says what else they are (room, page, phone, price): ``(match, digits)``."""
    for m in ID_PATTERN.finditer(line.text):
        if _inside_time_range_phone(line.text, m.start(1), m.end(1)):
            continue
        digits = re.sub(r"\D", "", m.group(1))
        before = fold(line.text[max(0, m.start() - 12):m.start()])
        if len(digits) < 5 or _looks_like_date(digits) or _looks_like_phone(digits) or \
                any(word in before for word in NOT_ID_CONTEXT):
            continue
        yield m, digits


def _misread_id_label(before: str) -> bool:
    """A word before the number is an ID label with a letter or two misread ("Matlicule : 39624")."""
    from rapidfuzz import fuzz

    words = [w for w in re.split(r"[^a-z]+", fold(before)) if len(w) >= 7]
    return any(fuzz.ratio(w, label) >= ID_LABEL_SIMILARITY for w in words for label in ID_LABEL_WORDS)


def _id_match(line: OcrLine, m: re.Match, digits: str, score: float, why: str) -> Match:
    return Match("student_id", _words_for_span(line, m.start(1), m.end(1)), score,
                 f"ID {'•' * max(0, len(digits) - 2)}{digits[-2:]}", why)


def find_student_ids(lines: list[OcrLine], barcode_near: list[bool], id_min_digits_bare: int = 6,
                     id_max_digits_bare: int = 9) -> list[Match]:
    out = []
    # a school's page: a school word on it, or a student's paper (a test's title, a "Name:" label)
    school_page = any(word in fold(line.text) for line in lines for word in SCHOOL_WORDS) or \
        any(TEST_TITLE.fullmatch(fold(line.text).strip()) or NAME_LABEL.search(fold(line.text)) for line in lines)
    labels = [line.box for line in lines if _id_label_alone(line)]
    slant = _page_slant(lines)
    receipt = sum(bool(AMOUNT_ALONE.fullmatch(line.text)) for line in lines) >= RECEIPT_MIN_AMOUNTS and \
        any(word in fold(line.text) for line in lines for word in RECEIPT_WORDS)
    for i, line in enumerate(lines):
        context = _context(lines, i)
        for m, digits in _id_candidates(line):
            has_context = any(word in context for word in ID_CONTEXT + ID_CONTEXT_MISREAD) or \
                bool(MISREAD_ID_LABEL.fullmatch(line.text[:m.start(1)])) or _misread_id_label(line.text[:m.start(1)])
            if has_context:
                score, why = 0.9, "5-10 digit number next to an ID label"
            elif len(line.words) == 1 and any(_right_of(line.box, label, slant=slant) for label in labels):
                score, why = 0.85, "5-10 digit number written on its own right of an ID label"
            elif "student" in context or "eleve" in context:
                score, why = 0.7, "5-10 digit number on a line about a student"
            elif receipt:
                continue
            elif barcode_near[i] and id_min_digits_bare <= len(digits) <= id_max_digits_bare:
                score, why = 0.75, "bare number next to a barcode (badge)"
            elif id_min_digits_bare <= len(digits) <= id_max_digits_bare and len(line.words) <= 3 and \
                    _only_words_besides(line, m.start(1), m.end(1)):
                score, why = 0.55, "bare 6-9 digit number standing alone (badge, label)"
            elif len(digits) >= 5 and len(line.words) == 1 and school_page:
                score, why = 0.55, "bare 5-digit number alone on its line, on a school badge or paper"
            else:
                continue
            out.append(_id_match(line, m, digits, score, why))
        out += _short_labelled_id(line)
        if labels and not any(m.kind == "student_id" and m.words[0] in line.words for m in out):
            out += _written_id_right_of_label(line, labels, slant)
    return out


def _id_label_alone(line: OcrLine) -> bool:
    """The line is an ID label and nothing else ("ID:", "Student ID:", "Matricule :"): its value was
    written apart from it, by hand or in a box, and read as a line of its own."""
    text = fold(line.text).strip()
    # the label word ends the line, a whole word ("Online:" or "Machine:" hold "ine" and are no label)
    return bool(re.search(r"[:#]$", text)) and not any(c.isdigit() for c in text.replace("1d", "id")) and \
        len(text) <= 24 and any(re.search(r"(?<![a-z])" + re.escape(word.rstrip(" :#")) + r"\s*[:#]+$", text)
                                for word in ID_CONTEXT + ID_CONTEXT_MISREAD)


def _right_of(box: Box, label: Box, reach: float = 8.0, slant: float = 0.0) -> bool:
    """``box`` starts right of ``label``, within ``reach`` of the label's heights, and the two are on
    one row (their centres at most the taller one's height apart up or down, once the row's ``slant``,
    degrees clockwise, is taken off: a card turned in the photo)."""
    gap = box.x - (label.x + label.w)
    run = (box.x + box.w / 2) - (label.x + label.w / 2)
    rise = abs((box.y + box.h / 2) - (label.y + label.h / 2) - run * np.tan(np.radians(slant)))
    return -0.5 * label.h <= gap <= reach * label.h and rise <= max(box.h, label.h)


def _page_slant(lines: list[OcrLine]) -> float:
    """The slant of the page's text (degrees clockwise): the median of its lines of two words or more
    (a short crop's own slant is often not known)."""
    slants = [line.angle for line in lines if len(line.words) >= 2 and not line.short]
    return float(np.median(slants)) if slants else 0.0


# a number written by hand and read with letters for some digits ("OUU467", "C07A67": 002467) or a space
# inside ("5615 74"): at least half of it digits, the rest letters that look like digits
WRITTEN_DIGIT_LOOKALIKES = "OoDUuQCcIl|SsZzBbGgAT"
WRITTEN_NUMBER = re.compile(r"[\d%s]{5,10}" % re.escape(WRITTEN_DIGIT_LOOKALIKES))


def _written_id_right_of_label(line: OcrLine, labels: list[Box], slant: float) -> list[Match]:
    """A line of one or two words right of an ID label standing alone (``_id_label_alone``) that reads as
    a handwritten number misread (``WRITTEN_NUMBER``): the student's number."""
    compact = line.text.replace(" ", "").strip(".,;:'\"")
    digits = sum(c.isdigit() for c in compact)
    if len(line.words) > 2 or not WRITTEN_NUMBER.fullmatch(compact) or digits < max(3, len(compact) / 2) or \
            compact.isdigit() and len(line.words) == 1 or \
            not any(_right_of(line.box, label, slant=slant) for label in labels):
        return []
    return [Match("student_id", line.words, 0.8, f"ID {'•' * (len(compact) - 2)}{compact[-2:]}",
                  "a number written by hand right of an ID label (read with letters for digits or a space inside)")]


# an ID label and its colon ending the text before a short number: "Numéro d'élève :", "Student ID:"
ID_LABEL_BEFORE = re.compile(r"(?:(?:student\s*(?:id|no|number)|\bid\s*(?:no|number)?|identifiant|matricule|"
                             r"numero\s*d'?\s*eleve|n[°o]?\s*eleve)\s*[:#]|(?:student|\bid)\s*#)\s*$")


def _short_labelled_id(line: OcrLine) -> list[Match]:
    """A number of 3 or 4 digits ending the line right after an ID label and its colon: an ID cut by
    the card's edge or a finger ("Numéro d'élève : 5792"), or a school's short student number."""
    if len(line.words) < 2:
        return []
    last = line.words[-1]
    digits = last.text.strip(".,;:)}]|'\"")
    before = fold(" ".join(w.text for w in line.words[:-1]))
    if not re.fullmatch(r"\d{3,4}", digits) or not ID_LABEL_BEFORE.search(before):
        return []
    return [Match("student_id", (last,), 0.8, f"ID {'•' * (len(digits) - 2)}{digits[-2:]}",
                  "a short number right after an ID label (cut by the card's edge, or a short student number)")]


# ---------------------------------------------------------------------------------------------
# Grades

GRADE_CONTEXT = ("grade", "mark", "score", "note", "result", "resultat", "total", "points", "pts", "moyenne",
                 "appreciation", "evaluation", "test", "exam", "quiz", "controle", "devoir", "bulletin")
OUT_OF = re.compile(r"(?<![\d/.,:])(\d{1,3}(?:[.,]\d{1,2})?)\s?/\s?(\d{2,4})(?![\d/.,]\d|\d)")
TOTALS = {10, 20, 25, 30, 40, 50, 100}
# a score whose value OCR read with a letter for a digit ("1D /25", "l7/20", "B/10" in handwriting): with
# a grade label on the page, a digit and look-alike letters before "/" and a total
# (the total may be misread too: "Il / Z0", "7/I00"; a digit somewhere in the score all the same)
MISREAD_OUT_OF = re.compile(r"(?<![\w/.,])([0-9OoDlI|SsBZzgq]{1,3})\s?/\s?([0-9OoDlIZzSs]{2,3})"
                            r"(?![\d/.,]\d|\w)")
DIGIT_LOOKALIKES = str.maketrans("OoDlI|SsBZzgq", "0001115582299")


# a short crop's score with the spaces the recogniser put inside it taken out ("48 /10 0": 48/100)
COMPACT_OUT_OF = re.compile(r"(\d{1,3}(?:[.,]\d{1,2})?)/(\d{2,3})")


def _misread_total(digits: str) -> int:
    """Tesseract often reads a 0 as 6, 8 or 9 in small print: with a grade label, "/26" is "/20"
    and "/168" is "/100". Other totals come back as they are."""
    if re.fullmatch(r"[12][0689]|1[0689][0689]", digits):
        return int(digits[0] + "0" * (len(digits) - 1))
    return int(digits)


# (the total may be read with a space inside: "Evaluation: 13/2 5")
LABELLED_OUT_OF = re.compile(r"\b(?:grade|mark|note|score|result|resultat|total|points|evaluation)\s*[:=]\s*"
                             r"(\d{1,3}(?:[.,]\d{1,2})?\s?/\s?\d(?:\s?\d){1,3})(?![\d/])", re.IGNORECASE)
# a bare number ending the line after a grade label and a colon: "Moyenne générale : 15,2", "Score: 92" ("Grade: 5" with a whole number up to 12 may be a class, a grade level: left out)
LABELLED_NUMBER = re.compile(r"\b(grade|score|mark|note(?:\s+finale)?|resultat|moyenne(?:\s+generale)?|average|"
                             r"evaluation|final\s+grade)\s*[:=]\s*(\d{1,3}(?:[.,]\d{1,2})?)[^\w%/]*$", re.IGNORECASE)
# the same with the slash of a score not read ("Points: 61/100" read as "Points: 61100"): a run of digits
# that is a score and one of TOTALS run together
LABELLED_RUN = re.compile(r"\b(?:grade|score|mark|points|note|resultat|moyenne)\s*[:=]\s*(\d{3,6})[^\w%/]*$",
                          re.IGNORECASE)
# ... and ending a line on a page with a grade label: 5 digits, a score out of 100 ("Sofia Nguyen 49100"; four
# digits are as often a time read without its colon, "16:30" as "1630")
RUN_AT_END = re.compile(r"(?<![\w/.,:-])(\d{5})\W*$")
# grade labels that OCR reads with a letter wrong ("Grode: A", "Averge: 16,05"): a word of 5 letters or more
# before a colon this close (rapidfuzz ratio, 0-100) to one of them is read as that label
RESPELLED_LABELS = ("grade", "score", "points", "moyenne", "average", "resultat", "result", "total", "final",
                    "evaluation", "student", "matricule", "identifiant")
LABEL_SIMILARITY = 80


def _respelled(word: str, before_colon: bool) -> str:
    """``word`` with its letters replaced by the grade or ID label they are a misreading of, when it
    stands before a colon; else ``word`` as it is."""
    m = re.fullmatch(r"(\W*)([^\W\d_]{5,})(\W*)", word)
    if not m or not (before_colon or m.group(3).startswith(":")):
        return word
    core = fold(m.group(2))
    if core in RESPELLED_LABELS or core in COMMON_WORDS:
        return word
    from rapidfuzz import fuzz, process

    best = process.extractOne(core, RESPELLED_LABELS, scorer=fuzz.ratio, score_cutoff=LABEL_SIMILARITY)
    if best is None:
        return word
    label = best[0].capitalize() if m.group(2)[:1].isupper() else best[0]
    return m.group(1) + label + m.group(3)


def _split_headers(word: Word) -> tuple[Word, ...]:
    """A word made of two table header words run together where a capital starts the second
    ("MoyenneScore", "NameID", "MoyennStudent" with a letter lost: two columns' headers read as one
    word; each part a header word or one misread by a letter, ``_header_token``), as the two words, the box
    shared out by letters; else the word alone."""
    text = word.text
    if len(text) < 5 or not text.isalpha() or fold(text) in _HEADER_WORDS:
        return (word,)
    for i in range(2, len(text) - 1):
        if text[i].isupper() and text[i - 1].islower() and _header_token(text[:i]) in _HEADER_WORDS and \
                _header_token(text[i:]) in _HEADER_WORDS:
            split = word.box.x + round(word.box.w * i / len(text))
            left = Box(word.box.x, word.box.y, max(1, split - word.box.x), word.box.h)
            right = Box(split, word.box.y, max(1, word.box.x + word.box.w - split), word.box.h)
            return Word(text[:i], left, word.confidence), Word(text[i:], right, word.confidence)
    return (word,)


# an ID or grade label run into its number, the label's own words run together too ("studentNumber4241109",
# "StudentID48213977", "Matricule39624", "Score12/20": PP-OCR drops a narrow space): label words, then the value
RUN_IN_LABEL = re.compile(r"([^\W\d_]*?(?:number|numero|matricule|identifiant|eleve|id|no|grade|score|note|"
                          r"mark|total|moyenne|points))([:#]?)(\d[\d/.,%]*)", re.IGNORECASE)


def _split_run_in_label(word: Word) -> tuple[Word, ...]:
    """A word that is a label run into its value (``RUN_IN_LABEL``) as the label's words and the value, the
    box shared out by letters, so the recognizers see "student Number 4241109"; else the word alone. "ID"
    and "No" at the end of a longer run count only as a capitalised word of their own ("StudentID", not
    "Paid" or "Casino")."""
    m = RUN_IN_LABEL.fullmatch(word.text)
    if not m:
        return (word,)
    letters = m.group(1)
    cuts = [i for i in range(1, len(letters)) if letters[i].isupper() and letters[i - 1].islower()]
    tail = letters[cuts[-1]:] if cuts else letters
    if len(letters) > 2 and fold(tail) in ("id", "no") and tail not in ("ID", "Id", "No", "NO"):
        return (word,)
    if len(letters) > 2 and not cuts and fold(letters) not in ("matricule", "identifiant", "number", "numero"):
        # one run of letters: a label word only when it is one whole ("Matricule39624"), not "Paid12345"
        if not any(fold(letters) == w for w in ("grade", "score", "note", "mark", "total", "moyenne", "points")):
            return (word,)
    pieces, start = [], 0
    for cut in cuts + [len(letters)]:
        pieces.append((start, cut))
        start = cut
    pieces.append((len(letters), len(word.text)))  # the colon, if any, stays with the value
    if m.group(2):
        pieces[-2], pieces[-1] = (pieces[-2][0], pieces[-2][1] + 1), (len(letters) + 1, len(word.text))
    n = len(word.text)
    return tuple(Word(word.text[a:b], Box(word.box.x + round(word.box.w * a / n), word.box.y,
                                          max(1, round(word.box.w * (b - a) / n)), word.box.h), word.confidence)
                 for a, b in pieces)


def _join_split_header(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Two words that are one table header word read with a space inside ("L etter", "Gra de": PP-OCR
    cuts a word at a wide gap between letters) as that word, when one of the two is no header word
    or common word itself ("de notes" stays two words) and they stand close together."""
    out = list(words)
    k = 0
    while k + 1 < len(out):
        a, b = out[k], out[k + 1]
        joined = fold(a.text + b.text).strip(_HEADER_STRIP)
        pieces = [fold(w.text).strip(_HEADER_STRIP) for w in (a, b)]
        label = fold(a.text + b.text).rstrip(" :") in RESPELLED_LABELS and (b.text.endswith(":") or (
            k + 2 < len(out) and out[k + 2].text.startswith(":")))  # "Tot al:" before its mark
        if len(joined) >= 4 and joined.isalpha() and (joined in _HEADER_WORDS or label) and \
                any(p not in _HEADER_WORDS and p not in COMMON_WORDS for p in pieces) and \
                b.box.x - (a.box.x + a.box.w) <= 0.6 * max(a.box.h, b.box.h):
            out[k:k + 2] = [Word(a.text + b.text, Box.enclosing([a.box, b.box]), min(a.confidence, b.confidence))]
            continue
        k += 1
    return tuple(out)


def respell_labels(lines: list[OcrLine]) -> list[OcrLine]:
    """The lines with grade and ID labels misread by a letter or two read as those labels (the box
    and confidence of each word kept), a header word read with a space inside as one word
    (``_join_split_header``) and two header words run together read apart (``_split_headers``), so
    every recognizer and the pen-mark step see the labels and headers."""
    from dataclasses import replace

    out = []
    for line in lines:
        texts = [w.text for w in line.words]
        new = [_respelled(t, i + 1 < len(texts) and texts[i + 1].startswith(":")) for i, t in enumerate(texts)]
        words = tuple(w if t == w.text else Word(t, w.box, w.confidence) for w, t in zip(line.words, new))
        words = tuple(part for w in _join_split_header(words) for part in _split_headers(w))
        words = tuple(part for w in words for part in _split_run_in_label(w))
        out.append(line if words == line.words else replace(line, words=words))
    return out
CUT_EDGE = 3  # px: a word's box this close to the photo's left or right edge may be cut there
CUT_MIN_LETTERS = 4  # ... and read as a header word when this many of its letters are left


def complete_cut_headers(lines: list[OcrLine], width: int) -> list[OcrLine]:
    """The lines with a word cut by the photo's edge (the last word of a line reaching the right
    edge, the first of one reaching the left edge)
    read as the table header word it is the start of ("Grad" at the right edge: "Grade") or the end
    of (at the left edge), when only one header word fits; a gradebook photographed with its last
    column half in the frame still has its grade column."""
    from dataclasses import replace

    out = []
    for line in lines:
        words = []
        for k, w in enumerate(line.words):
            token = fold(w.text).strip(_HEADER_STRIP)
            if len(token) >= CUT_MIN_LETTERS and token.isalpha() and token not in _HEADER_WORDS:
                at_right = k == len(line.words) - 1 and line.box.x + line.box.w >= width - CUT_EDGE
                at_left = k == 0 and line.box.x <= CUT_EDGE
                fits = sorted({h for h in _HEADER_WORDS if h.isalpha() and len(h) > len(token) and (
                    at_right and h.startswith(token) or at_left and h.endswith(token))})
                # "Grad" fits "grade" and "grades": one header word and its plural are one
                if fits and all(f.rstrip("s") == fits[0].rstrip("s") for f in fits):
                    text = fits[0].capitalize() if w.text[:1].isupper() else fits[0]
                    w = Word(text, w.box, w.confidence)
            words.append(w)
        words = tuple(words)
        out.append(line if words == line.words else replace(line, words=words))
    return out


PERCENT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)\s?%")
# the label a whole word ("scored", "noted", "graded" are not "score d"), the letter a capital or one with a
# sign ("Grade: b+"): "la note a été envoyée" holds the French verb "a", not a grade; "Total", "Résultat" and
# "Évaluation" only with their colon ("Total: C", not "total A")
LETTER_AFTER_LABEL = re.compile(r"\b(?:(?i:grade|mark|note|score)(?![a-zA-Z])\s*[:=-]?|(?i:total|resultat|result|evaluation)"
                                r"\s*[:=])\s*([A-F][+-]?|[a-f][+-])(?![\w])")
LETTER_ALONE = re.compile(r"^\W*([A-F][+-])\W*$")
# a gradebook row: a name (capitalised words) and then the letter, nothing else
GRADEBOOK_ROW = re.compile(r"^\W*[A-Z][a-zA-Z'-]*(?:,?\s+[A-Z][a-zA-Z'-]*){0,3}\s+[A-F][+t-]?\W*$")
LETTER_AT_END = re.compile(r"\s([A-F][+t-]?)\W*$")  # "Bt": a B+ whose + was read as t
# "Grade: €": a grade label with a colon, then one short mark that OCR could not read as a letter
LABEL_SHORT_MARK = re.compile(r"\b(?:grade|mark|note)\s*:\s*(\S{1,2})\s*$", re.IGNORECASE)
GRADE_LEVEL = re.compile(r"\b(?:grade|year|class|classe)\s*\d{1,2}\b(?!\s*/)|\b\d{1,2}(?:st|nd|rd|th|e|eme|ème)\s+grade\b",
                         re.IGNORECASE)


# an ID label on a student's own paper or report card
STUDENT_ID_LABEL = re.compile(r"\b(?:student\s*(?:id|no|number|#)|matricule|numero\s*d'?\s*eleve|identifiant)\b")
PRICE = re.compile(r"[$€£¥]|\d[.,]\d\d\b(?!\s?/)|\b(?:eur|usd|cad|chf|ttc|ht)\b", re.IGNORECASE)


def _has_grade_label(text: str) -> bool:
    """A grade label on the line; "total" and "points" only on a line that is not a price
    ("Total 24,90 €" on a receipt or a menu); a grade level ("Grade 5", "5th grade") is no label."""
    folded = fold(GRADE_LEVEL.sub(" ", text))
    found = [word for word in GRADE_CONTEXT if word in folded]
    return bool(found) and not (set(found) <= {"total", "points", "pts"} and PRICE.search(text))


def _score_run(digits: str) -> int | None:
    """The total of a score read without its slash ("61100": 61/100, "1420": 14/20), or None."""
    for total in sorted(TOTALS, reverse=True):
        value = digits[:-len(str(total))]
        if digits.endswith(str(total)) and 1 <= len(value) <= 3 and int(value) <= total:
            return total
    return None


def find_grades(lines: list[OcrLine]) -> list[Match]:
    out = []
    # a grade label anywhere in the photo (a gradebook's title) makes the other lines' scores grades too
    page_context = any(_has_grade_label(line.text) for line in lines)
    # a student's paper (a "Name:" label on it): a score out of any usual total there is a grade's
    # (or an ID label: a report card's "Matricule : 9149142"); a percentage alone on its line there is one too
    student_page = any(NAME_LABEL.search(fold(line.text)) or STUDENT_ID_LABEL.search(fold(line.text)) for line in lines)
    for i, line in enumerate(lines):
        text = line.text
        has_context = page_context or _has_grade_label(text) or (i > 0 and _has_grade_label(lines[i - 1].text))
        levels = [m.span() for m in GRADE_LEVEL.finditer(text)]
        labelled = [m for m in LABELLED_OUT_OF.finditer(unaccent(text))]
        for m in labelled:  # "Résultat : 17/24": right after a grade label, any total is a grade's
            total = re.split(r"\s?/\s?", m.group(1))[-1].replace(" ", "")
            out.append(Match("grade", _words_for_span(line, m.start(1), m.end(1)), 0.9, f"grade ••/{total}",
                             "a score right after a grade label"))
        for m in OUT_OF.finditer(text):
            if any(a.start(1) <= m.start() < a.end(1) for a in labelled):
                continue
            value, total = float(m.group(1).replace(",", ".")), int(m.group(2))
            if len(m.group(2)) == 4 and not has_context:  # "52/1068": 100 with a stray digit, given a label
                continue
            if has_context and total not in TOTALS:
                total = _misread_total(m.group(2)[:3] if len(m.group(2)) == 4 else m.group(2))
            if has_context and value > total and re.fullmatch(r"\d{3}", m.group(1)) and value / 10 <= total:
                value /= 10  # "12,5/20" read without its comma
            if total not in TOTALS or value > total or any(a <= m.start() < b for a, b in levels):
                continue
            if total in (10, 20, 100) or has_context or student_page:
                score = 0.9 if has_context else 0.7
                out.append(Match("grade", _words_for_span(line, m.start(), m.end()), score, f"grade ••/{total}",
                                 "score out of %d%s" % (total, " with a grade label" if has_context else "")))
        for m in MISREAD_OUT_OF.finditer(text) if has_context else ():  # "1D /25": a handwritten 19/25
            value, total = m.group(1).translate(DIGIT_LOOKALIKES), m.group(2).translate(DIGIT_LOOKALIKES)
            total = int(total) if total.isdigit() else 0
            digits = sum(c.isdigit() for c in m.group(1) + m.group(2))
            if value.isdigit() and 0 < digits < len(m.group(1) + m.group(2)) and total in TOTALS and int(value) <= total and \
                    not any(a <= m.start() < b for a, b in levels):
                out.append(Match("grade", _words_for_span(line, m.start(), m.end()), 0.75, f"grade ••/{total}",
                                 "score out of %d with a grade label, a digit of it read as a letter" % total))
        run = LABELLED_RUN.search(unaccent(text))
        split = _score_run(run.group(1)) if run and not PRICE.search(text) else None
        if split:
            out.append(Match("grade", _words_for_span(line, run.start(1), run.end(1)), 0.8, f"grade ••/{split}",
                             "a score and its total run together (the slash not read) right after a grade label"))
        elif run and len(run.group(1)) == 3 and not PRICE.search(text):  # "GRADE: 847.": 84% with the % read as 7
            out.append(Match("grade", _words_for_span(line, run.start(1), run.end(1)), 0.75, "grade ••",
                             "a 3-digit number right after a grade label (a % sign or a slash read as a digit)"))
        run = RUN_AT_END.search(text) if has_context and not run else None
        split = _score_run(run.group(1)) if run and not re.fullmatch(r"(?:19|20)\d\d", run.group(1)) and \
            not PRICE.search(text) and not any(w in fold(text[:run.start(1)]) for w in NOT_ID_CONTEXT) else None
        if split:  # "Sofia Nguyen 49100" on a results board: 49/100
            out.append(Match("grade", _words_for_span(line, run.start(1), run.end(1)), 0.7, f"grade ••/{split}",
                             "a score and its total run together (the slash not read) ending a line, with a grade "
                             "label on the page"))
        number = LABELLED_NUMBER.search(unaccent(text))
        if number and float(number.group(2).replace(",", ".")) <= 100 and not (
                number.group(1).lower() == "grade" and number.group(2).isdigit() and int(number.group(2)) <= 12):
            out.append(Match("grade", _words_for_span(line, number.start(2), number.end(2)), 0.85, "grade ••",
                             "a number right after a grade label"))
        for m in PERCENT.finditer(text):
            if has_context and float(m.group(1).replace(",", ".")) <= 100:
                out.append(Match("grade", _words_for_span(line, m.start(), m.end()), 0.8, "grade ••%",
                                 "percentage with a grade label"))
            elif student_page and float(m.group(1).replace(",", ".")) <= 100 and m.group(0) == text.strip():
                out.append(Match("grade", _words_for_span(line, m.start(), m.end()), 0.7, "grade ••%",
                                 "percentage alone on its line, on a student's paper or report"))
        if has_context and not LETTER_AFTER_LABEL.search(unaccent(text)):
            end = LETTER_AT_END.search(text)
            # "Sarah Robert A+"; not a header row's words before a letter ("Student A", "Name B")
            if end and len(line.words) >= 2 and GRADEBOOK_ROW.match(unaccent(text)) and \
                    not all(_header_token(w) in _HEADER_WORDS for w in text[:end.start(1)].split()):
                out.append(Match("grade", _words_for_span(line, end.start(1), end.end(1)), 0.75, "grade •",
                                 "letter grade ending a line, with a grade label on the page"))
        short = LABEL_SHORT_MARK.search(text)
        # not a blank to fill in ("Grade: __", "Grade: |", "Score: ...")
        if short and not short.group(1).isdigit() and not re.fullmatch(r"[|_.\-\u2010-\u2015…:;'\"]+", short.group(1)) \
                and not LETTER_AFTER_LABEL.search(unaccent(text)):
            out.append(Match("grade", _words_for_span(line, short.start(1), short.end(1)), 0.7, "grade •",
                             "a short mark after a grade label"))
        for m in LETTER_AFTER_LABEL.finditer(unaccent(text)):
            out.append(Match("grade", _words_for_span(line, m.start(1), m.end(1)), 0.9, "grade •",
                             "letter grade after a grade label"))
        compact = "".join(text.split())
        spaced = COMPACT_OUT_OF.fullmatch(compact) if line.short and compact != text and not any(
            m.kind == "grade" and m.words and m.words[0] in line.words for m in out) else None
        if spaced:  # "48 /10 0", "13,5 /2 0": a short crop read with spaces inside the score
            value, total = float(spaced.group(1).replace(",", ".")), int(spaced.group(2))
            if total in TOTALS and value <= total and (total in (10, 20, 100) or has_context or student_page):
                out.append(Match("grade", line.words, 0.9 if has_context else 0.7, f"grade ••/{total}",
                                 "score out of %d, read with spaces inside%s" % (
                                     total, " with a grade label" if has_context else "")))
        alone = LETTER_ALONE.match(text)
        if alone:
            out.append(Match("grade", _words_for_span(line, alone.start(1), alone.end(1)), 0.6, "grade •",
                             "letter grade with + or - standing alone"))
    return out


# ---------------------------------------------------------------------------------------------
# Names

NAME_LABEL = re.compile(r"\b(?:name|nom|prenom|student|eleve|pupil)\s*:\s*", re.IGNORECASE)


def find_names(lines: list[OcrLine], roster: Roster | None, min_similarity: float) -> list[Match]:
    from rapidfuzz import fuzz

    out = []
    surnames = roster.surnames_alone if roster else ()
    for line in lines:
        folded_words = [fold(re.sub(r"[^\w'-]", "", w.text)) for w in line.words]
        in_full_name: set[int] = set()
        for first, last in roster.names if roster else ():
            target = len(first.split()) + len(last.split())
            for start, word in enumerate(folded_words):  # "ETHaNMOREaU": the space between the two not read
                # letters only as read (not a handle such as "@sofia.delgado09": the captions' tags)
                if start not in in_full_name and len(word) >= 6 and line.words[start].text.strip(".,;:!?'\"()").isalpha() \
                        and fuzz.ratio(word, (first + last).replace(" ", "")) >= min_similarity:
                    out.append(Match("name", (line.words[start],), 0.9, f"name {first[:1].upper()}••• {last[:1].upper()}•••",
                                     "matches a name on the class roster (read as one word)"))
                    in_full_name.add(start)
            for start in range(len(folded_words)):
                if start in in_full_name:
                    continue
                for candidate in (f"{first} {last}", f"{last} {first}", f"{last}, {first}"):
                    window = " ".join(folded_words[start:start + target])
                    if window and fuzz.ratio(window, candidate.replace(",", "")) >= min_similarity:
                        words = line.words[start:start + target]
                        out.append(Match("name", tuple(words), 0.9, f"name {first[:1].upper()}••• {last[:1].upper()}•••",
                                         "matches a name on the class roster"))
                        in_full_name.update(range(start, start + target))
                        break
        for last in surnames:  # a jersey or a label reading THIESSEN
            size = len(last.split())
            for start in range(len(folded_words) - size + 1):
                span = range(start, start + size)
                window = " ".join(folded_words[start:start + size])
                if any(i in in_full_name for i in span) or letters(window) < SURNAME_ALONE_MIN_LETTERS or \
                        window in COMMON_WORDS or fuzz.ratio(window, last) < min_similarity:
                    continue
                if len(window) > len(last) and last in window:
                    continue  # the surname with letters added is another word: ANDREW is not the surname Andre
                after = line.words[start + size].text if start + size < len(line.words) else ""
                if re.fullmatch(r"[^\W\d_][^\W\d_'’-]+", after) and after[:1].isupper():
                    continue  # "Robert Isaac": a first name, of someone else, that is also a roster surname
                out.append(Match("name", tuple(line.words[start:start + size]), SURNAME_ALONE_SCORE,
                                 f"name {last[:1].upper()}•••", "matches a surname on the class roster, alone "
                                 "(no first name beside it)"))
                in_full_name.update(span)
        label = NAME_LABEL.search(fold(line.text))
        if label:
            after = line.text[label.end():].split()
            capitals = []
            for token in after[:3]:
                if token[:1].isupper():
                    capitals.append(token)
                else:
                    break
            if capitals:
                start = label.end() + line.text[label.end():].find(capitals[0])
                end = start + len(" ".join(capitals))
                words = _words_for_span(line, start, end)
                if words:
                    out.append(Match("name", words, 0.8, "name " + " ".join(c[:1] + "•••" for c in capitals),
                                     "words after a Name/Nom label"))
    return out + _names_right_of_labels(lines)


NAME_LABEL_ALONE = re.compile(r"\W*(?:name|nom|prenom|nom et prenom|student|eleve)\s*:\W*")
NAME_LABEL_REACH = 8.0  # label heights: how far right of a "Nom :" alone on its line the name written after it may start


def _names_right_of_labels(lines: list[OcrLine]) -> list[Match]:
    """The name written after a "Name:" or "Nom :" label that the detector found as a line of its
    own (a handwritten name on a printed form, read as "Comille Gincin"): the words of the nearest
    line right of the label in its row, when they are words with a capital first (not a number)."""
    out = []
    for label in lines:
        if not NAME_LABEL_ALONE.fullmatch(fold(label.text)):
            continue
        box = label.box
        beside = [line for line in lines if line is not label and line.box.x >= box.x + box.w - 0.5 * box.h
                  and line.box.x - (box.x + box.w) <= NAME_LABEL_REACH * box.h
                  and min(line.box.y + line.box.h, box.y + box.h) - max(line.box.y, box.y) >= 0.5 * min(line.box.h, box.h)]
        if not beside:
            continue
        line = min(beside, key=lambda l: l.box.x)
        if ":" in line.text:
            continue  # the form's next field ("Date :"), the name left blank
        words = tuple(w for w in line.words[:3] if re.fullmatch(r"[^\W\d_][^\W\d_'’.-]*", w.text.strip(".,;:!?'\"()")))
        if words and words[0] is line.words[0] and words[0].text[:1].isupper():
            out.append(Match("name", words, 0.8, "name " + " ".join(w.text[:1] + "•••" for w in words),
                             "words right of a Name/Nom label"))
    return out


# ---------------------------------------------------------------------------------------------
# Marks and numbers written beside a student's name or ID

def _near_any(box, anchors: list[tuple[Word, ...]], reach: float, shortest: float = 0.5) -> bool:
    """``box`` lies within ``reach`` line heights of one of the anchors, and is about as tall (at
    least ``shortest`` of its height, at most twice)."""
    for words in anchors:
        height = max(w.box.h for w in words)
        if shortest * height <= box.h <= 2 * height and max(box.gap(Box.enclosing([w.box for w in words]))) < reach * height:
            return True
    return False


# what ends a results list's row after the name: a letter grade, or a score with digits OCR may have read
# as look-alike letters ("Il / Z0": 11/20 in chalk), a decimal mark, a percentage
MARK_AFTER_NAME = re.compile(r"[A-F][+t-]?|[a-f][+-]|(?=\S*\d)[0-9OoDlI|SsBZzgq]{1,3}(?:[.,][0-9OoDlISsBZzgq]{1,2})?"
                             r"(?:/[0-9OoDlIZzSs]{2,3})?%?|[0-9OoDlI|SsBZzgq]{1,3}/[0-9OoDlIZzSs]{2,3}")


# a line that is only a test's title and number ("Quiz 4", "Devoir n° 3"), and a mark written alone near it
# (a letter grade, read in either case, or a number of one or two digits)
# ... or with its subject ("Maths test", "Spelling quiz 3", "Contrôle de français", "Devoir n°2 de maths"); not a
# sentence about a test ("Test on Friday", "Quiz next week")
TEST_TITLE = re.compile(r"(?:quiz|test|exam|examen|devoir|controle|interro|evaluation|dictee)\s*(?:n°|no|#)?\s*\d{1,2}"
                        r"|(?:[^\W\d_]+\s+){1,2}(?:quiz|test|exam)(?:\s*(?:n°|no|#)?\s*\d{1,2})?"
                        r"|(?:devoir|controle|interro|evaluation|examen|dictee)(?:\s*(?:n°|no|#)?\s*\d{1,2})?"
                        r"(?:\s+(?:de|du|d')\s*[^\W\d_]+(?:\s+[^\W\d_]+)?)?")
LONE_MARK = re.compile(r"[A-Fa-f][+-]?|\d{1,2}")


SCRAWL_AFTER_NAME = 6  # signs at most: what ends a name's line, read as no word, is a mark OCR could not read


def _mark_after_name(line: OcrLine, names: list[tuple[Word, ...]], taken: set[int]) -> list[Match]:
    """The mark ending a line that holds a student's name: the words after the name, when they are
    only a short mark (``MARK_AFTER_NAME``: "Ethan Moreau A", "Camille Thomas Il / Z0" on a
    chalkboard's results list), or a few signs holding no word (a scrawl misread: "é&")."""
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
        if mark.isdigit() and 4 <= len(mark) <= 6 and _score_run(mark):  # "91100": 91/100, its slash lost
            return [Match("grade", tuple(rest), 0.6, "grade •", "a score read without its slash, ending the line "
                          "of a student's name")]
        # a scrawl no engine read ("é&", "W/ UO" for a chalk "11 / 20"): a few signs, no word among them
        if 1 <= len(mark) <= SCRAWL_AFTER_NAME and not re.search(r"[^\W\d_]{3,}", mark) and \
                sum(c.isdigit() for c in mark) <= 3:  # 5 digits or more are a student number, not a scrawl
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
    tests = [line.words for line in lines if TEST_TITLE.fullmatch(fold(line.text).strip())]
    out = []
    for line in lines:
        marks = _mark_after_name(line, names, taken)
        out += marks
        if any(id(w) in taken for w in line.words):
            # a student's own line (a name or a mark on it): a 5-10 digit number there that is not the mark is the
            # student's number
            used = taken | {id(w) for m in marks for w in m.words}
            ids = [_id_match(line, m, digits, 0.55, "a 5-10 digit number on the line of a student's name or mark")
                   for m, digits in _id_candidates(line)]
            out += [m for m in ids if m.words and not any(id(w) in used for w in m.words)]
            continue
        mark = "".join(line.text.split())
        # a lone letter's box is tight (a "C" has no ascender, its crop no margin): a third of a name's height
        if 1 <= len(mark) <= 2 and _near_any(line.box, students, reach, shortest=0.35):
            out.append(Match("grade", line.words, 0.55, "grade •",
                             "a short mark standing alone beside a student's name or ID"))
            continue
        if LONE_MARK.fullmatch(mark) and _near_any(line.box, tests, reach, shortest=0.35):
            out.append(Match("grade", line.words, 0.55, "grade •",
                             "a short mark standing alone beside a test's title (\"Quiz 4\")"))
            continue
        if not _near_any(line.box, names, reach):
            continue
        out += [_id_match(line, m, digits, 0.55, "a 5-10 digit number beside a student's name")
                for m, digits in _id_candidates(line)]
    return out


# ---------------------------------------------------------------------------------------------
# Results lists: a board or a sheet listing students one per row, each row a name and its mark

LIST_ALONG = 1.5  # line heights: how far the rows of a list may start from each other along the rows
LIST_ACROSS = 4.0  # line heights: the largest step from one row of a list to the next
LIST_SLANT = 10.0  # degrees: the rows of a list run about the same way
LIST_MAX_WORDS = 6  # a row of a list is a name and a mark, not a sentence
LIST_TITLE_END = re.compile(r"[!:?]\W*$")
LIST_MARK_PIECE = re.compile(r"[\d/%.,+-]{1,4}")  # a piece of a score read apart: "92", "/20", "%"


def _row_start(line: OcrLine) -> tuple[np.ndarray, np.ndarray, float]:
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


def _next_row(a: OcrLine, b: OcrLine, frame_a, frame_b) -> bool:
    """``b`` is the row just above or below ``a`` in a list: it runs the same way, is about as thick,
    starts where ``a`` starts (left-aligned, in the rows' own frame, so a turned board's list too)
    and lies at most LIST_ACROSS line heights from it. ``frame_a``, ``frame_b``: their ``_row_start``."""
    start_a, along, thick_a = frame_a
    start_b, _, thick_b = frame_b
    slant = abs((a.angle - b.angle + 90.0) % 180.0 - 90.0)
    if slant > LIST_SLANT or not 0.6 <= thick_b / thick_a <= 1.7:
        return False
    step = start_b - start_a
    across = abs(float(step @ np.array([-along[1], along[0]])))
    return abs(float(step @ along)) <= LIST_ALONG * thick_a and 0.8 * thick_a <= across <= LIST_ACROSS * thick_a


def _list_title(line: OcrLine) -> bool:
    """A list's title rather than one of its rows: it holds a grade header word ("Quiz results",
    "RÉSULTATS", read run together or not) or ends like a sentence or a label ("Well done!",
    "Scores:"), with no digit in it."""
    if any(c.isdigit() for c in line.text):
        return False
    letters = re.sub(r"[^a-z]", "", fold(line.text))
    return bool(LIST_TITLE_END.search(line.text)) or any(
        word in letters for word in ("result", "sultat", "score", "grade", "note", "mark", "classement"))


def find_list_rows(lines: list[OcrLine], matches: list[Match]) -> list[Match]:
    """The rows of a results list (a board or a sheet of "name mark" rows, one student per row) that
    OCR read too poorly for the other recognizers: when one row of a list reads as a student's name
    and, right after it, a grade ending the row, every row of it is a student's row, so the last
    word of each is a grade and the words before it a name ("Er R er+5Oh" between "Jules Simon C"
    and "Liam Simon 92 %" on a chalkboard). A list is rows that follow each other down, left-aligned,
    running the same way and about as thick (``_next_row``); its title is left out. A row read as
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
    frames: list = []  # each row's _row_start, worked out once a list is followed
    taken = {id(w) for m in matches for w in m.words}
    out = []
    for first in range(len(rows)):
        if first in seen or not name_then_mark(rows[first]):
            continue
        frames = frames or [_row_start(row) for row in rows]
        group, todo = {first}, [first]
        while todo:  # the rows that follow each other from this one, up and down
            i = todo.pop()
            for j in range(len(rows)):
                if j not in group and _next_row(rows[i], rows[j], frames[i], frames[j]):
                    group.add(j)
                    todo.append(j)
        seen |= group
        members = [rows[i] for i in sorted(group)]
        if len(members) < 2:
            continue
        why = "a row of a results list whose other rows hold a student's name and a grade"
        for row in members:
            if _list_title(row):
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
            elif digits.isdigit() and 4 <= len(digits) <= 7 and (_score_run(digits) or any(
                    digits.endswith("1" + str(total)) and _score_run(digits[:-len(str(total)) - 1] + str(total))
                    for total in TOTALS)):
                # "771100" for a chalk "77/100", its slash lost or read as a 1, taken for a bare student number: a
                # grade too
                out.append(Match("grade", mark, 0.55, "grade •", why + ": its last word, a score read without its slash"))
            if before and not any(id(w) in taken for w in before):
                out.append(Match("name", before, 0.55, "name •••", why + ": the words before the mark"))
    return out


# ---------------------------------------------------------------------------------------------
# Tables: gradebook screens and mark sheets, read one cell or one row per OCR line

# header words (folded, punctuation stripped) whose column holds grades
GRADE_HEADERS = {"grade", "grades", "score", "scores", "mark", "marks", "note", "notes", "moyenne", "moy", "%",
                 "resultat", "resultats", "result", "results", "points", "pts", "total", "letter_grade", "letter"}
# alone on their line with no other header word in their row, these still head a column of grades
# ("Total" or "%" alone do not: a receipt or a price list has those)
STRONG_GRADE_HEADERS = {"grade", "grades", "score", "scores", "mark", "marks", "note", "notes", "moyenne",
                        "resultat", "resultats"}
# header words of tests whose column holds their marks ("Test 1", "Quiz 2", "Devoir 3")
TEST_HEADERS = {"test", "tests", "quiz", "exam", "examen", "devoir", "controle", "ds", "dm", "eval", "evaluation",
                "interro", "assessment", "homework", "hw"}
# header words whose column holds student numbers
ID_HEADERS = {"id", "student_id", "id#", "student_no", "student_number", "matricule", "identifiant", "ine",
              "numero_eleve", "no_eleve", "numero", "number", "num", "no", "#"}
# the other header words of a gradebook or class list
TABLE_HEADERS = {"student", "students", "name", "names", "nom", "noms", "prenom", "prenoms", "first", "last",
                 "surname", "id", "student_id", "id#", "#", "no", "n", "number", "numero", "num", "eleve", "eleves",
                 "class", "classe", "date", "comment", "comments", "commentaire", "commentaires", "remarks",
                 "remarque", "appreciation", "subject", "matiere", "term", "trimestre", "semestre", "rank", "rang",
                 "final", "letter", "period", "average", "avg", "max", "min", "coef", "coefficient", "status",
                 "statut", "absent", "absences", "section", "group", "groupe", "email", "e-mail", "course", "courses",
                 "cours", "discipline"}
_HEADER_STRIP = "()[]{}:.*°'\"|"
_HEADER_WORDS = GRADE_HEADERS | TEST_HEADERS | ID_HEADERS | TABLE_HEADERS
_LONG_HEADER_WORDS = sorted(w for w in _HEADER_WORDS if len(w) >= 5 and "_" not in w)
CELL_LETTER = re.compile(r"[A-F][+t-]?")
CELL_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{1,2})?")
CELL_OUT_OF = re.compile(r"\d{1,3}(?:[.,]\d{1,2})?/\d{1,3}")
CELL_PERCENT = re.compile(r"\d{1,3}(?:[.,]\d{1,2})?%")
# an ID read run together with the next cell: "74807760877", "54536872317/20", "63358332486%"
LONG_DIGIT_RUN = re.compile(r"\d{11,16}|\d{6,16}(?:[.,]\d{1,2})?(?:/\d{1,3}|%)")
# an ID read run together with the name on its left: "Kowalski327771"
NAME_RUN_INTO_ID = re.compile(r"[^\W\d_]{2,}(\d{5,10})")
# a grade cell read run together with the ID on its left: a long run of digits ending the mark
RUN_INTO_GRADE = re.compile(r"\d{6,16}(?:[.,]\d{1,2})?(?:/\d{1,3}|%)?")
TABLE_REACH = 3.0  # a gap of more than this many row heights ends a table's column
ROW_REACH = 25.0  # row heights, across: how far along a student's row its numbers are looked for


HEADER_SIMILARITY = 85  # rapidfuzz ratio (0-100) of a misread header word to the word ("Moyenn", "MoyennA"; not
# "LITTER" or "better" for "letter", at 83)


def _header_token(text: str) -> str:
    """The header word ``text`` stands for, folded: a word of 5 letters or more read with a letter or
    two wrong ("MoyennA") stands for the header word it is closest to, unless it is a common word."""
    token = fold(text).strip(_HEADER_STRIP)
    if len(token) < 5 or token in _HEADER_WORDS or token in COMMON_WORDS:
        return token
    return _closest_header(token)


@lru_cache(maxsize=4096)
def _closest_header(token: str) -> str:
    from rapidfuzz import fuzz, process

    best = process.extractOne(token, _LONG_HEADER_WORDS, scorer=fuzz.ratio, score_cutoff=HEADER_SIMILARITY)
    return best[0] if best else token


def _header_line(line: OcrLine) -> bool:
    """Every word of the line is a header word ("Student ID Score Grade", "Note /20", "Quiz 2"), so
    it is not a label followed by its value ("Grade: B+")."""
    tokens = [_header_token(w.text) for w in line.words]
    for i, token in enumerate(tokens):
        if token in GRADE_HEADERS or token in TEST_HEADERS or token in TABLE_HEADERS or \
                re.fullmatch(r"/\d{1,3}|\(?%\)?|sur\d{0,3}|out|of", token):
            continue
        if re.fullmatch(r"\d{1,2}", token) and i > 0 and tokens[i - 1] in TEST_HEADERS:
            continue
        return False
    return bool(tokens) and any(t for t in tokens)


def _cell_kind(text: str) -> str | None:
    """What a table cell holds: "letter" (A-F with + or -), "number" (up to 3 digits, decimals),
    "out_of" (n/20) or "percent"; None for anything else."""
    t = "".join(text.split()).strip(".,;:()[]")
    if CELL_LETTER.fullmatch(t):
        return "letter"
    if CELL_OUT_OF.fullmatch(t):
        return "out_of"
    if CELL_PERCENT.fullmatch(t) and float(t[:-1].replace(",", ".")) <= 100:
        return "percent"
    if CELL_NUMBER.fullmatch(t):
        return "number"
    return None


def _x_overlap(a: Box, b: Box) -> int:
    return max(0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))


def _same_row(a: Box, b: Box) -> bool:
    """At the same height and about as tall: two cells of one table row."""
    overlap = max(0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    return overlap >= 0.5 * min(a.h, b.h) and 0.5 <= a.h / b.h <= 2


COLUMN_CELL_WIDTH = 2.5  # header widths: a cell this wide or narrower leads the column on down


def _column_cells(lines: list[OcrLine], header: Box, rivals: list[Box] = (),
                  leading: bool = False) -> list[tuple[Box, tuple[Word, ...]]]:
    """The cells under a header word: runs of a line's words overlapping the header's column, below
    it, down to the first gap of more than TABLE_REACH row heights. The column follows its cells
    down: a cell overlapping the one above it across is in the column too (a table photographed at
    an angle, its columns drifting sideways row by row); a cell much wider than the header (a row
    read as one) does not lead the column on. ``rivals`` are the other header words of the header's
    row: their columns are followed down at the same time, and a word overlapping several columns
    leads on the one it overlaps most (a column of narrow letters drifting towards a column of
    scores does not follow the scores down); it is a cell of the others whose header it overlaps
    too (a row's ID and mark read as one word across two columns), without leading them on.
    ``leading``: only the cells that lead the column on."""
    return _columns_cells(lines, [header, *rivals], leading)[0]


CELL_GAP = 0.5  # word heights: header words closer than this on a line are one header phrase


def _columns_cells(lines: list[OcrLine], headers: list[Box],
                   leading: bool = False) -> list[list[tuple[Box, tuple[Word, ...]]]]:
    """The cells of the columns of ``headers`` (the header words of one row), followed down
    together (see ``_column_cells``)."""
    reach = [[h] for h in headers]  # what a cell must overlap across: the header, and the last cell of the column
    out: list[list[tuple[Box, tuple[Word, ...]]]] = [[] for _ in headers]
    bottom = [h.y + h.h for h in headers]
    closed = [False] * len(headers)

    def columns_of(word: Word) -> tuple[int | None, tuple[int, ...]]:
        """The column the word overlaps most (None: none), and the others whose header it overlaps."""
        below = [word.box.y + word.box.h / 2 > h.y + h.h for h in headers]
        overlaps = [max(_x_overlap(word.box, r) for r in reach[k]) if below[k] else 0 for k in range(len(headers))]
        if not any(overlaps):
            return None, ()
        best = int(np.argmax(overlaps))
        return best, tuple(k for k, h in enumerate(headers) if k != best and below[k] and _x_overlap(word.box, h) > 0)

    for line in sorted(lines, key=lambda line: line.box.y + line.box.h / 2):
        placed = [columns_of(word) for word in line.words]
        cells = []
        for k in range(len(headers)):
            run: list[Word] = []
            leads = False
            for word, (best, others) in (*zip(line.words, placed), (None, (None, ()))):
                if word is not None and (k == best or (k in others and not leading)):
                    run.append(word)
                    leads = leads or k == best
                    continue
                if run:
                    cells.append((k, Box.enclosing([w.box for w in run]), tuple(run), leads))
                    run, leads = [], False
        for k, box, words, leads in sorted(cells, key=lambda c: c[1].y):
            if closed[k]:
                continue
            if box.y - bottom[k] > TABLE_REACH * headers[k].h:
                closed[k] = True
                continue
            out[k].append((box, words))
            bottom[k] = max(bottom[k], box.y + box.h)
            if leads and box.w <= COLUMN_CELL_WIDTH * headers[k].w:
                # a narrow cell (a lone letter) reaches half its height further each side: the next
                # row's letter, drifted by as much, still overlaps it
                grow = box.h // 2 if box.w <= 2 * box.h else 0
                reach[k] = [headers[k], Box(box.x - grow, box.y, box.w + 2 * grow, box.h)]
    return out


def _grade_match(words: tuple[Word, ...], kind: str, score: float, why: str) -> Match:
    hint = {"letter": "grade •", "percent": "grade ••%"}.get(kind, "grade ••")
    if kind == "out_of":
        hint = "grade ••/" + "".join(w.text for w in words).split("/")[-1].strip(".,;:()[] ")
    return Match("grade", words, score, hint, why)


TABLE_SLANT = 1.0  # degrees: a table turned more than this (a card photographed askew) is read in its own frame


SLANT_REACH = 10.0  # line heights: the long lines this close to a table's header give its slant


def _slant_of(lines: list[OcrLine]) -> float:
    """The slant (degrees) of a table, from the detector's line directions (``OcrLine.angle``): the
    median slant of the long lines (at least 4 line heights: a short cell's direction is a rough one)
    near its header lines, else of the header lines, else of all lines."""
    measured = [line for line in lines if line.thickness > 0]
    headers = [line for line in measured if _header_line(line)]
    long = [line for line in measured if max(line.box.w, line.box.h) >= 4 * line.thickness and any(
        max(line.box.gap(h.box)) <= SLANT_REACH * h.thickness for h in headers)]
    angles = sorted(line.angle for line in long or headers or measured)
    return angles[len(angles) // 2] if angles else 0.0


def _in_frame(lines: list[OcrLine], slant: float) -> tuple[list[OcrLine], tuple[float, float]]:
    """The lines with every word's box as it lies on a card turned back by ``slant`` degrees: a
    column of a turned table runs straight down again, a row straight across. A word's box in the
    image holds its slanted extent: along the line ``(w - t |sin a|) / |cos a|`` for a line of
    thickness t at slant a, across it t. Boxes are shifted so none lies at negative coordinates: the
    frame's top-left corner (in the turned image) is returned with the lines."""
    import math

    turn = math.radians(slant)
    cos_t, sin_t = math.cos(turn), math.sin(turn)
    placed = []
    for line in lines:
        a = math.radians(line.angle)
        ca, sa = abs(math.cos(a)), abs(math.sin(a))
        # a lone letter's line is often laid the other way (its box is taller than wide): its box as it is
        measured = line.thickness > 0 and abs((line.angle - slant + 90) % 180 - 90) <= 20
        words = []
        for w in line.words:
            thick = line.thickness if measured else w.box.h
            along = max(0.3 * thick, (w.box.w - thick * sa) / max(ca, 0.2)) if measured else w.box.w
            cx, cy = w.box.x + w.box.w / 2, w.box.y + w.box.h / 2
            words.append((w, cx * cos_t + cy * sin_t, -cx * sin_t + cy * cos_t, along, thick))
        placed.append((line, words))
    x0, y0 = _frame_origin(placed)
    out = []
    for line, words in placed:
        turned = tuple(Word(w.text, Box(int(x - l / 2 - x0), int(y - t / 2 - y0), max(1, int(l)), max(1, int(t))),
                            w.confidence) for w, x, y, l, t in words)
        out.append(OcrLine(turned, Box.enclosing([w.box for w in turned]), line.engine, line.short) if turned else line)
    return out, (x0, y0)


def _frame_origin(placed) -> tuple[float, float]:
    """The top-left corner of the turned frame: its boxes are shifted by it (see ``_in_frame``)."""
    x0 = min((x - l / 2 for _, ws in placed for _, x, _, l, _ in ws), default=0)
    y0 = min((y - t / 2 for _, ws in placed for _, _, y, _, t in ws), default=0)
    return x0, y0


def _to_image(box: Box, origin: tuple[float, float], slant: float) -> Box:
    """A box of the turned frame (``_in_frame``, whose top-left corner is ``origin``) back in the
    image: the box holding its corners turned back, clipped at 0."""
    import math

    turn = math.radians(slant)
    cos_t, sin_t = math.cos(turn), math.sin(turn)
    xs, ys = [], []
    for u, v in ((box.x, box.y), (box.x + box.w, box.y), (box.x + box.w, box.y + box.h), (box.x, box.y + box.h)):
        u, v = u + origin[0], v + origin[1]
        xs.append(u * cos_t - v * sin_t)
        ys.append(u * sin_t + v * cos_t)
    x, y = max(0, int(min(xs))), max(0, int(min(ys)))
    return Box(x, y, max(1, int(max(xs)) + 1 - x), max(1, int(max(ys)) + 1 - y))


def _with_words(match: Match, mapping: dict[int, Word]) -> Match:
    return Match(match.kind, tuple(mapping.get(id(w), w) for w in match.words), match.score, match.hint, match.why)


def find_table_grades(lines: list[OcrLine], matches: list[Match]) -> list[Match]:
    """Table context on gradebook screens and mark sheets, on a table turned in the photo (a card
    photographed askew, by more than TABLE_SLANT degrees) as on a straight one: see
    ``_table_grades``. A turned table is read in its own frame (``_in_frame``) and the matches
    mapped back to the words as read."""
    slant = _slant_of(lines)
    if abs(slant) < TABLE_SLANT:
        return _table_grades(lines, matches)
    turned, _origin = _in_frame(lines, slant)
    pairs = [(a, b) for line, line_turned in zip(lines, turned) for a, b in zip(line.words, line_turned.words)]
    forth, back = {id(a): b for a, b in pairs}, {id(b): a for a, b in pairs}
    return [_with_words(m, back) for m in _table_grades(turned, [_with_words(m, forth) for m in matches])]


def _rivals(headers: list[Box], column: Box) -> list[Box]:
    """The other header words of ``column``'s header row (beside it, not over it)."""
    return [h for h in headers if h is not column and _same_row(h, column) and _x_overlap(h, column) == 0]


CUT_HEADER_LETTERS = 3  # letters left of a grade header cut by the edge of the card or screen ("Gra")
NOT_CUT_HEADERS = {"not", "mar", "res", "mom", "sco"}  # words or abbreviations of their own ("mar": mardi)


CUT_GRADE_HEADERS = STRONG_GRADE_HEADERS | {"letter", "points", "total"}


def _cut_last_headers(lines: list[OcrLine], header_words: list[tuple[Word, str]]) -> list[tuple[Word, str]]:
    """The last word of a table's header row cut by the edge of the card, the screen or the photo
    ("Gra" right of "Name", "ID" and "Score"; "Lettd", the cut letter misread; "L ette", read in two):
    a line of its own, the start (CUT_HEADER_LETTERS letters or more, not a common word) of one grade
    header word, or that with its last letter misread (4 letters left), with header words in its
    row, all on its left. It heads the grade column as the whole word would."""
    out = []
    for line in lines:
        if not line.words or len(line.words) > 2 or any(w in (h for h, _ in header_words) for w in line.words):
            continue
        token = fold("".join(w.text for w in line.words)).strip(_HEADER_STRIP)
        if len(token) < CUT_HEADER_LETTERS or not token.isalpha() or token in _HEADER_WORDS or token in COMMON_WORDS \
                or token in NOT_CUT_HEADERS:
            continue
        fits = {h.rstrip("s") for h in CUT_GRADE_HEADERS if h.startswith(token) or (
            len(token) >= 5 and h.startswith(token[:-1]) and len(h) > len(token) - 1)}
        if len(fits) != 1:
            continue
        word = Word(line.text, line.box, min(w.confidence for w in line.words)) if len(line.words) > 1 else line.words[0]
        row = [w for w, _ in header_words if _same_row(w.box, word.box) and _x_overlap(w.box, word.box) == 0]
        if row and all(w.box.x + w.box.w <= word.box.x for w in row):
            out.append((word, fits.pop()))
    return out


def _same_line(a: Box | None, b: Box | None) -> bool:
    """Two OCR lines are one detected line read by each engine (their words are not two columns'
    headers)."""
    return a is not None and b is not None and a is not b and a.iou(b) > 0.5


def _table_headers(lines: list[OcrLine]) -> tuple[list[Box], list[Box], list[Box]]:
    """The boxes of the header words of tables' header rows, of the grade headers among them (their
    columns hold grades) and of the ID headers (their columns hold student numbers). A header is a
    word of a line made only of header words with another header word in its row; a strong grade
    header ("Grade", "Note") alone on its row heads a column when at least two cells under it read
    as marks."""
    header_words = [(w, _header_token(w.text)) for line in lines if _header_line(line) for w in line.words]
    header_words += _cut_last_headers(lines, header_words)
    headers: list[Box] = []
    columns: list[Box] = []
    id_columns: list[Box] = []
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
        mates = [w for w, _ in header_words if w is not word and _same_row(w.box, word.box)
                 and _x_overlap(w.box, word.box) == 0 and phrase.get(id(w), id(w)) != phrase.get(id(word), id(word))
                 and not _same_line(line_of.get(id(w)), line_of.get(id(word)))]
        gradeish = token in GRADE_HEADERS or token in TEST_HEADERS
        if gradeish:
            below = [c for c in _column_cells(lines, word.box) if _cell_kind(" ".join(w.text for w in c[1]))]
            if mates or (token in STRONG_GRADE_HEADERS and len(below) >= 2):
                columns.append(word.box)
                headers.append(word.box)
        elif mates:
            headers.append(word.box)
            if token in ID_HEADERS:
                id_columns.append(word.box)
    return headers, columns, id_columns


MAX_DRIFT = 0.5  # px across per px down: a column drifting more than this is not followed by its cells


def _drift(cells: list[tuple[Box, tuple[Word, ...]]], header: Box) -> float:
    """How far a column drifts sideways per pixel down (a table photographed at an angle, in
    perspective): the slope of its narrow cells' centres, 0 with fewer than two of them."""
    narrow = [box for box, _ in cells if box.w <= COLUMN_CELL_WIDTH * header.w]
    ys = np.array([b.y + b.h / 2 for b in narrow], float)
    if len(narrow) < 2 or ys.max() - ys.min() < header.h:
        return 0.0
    xs = np.array([b.x + b.w / 2 for b in narrow], float)
    slope = float(np.polyfit(ys, xs, 1)[0])
    return slope if abs(slope) <= MAX_DRIFT else 0.0


SHEET_ABOVE = 6.0  # header heights: a student's name or ID this close above a table's header row heads the sheet


def unread_grade_cells(lines: list[OcrLine], matches: list[Match]) -> list[Box]:
    """Where a table's grade column should hold a mark no engine read: the places, in the image, of
    the cells of a grade column (a grade header with other header words in its row) in the rows that
    hold cells in the other columns, one of them a student's name or ID (in ``matches``), or in every
    row when a student's name or ID stands just above the header row (SHEET_ABOVE: a report card,
    one student's marks by subject), but nothing read in the grade column.
    A lone letter grade ("B", "F") in a cell is often too small for the text detector to find at
    all. The caller checks the pixels there for a mark; an empty template has no such rows."""
    slant = _slant_of(lines)
    turned, origin = _in_frame(lines, slant) if abs(slant) >= TABLE_SLANT else (lines, None)
    headers, columns, _ = _table_headers(turned)
    words = [w for line in turned for w in line.words]
    frame_of = {id(a): b for line, line_turned in zip(lines, turned) for a, b in zip(line.words, line_turned.words)}
    students = [frame_of[id(w)].box for m in matches if m.kind in ("name", "student_id") for w in m.words
                if id(w) in frame_of]
    out = []
    for column in columns:
        others = _rivals(headers, column)
        # one student's sheet (a report card): the student's name or ID just above the table's header
        # row, so every row of the table is the student's
        sheet = any(b.y + b.h <= column.y + column.h and column.y - (b.y + b.h) <= SHEET_ABOVE * column.h
                    for b in students)
        bands: list[list[int]] = []  # rows, as the span down of the cells in the other columns
        for header in others:
            for box, _words in _column_cells(turned, header, _rivals(headers, header)):
                if 0.5 * column.h <= box.h <= 2 * column.h and (sheet or any(_same_row(box, b) for b in students)):
                    bands.append([box.y, box.y + box.h])
        merged: list[list[int]] = []
        for top, bottom in sorted(bands):
            if merged and top < merged[-1][1] - 0.5 * (bottom - top):
                merged[-1][1] = max(merged[-1][1], bottom)
            else:
                merged.append([top, bottom])
        pad = column.h // 3
        drift = _drift(_column_cells(turned, column, others, leading=True), column)
        for top, bottom in merged:
            shift = int(round(drift * ((top + bottom) / 2 - (column.y + column.h / 2))))
            cell = Box(max(0, column.x + shift - pad), top, column.w + 2 * pad, max(1, bottom - top))
            if any(_x_overlap(w.box, cell) > 0.5 * min(w.box.w, cell.w) and
                   min(w.box.y + w.box.h, bottom) - max(w.box.y, top) > 0.3 * (bottom - top) for w in words):
                continue  # something was read there (a mark, or another kind of cell)
            out.append(_to_image(cell, origin, slant) if origin else cell)
    return out


MARK_MAX_CHARS = 3  # a lone mark of a column: "B", "A-", "15"
MARK_ROW_TOLERANCE = 0.4  # row pitches: a mark this close to the line through a student's text is in its row; marks
# this close along their rows are one column
MARK_CELL = 1.6  # a missing mark's cell: the column's marks' median size times this
MARK_PUNCTUATION = ".,;:!?'\"()[]|"


def _centre(box: Box) -> tuple[float, float]:
    return box.x + box.w / 2, box.y + box.h / 2


def unread_column_marks(lines: list[OcrLine], matches: list[Match]) -> list[Box]:
    """Where a column of lone marks beside the students' names or IDs (a gradebook's letter grades,
    found row by row, with no header read) should hold the mark of a student's row in which no mark
    was read: the places, in the image. A lone letter is often too small for the detector, so some
    rows of the column are found and others not. A mark is in a student's row when it stands on the
    line through the student's text at that text's slant; a column is the marks at about the same
    distance along their rows; a row without its mark gets the offset the rows with one give it
    (fitted to the rows with one, which follows the perspective of a photographed screen). The caller checks the pixels there."""
    def distinct(boxes: list[Box]) -> list[Box]:  # one box per item (both engines' readings, two patterns)
        out: list[Box] = []
        for box in boxes:
            if not any(box.iou(o) > 0.5 for o in out):
                out.append(box)
        return out

    def boxes(kinds: tuple[str, ...], short: bool = False) -> list[Box]:
        return [Box.enclosing([w.box for w in m.words]) for m in matches if m.kind in kinds and m.words and (
            not short or len("".join(w.text for w in m.words).strip(MARK_PUNCTUATION)) <= MARK_MAX_CHARS)]

    def slant_of(box: Box) -> float:  # the slant of the line the text in ``box`` was read in (radians)
        line = max(lines, key=lambda line: line.box.overlap(box), default=None)
        return float(np.radians(line.angle)) if line is not None and line.box.overlap(box) > 0 else 0.0

    marks = distinct(boxes(("grade",), short=True))
    read = boxes(("grade", "name", "student_id"))
    out: list[Box] = []
    for kind in ("name", "student_id"):
        students = distinct(boxes((kind,)))
        if len(marks) < 2 or len(students) < 3:
            continue
        centres = [_centre(b) for b in students]
        pitch = float(np.median([min(np.hypot(cx - ox, cy - oy) for j, (ox, oy) in enumerate(centres) if j != i)
                                 for i, (cx, cy) in enumerate(centres)]))
        slants = [slant_of(b) for b in students]
        # each row's place down the column, across the rows' slant
        down = [cy * np.cos(a) - cx * np.sin(a) for (cx, cy), a in zip(centres, slants)]
        pairs = []  # (distance along the row, student, offset) of each mark in a student's row
        for mark in marks:
            mx, my = _centre(mark)
            for i, ((sx, sy), a) in enumerate(zip(centres, slants)):
                dx, dy = mx - sx, my - sy
                if abs(dy * np.cos(a) - dx * np.sin(a)) <= MARK_ROW_TOLERANCE * pitch:
                    pairs.append((dx * np.cos(a) + dy * np.sin(a), i, (dx, dy)))
        pairs.sort()
        columns: list[list] = []
        for pair in pairs:  # a column: marks at about the same distance along their rows
            if columns and pair[0] - columns[-1][-1][0] <= MARK_ROW_TOLERANCE * pitch:
                columns[-1].append(pair)
            else:
                columns.append([pair])
        width, height = (MARK_CELL * float(np.median([getattr(b, side) for b in marks])) for side in ("w", "h"))
        for column in columns:
            offsets = {i: offset for _, i, offset in column}
            if len(offsets) < 2:
                continue
            # the offset as a straight function of the row's place down the column (a screen's perspective)
            # from three rows with a mark or more; else the nearest row's
            fits = [np.polyfit([down[i] for i in offsets], [o[axis] for o in offsets.values()], 1)
                    for axis in (0, 1)] if len({round(down[i]) for i in offsets}) >= 3 else None
            for i, (cx, cy) in enumerate(centres):
                if i in offsets:
                    continue
                dx, dy = (float(np.polyval(f, down[i])) for f in fits) if fits else offsets[
                    min(offsets, key=lambda k: np.hypot(centres[k][0] - cx, centres[k][1] - cy))]
                x, y = cx + dx, cy + dy
                cell = Box(max(0, int(round(x - width / 2))), max(0, int(round(y - height / 2))),
                           max(1, int(round(width))), max(1, int(round(height))))
                if not any(r.overlap(cell) > 0.2 * cell.w * cell.h for r in read + out):
                    out.append(cell)  # (where something was read, or a cell already out, nothing more)
    return out


def _table_grades(lines: list[OcrLine], matches: list[Match]) -> list[Match]:
    """Table context on gradebook screens and mark sheets (columns Student, ID, Score, Grade), read
    one cell or one row per OCR line. Returns ``matches`` with:

    - the cells under a grade header (Grade, Score, Mark, Note, Moyenne, %, Résultat, Points, "Test 1")
      added as grades: letters A-F with + or -, numbers, n/20, percentages, and marks of one or two
      characters (a letter grade OCR misread). A column is the cells whose box overlaps the header
      word's box across, below it, down to a gap of more than 3 row heights. A header is a line
      made only of header words (so "Grade: B+" is a label, not a header) with another header word
      in its row or at least two such cells under it;
    - the 5-10 digit numbers under an ID header (with other header words in its row) added as
      student IDs;
    - the numbers and letter grades in the row of a student's name or ID (same height, about as
      tall) added as grades;
    - the header words themselves taken out: "Student ID Score Grade" is never a finding."""
    headers, columns, id_columns = _table_headers(lines)

    def is_header(word: Word) -> bool:
        return any(word.box.iou(h) > 0.5 for h in headers)

    kept = [m for m in matches if not (m.words and all(is_header(w) for w in m.words))]
    taken = {id(w) for m in kept for w in m.words}
    out: list[Match] = []
    graded = {id(w) for m in kept if m.kind == "grade" for w in m.words}
    for column in columns:
        for box, words in _column_cells(lines, column, _rivals(headers, column)):
            joined = "".join(w.text for w in words)
            if box.x < column.x - column.h and RUN_INTO_GRADE.fullmatch(joined) and \
                    not any(id(w) in graded or is_header(w) for w in words):
                # the mark read run together with the cell on its left (an ID): covered whole, a
                # grade as well as whatever else it was taken for
                out.append(_grade_match(words, "number", 0.7, "a cell in a table's grade column, read run "
                                        "together with the cell on its left"))
                graded.update(id(w) for w in words)
                taken.update(id(w) for w in words)
                continue
            if any(id(w) in taken or is_header(w) for w in words):
                continue
            text = " ".join(w.text for w in words)
            kind = _cell_kind(text)
            if kind:
                out.append(_grade_match(words, kind, 0.75, "a cell in a table's grade column"))
            elif 1 <= len("".join(text.split())) <= 2:
                out.append(_grade_match(words, "letter", 0.6, "a short mark in a table's grade column (misread)"))
            else:
                continue
            taken.update(id(w) for w in words)
    ids = {id(w) for m in kept + out if m.kind == "student_id" for w in m.words}
    for column in id_columns:  # "48213977" under "ID", on a row read as one line with the name and grades
        for box, words in _column_cells(lines, column, _rivals(headers, column)):
            if any(id(w) in ids or is_header(w) for w in words):
                continue
            cell = OcrLine(words, box)
            for m, digits in _id_candidates(cell):
                out.append(_id_match(cell, m, digits, 0.75, "a 5-10 digit number in a table's ID column"))
                taken.update(id(w) for w in _words_for_span(cell, m.start(1), m.end(1)))
                ids.update(id(w) for w in _words_for_span(cell, m.start(1), m.end(1)))
            for word in words:  # an ID read together with the next cell's mark ("74807760877"): all of it
                run_into = NAME_RUN_INTO_ID.fullmatch(word.text)  # or with the name on its left ("Kowalski327771")
                if id(word) not in ids and (LONG_DIGIT_RUN.fullmatch(word.text) or run_into):
                    digits = run_into.group(1) if run_into else re.sub(r"\D", "", word.text)
                    out.append(Match("student_id", (word,), 0.7, "ID " + "•" * (len(digits) - 2) + digits[-2:],
                                     "a long number in a table's ID column (an ID read with the cell beside it)"))
                    taken.add(id(word))
                    ids.add(id(word))
    anchors = [Box.enclosing([w.box for w in m.words]) for m in kept + out if m.kind in ("name", "student_id")
               and m.words]
    for line in lines:
        for word in line.words:
            if id(word) in taken or is_header(word):
                continue
            kind = _cell_kind(word.text)
            if kind and any(_same_row(word.box, a) and max(word.box.gap(a)) <= ROW_REACH * a.h for a in anchors):
                out.append(_grade_match((word,), kind, 0.7, "a score in the row of a student's name or ID"))
                taken.add(id(word))
    return kept + out + _row_and_column_ids(lines, kept + out)


COLUMN_STEP = 2.5  # row heights: the largest step down (or up) from one number of a column of IDs to the next
COLUMN_ALIGN = 1.0  # row heights: how far the numbers of a column may start (or end) from each other across


def _row_and_column_ids(lines: list[OcrLine], matches: list[Match]) -> list[Match]:
    """Student numbers known by where they stand, on a class list or a gradebook whose header row
    was not read: a 5-10 digit number in the row of a student's name (same height, within
    ROW_REACH row heights along it) is the student's number; and a number standing in a column with
    a student's number (starting or ending where it does, about as tall, one row or two above or
    below it) is one too, so a row whose name OCR garbled keeps its number covered. Dates, times,
    phone numbers and labelled numbers (room, page) are left out as everywhere (``_id_candidates``)."""
    taken = {id(w) for m in matches for w in m.words}
    names = [Box.enclosing([w.box for w in m.words]) for m in matches if m.kind == "name" and m.words]
    found = [Box.enclosing([w.box for w in m.words]) for m in matches if m.kind == "student_id" and m.words]
    candidates = []
    for line in lines:
        for m, digits in _id_candidates(line):
            words = _words_for_span(line, m.start(1), m.end(1))
            if words and not any(id(w) in taken for w in words):
                candidates.append((line, m, digits, Box.enclosing([w.box for w in words])))

    def in_column(box: Box, of: Box) -> bool:
        step = max(of.y - (box.y + box.h), box.y - (of.y + of.h))
        return 0.7 <= box.h / of.h <= 1.4 and -0.3 * of.h <= step <= COLUMN_STEP * of.h and \
            min(abs(box.x - of.x), abs(box.x + box.w - of.x - of.w)) <= COLUMN_ALIGN * of.h

    out: list[Match] = []
    for cand in list(candidates):
        line, m, digits, box = cand
        if any(_same_row(box, name) and max(box.gap(name)) <= ROW_REACH * name.h for name in names):
            out.append(_id_match(line, m, digits, 0.6, "a 5-10 digit number in the row of a student's name"))
            found.append(box)
            candidates.remove(cand)
    grown = True
    while grown:  # the column grows from each number taken, up and down
        grown = False
        for cand in list(candidates):
            line, m, digits, box = cand
            if any(in_column(box, of) for of in found):
                out.append(_id_match(line, m, digits, 0.55, "a 5-10 digit number in a column with a student's "
                                     "number"))
                found.append(box)
                candidates.remove(cand)
                grown = True
    return out
