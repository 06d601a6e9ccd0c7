"""Recognizers: which recognised text is a student ID, a grade or a name.

In the manner of Presidio: each recognizer has patterns with a base score, context words that
raise the score when they stand on the same line or the line above, and a validation step that
rejects look-alikes (dates, phone numbers, prices, grade levels). Each match carries the words it
covers and an explanation; the text itself is only turned into a masked hint.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .findings import Box
from .ocr import OcrLine, Word


@dataclass(frozen=True)
class Match:
    kind: str  # student_id | grade | name
    words: tuple[Word, ...]
    score: float
    hint: str
    why: str


def fold(text: str) -> str:
    """Lower case without accents, for matching context words in English and French."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _unaccent(text: str) -> str:
    """Accents removed, case kept (OCR reads a capital A as À now and then)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


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
                  "price", "prix", "total", "invoice", "facture", "order", "commande", "zip", "code postal")
ID_PATTERN = re.compile(r"(?<![\w/.,:-])([A-Z]{0,2}\d{5,10})(?![\w/%-]|[.,]\d)")
# a badge or paper from a school: a number alone on its line there is most likely a student's
SCHOOL_WORDS = ("school", "ecole", "college", "lycee", "academy", "student", "eleve")
# OCR misreadings of an "ID" label: "IO:", "lD:", "1D#", "\D#"
ID_CONTEXT_MISREAD = ("io:", "io :", "ld:", "ld :", "1d:", "1d :", "1d#", "ld#", "\\d#", "|d#", "io#",
                      "numero d'")  # "Numéro d'élève" with the last word misread
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


def _id_candidates(line: OcrLine):
    """5-10 digit numbers on the line that do not look like a date or a phone number and have no label
    that says what else they are (room, page, phone, price): ``(match, digits)``."""
    for m in ID_PATTERN.finditer(line.text):
        digits = re.sub(r"\D", "", m.group(1))
        before = fold(line.text[max(0, m.start() - 12):m.start()])
        if len(digits) < 5 or _looks_like_date(digits) or _looks_like_phone(digits) or \
                any(word in before for word in NOT_ID_CONTEXT):
            continue
        yield m, digits


def _id_match(line: OcrLine, m: re.Match, digits: str, score: float, why: str) -> Match:
    return Match("student_id", _words_for_span(line, m.start(1), m.end(1)), score,
                 f"ID {'•' * max(0, len(digits) - 2)}{digits[-2:]}", why)


def find_student_ids(lines: list[OcrLine], barcode_near: list[bool], id_min_digits_bare: int = 6,
                     id_max_digits_bare: int = 9) -> list[Match]:
    out = []
    school_page = any(word in fold(line.text) for line in lines for word in SCHOOL_WORDS)
    for i, line in enumerate(lines):
        context = _context(lines, i)
        for m, digits in _id_candidates(line):
            has_context = any(word in context for word in ID_CONTEXT + ID_CONTEXT_MISREAD) or \
                bool(MISREAD_ID_LABEL.fullmatch(line.text[:m.start(1)]))
            if has_context:
                score, why = 0.9, "5-10 digit number next to an ID label"
            elif "student" in context or "eleve" in context:
                score, why = 0.7, "5-10 digit number on a line about a student"
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
    return out


# ---------------------------------------------------------------------------------------------
# Grades

GRADE_CONTEXT = ("grade", "mark", "score", "note", "result", "resultat", "total", "points", "pts", "moyenne",
                 "appreciation", "evaluation", "test", "exam", "quiz", "controle", "devoir", "bulletin")
OUT_OF = re.compile(r"(?<![\d/.,:])(\d{1,3}(?:[.,]\d{1,2})?)\s?/\s?(\d{2,4})(?![\d/.,]\d|\d)")
TOTALS = {10, 20, 25, 30, 40, 50, 100}


def _misread_total(digits: str) -> int:
    """Tesseract often reads a 0 as 6, 8 or 9 in small print: with a grade label, "/26" is "/20"
    and "/168" is "/100". Other totals come back as they are."""
    if re.fullmatch(r"[12][0689]|1[0689][0689]", digits):
        return int(digits[0] + "0" * (len(digits) - 1))
    return int(digits)


LABELLED_OUT_OF = re.compile(r"\b(?:grade|mark|note|score|result|resultat|total|points)\s*[:=]\s*"
                             r"(\d{1,3}(?:[.,]\d{1,2})?\s?/\s?\d{2,4})(?![\d/])", re.IGNORECASE)
PERCENT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)\s?%")
LETTER_AFTER_LABEL = re.compile(r"\b(?:grade|mark|note|score)\s*[:=-]?\s*([A-F][+-]?)(?![\w])", re.IGNORECASE)
LETTER_ALONE = re.compile(r"^\W*([A-F][+-])\W*$")
# a gradebook row: a name (capitalised words) and then the letter, nothing else
GRADEBOOK_ROW = re.compile(r"^\W*[A-Z][a-zA-Z'-]*(?:,?\s+[A-Z][a-zA-Z'-]*){0,3}\s+[A-F][+t-]?\W*$")
LETTER_AT_END = re.compile(r"\s([A-F][+t-]?)\W*$")  # "Bt": a B+ whose + was read as t
# "Grade: €": a grade label with a colon, then one short mark that OCR could not read as a letter
LABEL_SHORT_MARK = re.compile(r"\b(?:grade|mark|note)\s*:\s*(\S{1,2})\s*$", re.IGNORECASE)
GRADE_LEVEL = re.compile(r"\b(?:grade|year|class|classe)\s*\d{1,2}\b(?!\s*/)|\b\d{1,2}(?:st|nd|rd|th|e|eme|ème)\s+grade\b",
                         re.IGNORECASE)


def find_grades(lines: list[OcrLine]) -> list[Match]:
    out = []
    # a grade label anywhere in the photo (a gradebook's title) makes the other lines' scores grades too
    page_context = any(word in fold(line.text) for line in lines for word in GRADE_CONTEXT)
    for i, line in enumerate(lines):
        text, context = line.text, _context(lines, i)
        has_context = any(word in context for word in GRADE_CONTEXT) or page_context
        levels = [m.span() for m in GRADE_LEVEL.finditer(text)]
        labelled = [m for m in LABELLED_OUT_OF.finditer(_unaccent(text))]
        for m in labelled:  # "Résultat : 17/24": right after a grade label, any total is a grade's
            total = re.split(r"\s?/\s?", m.group(1))[-1]
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
            if total in (10, 20, 100) or has_context:
                score = 0.9 if has_context else 0.7
                out.append(Match("grade", _words_for_span(line, m.start(), m.end()), score, f"grade ••/{total}",
                                 "score out of %d%s" % (total, " with a grade label" if has_context else "")))
        for m in PERCENT.finditer(text):
            if has_context and float(m.group(1).replace(",", ".")) <= 100:
                out.append(Match("grade", _words_for_span(line, m.start(), m.end()), 0.8, "grade ••%",
                                 "percentage with a grade label"))
        if has_context and not LETTER_AFTER_LABEL.search(_unaccent(text)):
            end = LETTER_AT_END.search(text)
            if end and len(line.words) >= 2 and GRADEBOOK_ROW.match(_unaccent(text)):  # "Sarah Robert A+"
                out.append(Match("grade", _words_for_span(line, end.start(1), end.end(1)), 0.75, "grade •",
                                 "letter grade ending a line, with a grade label on the page"))
        short = LABEL_SHORT_MARK.search(text)
        if short and not short.group(1).isdigit() and not LETTER_AFTER_LABEL.search(_unaccent(text)):
            out.append(Match("grade", _words_for_span(line, short.start(1), short.end(1)), 0.7, "grade •",
                             "a short mark after a grade label"))
        for m in LETTER_AFTER_LABEL.finditer(_unaccent(text)):
            out.append(Match("grade", _words_for_span(line, m.start(1), m.end(1)), 0.9, "grade •",
                             "letter grade after a grade label"))
        alone = LETTER_ALONE.match(text)
        if alone:
            out.append(Match("grade", _words_for_span(line, alone.start(1), alone.end(1)), 0.6, "grade •",
                             "letter grade with + or - standing alone"))
    return out


# ---------------------------------------------------------------------------------------------
# Names

NAME_LABEL = re.compile(r"\b(?:name|nom|prenom|student|eleve|pupil)\s*:\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Roster:
    """Class list: full names as (first, last), folded for matching."""

    names: tuple[tuple[str, str], ...]

    @classmethod
    def from_csv(cls, path: Path) -> Roster:
        """CSV with a header naming first- and last-name columns (first/last, first_name/last_name,
        prenom/nom), or two columns without a header."""
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [row for row in csv.reader(fh) if any(cell.strip() for cell in row)]
        if not rows:
            return cls(())
        header = [fold(c.strip()).replace(" ", "_") for c in rows[0]]
        first_keys, last_keys = ("first", "first_name", "firstname", "prenom", "given_name"), \
            ("last", "last_name", "lastname", "nom", "surname", "family_name")
        fi = next((i for i, h in enumerate(header) if h in first_keys), None)
        li = next((i for i, h in enumerate(header) if h in last_keys), None)
        body = rows[1:] if fi is not None and li is not None else rows
        fi, li = (fi, li) if fi is not None and li is not None else (0, 1)
        names = tuple((fold(r[fi].strip()), fold(r[li].strip())) for r in body if len(r) > max(fi, li)
                      and r[fi].strip() and r[li].strip())
        return cls(names)


def find_names(lines: list[OcrLine], roster: Roster | None, min_similarity: float) -> list[Match]:
    from rapidfuzz import fuzz

    out = []
    for line in lines:
        folded_words = [fold(re.sub(r"[^\w'-]", "", w.text)) for w in line.words]
        for first, last in roster.names if roster else ():
            target = len(first.split()) + len(last.split())
            for start in range(len(folded_words)):
                for candidate in (f"{first} {last}", f"{last} {first}", f"{last}, {first}"):
                    window = " ".join(folded_words[start:start + target])
                    if window and fuzz.ratio(window, candidate.replace(",", "")) >= min_similarity:
                        words = line.words[start:start + target]
                        out.append(Match("name", tuple(words), 0.9, f"name {first[:1].upper()}••• {last[:1].upper()}•••",
                                         "matches a name on the class roster"))
                        break
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
    return out


# ---------------------------------------------------------------------------------------------
# Marks and numbers written beside a student's name or ID

def _near_any(box, anchors: list[tuple[Word, ...]], reach: float) -> bool:
    """``box`` lies within ``reach`` line heights of one of the anchors, and is about as tall."""
    for words in anchors:
        height = max(w.box.h for w in words)
        if 0.5 * height <= box.h <= 2 * height and max(box.gap(Box.enclosing([w.box for w in words]))) < reach * height:
            return True
    return False


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
    out = []
    for line in lines:
        if any(id(w) in taken for w in line.words):
            continue
        mark = "".join(line.text.split())
        if 1 <= len(mark) <= 2 and _near_any(line.box, students, reach):
            out.append(Match("grade", line.words, 0.55, "grade •",
                             "a short mark standing alone beside a student's name or ID"))
            continue
        if not _near_any(line.box, names, reach):
            continue
        out += [_id_match(line, m, digits, 0.55, "a 5-10 digit number beside a student's name")
                for m, digits in _id_candidates(line)]
    return out
