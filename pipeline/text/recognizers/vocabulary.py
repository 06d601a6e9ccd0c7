"""The lexicons' words as the recognizers use them: folded word lists and the regexes built from them.

Each regex that holds words (labels, headers, test titles) is built here from the lexicon files
(``pipeline/text/lexicons/``), as an alternation of the words escaped, so the data files are the one
place those words live. A label of several words is matched with spaces between its words as each
regex says (``phrase``), an apostrophe in it optional ("numero d eleve").

``vocabulary()`` builds it once per lexicon: when the lexicons are read again
(``pipeline.text.lexicons.reload``), the next call builds it again.
"""

from __future__ import annotations

import re

from ..folding import fold
from ..lexicons import Lexicon, lexicon

NEVER = "(?!)"  # the alternation of no word: matches nothing


def phrase(text: str, space: str = r"\s*", apostrophe: bool = True) -> str:
    """The regex of a folded label: its words escaped and joined by ``space``; an apostrophe in a word
    optional and followed by any spaces ("numero d'eleve": numero\\s*d'?\\s*eleve) unless not ``apostrophe``."""
    def word(w: str) -> str:
        return r"'?\s*".join(re.escape(p) for p in w.split("'")) if apostrophe else re.escape(w)
    return space.join(word(w) for w in text.split())


NAME_LABEL_FUZZY_LETTERS = 10  # a name label of this many letters ("nom et prénom") is known two letters off
NAME_WORD_FUZZY_LETTERS = 5  # ... and one of one word ("élève", "student") one letter off, before a colon
EXERCISE_FUZZY_LETTERS = 5  # shorter start words ("find", "show", "add") one letter off are other words


def alternation(words, space: str = r"\s+", apostrophe: bool = True) -> str:
    """``(?:w1|w2|...)`` of the words' phrases; a never-matching group for no word."""
    words = list(words)
    return "(?:" + "|".join(phrase(w, space, apostrophe) for w in words) + ")" if words else NEVER


def long_words(labels, size: int) -> tuple[str, ...]:
    """The words of ``size`` letters or more in the labels, in order."""
    out: dict[str, None] = {}
    for label in labels:
        out.update(dict.fromkeys(w for w in re.findall(r"[^\W\d_]+", label) if len(w) >= size))
    return tuple(out)


def first_word_letters(label: str) -> int:
    return sum(c.isalpha() for c in label.split()[0])


LABEL_SIGNS = (":", " :", "#", " #")  # how an abbreviation ("ID") counts as context: "ID:", "ID :", "ID#", "ID #"
ID_FUZZY_LETTERS = 7  # an ID label's words of this many letters or more are compared to misread words


class Vocabulary:
    """Everything the recognizers derive from one ``Lexicon`` (see the lexicon's ``KEYS``)."""

    def __init__(self, lex: Lexicon):
        self.lexicon = lex
        w = lex.words
        abbreviations = set(w["id_abbreviations"])
        labels = w["id_labels"]
        # --- student IDs
        self.id_labels = labels
        # a label or context word on a number's line or the line above: an abbreviation only with its sign
        self.id_context = tuple(dict.fromkeys(
            [x for label in labels for x in ([label + s for s in LABEL_SIGNS] if label in abbreviations else [label])]
            + list(w["id_context"])))
        self.not_id_context = w["not_id_context"]
        self.student_words = w["student_words"]
        self.school_words = w["school_words"]
        self.receipt_words = w["receipt_words"]
        self.id_fuzzy_words = tuple(dict.fromkeys(long_words(labels, ID_FUZZY_LETTERS) + w["id_misread_words"]))

        def before(label: str) -> str:
            body = label.rstrip(" :#")
            start = r"\b" if body.split()[0] in abbreviations else ""
            return start + phrase(body) + (r"\s*#" if label.endswith("#") else r"\s*[:#]")
        # an ID label and its colon ending the text before a short number: "Numéro d'élève :", "Student ID:"
        worded = [x for x in labels if any(c.isalpha() for c in x)]
        self.id_label_before = re.compile("(?:" + "|".join(before(x) for x in worded) + r")\s*$" if worded else NEVER)
        # an ID label on a student's own paper or report card: a long one ("ID" or "N°" is on badges too)
        paper = [x for x in worded if first_word_letters(x) >= 3]
        self.student_id_label = re.compile(r"\b" + alternation(paper, r"\s*") + r"\b")
        # the run-in labels: label words run into their value ("StudentID48213977", "Score12/20")
        run_in = w["id_run_in"] + w["grade_run_in"]
        self.run_in_label = re.compile(r"([^\W\d_]*?" + alternation(run_in) + r")([:#]?)(\d[\d/.,%]*)", re.IGNORECASE)
        self.run_in_whole = frozenset(run_in) - set(w["id_run_in_tail_only"])
        self.run_in_short = frozenset(x for x in run_in if len(x) <= 2)
        # --- grades
        self.grade_context = w["grade_context"]
        self.grade_price_labels = lex.set("grade_price_labels")
        self.labelled_out_of = re.compile(r"\b" + alternation(w["grade_score_labels"]) + r"\s*[:=]\s*"
                                          r"(\d{1,3}(?:[.,]\d{1,2})?\s?/\s?\d(?:\s?\d){1,3})(?![\d/])", re.IGNORECASE)
        self.labelled_number = re.compile(r"\b(" + alternation(w["grade_number_labels"]) + r")\s*[:=]\s*"
                                          r"(\d{1,3}(?:[.,]\d{1,2})?)[^\w%/]*$", re.IGNORECASE)
        self.labelled_run = re.compile(r"\b" + alternation(w["grade_run_labels"]) + r"\s*[:=]\s*(\d{3,6})[^\w%/]*$",
                                       re.IGNORECASE)
        self.letter_after_label = re.compile(
            r"\b(?:(?i:" + alternation(w["grade_letter_labels"]) + r")(?![a-zA-Z])\s*[:=-]?|(?i:" +
            alternation(w["grade_letter_labels_colon"]) + r")\s*[:=])\s*([A-F][+-]?|[a-f][+-])(?![\w])")
        self.label_short_mark = re.compile(r"\b" + alternation(w["grade_short_mark_labels"]) + r"\s*:\s*(\S{1,2})\s*$",
                                           re.IGNORECASE)
        self.grade_level_words = lex.set("grade_level_words")
        self.ordinal = alternation(w["ordinal_suffixes"])
        self.ordinal_number = re.compile(r"^\d+" + self.ordinal + "$")  # "5th", "5ème"
        self.grade_level = re.compile(
            r"\b" + alternation(w["grade_level_words"]) + r"\s*\d{1,2}\b(?!\s*/)|\b\d{1,2}" + self.ordinal +
            r"\s+" + alternation(w["grade_level_after_ordinal"]) + r"\b", re.IGNORECASE)
        self.price = re.compile(alternation(w["currency_signs"]) + r"|\d[.,]\d\d\b(?!\s?/)|\b" +
                                alternation(w["currency_words"]) + r"\b", re.IGNORECASE)
        # grade and ID labels a word read with a letter or two wrong before a colon is read as
        self.respelled_labels = tuple(dict.fromkeys(w["grade_respelled_labels"] + long_words(labels, ID_FUZZY_LETTERS)))
        self.pen_labels = w["pen_labels"]
        self.pen_labels_not_at_end = w["pen_labels_not_at_end"]
        self.pen_labels_with_number = w["pen_labels_with_number"]
        self.pen_not_mark_words = w["pen_not_mark_words"]
        # --- names
        self.name_label = re.compile(r"\b" + alternation(w["name_labels"]) + r"\s*:\s*", re.IGNORECASE)
        self.name_label_alone = re.compile(r"\W*" + alternation(w["name_labels_alone"], " ") + r"\s*:?\W*")
        # a label starting the line, its name after it with no colon ("Name Inès Abernathy"): the longest label first
        no_colon = sorted(w["name_labels_no_colon"], key=len, reverse=True)
        self.name_label_start = re.compile(r"^\W*" + alternation(no_colon) + r"\s+(?=[^\W\d_])")
        # the labels alone of several words, in letters only, for a label misread ("Nou et prdn om")
        self.name_label_letters = tuple(dict.fromkeys(
            x for x in (re.sub(r"[\W\d_]", "", fold(label)) for label in w["name_labels_alone"] if " " in label)
            if len(x) >= NAME_LABEL_FUZZY_LETTERS))
        # ... and the labels of one word of NAME_WORD_FUZZY_LETTERS or more, for one misread before its colon ("Elve:")
        self.name_label_word_letters = tuple(dict.fromkeys(
            x for x in (fold(label) for label in w["name_labels"] + w["name_labels_alone"] if " " not in label)
            if len(x) >= NAME_WORD_FUZZY_LETTERS))
        self.not_name_words = lex.set("not_name_words")
        self.student_headers = frozenset(x.replace(" ", "_") for x in w["header_students"])
        # an exercise: its number, then the word it starts with ("1. Write 15/20 as a percent", "Calcule 3/4 de 20")
        # (its title, "Exercice 2 :", may stand before it: "Exercice 1 : 4/5" alone is a mark); the number's
        # full stop is often read as a comma ("5, Calcule 25 % de 80", Tesseract)
        self.exercise = re.compile(
            r"^\W*(?:(?:exercise|exercice|ex)\.?\s*\d{0,2}\s*[:.)-]?\s*)?(?:\d{1,2}\s*[.,)]?|[a-h]\s*\))?\s*" +
            alternation(w["exercise_starts"]) + r"(?![^\W\d_])|" +
            alternation(x for x in w["exercise_words"] if " " in x) + r"(?![^\W\d_])")
        # ... and its first word read with a letter wrong or split ("7. Eeris 7/10 sous for me decim ale",
        # PP-OCR's reading of "7. Écris 7/10 sous forme décimale"): the numbered line's first word, or its
        # first two when the first is one letter, one edit from a start word of EXERCISE_FUZZY_LETTERS or more
        self.exercise_numbered = re.compile(r"^\W*\d{1,2}\s*[.,)]\s*([^\W\d_]+)(?:\s+([^\W\d_]+))?")
        self.exercise_start_words = long_words([x for x in w["exercise_starts"] if " " not in x], EXERCISE_FUZZY_LETTERS)
        # praise and then a letter grade ending the line ("Great work! B", "BRAVO | B+", "GOOD JOB!D", "Super 1 C": its
        # "!" read as a 1), or a word or two and an exclamation mark before it ("Exc el lert ! b +", "God ja! C": the
        # praise misread); after a praise word, a "(" ending the line is its C misread ("NICE WORK ("), and its "!" read
        # as a letter and joined to both ("BravoIA-")
        self.praise_letter = re.compile(r"(?:\b" + alternation(w["praise_words"]) + r"\b\s*[!.,:|1]*|"
                                        r"[^\W\d_]{3,}(?:\s+[^\W\d_]{2})?\s*!+)"
                                        r"\s*(?<![^\W\d_])([A-Fa-f](?:\s?[+-])?)[!.\s]*$|"
                                        r"\b" + alternation(w["praise_words"]) + r"\b\s*[!.,:|]*\s*(\()\s*$|"
                                        r"\b" + alternation(w["praise_words"]) + r"[il|1]([a-f](?:\s?[+-])?)[!.\s]*$")
        # --- tests: a line that is only a test's title and number ("Quiz 4", "Devoir n° 3"), or with its
        # subject ("Maths test", "Spelling quiz 3", "Contrôle de français", "Devoir n°2 de maths"); not a
        # sentence about a test ("Test on Friday", "Quiz next week")
        after, before_subject = w["test_words_after_subject"], w["test_words_before_subject"]
        number = r"\s*" + alternation(w["number_signs"]) + r"?\s*\d{1,2}"
        self.test_title = re.compile(
            alternation(after + before_subject) + number +
            r"|(?:[^\W\d_]+\s+){1,2}" + alternation(after) + "(?:" + number + ")?" +
            "|" + alternation(before_subject) + "(?:" + number + r")?(?:\s+" +
            alternation(w["subject_prepositions"], apostrophe=False) + r"\s*[^\W\d_]+(?:\s+[^\W\d_]+)?)?")
        self.list_title_words = w["list_title_words"]
        # --- tables
        self.grade_headers = lex.set("header_grades")
        self.strong_grade_headers = lex.set("header_grades_strong")
        self.cut_grade_headers = lex.set("header_grades_cut")
        self.not_cut_headers = lex.set("header_not_cut")
        self.test_headers = lex.set("header_tests")
        self.id_headers = lex.set("header_ids")
        self.table_headers = lex.set("header_others")
        self.header_words = self.grade_headers | self.test_headers | self.id_headers | self.table_headers
        self.long_header_words = sorted(x for x in self.header_words if len(x) >= 5 and "_" not in x)
        # a header token that is a total or a part of "out of" ("/20", "(%)", "sur20", "out", "of")
        out_of = [re.escape(x) + r"\d{0,3}" if len(x.split()) == 1 else "|".join(map(re.escape, x.split()))
                  for x in w["header_out_of"]]
        self.header_out_of = re.compile("|".join([r"/\d{1,3}", r"\(?%\)?"] + out_of))
        self.common_words = lex.set("common_words")


_CURRENT: list[Vocabulary] = []


def vocabulary() -> Vocabulary:
    """The vocabulary of the lexicons as they are now (built again after ``lexicons.reload``)."""
    lex = lexicon()
    if not _CURRENT or _CURRENT[0].lexicon is not lex:
        _CURRENT[:] = [Vocabulary(lex)]
    return _CURRENT[0]


def misread_name_label(folded: str) -> bool:
    """A line that is a name label alone, misread: one of several words with up to two letters wrong ("nou et
    prdn om", "nom et prenam" for "Nom et prénom"; a colon after it or not), the label long enough that no
    other line comes so close; or one word of NAME_WORD_FUZZY_LETTERS or more with one letter wrong and its
    colon ("elve:" for "Élève :")."""
    from rapidfuzz.distance import Levenshtein

    v = vocabulary()
    letters = re.sub(r"[\W\d_]", "", folded)
    if len(letters) >= NAME_LABEL_FUZZY_LETTERS - 2 and any(
            Levenshtein.distance(letters, label, score_cutoff=2) <= 2 for label in v.name_label_letters):
        return True
    word = re.fullmatch(r"\W*([^\W\d_]+)\s*:\W*", folded)
    return bool(word) and len(word.group(1)) >= NAME_WORD_FUZZY_LETTERS - 1 and any(
        Levenshtein.distance(word.group(1), label, score_cutoff=1) <= 1 for label in v.name_label_word_letters)
