"""What stands around a name, a grade or a population term in a caption (issue 39).

A caption is prose, not a page of OCR: who a word is depends on its neighbours.

- ``sentence_breaks``: a caption cut into sentences, except after a title ("Mr. Gagnon") or a
  name's initial ("Lucas M. and Sofia D."), which end no sentence.
- ``staff_named``: a name after a title or an honorific (``staff_titles``: Mme, M., Mr, Mrs, Ms, Dr,
  Mlle, Prof) is a member of staff's ("Merci à Mme Tremblay"), even when a student has that surname.
- ``first_names``: with a roster, a student's first name alone is a name ("Congrats to Maya"), with
  an initial too ("Lucas M."). Not: a word written in lower case ("a jade necklace"); a first name
  that is a common word (Grace, Hope, Mark) starting a sentence ("Hope to see you"); one inside a
  hyphenated compound ("Saint-Laurent", "rue Victor-Hugo"); after a title; after a place word
  ("Lake Louise"), a place preposition ("in Victoria") or a trip ("voyage à Florence"); beside
  another capitalised word, as part of someone else's name or a proper noun ("Victor Hugo",
  "Amazing Grace", "Mark Twain", "Victoria Day"), unless the caption is written all in capitals.
- ``prose_letter_grades``: a capital letter grade after a grade verb ("got an A", "earned a B+", "a
  eu A+", "a obtenu un A") in a sentence, or after the sentence, that names a student (a roster name,
  a student word or a pronoun): "Room 12 earned an A for recycling" names no student.
- ``exercise``: a sentence that is an exercise ("Write 15/20 as a percent", "convertis 12/20 en
  pourcentage"): its numbers are no one's mark.
- ``qualifies_staff``: a population term right beside a staff word ("ELL teachers", "special ed
  staff", "l'équipe d'adaptation scolaire") speaks of staff, not of a student population.

The words are the lexicons' (``pipeline/text/lexicons/``, keys in their ``KEYS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..text.folding import fold, unaccent
from ..text.lexicons import Lexicon, lexicon
from ..text.ocr import OcrLine
from ..text.recognizers import Match, Roster
from ..text.recognizers.base import words_for_span
from ..text.recognizers.vocabulary import alternation

SENTENCE_END = re.compile(r"\s*[.!?…]+(?:\s+|$)")
INITIAL = re.compile(r"^[A-Z]\.?[,;:!?)]*$")  # "M.", "D.,": a name's initial
ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)  # "d'Emma", "l'équipe"
EDGE = re.compile(r"^[^\w]+|[^\w]+$")
POSSESSIVE = re.compile(r"['’]s?$")
FIRST_NAME_SCORE = 0.7  # as a surname alone (roster.SURNAME_ALONE_SCORE): blocks
INITIAL_SCORE = 0.8
PROSE_GRADE_SCORE = 0.75
MIN_NEXT_NAME_LETTERS = 3  # "Maya Go!" is no one else's name; "Mark Twain" is
MAX_FIRST_NAME_WORDS = 3
LOOK_BACK = 200  # characters before a sentence's end read for its last two words


@dataclass(frozen=True, eq=False)
class Words:
    """The caption lexicon keys, folded, built once per lexicon."""

    titles: frozenset[str]
    staff: tuple[str, ...]
    staff_prepositions: frozenset[str]
    places: frozenset[str]
    place_prepositions: frozenset[str]
    travel: frozenset[str]
    pronouns: frozenset[str]
    students: frozenset[str]
    grade_words: tuple[str, ...]
    common: frozenset[str]
    prose_grade: re.Pattern
    exercise: re.Pattern


def _single_words(words) -> frozenset[str]:
    return frozenset(w for x in words for w in re.findall(r"[^\W_]+", x))


@lru_cache(maxsize=2)
def _words_of(lex: Lexicon) -> Words:
    w = lex.words
    prose = re.compile(r"(?<![\w])(?i:" + alternation(w["grade_verbs"]) + r")\s+(?:(?i:" +
                       alternation(w["grade_articles"]) + r")\s+)?([A-F][+-]?)(?:['’]?s)?(?![\w+-])")
    exercise = re.compile(r"\b" + alternation(w["exercise_words"]) + r"\b")
    return Words(titles=frozenset(t.rstrip(".") for t in w["staff_titles"]), staff=w["staff_words"],
                 staff_prepositions=_single_words(w["staff_prepositions"]), places=frozenset(w["place_words"]),
                 place_prepositions=frozenset(w["place_prepositions"]), travel=frozenset(w["travel_words"]),
                 pronouns=frozenset(w["student_pronouns"]), students=frozenset(w["student_words"]),
                 grade_words=w["grade_context"], common=frozenset(w["common_words"] + w["word_first_names"]), prose_grade=prose,
                 exercise=exercise)


def words() -> Words:
    return _words_of(lexicon())


def bare(text: str) -> str:
    """A word as a name is written in it: no quotes or punctuation around it, no elision before it
    ("d'Emma"), no possessive after it ("Maya's")."""
    core = EDGE.sub("", text)
    core = ELISION.sub("", core)
    return POSSESSIVE.sub("", core)


def is_title(text: str) -> bool:
    """A title or an honorific as written: with its capital ("Mme", "Dr.", "M."), not "miss" or "me"."""
    core = text.strip("\"'“”«»()[],;:")
    return core[:1].isupper() and fold(core.rstrip(".")) in words().titles


def _is_initial_after_name(line_words, i: int) -> bool:
    """``line_words[i]`` is a single capital after a capitalised word ("Lucas M."): an initial, not a title."""
    return bool(INITIAL.match(line_words[i].text)) and i > 0 and line_words[i - 1].text[:1].isupper() and \
        not is_title(line_words[i - 1].text)


def sentence_breaks(text: str) -> str:
    """``text`` with a line break at each sentence's end, but none after a title ("Mr. Gagnon", "M.
    Bernard") nor after a capital initial that follows a capitalised word ("Lucas M. and Sofia D.")."""
    def cut(m: re.Match) -> str:
        before = text[max(0, m.start() - LOOK_BACK):m.start()].split()  # not the whole text: a post of megabytes
        last = before[-1] if before else ""
        if m.group().lstrip().startswith(".") and m.end() < len(text):
            if is_title(last) or (re.fullmatch(r"[A-Z]", last) and len(before) > 1 and before[-2][:1].isupper()):
                return m.group()
        return "\n"
    return SENTENCE_END.sub(cut, text)


def staff_named(match: Match, places: dict[int, tuple[int, int]], lines: list[OcrLine]) -> bool:
    """A name match right after a title ("Mme Tremblay", "Dr. Martin"): staff, not a student."""
    if match.kind != "name" or not match.words or id(match.words[0]) not in places:
        return False
    n, i = places[id(match.words[0])]
    line_words = lines[n].words
    return i > 0 and is_title(line_words[i - 1].text) and not _is_initial_after_name(line_words, i - 1)


def loose_full_name(match: Match, roster: Roster | None, min_similarity: float) -> bool:
    """A roster full name matched on its letters as a whole but not word by word: "Victoria sent" is not
    "Victoria Santos" (a caption is typed, its words are read as written; a typo in one word, "Sofia
    Delgato", still matches that word)."""
    from rapidfuzz import fuzz

    if match.kind != "name" or roster is None or len(match.words) < 2 or not match.why.startswith("matches a name"):
        return False
    written = [fold(re.sub(r"[^\w'-]", "", w.text)) for w in match.words]
    for first, last in roster.names:
        for order in (first.split() + last.split(), last.split() + first.split()):
            if len(order) == len(written) and all(fuzz.ratio(a, b) >= min_similarity for a, b in zip(written, order)):
                return False
    return True


def _shouting(line: OcrLine) -> bool:
    letters = [c for c in line.text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _sentence_start(line_words, i: int) -> bool:
    return not any(any(c.isalpha() for c in w.text) for w in line_words[:i])


def _place_before(line_words, i: int) -> bool:
    """A place word right before ("Lake", "rue"), a place preposition ("in Victoria"), or a trip one or
    two words before ("trip to Victoria", "voyage à Florence")."""
    w = words()
    before = [fold(bare(x.text)) for x in line_words[max(0, i - 2):i]]
    if not before:
        return False
    return before[-1] in w.places or before[-1] in w.place_prepositions or any(b in w.travel for b in before)


def _beside_capitalised(line_words, i: int, j: int, firsts) -> bool:
    """Another capitalised word right before (not the sentence's first) or right after the first name,
    with nothing between: part of someone else's name or a proper noun ("Victor Hugo", "Mark Twain")."""
    if i > 0 and not _sentence_start(line_words, i - 1):
        prev = line_words[i - 1].text
        if prev[:1].isupper() and prev[-1:].isalpha() and not INITIAL.match(prev):
            return True
    last = line_words[j - 1].text
    if j < len(line_words) and last[-1:].isalpha() and not POSSESSIVE.search(last):  # not "Maya, Liam", "Maya's"
        nxt = bare(line_words[j].text)
        if nxt[:1].isupper() and sum(c.isalpha() for c in nxt) >= MIN_NEXT_NAME_LETTERS and \
                (fold(nxt),) not in firsts and not is_title(line_words[j].text):
            return True
    return False


def _roster_firsts(roster: Roster) -> dict[tuple[str, ...], list[tuple[str, str]]]:
    out: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for first, last in roster.names:
        out.setdefault(tuple(first.split()), []).append((first, last))
    return out


def first_names(lines: list[OcrLine], roster: Roster | None, covered: set[int]) -> list[Match]:
    """A roster first name alone ("Congrats to Maya"), or with an initial after it ("Lucas M."), in
    the sentences ``lines``; words in ``covered`` (ids of words already matched) are skipped."""
    if roster is None:
        return []
    w = words()
    firsts = _roster_firsts(roster)
    sizes = sorted({len(k) for k in firsts if len(k) <= MAX_FIRST_NAME_WORDS}, reverse=True)
    out = []
    for line in lines:
        line_words = line.words
        shouting = _shouting(line)
        i = 0
        while i < len(line_words):
            found = None
            for size in sizes:
                span = line_words[i:i + size]
                if len(span) < size or any(id(x) in covered for x in span):
                    continue
                cores = [bare(x.text) for x in span]
                if not all(cores) or not cores[0][:1].isupper():
                    continue
                key = tuple(fold(c) for c in cores)
                if key in firsts:
                    found = (size, key)
                    break
            if found is None:
                i += 1
                continue
            size, key = found
            j = i + size
            name = " ".join(key)
            if (name in w.common and _sentence_start(line_words, i)) or \
                    (i > 0 and is_title(line_words[i - 1].text) and not _is_initial_after_name(line_words, i - 1)) or \
                    _place_before(line_words, i):
                i = j
                continue
            initial = j < len(line_words) and INITIAL.match(line_words[j].text) and line_words[j - 1].text[-1:].isalpha()
            if not initial and not shouting and _beside_capitalised(line_words, i, j, firsts):
                i = j
                continue
            letter = name[:1].upper()
            if initial:
                out.append(Match("name", tuple(line_words[i:j + 1]), INITIAL_SCORE,
                                 f"name {letter}••• {line_words[j].text[:1]}•••",
                                 "a first name on the class roster with an initial"))
            else:
                out.append(Match("name", tuple(line_words[i:j]), FIRST_NAME_SCORE, f"name {letter}•••",
                                 "a first name on the class roster, alone"))
            i = j + (1 if initial else 0)
    return out


def _names_student(line: OcrLine, named: bool, firsts) -> bool:
    """A name match in the sentence, a student word or pronoun, or a roster first name written with its
    capital even where it is also a word ("Jade a eu A+": the verb makes Jade a person)."""
    w = words()
    tokens = {fold(bare(x.text)) for x in line.words}
    capitalised = {(fold(bare(x.text)),) for x in line.words if bare(x.text)[:1].isupper()}
    return named or bool(tokens & w.pronouns) or any(t in w.students or t.rstrip("s") in w.students for t in tokens) \
        or bool(capitalised & firsts)


def prose_letter_grades(lines: list[OcrLine], named_lines: set[int], roster: Roster | None = None) -> list[Match]:
    """A capital letter grade after a grade verb ("got an A", "a obtenu un A+") in a sentence, or right
    after one, that names a student (``named_lines``: the sentences holding a name match)."""
    out = []
    firsts = set(_roster_firsts(roster)) if roster is not None else set()
    for n, line in enumerate(lines):
        text = unaccent(line.text)
        found = list(words().prose_grade.finditer(text))
        if not found:
            continue
        if not (_names_student(line, n in named_lines, firsts) or
                (n > 0 and _names_student(lines[n - 1], n - 1 in named_lines, firsts))):
            continue
        out += [Match("grade", words_for_span(line, m.start(1), m.end(1)), PROSE_GRADE_SCORE, "grade •",
                      "letter grade after a grade verb, in a sentence about a student") for m in found]
    return out


def exercise(line: OcrLine, named: bool) -> bool:
    """The sentence is an exercise ("Write 15/20 as a percent"), with no name and no grade word in it."""
    w = words()
    folded = fold(line.text)
    if named or not w.exercise.search(folded):
        return False
    tokens = {fold(bare(x.text)) for x in line.words}
    return not any(g in tokens for g in w.grade_words)


def qualifies_staff(tokens: list, start: int, end: int, same_word) -> bool:
    """The term at ``tokens[start:end]`` (the caption's words, each with its ``folded`` form) qualifies
    staff: a staff word right after it ("ELL teachers"), or right before it, a staff preposition between
    or not ("l'équipe d'adaptation scolaire", "équipe HDAA", "teachers of ESL"). ``same_word(token,
    staff_word)``: the caption's matching of a word with its endings."""
    w = words()

    def staff_at(k: int) -> bool:
        return 0 <= k < len(tokens) and any(same_word(tokens[k], s) for s in w.staff)
    if staff_at(end) or staff_at(start - 1):
        return True
    return start >= 2 and tokens[start - 1].folded in w.staff_prepositions and staff_at(start - 2)
