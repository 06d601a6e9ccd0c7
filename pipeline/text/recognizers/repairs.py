"""OCR repairs: the misreadings of OCR the recognizers read through, each named and listed in ``REPAIRS``.

Every entry of ``REPAIRS`` names a repair, says what misreading it undoes, and gives an example and
what the repair makes of it (tests/test_recognizers_context.py runs each example). The recognizers
(student_id.py, grade.py, beside.py, lists.py, headers.py, tables.py) call these functions and patterns
by name; a repair is added here, with its entry, not inline in a recognizer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable

from ...findings import Box
from ..folding import fold
from ..ocr import OcrLine, Word
from .base import TOTALS
from .geometry import same_row, x_overlap
from .vocabulary import Vocabulary, vocabulary

# ---------------------------------------------------------------------------------------------
# Labels misread

# OCR misreadings of an "ID" label: "IO:", "lD:", "1D#", "\D#" (context words, as the lexicons' are)
MISREAD_ID_FORMS = ("io:", "io :", "ld:", "ld :", "1d:", "1d :", "1d#", "ld#", "\\d#", "|d#", "io#")
# the whole text before a number is a misread "ID:" or "ID#" label: "10:", "IO:", "1D#", "IDF", or its D
# alone, the I and the # lost ("D 73062325", PP-OCR's reading of "ID# 73062325" on a small card)
MISREAD_ID_LABEL = re.compile(r"\W*(?:[1lIi|\\][DdOo0]\s*[:#F]|[1lIi|\\]?D)\s*")
ID_LABEL_SIMILARITY = 80  # rapidfuzz ratio (0-100) of a misread ID label's word to the label's
LABEL_SIMILARITY = 80  # ... of a misread grade or ID label before a colon to the label
HEADER_SIMILARITY = 85  # ... of a misread header word to the word ("Moyenn", "MoyennA"; not "LITTER" or "better"
# for "letter", at 83)
HEADER_STRIP = "()[]{}:.*°'\"|"


def misread_id_label(before: str) -> bool:
    """The text before a number is an "ID:" label misread ("10:", "IO:", "1D#")."""
    return bool(MISREAD_ID_LABEL.fullmatch(before))


def respelled_id_label(before: str) -> bool:
    """A word before the number is an ID label with a letter or two misread ("Matlicule : 39624"):
    words of at least 7 letters, compared to the labels' long words."""
    from rapidfuzz import fuzz

    words = [w for w in re.split(r"[^a-z]+", fold(before)) if len(w) >= 7]
    return any(fuzz.ratio(w, label) >= ID_LABEL_SIMILARITY for w in words for label in vocabulary().id_fuzzy_words)


def respelled(word: str, before_colon: bool) -> str:
    """``word`` with its letters replaced by the grade or ID label they are a misreading of ("Grode:"),
    when it stands before a colon; else ``word`` as it is."""
    m = re.fullmatch(r"(\W*)([^\W\d_]{5,})(\W*)", word)
    if not m or not (before_colon or m.group(3).startswith(":")):
        return word
    v = vocabulary()
    core = fold(m.group(2))
    if core in v.respelled_labels or core in v.common_words:
        return word
    from rapidfuzz import fuzz, process

    best = process.extractOne(core, v.respelled_labels, scorer=fuzz.ratio, score_cutoff=LABEL_SIMILARITY)
    if best is None:
        return word
    label = best[0].capitalize() if m.group(2)[:1].isupper() else best[0]
    return m.group(1) + label + m.group(3)


def header_token(text: str) -> str:
    """The header word ``text`` stands for, folded: a word of 5 letters or more read with a letter or
    two wrong ("MoyennA") stands for the header word it is closest to, unless it is a common word."""
    v = vocabulary()
    token = fold(text).strip(HEADER_STRIP)
    if len(token) < 5 or token in v.header_words or token in v.common_words:
        return token
    return closest_header(v, token)


@lru_cache(maxsize=4096)
def closest_header(v: Vocabulary, token: str) -> str:
    from rapidfuzz import fuzz, process

    best = process.extractOne(token, v.long_header_words, scorer=fuzz.ratio, score_cutoff=HEADER_SIMILARITY)
    return best[0] if best else token


def split_headers(word: Word) -> tuple[Word, ...]:
    """A word made of two table header words run together where a capital starts the second
    ("MoyenneScore", "NameID", "MoyennStudent" with a letter lost; each part a header word or one
    misread by a letter, ``header_token``), as the two words, the box shared out by letters; else the
    word alone."""
    text = word.text
    headers = vocabulary().header_words
    if len(text) < 5 or not text.isalpha() or fold(text) in headers:
        return (word,)
    for i in range(2, len(text) - 1):
        if text[i].isupper() and text[i - 1].islower() and header_token(text[:i]) in headers and \
                header_token(text[i:]) in headers:
            split = word.box.x + round(word.box.w * i / len(text))
            left = Box(word.box.x, word.box.y, max(1, split - word.box.x), word.box.h)
            right = Box(split, word.box.y, max(1, word.box.x + word.box.w - split), word.box.h)
            return Word(text[:i], left, word.confidence), Word(text[i:], right, word.confidence)
    return (word,)


def split_run_in_label(word: Word) -> tuple[Word, ...]:
    """A word that is a label run into its value ("studentNumber4241109", "Matricule39624",
    "Score12/20": PP-OCR drops a narrow space) as the label's words and the value, the box shared out
    by letters; else the word alone. A label word of two letters ("ID", "No") at the end of a longer
    run counts only capitalised ("StudentID", not "Paid" or "Casino"); a run of one word only when it
    is a whole label word (``id_run_in``, ``grade_run_in``; "Matricule39624", not "Paid12345")."""
    v = vocabulary()
    m = v.run_in_label.fullmatch(word.text)
    if not m:
        return (word,)
    letters = m.group(1)
    cuts = [i for i in range(1, len(letters)) if letters[i].isupper() and letters[i - 1].islower()]
    tail = letters[cuts[-1]:] if cuts else letters
    if len(letters) > 2 and fold(tail) in v.run_in_short and tail not in (tail.upper(), tail.capitalize()):
        return (word,)
    if len(letters) > 2 and not cuts and fold(letters) not in v.run_in_whole:
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


def join_split_header(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Two words that are one table header word read with a space inside ("L etter", "Gra de": PP-OCR
    cuts a word at a wide gap between letters, "Tot al:" before its mark) as that word, when one of
    the two is no header word or common word itself ("de notes" stays two words) and they stand close
    together."""
    v = vocabulary()
    out = list(words)
    k = 0
    while k + 1 < len(out):
        a, b = out[k], out[k + 1]
        joined = fold(a.text + b.text).strip(HEADER_STRIP)
        pieces = [fold(w.text).strip(HEADER_STRIP) for w in (a, b)]
        label = fold(a.text + b.text).rstrip(" :") in v.respelled_labels and (b.text.endswith(":") or (
            k + 2 < len(out) and out[k + 2].text.startswith(":")))  # "Tot al:" before its mark
        if len(joined) >= 4 and joined.isalpha() and (joined in v.header_words or label) and \
                any(p not in v.header_words and p not in v.common_words for p in pieces) and \
                b.box.x - (a.box.x + a.box.w) <= 0.6 * max(a.box.h, b.box.h):
            out[k:k + 2] = [Word(a.text + b.text, Box.enclosing([a.box, b.box]), min(a.confidence, b.confidence))]
            continue
        k += 1
    return tuple(out)


def respell_labels(lines: list[OcrLine]) -> list[OcrLine]:
    """The lines with grade and ID labels misread by a letter or two read as those labels (the box
    and confidence of each word kept, ``respelled``), a header word read with a space inside as one
    word (``join_split_header``), two header words run together read apart (``split_headers``) and a
    label run into its value read apart from it (``split_run_in_label``), so every recognizer and the
    pen-mark step see the labels and headers."""
    out = []
    for line in lines:
        texts = [w.text for w in line.words]
        new = [respelled(t, i + 1 < len(texts) and texts[i + 1].startswith(":")) for i, t in enumerate(texts)]
        words = tuple(w if t == w.text else Word(t, w.box, w.confidence) for w, t in zip(line.words, new))
        words = tuple(part for w in join_split_header(words) for part in split_headers(w))
        words = tuple(part for w in words for part in split_run_in_label(w))
        out.append(line if words == line.words else replace(line, words=words))
    return out


CUT_EDGE = 3  # px: a word's box this close to the photo's left or right edge may be cut there
CUT_MIN_LETTERS = 4  # ... and read as a header word when this many of its letters are left


def complete_cut_headers(lines: list[OcrLine], width: int) -> list[OcrLine]:
    """The lines with a word cut by the photo's edge (the last word of a line reaching the right
    edge, the first of one reaching the left edge) read as the table header word it is the start of
    ("Grad" at the right edge: "Grade") or the end of (at the left edge), when only one header word
    fits; a gradebook photographed with its last column half in the frame still has its grade column."""
    headers = vocabulary().header_words
    out = []
    for line in lines:
        words = []
        for k, w in enumerate(line.words):
            token = fold(w.text).strip(HEADER_STRIP)
            if len(token) >= CUT_MIN_LETTERS and token.isalpha() and token not in headers:
                at_right = k == len(line.words) - 1 and line.box.x + line.box.w >= width - CUT_EDGE
                at_left = k == 0 and line.box.x <= CUT_EDGE
                fits = sorted({h for h in headers if h.isalpha() and len(h) > len(token) and (
                    at_right and h.startswith(token) or at_left and h.endswith(token))})
                # "Grad" fits "grade" and "grades": one header word and its plural are one
                if fits and all(f.rstrip("s") == fits[0].rstrip("s") for f in fits):
                    text = fits[0].capitalize() if w.text[:1].isupper() else fits[0]
                    w = Word(text, w.box, w.confidence)
            words.append(w)
        words = tuple(words)
        out.append(line if words == line.words else replace(line, words=words))
    return out


CUT_HEADER_LETTERS = 3  # letters left of a grade header cut by the edge of the card or screen ("Gra")


def cut_last_headers(lines: list[OcrLine], header_words: list[tuple[Word, str]]) -> list[tuple[Word, str]]:
    """The last word of a table's header row cut by the edge of the card, the screen or the photo
    ("Gra" right of "Name", "ID" and "Score"; "Lettd", the cut letter misread; "L ette", read in two):
    a line of its own, the start (CUT_HEADER_LETTERS letters or more, not a common word) of one grade
    header word, or that with its last letter misread (4 letters left), with header words in its
    row, all on its left. It heads the grade column as the whole word would."""
    v = vocabulary()
    out = []
    for line in lines:
        if not line.words or len(line.words) > 2 or any(w in (h for h, _ in header_words) for w in line.words):
            continue
        token = fold("".join(w.text for w in line.words)).strip(HEADER_STRIP)
        if len(token) < CUT_HEADER_LETTERS or not token.isalpha() or token in v.header_words or \
                token in v.common_words or token in v.not_cut_headers:
            continue
        fits = {h.rstrip("s") for h in v.cut_grade_headers if h.startswith(token) or (
            len(token) >= 5 and h.startswith(token[:-1]) and len(h) > len(token) - 1)}
        if len(fits) != 1:
            continue
        word = Word(line.text, line.box, min(w.confidence for w in line.words)) if len(line.words) > 1 else line.words[0]
        row = [w for w, _ in header_words if same_row(w.box, word.box) and x_overlap(w.box, word.box) == 0]
        if row and all(w.box.x + w.box.w <= word.box.x for w in row):
            out.append((word, fits.pop()))
    return out


# ---------------------------------------------------------------------------------------------
# Numbers and marks misread

# a number written by hand and read with letters for some digits ("OUU467", "C07A67": 002467) or a space
# inside ("5615 74"): at least half of it digits, the rest letters that look like digits
WRITTEN_DIGIT_LOOKALIKES = "OoDUuQCcIl|SsZzBbGgAT"
WRITTEN_NUMBER = re.compile(r"[\d%s]{5,10}" % re.escape(WRITTEN_DIGIT_LOOKALIKES))


def written_number(line: OcrLine) -> str | None:
    """The line (one or two words) read as a handwritten number misread (``WRITTEN_NUMBER``), its
    spaces taken out; None when it is no such reading (or a plain number of one word)."""
    compact = line.text.replace(" ", "").strip(".,;:'\"")
    digits = sum(c.isdigit() for c in compact)
    if len(line.words) > 2 or not WRITTEN_NUMBER.fullmatch(compact) or digits < max(3, len(compact) / 2) or \
            compact.isdigit() and len(line.words) == 1:
        return None
    return compact


# a score whose value OCR read with a letter for a digit ("1D /25", "l7/20", "B/10" in handwriting)
# (the total may be misread too: "Il / Z0", "7/I00"; a digit somewhere in the score all the same)
MISREAD_OUT_OF = re.compile(r"(?<![\w/.,])([0-9OoDlI|SsBZzgq]{1,3})\s?/\s?([0-9OoDlIZzSs]{2,3})"
                            r"(?![\d/.,]\d|\w)")
DIGIT_LOOKALIKES = str.maketrans("OoDlI|SsBZzgq", "0001115582299")


def misread_score(value_text: str, total_text: str) -> int | None:
    """The total of a score "value/total" (``MISREAD_OUT_OF``) read with letters for some of its
    digits ("1D /25": 10/25), when it reads as a usual score once they are digits; else None."""
    value, total = value_text.translate(DIGIT_LOOKALIKES), total_text.translate(DIGIT_LOOKALIKES)
    total = int(total) if total.isdigit() else 0
    digits = sum(c.isdigit() for c in value_text + total_text)
    if value.isdigit() and 0 < digits < len(value_text + total_text) and total in TOTALS and int(value) <= total:
        return total
    return None


def stray_total_digit(total: str) -> str:
    """A total of 4 digits is one of 3 with a stray digit ("52/1068": 100, given a grade label)."""
    return total[:3] if len(total) == 4 else total


def misread_total(digits: str) -> int:
    """Tesseract often reads a 0 as 6, 8 or 9 in small print: with a grade label, "/26" is "/20"
    and "/168" is "/100". Other totals come back as they are."""
    if re.fullmatch(r"[12][0689]|1[0689][0689]", digits):
        return int(digits[0] + "0" * (len(digits) - 1))
    return int(digits)


def comma_lost(value_text: str, value: float, total: int) -> float:
    """A score's value of 3 digits above its total read without its comma ("125/20": 12,5/20)."""
    if value > total and re.fullmatch(r"\d{3}", value_text) and value / 10 <= total:
        return value / 10
    return value


# a short crop's score with the spaces the recogniser put inside it taken out ("48 /10 0": 48/100)
COMPACT_OUT_OF = re.compile(r"(\d{1,3}(?:[.,]\d{1,2})?)/(\d{2,3})")


def spaced_score(text: str) -> re.Match | None:
    """A short crop's text read with spaces inside a score ("48 /10 0", "13,5 /2 0"), as the score."""
    compact = "".join(text.split())
    return COMPACT_OUT_OF.fullmatch(compact) if compact != text else None


def score_without_slash(digits: str) -> int | None:
    """The total of a score read without its slash ("61100": 61/100, "1420": 14/20), or None."""
    for total in sorted(TOTALS, reverse=True):
        value = digits[:-len(str(total))]
        if digits.endswith(str(total)) and 1 <= len(value) <= 3 and int(value) <= total:
            return total
    return None


def slash_read_as_one(digits: str) -> bool:
    """A score read without its slash or with it read as a 1 ("771100" for a chalk "77/100")."""
    return digits.isdigit() and 4 <= len(digits) <= 7 and bool(score_without_slash(digits) or any(
        digits.endswith("1" + str(total)) and score_without_slash(digits[:-len(str(total)) - 1] + str(total))
        for total in TOTALS))


def sign_read_as_digit(digits: str) -> bool:
    """A 3-digit number right after a grade label is a score whose % sign or slash was read as a digit
    ("GRADE: 847.": 84%)."""
    return len(digits) == 3


# a letter grade whose + was read as t ("Bt": B+), in every pattern of a letter grade in a table or a row
LETTER_GRADE = r"[A-F][+t-]?"

# what ends a results list's row after the name: a letter grade, or a score with digits OCR may have read
# as look-alike letters ("Il / Z0": 11/20 in chalk), a decimal mark, a percentage
MARK_AFTER_NAME = re.compile(LETTER_GRADE + r"|[a-f][+-]|(?=\S*\d)[0-9OoDlI|SsBZzgq]{1,3}"
                             r"(?:[.,][0-9OoDlISsBZzgq]{1,2})?(?:/[0-9OoDlIZzSs]{2,3})?%?"
                             r"|[0-9OoDlI|SsBZzgq]{1,3}/[0-9OoDlIZzSs]{2,3}")
SCRAWL_AFTER_NAME = 6  # signs at most: what ends a name's line, read as no word, is a mark OCR could not read


def scrawl(mark: str) -> bool:
    """A mark no engine read ("é&", "W/UO" for a chalk "11 / 20"): a few signs, no word among them, at
    most 3 digits (5 or more are a student number, not a scrawl)."""
    return 1 <= len(mark) <= SCRAWL_AFTER_NAME and not re.search(r"[^\W\d_]{3,}", mark) and \
        sum(c.isdigit() for c in mark) <= 3


def unreadable_mark(mark: str) -> bool:
    """A short mark after a grade label that OCR could not read as a letter ("Grade: €"); not a
    number, nor a blank to fill in ("Grade: __", "Grade: |", "Score: ...")."""
    return not mark.isdigit() and not re.fullmatch(r"[|_.\-\u2010-\u2015…:;'\"]+", mark)


# an ID read run together with the next cell: "74807760877", "54536872317/20", "63358332486%"
LONG_DIGIT_RUN = re.compile(r"\d{11,16}|\d{6,16}(?:[.,]\d{1,2})?(?:/\d{1,3}|%)")
# an ID read run together with the name on its left: "Kowalski327771"
NAME_RUN_INTO_ID = re.compile(r"[^\W\d_]{2,}(\d{5,10})")
# a grade cell read run together with the ID on its left: a long run of digits ending the mark
RUN_INTO_GRADE = re.compile(r"\d{6,16}(?:[.,]\d{1,2})?(?:/\d{1,3}|%)?")


# ---------------------------------------------------------------------------------------------
# The list

@dataclass(frozen=True)
class Repair:
    name: str
    what: str  # the misreading it undoes
    example: str
    result: Any  # what ``apply(example)`` gives
    apply: Callable[[str], Any]


def example_line(text: str) -> OcrLine:
    """A line of the words of ``text``, 16 px a letter and 4 px apart (for the examples)."""
    words, x = [], 0
    for w in text.split():
        words.append(Word(w, Box(x, 0, 16 * len(w), 20), 90.0))
        x += 16 * len(w) + 4
    return OcrLine(tuple(words), Box.enclosing([w.box for w in words]))


def texts(words) -> list[str]:
    return [w.text for w in words]


REPAIRS = (
    Repair("misread_id_label", "an \"ID:\" label read as 10:, IO:, 1D#", "1D# ", True, misread_id_label),
    Repair("misread_id_forms", "\"ID:\" read as io:, ld:, 1d# among the context words", "1d#", True,
           lambda t: t in MISREAD_ID_FORMS),
    Repair("respelled_id_label", "an ID label read with a letter or two wrong", "Matlicule : ", True,
           respelled_id_label),
    Repair("respelled_label", "a grade or ID label read with a letter wrong before a colon", "Grode:", "Grade:",
           lambda t: respelled(t, False)),
    Repair("misread_header", "a header word read with a letter or two wrong", "MoyennA", "moyenne", header_token),
    Repair("split_headers", "two header words run together", "MoyenneScore", ["Moyenne", "Score"],
           lambda t: texts(split_headers(example_line(t).words[0]))),
    Repair("run_in_label", "a label run into its value", "StudentID48213977", ["Student", "ID", "48213977"],
           lambda t: texts(split_run_in_label(example_line(t).words[0]))),
    Repair("joined_header", "a header word read with a space inside", "Gra de", ["Grade"],
           lambda t: texts(join_split_header(example_line(t).words))),
    Repair("cut_header", "a header word cut by the photo's right edge", "Name Grad", "Name Grade",
           lambda t: complete_cut_headers([example_line(t)], example_line(t).box.x + example_line(t).box.w)[0].text),
    Repair("cut_last_header", "the last header of a row cut by a card's edge, alone on its line", "Gra", "grade",
           lambda t: [h for _, h in cut_last_headers(
               [OcrLine((Word(t, Box(300, 0, 48, 20), 90.0),), Box(300, 0, 48, 20))],
               [(example_line("Name").words[0], "name")])][0]),
    Repair("written_number", "a handwritten number read with letters for digits", "OUU467", "OUU467",
           lambda t: written_number(example_line(t))),
    Repair("misread_score", "a score read with a letter for a digit", "1D/25", 25,
           lambda t: misread_score(*t.split("/"))),
    Repair("stray_total_digit", "a total of 3 digits read with a stray fourth", "1068", "106", stray_total_digit),
    Repair("misread_total", "a 0 of a total read as 6, 8 or 9", "168", 100, misread_total),
    Repair("comma_lost", "a score's decimal comma not read", "125/20", 12.5,
           lambda t: comma_lost(t.split("/")[0], float(t.split("/")[0]), int(t.split("/")[1]))),
    Repair("spaced_score", "a short crop's score read with spaces inside", "48 /10 0", "48/100",
           lambda t: spaced_score(t).group(0)),
    Repair("score_without_slash", "a score read without its slash", "61100", 100, score_without_slash),
    Repair("slash_read_as_one", "a score's slash read as a 1", "771100", True, slash_read_as_one),
    Repair("sign_read_as_digit", "a score's % sign read as a digit after a grade label", "847", True,
           sign_read_as_digit),
    Repair("plus_read_as_t", "a letter grade's + read as t", "Bt", True,
           lambda t: bool(re.fullmatch(LETTER_GRADE, t))),
    Repair("mark_after_name", "a mark with digits read as look-alike letters", "Il/Z0", True,
           lambda t: bool(MARK_AFTER_NAME.fullmatch(t))),
    Repair("scrawl", "a mark no engine read, a few signs", "é&", True, scrawl),
    Repair("unreadable_mark", "a mark after a grade label read as no letter", "€", True, unreadable_mark),
    Repair("long_digit_run", "an ID read run together with the next cell", "74807760877", True,
           lambda t: bool(LONG_DIGIT_RUN.fullmatch(t))),
    Repair("name_run_into_id", "an ID read run together with the name on its left", "Kowalski327771", "327771",
           lambda t: NAME_RUN_INTO_ID.fullmatch(t).group(1)),
    Repair("run_into_grade", "a grade cell read run together with the ID on its left", "4821397717/20", True,
           lambda t: bool(RUN_INTO_GRADE.fullmatch(t))),
)
