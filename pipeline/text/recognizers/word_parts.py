"""Letters that are part of a word: a capital read apart from the rest of its word ("O" and "mar" of a
handwritten "Omar", the detector or OCR cutting the word after its first letter) is no letter grade."""

from __future__ import annotations

import re

from ..ocr import OcrLine, Word
from .base import Match
from .geometry import same_row

PART_GAP = 0.6  # letter heights: a word starting this close right of a lone letter continues it
LONE_LETTERS = re.compile(r"[^\W\d_]{1,2}[+-]?")


def continues(letter: Word, word: Word) -> bool:
    """``word`` carries on the word ``letter`` starts: on its row, starting right after it (a gap of at
    most PART_GAP letter heights), with a small letter ("O" "mar")."""
    gap = word.box.x - (letter.box.x + letter.box.w)
    return word is not letter and same_row(letter.box, word.box) and -0.2 * letter.box.h <= gap <= \
        PART_GAP * letter.box.h and word.text[:1].islower()


def drop_word_parts(lines: list[OcrLine], matches: list[Match]) -> list[Match]:
    """``matches`` without the grades that are a lone letter or two continued by a word of another line
    on their row (``continues``): the first letter of a name the detector cut apart, not a mark. (Words
    of one line are words apart: "Grade: B good effort" keeps its B.)"""
    line_of = {id(w): k for k, line in enumerate(lines) for w in line.words}
    words = [w for line in lines for w in line.words]

    def part_of_word(match: Match) -> bool:
        if match.kind != "grade" or len(match.words) != 1:
            return False
        letter = match.words[0]
        return bool(LONE_LETTERS.fullmatch(letter.text.strip(".,;:!?'\"()"))) and any(
            continues(letter, w) and line_of.get(id(w)) != line_of.get(id(letter)) for w in words)

    return [m for m in matches if not part_of_word(m)]
