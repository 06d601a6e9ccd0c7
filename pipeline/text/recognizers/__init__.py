"""Recognizers: which recognised text is a student ID, a grade or a name.

One module per kind (``student_id``, ``grade``, ``name``), each a ``Recognizer`` (``base``: patterns,
context words, deny words, validation, an explanation); the layout of a page in its own modules
(``beside``: next to a student's name; ``lists``: results lists; ``headers``, ``columns``, ``frame``,
``tables``, ``unread``: tables; ``regions``: a table holding a student, covered by whole columns); the OCR misreadings read through in ``repairs`` (each listed in
``REPAIRS``); the words of every language in the lexicon files (``pipeline/text/lexicons/``), turned
into word lists and regexes by ``vocabulary``; and the ``REGISTRY`` that runs them, used by the text
stage, the metadata checks and the captions.
"""

from ..roster import Roster, RosterError
from .base import TOTALS, Match, Page, Recognizer
from .beside import BESIDE_TITLE, find_beside_student
from .grade import LETTER_ALONE, PERCENT_LABEL_ON_PAGE, find_grades, has_grade_label
from .headers import header_line
from .lists import find_list_rows
from .name import find_names
from .regions import Column, student_columns
from .registry import REGISTRY, Registry
from .repairs import REPAIRS, complete_cut_headers, respell_labels
from .student_id import find_student_ids
from .tables import find_table_grades
from .unread import unread_column_marks, unread_grade_cells
from .vocabulary import misread_name_label, vocabulary

__all__ = [
    "BESIDE_TITLE", "PERCENT_LABEL_ON_PAGE", "has_grade_label", "Column", "LETTER_ALONE", "REGISTRY", "REPAIRS", "TOTALS", "Match", "Page", "Recognizer", "Registry", "Roster", "RosterError",
    "complete_cut_headers", "find_beside_student", "find_grades", "find_list_rows", "find_names", "find_student_ids",
    "find_table_grades", "header_line", "misread_name_label", "respell_labels", "student_columns", "unread_column_marks", "unread_grade_cells", "vocabulary",
]
