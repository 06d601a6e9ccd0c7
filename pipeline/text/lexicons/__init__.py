"""Lexicons: the words the recognizers look for, one data file per language.

Every word the recognizers, the pen-mark step (``pipeline/text/ink.py``) and the roster's surname rule
look for lives in a TOML file here: ``en.toml``, ``fr.toml``, and ``neutral.toml`` for signs and
abbreviations of no one language. Each file holds lists of words under the keys of ``KEYS`` (each
key says what its words do); every file is optional in every key, and the lists of all files are
joined. A language is added by adding a file: ``de.toml`` with ``id_labels = ["Schülernummer"]``
makes "Schülernummer: 4821937" a student ID, with no change to the code.

Words are written as they are read (accents, capitals: "Numéro d'élève"); they are matched with case
and accents folded (``pipeline/text/folding.py``), except ``ordinal_suffixes``, which are matched as
written (lower case). In a label of several words, a space stands for any spaces (or none, where a
recognizer says so) and an apostrophe may be missing ("numero d eleve").

More files are read from the folders (or files) listed in the environment variable
``PHOTOSCREEN_LEXICONS`` (separated by ``os.pathsep``), after the package's own, at the first use in a
process (batch workers inherit it). ``reload()`` reads them all again (tests, or a long-running
process whose files changed). A file with an unknown key, a value that is not a list of words, or
invalid TOML stops with ``LexiconError`` naming the file and the key.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ...i18n import _
from ...policy import PolicyError
from ..folding import fold

FOLDER = Path(__file__).resolve().parent
ENV = "PHOTOSCREEN_LEXICONS"

# key -> what its words do (the recognizers' use of each is in pipeline/text/recognizers/vocabulary.py)
KEYS = {
    # --- student IDs
    "id_labels": "labels naming a student's number (\"Student ID\", \"Matricule\"): a number after one, on its line "
                 "or the line below, is a student's; one alone on its line is a label whose number was written right "
                 "of it; one and its colon right before a 3-4 digit number make that number an ID; the long ones "
                 "(a first word of 3 letters or more) mark a student's paper",
    "id_abbreviations": "labels of one short word (\"ID\") that count only as a whole word, and as context only with "
                        "their sign (\"ID:\", \"ID #\")",
    "id_context": "other words that, on a number's line or the line above, make it a student's (\"badge\", "
                  "\"carte\")",
    "id_misread_words": "words (7 letters or more) a misread label is compared to, besides the labels' own "
                        "(\"Studemt\" for student)",
    "not_id_context": "words just before a number that say it is something else (room, page, phone, price)",
    "id_run_in": "label words OCR runs into their number (\"Matricule39624\", \"StudentID4821\"): split from it",
    "id_run_in_tail_only": "of those, the words split off only at the end of a longer run of label words "
                           "(\"NumeroEleve12345\", not \"Eleve12345\")",
    "student_words": "words of a line about a student: a number there may be the student's",
    "school_words": "words of a school's page or badge: a number alone on its line there is most likely a student's",
    "receipt_words": "words of a till receipt: a bare number there is an order or account number",
    # --- grades
    "grade_context": "grade words: a score on their line, the line below, or anywhere on their page is a grade",
    "grade_price_labels": "grade words that, on a line with a price, are an amount's (\"Total 24,90 €\")",
    "grade_score_labels": "labels whose colon and a score n/m after it make a grade (\"Résultat : 17/24\")",
    "grade_number_labels": "labels whose colon and a number ending the line make a grade "
                           "(\"Moyenne générale : 15,2\")",
    "grade_run_labels": "labels whose colon and a run of digits make a score read without its slash "
                        "(\"Points: 61100\")",
    "grade_letter_labels": "labels a letter grade follows, with or without a colon (\"Grade B+\")",
    "grade_letter_labels_colon": "labels a letter grade follows only after a colon (\"Total: C\")",
    "grade_short_mark_labels": "labels whose colon and a mark of one or two signs make a grade (\"Grade: €\")",
    "grade_level_words": "words of a class or grade level before a number (\"Grade 5\", \"Classe 3\"): no mark",
    "grade_level_after_ordinal": "words of a grade level after an ordinal (\"5th grade\"): no mark",
    "ordinal_suffixes": "endings of an ordinal number (\"5th\", \"5ème\"), matched as written, in lower case",
    "grade_respelled_labels": "grade labels (5 letters or more) a word read with a letter wrong before a colon is "
                              "read as (\"Grode:\" as Grade)",
    "grade_run_in": "grade labels OCR runs into their value (\"Score12/20\"): split from it",
    "pen_labels": "labels a pen mark (coloured ink) beside is a grade (\"Final grade: 85%\" in red)",
    "pen_labels_not_at_end": "of those, the ones that last on their line say nothing (a header word, \"5th grade\")",
    "pen_labels_with_number": "of those, the ones that name a mark only with a number right after them "
                              "(\"Final ame 85\")",
    "pen_not_mark_words": "words after such a label that say the number is no mark (\"Final exam: Room 12\")",
    # --- names
    "name_labels": "labels a name follows on their line (\"Name: Alex Martin\")",
    "name_labels_alone": "labels standing alone on their line (with or without a colon), the name written right "
                         "of them",
    "name_labels_no_colon": "labels a name follows without a colon, starting their line (\"Name Inès Abernathy\", "
                            "\"Nom et prénom Owen Sato\")",
    "not_name_words": "words that, right after a name label with no colon, say the line names something else "
                      "(\"Student Council\", \"Nom de la ville\")",
    "header_students": "table header words whose column holds students' names (\"Élève\", \"Nom\", \"Students\")",
    "praise_words": "praise a teacher writes before a mark (\"Great work! B\", \"Bien ! 12/20\"): a letter grade "
                    "right after it is a mark",
    "exercise_starts": "words that start an exercise after its number (\"1. Write 15/20 as a percent\", \"Calcule "
                       "3/4 de 20\"): a score in it is the exercise's, not a mark",
    # --- tests, lists, tables
    "test_words_after_subject": "words of a test's title after its subject (\"Maths test\", \"Quiz 4\")",
    "test_words_before_subject": "words of a test's title before its subject (\"Contrôle de maths\", \"Devoir 3\")",
    "subject_prepositions": "words between a test and its subject (\"de\", \"d'\")",
    "number_signs": "signs or words for \"number\" before a test's number (\"n°\", \"#\")",
    "list_title_words": "words of a results list's title (letters only: \"sultat\" is résultat with its É misread)",
    "header_grades": "table header words whose column holds grades",
    "header_grades_strong": "of those, the ones that head a column of grades alone on their row",
    "header_grades_cut": "grade header words whose start, cut by a card's or a photo's edge, still heads the column",
    "header_not_cut": "words of their own that are also the start of a grade header word (\"mar\": mardi)",
    "header_tests": "table header words of tests whose column holds their marks (\"Test 1\", \"Devoir 3\")",
    "header_ids": "table header words whose column holds student numbers",
    "header_others": "the other header words of a gradebook or class list",
    "header_out_of": "words of \"out of\" in a header (\"Note sur 20\"); a one-word one may have its total run in",
    "currency_signs": "signs of a price",
    "currency_words": "words of a price (\"EUR\", \"TTC\")",
    "common_words": "common words (4 letters or more) that are also surnames: never a surname alone, never a "
                    "misread label or header; a roster first name among them (Grace, Hope, Mark) is a name in a "
                    "caption only away from the start of a sentence",
    "word_first_names": "first names that are also common words (Jade, Ruby, Victoire), besides common_words: in a "
                        "caption, a roster first name among them is a name only away from the start of a sentence",
    # --- captions (pipeline/stages/caption_context.py)
    "staff_titles": "titles and honorifics (\"Mme\", \"M.\", \"Mr\", \"Dr\"): in a caption, the name after one is "
                    "a member of staff's, not a student's",
    "staff_words": "words for staff (\"teachers\", \"équipe\"): a special-population term right before or after "
                   "one qualifies the staff, not students (\"ELL teachers\", \"l'équipe d'adaptation scolaire\")",
    "staff_prepositions": "words that may stand between a staff word and the term after it (\"teacher of ESL\", "
                          "\"équipe d'adaptation scolaire\")",
    "place_words": "words right before a capitalised word that make it a place (\"Saint\", \"Lake\", \"rue\"): a "
                   "roster first name there is no student",
    "place_prepositions": "words right before a capitalised word that make it a place (\"in Victoria\"): a roster "
                          "first name there is no student (a person's is \"in Maya's class\")",
    "travel_words": "words of a trip (\"trip\", \"voyage\"): a first name one or two words after one (\"trip to "
                    "Victoria\", \"voyage à Florence\") is a place",
    "grade_verbs": "verbs of getting a mark (\"got\", \"a obtenu\"): a capital letter grade after one, with an "
                   "article (grade_articles) or none, in a sentence about a student is a grade (\"Emma got an A\")",
    "grade_articles": "words between such a verb and its letter (\"an\", \"un\")",
    "student_pronouns": "pronouns by which a sentence speaks of a student (\"she\", \"il\"): a letter grade after a "
                        "grade verb there is a student's",
    "exercise_words": "words of an exercise (\"as a percent\", \"convertis\"): a score in its sentence is the "
                      "exercise's number, not a mark (unless a name or a grade word is beside it)",
}
UNFOLDED = {"ordinal_suffixes"}  # matched as written (lower case): "ème" and "eme" are both listed


class LexiconError(PolicyError):
    """A lexicon file that cannot be read: the recognizers would silently miss its words, so the run
    stops (at start-up: the text stage's ``warm_up`` reads the lexicons)."""


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The words of every lexicon file, joined key by key (first occurrence kept), as matched:
    folded (see the module's docstring). ``files``: the files read, in order."""

    files: tuple[Path, ...]
    words: dict[str, tuple[str, ...]] = field(repr=False)

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self.words[key]

    def set(self, key: str) -> frozenset[str]:
        return frozenset(self.words[key])


def lexicon_files() -> list[Path]:
    """The package's files (sorted by name), then those of ``$PHOTOSCREEN_LEXICONS``."""
    files = sorted(FOLDER.glob("*.toml"))
    for entry in filter(None, os.environ.get(ENV, "").split(os.pathsep)):
        path = Path(entry)
        if path.is_dir():
            files += sorted(path.glob("*.toml"))
        elif path.is_file():
            files.append(path)
        else:
            raise LexiconError(_("{env} names {path}, which is neither a lexicon file nor a folder of them: fix {env} "
                                 "or create it").format(env=ENV, path=path))
    return files


def read_file(path: Path) -> dict[str, list[str]]:
    """One lexicon file's lists, checked: known keys (and ``language``), lists of non-empty strings."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise LexiconError(_("lexicon file {path} cannot be read ({error}): save it as TOML in UTF-8").format(
            path=path, error=e)) from e
    out = {}
    for key, value in data.items():
        if key == "language":
            continue
        if key not in KEYS:
            message = _("lexicon file {path}: unknown key {key}; the keys, with what each one does, are KEYS in "
                        "{where}").format(path=path, key=repr(key), where=__file__)
            close = difflib.get_close_matches(key, KEYS, n=1)
            raise LexiconError(message + (" " + _("(did you mean {key}?)").format(key=repr(close[0])) if close else ""))
        if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
            raise LexiconError(_("lexicon file {path}: {key} must be a list of words (non-empty strings in quotes)")
                               .format(path=path, key=key))
        out[key] = value
    return out


def matched_form(key: str, word: str) -> str:
    """A word as it is matched: folded, or for ``UNFOLDED`` keys in lower case."""
    word = " ".join(word.split())
    return word.lower() if key in UNFOLDED else fold(word)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Every lexicon file's words, read once per process (``reload`` reads them again)."""
    files = lexicon_files()
    joined: dict[str, dict[str, None]] = {key: {} for key in KEYS}
    for path in files:
        for key, words in read_file(path).items():
            joined[key].update(dict.fromkeys(matched_form(key, w) for w in words))
    return Lexicon(tuple(files), {key: tuple(words) for key, words in joined.items()})


def reload() -> Lexicon:
    """Read the lexicon files again (``$PHOTOSCREEN_LEXICONS`` as it is now): what is derived from them
    (pipeline/text/recognizers/vocabulary.py) follows at its next use."""
    lexicon.cache_clear()
    return lexicon()


def common_words() -> frozenset[str]:
    """The common words of every lexicon (folded): never a surname alone."""
    return _common_words(lexicon())


@lru_cache(maxsize=2)
def _common_words(lex: Lexicon) -> frozenset[str]:
    return lex.set("common_words")
