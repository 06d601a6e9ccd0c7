"""What every recognizer shares: the ``Match`` it returns, the ``Page`` it is given, the ``Recognizer``
base (patterns, context words, deny words, validation, an explanation) and the line helpers.

In the manner of Presidio: a recognizer has patterns with a base score, context words that raise the
score when they stand on the same line or the line above (``line_context``, read once here), words
that deny a candidate when they stand just before it (a room, a page, a price), and a validation step
that rejects look-alikes (dates, phone numbers). Each match carries the words it covers and an
explanation; the text itself is only turned into a masked hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Sequence

from ..folding import fold
from ..ocr import OcrLine, Word
from ..roster import Roster

TOTALS = {10, 20, 25, 30, 40, 50, 100}  # the usual totals of a score ("/20")


@dataclass(frozen=True)
class Match:
    kind: str  # student_id | grade | name
    words: tuple[Word, ...]
    score: float
    hint: str
    why: str


@dataclass(frozen=True)
class Page:
    """What the recognizers are told besides the lines: for each line, whether a barcode stands near it
    (a badge); the class roster and how close a reading must be to one of its names (rapidfuzz ratio,
    0-100); how many digits a bare number must have to be taken for an ID; whether roster first names count alone."""

    barcode_near: Sequence[bool] = ()
    roster: Roster | None = None
    min_similarity: float = 85.0
    id_min_digits_bare: int = 6
    id_max_digits_bare: int = 9
    # a roster first name alone is a name (a paper or a name tag with the first name only); captions say False and
    # judge a first name by its sentence instead (caption_context.first_names: "a trip to Victoria" is no Victoria)
    first_names_alone: bool = True

    def near_barcode(self, i: int) -> bool:
        return bool(self.barcode_near[i]) if i < len(self.barcode_near) else False


def words_for_span(line: OcrLine, start: int, end: int) -> tuple[Word, ...]:
    """The line's words that overlap the character span [start, end) of ``line.text``."""
    out, pos = [], 0
    for word in line.words:
        w_start, w_end = pos, pos + len(word.text)
        if w_start < end and start < w_end:
            out.append(word)
        pos = w_end + 1
    return tuple(out)


def line_context(lines: list[OcrLine], i: int) -> str:
    """The context of line ``i``: it and the line above, folded."""
    previous = lines[i - 1].text if i > 0 else ""
    return fold(previous + " \n " + lines[i].text)


def masked(prefix: str, digits: str) -> str:
    """A number's hint: its last two digits, the others as dots ("ID ••••77")."""
    return f"{prefix} {'•' * max(0, len(digits) - 2)}{digits[-2:]}"


class Recognizer:
    """One kind of sensitive text. A subclass gives its ``kind``, its ``patterns`` (a regex whose group 1
    is the value), its ``context_words`` and ``deny_words`` (from the lexicons), ``validate`` (the
    value is no look-alike) and ``find`` (scores and explanations); context is read here, once:
    ``has_context`` (a context word in ``line_context``) and ``denied`` (a deny word in the
    ``deny_reach`` characters before a candidate)."""

    kind = ""
    name = ""
    deny_reach = 12

    def patterns(self) -> tuple[re.Pattern, ...]:
        return ()

    def context_words(self) -> tuple[str, ...]:
        return ()

    def deny_words(self) -> tuple[str, ...]:
        return ()

    def validate(self, text: str, m: re.Match, value: str) -> bool:
        return True

    def value(self, m: re.Match) -> str:
        return m.group(1)

    def has_context(self, context: str) -> bool:
        return any(word in context for word in self.context_words())

    def denied(self, text: str, start: int) -> bool:
        before = fold(text[max(0, start - self.deny_reach):start])
        return any(word in before for word in self.deny_words())

    def candidates(self, line: OcrLine) -> Iterator[tuple[re.Match, str]]:
        """``(match, value)`` of each pattern's match on the line that validates and is not denied."""
        for pattern in self.patterns():
            for m in pattern.finditer(line.text):
                value = self.value(m)
                if self.validate(line.text, m, value) and not self.denied(line.text, m.start()):
                    yield m, value

    def find(self, lines: list[OcrLine], page: Page) -> list[Match]:
        raise NotImplementedError
