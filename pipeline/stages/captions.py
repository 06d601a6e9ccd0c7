"""Captions, tags and alt text: what a post says about students (issue 19).

The guidance forbids tagging students without permission and captions that single out a population
of students ("for example, students in special education"). A caption is checked for:

- ``name``: a name on the class roster (full, or the surname alone) or after a "Name:"-style label,
  found by the text stage's name recognizer; in a caption also a roster first name alone ("Congrats to
  Maya") or with an initial ("Lucas M."), but not a name after a title ("Merci à Mme Tremblay": staff),
  nor a first name that is a word, a place or part of someone else's name (``caption_context``);
- ``student_id`` and ``grade``: the text stage's ID and grade recognizers, with their look-alike
  rules ("5th grade" and "Grade 7" are grade levels, "Final score 21-14" a game score, "555-0134" a
  phone number); a letter grade after a grade verb beside a student ("Emma got an A", "a obtenu un
  A+"); not an exercise's numbers ("Write 15/20 as a percent");
- ``tag``: an @handle that is not an official account (see ``is_official``), or a person tag in a
  photo's metadata (XMP PersonInImage, face-region names);
- ``population``: a special-population term of the policy's ``[captions]`` lists, matched as whole
  words and phrases with accents and case folded, never as part of a word ("special thanks" is not
  special education). A term written in capitals in the policy (an acronym: IEP, FARMS, TSA, PEI)
  is matched only where the caption writes it in capitals, or as a whole hashtag (#IEP, #iep): in
  lower case, "farms", "tsa" or "pei" are other words. Terms of ``near_student_populations``
  ("gifted", "remedial", "handicap") single out students only beside a student word ("gifted
  students", "élèves handicapés"), not in "a gifted local artist". A term that qualifies staff ("ELL
  teachers", "special ed staff", "l'équipe d'adaptation scolaire") singles out no students.

Findings are whole-image (box null), kind ``caption`` with a ``category``, a masked ``hint`` and the
``source`` (``caption`` for the post's text, else the metadata field): never the caption's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..findings import Finding
from ..media.metadata_fields import TextField
from .caption_context import (exercise, first_names, loose_full_name, prose_letter_grades, qualifies_staff,
                              sentence_breaks, staff_named)
from .metadata_text import line_windows, pseudo_lines
from ..policy import PolicyError
from ..text.folding import fold, unaccent
from ..text.recognizers import LETTER_ALONE, REGISTRY, Match, Page, vocabulary
from ..text.roster import header_key, load_roster, read_csv_rows
from ..i18n import N_, _

DETECTOR = "caption"
SOURCE = "caption"  # the post's text, as opposed to a metadata field
NEAR_WINDOW = 2  # words either side of a near-student term where a student word must stand
# endings a word may take and still be the policy's word: plurals, French feminine ("handicapées")
ENDINGS = ("", "s", "es", "x", "e")
HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")
HASHTAG = re.compile(r"#([^\W_][\w]*)")
WORD = re.compile(r"[^\W_]+")
CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# prefixes and suffixes of a handle's parts: an organisation word must be at least this long to
# count inside a part ("lincolnschool", "ecolemontcalm"); shorter ones ("pta") only as a whole part
ORGANISATION_AFFIX_MIN = 5
# why a finding was made, in English in the finding (report.json's findings are English, like their
# kinds), marked for the catalogue and translated where it is shown (``why_in_language``)
CATEGORY_LABEL = {"name": N_("student name"), "tag": N_("tag"), "population": N_("special-population term"),
                  "student_id": N_("student ID"), "grade": N_("grade")}
POPULATION_WHY = (N_("special-population term beside a student word"), N_("special-population term"),
                  N_("special-population term as a hashtag"))
TAG_WHY = N_("@handle of a person (not an official account)")
IN_THE_CAPTION = N_("the caption")

# Metadata fields that carry a caption, a title or keywords (``TextField.where`` as metadata_text
# names them): checked for tags and populations. Their names, IDs and grades are metadata_text's.
CAPTION_FIELDS = ("the EXIF image description", "the Windows title", "the Windows comment",
                  "the Windows keywords", "the Windows subject", "the EXIF user comment", "the XMP dc:description",
                  "the XMP dc:subject", "the XMP dc:title", "the XMP photoshop:Headline", "the XMP lr:hierarchicalSubject",
                  "the XMP mwg-rs:Description", "the IPTC caption", "the IPTC keywords", "the IPTC headline",
                  "the IPTC title", "the JPEG comment", "the GIF comment", "a PNG text chunk",
                  "the PNG text chunk 'Description'", "the PNG text chunk 'Comment'", "the PNG text chunk 'Title'",
                  "the PNG text chunk 'Caption'", "the PNG text chunk 'Keywords'", "the PNG text chunk 'Subject'")
# Metadata fields whose every value names a person in the photo: each is a person tag.
PERSON_FIELDS = ("the XMP Iptc4xmpExt:PersonInImage", "the XMP mwg-rs:Name", "the XMP MPReg:PersonDisplayName")


class CaptionsError(PolicyError):
    """A posts CSV that cannot be read, has bad columns or yields no caption: the run stops (exit 2)
    rather than screening photos as if their posts said nothing."""


# ---------------------------------------------------------------------------------------------
# Words and terms

@dataclass(frozen=True)
class Token:
    written: str  # accents removed, case kept
    folded: str


@dataclass(frozen=True)
class Term:
    """A special-population term of the policy, as the words it is made of."""

    words: tuple[str, ...]  # folded, or as written for an acronym
    acronym: bool
    near_students: bool

    @property
    def joined(self) -> str:
        return fold("".join(self.words))


def tokens(text: str) -> list[Token]:
    """The words of ``text`` (runs of letters and digits; apostrophes and hyphens split them), a
    hashtag's CamelCase words apart (#SpecialEducation: Special, Education)."""
    text = HASHTAG.sub(lambda m: " " + CAMEL.sub(" ", m.group(1)) + " ", unaccent(text))
    return [Token(w, fold(w)) for w in WORD.findall(text)]


def _is_acronym(term: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def make_term(term: str, near_students: bool = False) -> Term:
    acronym = _is_acronym(term)
    words = tuple(t.written if acronym else t.folded for t in tokens(term))
    return Term(words, acronym, near_students)


def _same_word(token: Token, word: str, acronym: bool) -> bool:
    if acronym:  # IEP, IEPs; never "iep", nor "farms" for FARMS
        return token.written in (word, word + "s")
    endings = ENDINGS if len(word) >= 3 and word.isalpha() else ("",)
    return any(token.folded == word + ending for ending in endings)


def _phrase_at(words: list[Token], i: int, phrase: tuple[str, ...], acronym: bool = False) -> bool:
    return i + len(phrase) <= len(words) and all(_same_word(words[i + k], w, acronym) for k, w in enumerate(phrase))


@lru_cache(maxsize=8)
def policy_terms(captions_policy) -> tuple[tuple[Term, ...], tuple[tuple[str, ...], ...]]:
    """The policy's population terms and student words, each compiled once."""
    terms = tuple(make_term(t) for t in captions_policy.populations + captions_policy.extra_populations) + \
        tuple(make_term(t, near_students=True) for t in captions_policy.near_student_populations)
    students = tuple(tuple(t.folded for t in tokens(w)) for w in captions_policy.student_words)
    return terms, students


def _beside_student(words: list[Token], start: int, end: int, students) -> bool:
    """A student word within NEAR_WINDOW words before ``start`` or after ``end``."""
    for i in range(max(0, start - NEAR_WINDOW), min(len(words), end + NEAR_WINDOW)):
        if not start <= i < end and any(_phrase_at(words, i, s) for s in students):
            return True
    return False


def _masked(words) -> str:
    return " ".join(w[:1].upper() + "•••" for w in words)


def _starts(words: list[Token]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Where each word stands in ``words``: positions by folded and by written form."""
    folded: dict[str, list[int]] = {}
    written: dict[str, list[int]] = {}
    for i, token in enumerate(words):
        folded.setdefault(token.folded, []).append(i)
        written.setdefault(token.written, []).append(i)
    return folded, written


def _candidates(term: Term, words: list[Token], starts) -> list[int] | range:
    """The positions, in order, where ``term``'s first word stands (as ``_same_word`` reads it): the
    only places its phrase can start. Looked up, not scanned: a post of megabytes has a million words
    and the policy a hundred terms (issue 36)."""
    if not term.words:
        return range(len(words))
    folded, written = starts
    first = term.words[0]
    if term.acronym:
        forms, index = (first, first + "s"), written
    else:
        forms, index = [first + e for e in (ENDINGS if len(first) >= 3 and first.isalpha() else ("",))], folded
    return sorted({i for form in forms for i in index.get(form, ())})


def find_populations(text: str, policy) -> list[tuple[Term, str]]:
    """``(term, why)`` for each special-population term of the policy in ``text``."""
    terms, students = policy_terms(policy.captions)
    words = tokens(text)
    starts = _starts(words)
    hashtags = {fold(h) for h in HASHTAG.findall(unaccent(text))}
    out = []
    for term in terms:
        staff = False
        for i in _candidates(term, words, starts):
            if not _phrase_at(words, i, term.words, term.acronym):
                continue
            if qualifies_staff(words, i, i + len(term.words), lambda t, w: _same_word(t, w, False)):
                staff = True  # "ELL teachers", "l'équipe d'adaptation scolaire": staff, not students
                continue
            if term.near_students and not _beside_student(words, i, i + len(term.words), students):
                continue
            out.append((term, POPULATION_WHY[0] if term.near_students else POPULATION_WHY[1]))
            break
        else:
            if not term.near_students and not staff and term.joined in hashtags:  # #specialeducation, #iep
                out.append((term, POPULATION_WHY[2]))
    return out


# ---------------------------------------------------------------------------------------------
# Tags

def _handle_parts(handle: str) -> list[str]:
    return [fold(p) for p in re.split(r"[._\d]+", CAMEL.sub("_", handle)) if p]


def is_official(handle: str, policy) -> bool:
    """An official account, not a person: a handle the policy lists (``captions.official_handles``)
    or one with an organisation word among its parts ("@lincoln_school_district", "@ecole.montcalm",
    "@riverside_elementary"), as the guidance asks of professional accounts, whose user name must
    carry the school's or the office's name. A student's handle that carries a school word passes
    for an official one: set ``captions.organisation_words`` to your district's own words to narrow it."""
    c = policy.captions
    if fold(handle) in {fold(h.lstrip("@")) for h in c.official_handles}:
        return True
    words = {fold(w) for w in c.organisation_words}
    long_words = [w for w in words if len(w) >= ORGANISATION_AFFIX_MIN]
    return any(part in words or any(part.startswith(w) or part.endswith(w) for w in long_words)
               for part in _handle_parts(handle))


def find_handles(text: str, policy) -> list[str]:
    """The @handles of ``text`` that are not official accounts (an e-mail address is no handle)."""
    return [h for h in HANDLE.findall(unaccent(text)) if not is_official(h, policy)]


# ---------------------------------------------------------------------------------------------
# Findings

def _finding(category: str, score: float, hint: str, why: str, source: str) -> Finding:
    where = IN_THE_CAPTION if source == SOURCE else source
    return Finding("caption", None, score, DETECTOR, why=f"{why} in {where}", hint=hint, category=category,
                   source=source)


# a masked hint's first word is its kind, kept in English in the report (data); said in the language in use
HINT_WORDS = {"grade": N_("grade"), "name": N_("name"), "tag": N_("tag"), "population": N_("population"),
              "ID": N_("ID")}


def hint_in_language(hint: str) -> str:
    """A masked hint as a person reads it: "grade ••/20" is "note ••/20" in French; the masked part stays."""
    word, space, rest = hint.partition(" ")
    return f"{_(HINT_WORDS[word])}{space}{rest}" if word in HINT_WORDS and rest else hint


def why_in_language(f: Finding) -> str:
    """A caption finding's ``why`` in the language in use: "grade in the caption" is "note dans la
    légende" in French. A metadata field's name (another ``source``) stays as it is."""
    where = IN_THE_CAPTION if f.source == SOURCE else f.source
    suffix = f" in {where}"
    if not f.why.endswith(suffix):
        return _(f.why)
    return _("{why} in {where}").format(why=_(f.why[:-len(suffix)]),
                                        where=_(where) if where == IN_THE_CAPTION else where)


def tag_and_population_findings(text: str, policy, source: str = SOURCE) -> list[Finding]:
    out = [_finding("tag", 0.9, f"tag @{h[:1]}•••", TAG_WHY, source)
           for h in dict.fromkeys(find_handles(text, policy))]
    out += [_finding("population", 0.9 if not term.near_students else 0.8, f"population {_masked(term.words)}",
                     why, source) for term, why in find_populations(text, policy)]
    return out


# A percentage that is a share of a group ("75% of tickets", "60 % des élèves") or a change ("up 8%",
# "improved by 5%") is nobody's mark: the word after it, and the two words before it.
SHARE_AFTER = {"of", "des", "du", "d"}
CHANGE_BEFORE = {"by", "up", "down", "increase", "increased", "rise", "rose", "grew", "gain", "hausse", "baisse",
                 "augmentation", "progression"}


def _plain(word: str) -> str:
    """A word folded, without its elision ("d'élèves": "d") or punctuation."""
    return re.sub(r"\W", "", fold(word).split("'")[0].split("’")[0])


def _places(lines) -> dict[int, tuple[int, int]]:
    """Each word's (line, position), by the word's identity: looked up once per caption, not searched
    for each match (a post of megabytes holds thousands of matches and a million words: issue 36)."""
    return {id(w): (n, i) for n, line in enumerate(lines) for i, w in enumerate(line.words)}


def _share_or_change(lines, match: Match, places: dict[int, tuple[int, int]]) -> bool:
    if match.kind != "grade" or not match.hint.endswith("%"):
        return False
    found = [places[id(w)] for w in match.words if id(w) in places]
    if not found:
        return False
    first = min(n for n, _i in found)  # the first line holding one of the match's words
    line, at = lines[first], sorted({i for n, i in found if n == first})
    after = _plain(line.words[at[-1] + 1].text) if at[-1] + 1 < len(line.words) else ""
    before = {_plain(w.text) for w in line.words[max(0, at[0] - 2):at[0]]}
    return after in SHARE_AFTER or bool(before & CHANGE_BEFORE)


def find_signed_letter_grades(lines) -> list[Match]:
    """A letter grade with its sign ("B+", "A-": never the article "A") as a word of a sentence that
    also has a grade word ("Note finale de Liam : B+"): the text stage's lone-letter pattern, word by word."""
    out = []
    for line in lines:
        if {t.folded for t in tokens(line.text)} & set(vocabulary().grade_context):
            out += [Match("grade", (w,), 0.75, "grade •", "letter grade with its sign in a sentence about marks")
                    for w in line.words if LETTER_ALONE.match(w.text)]
    return out


def recognizer_findings(text: str, policy, source: str = SOURCE) -> list[Finding]:
    """Names (roster, "Name:" labels), student IDs and grades, by the text stage's recognizers, over the
    whole text: a long one is read in windows of sentences (``metadata_text.line_windows``), each overlapping the one
    before by a sentence (what stands beside a name is read with it), so nothing past the first
    window goes unchecked."""
    t = policy.text
    roster = load_roster(t.roster)
    out = []
    # a sentence ends a pseudo line: "Go Williams! Another game" holds a surname alone, not "Williams
    # Another"; a title's or an initial's dot ends none ("Mr. Gagnon", "Lucas M. and Sofia D.")
    for lines in line_windows(pseudo_lines(sentence_breaks(text), max_lines=None)):
        page = Page([False] * len(lines), roster, t.name_min_similarity, first_names_alone=False)
        places = _places(lines)
        matches = [m for m in REGISTRY.find(lines, page, layout=()) + find_signed_letter_grades(lines)
                   if not staff_named(m, places, lines)  # "Merci à Mme Tremblay": a teacher
                   and not loose_full_name(m, roster, t.name_min_similarity)]  # "Victoria sent": no Victoria Santos
        covered = {id(w) for m in matches if m.kind == "name" for w in m.words}
        matches += first_names(lines, roster, covered)  # "Congrats to Maya", "Lucas M."
        named = {places[id(m.words[0])][0] for m in matches if m.kind == "name" and m.words and id(m.words[0]) in places}
        matches += prose_letter_grades(lines, named, roster)  # "Emma got an A"
        out += [_finding(m.kind, m.score, m.hint, CATEGORY_LABEL[m.kind], source)
                for m in sorted(matches, key=lambda m: -m.score)
                if m.score >= t.min_score and not _share_or_change(lines, m, places)
                and not _in_exercise(lines, m, places, named)]
    return out


def _in_exercise(lines, match: Match, places: dict[int, tuple[int, int]], named: set[int]) -> bool:
    """A grade in an exercise's sentence ("Write 15/20 as a percent"): the exercise's number."""
    if match.kind != "grade" or not match.words or id(match.words[0]) not in places:
        return False
    n = places[id(match.words[0])][0]
    return exercise(lines[n], n in named)




def _unique(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if (f.category, f.hint, f.source) not in seen:
            seen.add((f.category, f.hint, f.source))
            out.append(f)
    return out


def check(text: str, policy, source: str = SOURCE) -> list[Finding]:
    """Everything a caption, a post or an alt text must not say about students."""
    return _unique(recognizer_findings(text, policy, source) + tag_and_population_findings(text, policy, source))


def embedded_findings(fields: list[TextField], policy) -> list[Finding]:
    """Tags and populations in a photo's embedded captions, keywords and person fields. Names, IDs
    and grades there are found by pipeline/stages/metadata_text.py (kinds name, student_id, grade), so that
    one name is not reported twice."""
    out: list[Finding] = []
    for field in fields:
        if field.where.startswith(PERSON_FIELDS):
            people = [p for p in re.split(r"[\r\n;|]+", field.text) if any(c.isalpha() for c in p)]
            out += [_finding("tag", 0.9, f"tag {_masked(p.split()[:3])}", "person tag", field.where) for p in people]
        elif field.where.startswith(CAPTION_FIELDS):
            out += tag_and_population_findings(field.text, policy, field.where)
    return _unique(out)


# ---------------------------------------------------------------------------------------------
# The posts CSV of `photoscreen scan --captions`

TEXT_COLUMNS = ("caption", "alt_text")  # every one present is checked


def report_path(path: str) -> str:
    """A path as the report writes it: forward slashes, no leading "./"."""
    path = path.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


@dataclass(frozen=True)
class Post:
    path: str  # as in the report
    text: str
    line: int  # of the CSV, for messages


def load_posts(path: Path) -> list[Post]:
    """The posts CSV: a header with ``path`` and ``caption`` (``alt_text`` too, optionally), comma,
    semicolon or tab separated, UTF-8, UTF-16 with a byte-order mark or Windows-1252 throughout, as
    spreadsheets save it (a regular file only; a mix of UTF-8 and Windows-1252 lines is refused, see
    pipeline/textfile.py). Raises CaptionsError naming the file and the line for a bad header, a row
    with more cells than the header or without a path, and for a file with no caption at all."""
    path = Path(path)
    what = _("captions file")
    _separator, rows = read_csv_rows(path, f"{what} {path}", CaptionsError)
    if not rows:
        raise CaptionsError(_("{what} {path}: empty, expected a header path,caption").format(
                                what=what, path=path))
    line, header = rows[0][0], [header_key(c) for c in rows[0][1]]
    unknown = [c for c in header if c not in ("path",) + TEXT_COLUMNS]
    if "path" not in header or "caption" not in header or unknown or len(set(header)) < len(header):
        raise CaptionsError(_("{what} {path}, line {line}: the header must be path,caption (alt_text "
                              "optional), got {header} column(s) of which {unknown} unknown").format(
                                what=what, path=path, line=line, header=len(header), unknown=len(unknown)))
    at = {name: header.index(name) for name in header}
    posts = []
    for line, cells in rows[1:]:
        if len(cells) > len(header):
            raise CaptionsError(_("{what} {path}, line {line}: {cells} cells, the header has {header} "
                                  "(a caption with a comma must be in quotes)").format(
                                    what=what, path=path, line=line, cells=len(cells), header=len(header)))
        cells += [""] * (len(header) - len(cells))
        if not cells[at["path"]].strip():
            raise CaptionsError(_("{what} {path}, line {line}: no path").format(
                                    what=what, path=path, line=line))
        text = "\n".join(cells[at[c]] for c in TEXT_COLUMNS if c in at and cells[at[c]].strip())
        if text:
            posts.append(Post(report_path(cells[at["path"]]), text, line))
    if not posts:
        raise CaptionsError(_("{what} {path}: no caption in it (a header and no rows, or only empty "
                              "captions)").format(what=what, path=path))
    return posts


def captions_by_path(posts: list[Post], screened: set[str], path: Path) -> dict[str, str]:
    """The posts' texts by report path; CaptionsError naming the line of a post whose photo is not
    among those screened (a typo there would leave its caption unchecked)."""
    out: dict[str, str] = {}
    for post in posts:
        if post.path not in screened:
            raise CaptionsError(_("captions file {path}, line {line}: no photo screened has this path "
                                  "(paths are written as in the report: relative to the folder given)").format(
                                    path=path, line=post.line))
        out[post.path] = out[post.path] + "\n" + post.text if post.path in out else post.text
    return out
