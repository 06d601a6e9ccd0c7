"""The registry: the recognizers the text stage, the metadata checks and the captions run, in order.

First each kind's recognizer reads the lines (student IDs, grades, names: ``Recognizer.find``); then
the layout passes read the page with the matches found so far: a first and a last name alone on their
line beside a student's number or mark (``names_beside_marks``), what stands beside a student's name
(``beside_student``), the rows of a results list (``list_rows``), a table's columns and rows
(``tables``, which also drops the table's header words), and last the letters that are part of a word
taken out of the grades (``word_parts``: the "O" of a handwritten "Omar" read apart). A new kind (a
national student number, a school's own badge number) is a ``Recognizer`` subclass given to
``Registry.register``: every caller of the registry finds it from then on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..ocr import OcrLine
from .base import Match, Page, Recognizer
from .beside import find_beside_student
from .grade import GRADES
from .lists import find_list_rows
from .name import NAMES
from .student_id import STUDENT_IDS
from .student_names import find_names_beside_marks
from .tables import find_table_grades
from .word_parts import drop_word_parts

LayoutPass = Callable[[list[OcrLine], list[Match]], list[Match]]  # the matches after the pass


@dataclass
class Registry:
    recognizers: list[Recognizer]
    layout: dict[str, LayoutPass] = field(default_factory=dict)

    def register(self, recognizer: Recognizer) -> None:
        """Run ``recognizer`` too, after the others (its kind must be one the findings know)."""
        if any(r is recognizer for r in self.recognizers):
            return
        self.recognizers.append(recognizer)

    def find(self, lines: list[OcrLine], page: Page, layout: tuple[str, ...] | None = None) -> list[Match]:
        """Every recognizer's matches on the lines, then the ``layout`` passes (all of them by default)
        in the registry's order."""
        matches: list[Match] = []
        for recognizer in self.recognizers:
            matches += recognizer.find(lines, page)
        for name, run in self.layout.items():
            if layout is None or name in layout:
                matches = run(lines, matches)
        return matches


REGISTRY = Registry(
    [STUDENT_IDS, GRADES, NAMES],
    {"names_beside_marks": lambda lines, matches: matches + find_names_beside_marks(lines, matches),
     "beside_student": lambda lines, matches: matches + find_beside_student(lines, matches),
     "list_rows": lambda lines, matches: matches + find_list_rows(lines, matches),
     "tables": find_table_grades,
     "word_parts": drop_word_parts})
