"""Names: a name on the class roster (full, read as one word, or the surname alone), the words after a
"Name:"-style label, and the name written right of such a label standing alone on its line."""

from __future__ import annotations

import re

from ..folding import fold
from ..ocr import OcrLine
from ..roster import SURNAME_ALONE_MIN_LETTERS, SURNAME_ALONE_SCORE, Roster, letters
from .base import Match, Page, Recognizer, words_for_span
from .headers import header_line
from .vocabulary import vocabulary

NAME_LABEL_REACH = 8.0  # label heights: how far right of a "Nom :" alone on its line the name written after it may start


class Names(Recognizer):
    """Roster names by similarity (``Page.min_similarity``), and the capitalised words after a name
    label (``name_labels``) or right of one alone on its line (``name_labels_alone``)."""

    kind = "name"
    name = "names"

    def find(self, lines: list[OcrLine], page: Page) -> list[Match]:
        return roster_names(lines, page.roster, page.min_similarity, page.first_names_alone) + labelled_names(lines) + \
            names_right_of_labels(lines)


ALONE_WHY = {"surname": "matches a surname on the class roster, alone (no first name beside it)",
             "first name": "matches a first name on the class roster, alone (no surname beside it)"}
SPACED_MIN_LETTERS = 8  # a roster name this long (first and last name) is looked for read in pieces


def spaced_name(folded_words: list[str], name: str, min_similarity: float, taken: set[int]) -> range | None:
    """The words of a line that together spell ``name`` (a first and last name's letters, no space): a name read
    in pieces ("N oe- L efe vr e", PP-OCR's reading of "Noé Lefèvre" in handwriting); three words or more, letters
    only, none of them taken by another name."""
    from rapidfuzz import fuzz

    if len(name) < SPACED_MIN_LETTERS:
        return None
    pieces = [w.rstrip("-'") for w in folded_words]
    for start, word in enumerate(pieces):
        if start in taken or not word or word[0] != name[0]:
            continue
        joined, best = "", (0.0, None)
        for end in range(start, len(pieces)):
            if end in taken or not re.fullmatch(r"[^\W\d_]+", pieces[end]):  # letters, a hyphen ending a piece
                break
            joined += pieces[end]
            if len(joined) > len(name) + 2:
                break
            similarity = fuzz.ratio(joined, name, score_cutoff=min_similarity) if end - start >= 2 else 0.0
            if similarity > best[0]:  # the closest reading: its last piece too ("... vr e")
                best = (similarity, range(start, end + 1))
        if best[1]:
            return best[1]
    return None


def roster_names(lines: list[OcrLine], roster: Roster | None, min_similarity: float,
                 first_names_alone: bool = True) -> list[Match]:
    """The roster's names on the lines, line by line (full names, then surnames alone, then, with
    ``first_names_alone``, first names alone), then, on the same line, the words after a name label
    (``labelled_names`` of that line)."""
    from rapidfuzz import fuzz

    v = vocabulary()
    out = []
    surnames = roster.surnames_alone if roster else ()
    firsts = roster.first_names_alone if roster and first_names_alone else ()
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
            before = len(in_full_name)
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
            spread = None if len(in_full_name) > before else \
                spaced_name(folded_words, (first + last).replace(" ", ""), min_similarity, in_full_name)
            if spread:
                out.append(Match("name", tuple(line.words[spread.start:spread.stop]), 0.9,
                                 f"name {first[:1].upper()}••• {last[:1].upper()}•••",
                                 "matches a name on the class roster (read with spaces inside its words)"))
                in_full_name.update(spread)
        # a jersey or a label reading THIESSEN; a paper or a name tag with the first name alone
        for last, which in [(x, "surname") for x in surnames] + [(x, "first name") for x in firsts]:
            size = len(last.split())
            for start in range(len(folded_words) - size + 1):
                span = range(start, start + size)
                window = " ".join(folded_words[start:start + size])
                if any(i in in_full_name for i in span) or letters(window) < SURNAME_ALONE_MIN_LETTERS or \
                        window in v.common_words or fuzz.ratio(window, last) < min_similarity or \
                        (which == "first name" and window != last):  # first names are short: "Manson" is no Manon
                    continue
                if len(window) > len(last) and last in window:
                    continue  # the surname with letters added is another word: ANDREW is not the surname Andre
                after = line.words[start + size].text if start + size < len(line.words) else ""
                if re.fullmatch(r"[^\W\d_][^\W\d_'’-]+", after) and after[:1].isupper():
                    continue  # "Robert Isaac": a first name, of someone else, that is also a roster surname
                out.append(Match("name", tuple(line.words[start:start + size]), SURNAME_ALONE_SCORE,
                                 f"name {last[:1].upper()}•••", ALONE_WHY[which]))
                in_full_name.update(span)
    return out


NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’.-])*")  # a word of a name: letters, hyphens, apostrophes
NAME_REST_REACH = 3.0  # line heights: how far right of a name's first part its rest, found as a line of its own, may start


def name_word(token: str) -> bool:
    """A capitalised word of letters that is no word saying the line is about something else ("Council",
    "Date") and no table header word."""
    v = vocabulary()
    bare = token.strip(".,;:!?'\"()")
    return bool(NAME_WORD.fullmatch(bare)) and bare[:1].isupper() and fold(bare) not in v.not_name_words and \
        fold(bare) not in v.header_words


def bare_label_name(capitals: list[str]) -> bool:
    """Whether the capitalised words after a label with no colon can be a name: not a lone letter, and
    not a lone word of two letters or an abbreviation in capitals ("Student D", "Student IQ": what OCR
    reads of "Student ID:" half under a cover in a copy); "Name Li Wei", "Élève Zoé" are names."""
    first = capitals[0].strip(".,;:")
    if not name_word(first) or len(first) < 2:
        return False
    return len(capitals) > 1 or (len(first) > 2 and not (first.isupper() and len(first) <= 3))


def labelled_names(lines: list[OcrLine]) -> list[Match]:
    """The capitalised words (three at most) after a name label and its colon ("Name: Alex Martin",
    "Nom et prénom : Owen Sato"), or after a label starting the line with no colon ("Name Inès
    Abernathy", "Élève Zoé Côté": words of letters, none that says the line names something else,
    "Student Council"); and the rest of the name when the detector found it as a line of its own
    right of the first part (``rest_of_name``)."""
    v = vocabulary()
    out = []
    for line in lines:
        folded = fold(line.text)
        label, colon = v.name_label.search(folded), True
        if not label:
            label, colon = v.name_label_start.search(folded), False
            if not label:
                continue
        after = line.text[label.end():].split()
        capitals = []
        for token in after[:3]:
            if not colon and token.endswith(":"):
                break  # "Student ID:", "Student lD:" as OCR reads it: a label of its own, no name after "Student"
            if token[:1].isupper() and (name_word(token) or colon and fold(token.strip(".,;:")) not in v.not_name_words):
                capitals.append(token)
            else:
                break
        if not capitals or not colon and not bare_label_name(capitals):
            continue
        start = label.end() + line.text[label.end():].find(capitals[0])
        end = start + len(" ".join(capitals))
        words = words_for_span(line, start, end)
        if words:
            out.append(Match("name", words, 0.8 if colon else 0.7, "name " + " ".join(c[:1] + "•••" for c in capitals),
                             "words after a Name/Nom label" + ("" if colon else " (no colon)")))
            if words[-1] is line.words[-1] and len(capitals) < 3:
                out += rest_of_name(line, lines)
    return out


def rest_of_name(line: OcrLine, lines: list[OcrLine]) -> list[Match]:
    """The rest of a name whose first part ends ``line``: a line of one or two capitalised words of
    letters starting at most NAME_REST_REACH line heights right of it, in its row (a surname written
    apart, "Owen   Sato", found by the detector as two lines)."""
    box = line.words[-1].box
    beside = [other for other in lines if other is not line and other.words and
              -0.5 * box.h <= other.box.x - (box.x + box.w) <= NAME_REST_REACH * box.h and
              min(other.box.y + other.box.h, box.y + box.h) - max(other.box.y, box.y) >= 0.5 * min(other.box.h, box.h)
              and 0.6 <= other.box.h / box.h <= 1.7]
    if not beside:
        return []
    rest = min(beside, key=lambda other: other.box.x)
    if len(rest.words) > 2 or not all(name_word(w.text) for w in rest.words):
        return []
    return [Match("name", rest.words, 0.7, "name " + " ".join(w.text[:1] + "•••" for w in rest.words),
                  "the rest of a name after a Name/Nom label, found apart on its row")]


def names_right_of_labels(lines: list[OcrLine]) -> list[Match]:
    """The name written after a "Name:" or "Nom :" label that the detector found as a line of its
    own (a handwritten name on a printed form, read as "Comille Gincin"): the words of the nearest
    line right of the label in its row, when they are words with a capital first (not a number)."""
    out = []
    for label in lines:
        if not vocabulary().name_label_alone.fullmatch(fold(label.text)):
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
        if ":" not in label.text and any(header_line(other) for other in beside):
            continue  # "Student" heading a table's column, "Student ID" beside it: a header row, no form
        if sum(c.isalpha() for c in line.words[0].text) < 2:
            continue  # a lone letter or a stroke read as one: no name
        words = tuple(w for w in line.words[:3] if NAME_WORD.fullmatch(w.text.strip(".,;:!?'\"()")))
        if words and words[0] is line.words[0] and name_word(words[0].text):
            out.append(Match("name", words, 0.8, "name " + " ".join(w.text[:1] + "•••" for w in words),
                             "words right of a Name/Nom label"))
            if words[-1] is line.words[-1] and len(words) < 3:
                out += rest_of_name(line, lines)
    return out


NAMES = Names()


def find_names(lines: list[OcrLine], roster: Roster | None, min_similarity: float) -> list[Match]:
    return NAMES.find(lines, Page(roster=roster, min_similarity=min_similarity))
