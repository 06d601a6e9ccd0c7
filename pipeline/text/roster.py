"""Class rosters: the CSV a spreadsheet saves, read into the names the name recognizer looks for.

``Roster.from_csv`` reads one (separator sniffed, header or none, one column of full names or first-
and last-name columns in either order); ``load_roster`` reads it again only when its file changes.
The file is read by pipeline/textfile.py: a regular file only (a FIFO or a device is refused, never
waited on), decoded one way for the whole file (UTF-8, UTF-16 with a byte-order mark, or wholly
Windows-1252) or refused with the line to fix. ``read_csv_rows`` serves the posts CSV of
pipeline/stages/captions.py the same way.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from ..i18n import N_, _
from ..policy import PolicyError
from ..textfile import read_text
from .folding import fold
from .lexicons import common_words


class RosterError(PolicyError):
    """A roster that cannot be read, or that yields no names: the run stops (exit 2) rather than
    screening with a roster that silently matches nothing."""


# Header cells (folded, runs of other characters as "_") naming the roster's columns, in English and French.
FULL_NAME_HEADERS = {"name", "names", "full_name", "fullname", "student", "students", "student_name", "pupil",
                     "pupil_name", "learner", "eleve", "eleves", "nom_eleve", "nom_de_l_eleve", "nom_complet",
                     "nom_prenom", "prenom_nom", "nom_et_prenom", "prenom_et_nom", "nom_prenoms", "prenoms_nom"}
FIRST_NAME_HEADERS = {"first", "first_name", "firstname", "first_names", "given", "given_name", "given_names",
                      "givenname", "forename", "forenames", "prenom", "prenoms", "prenom_s", "prenom_eleve"}
LAST_NAME_HEADERS = {"last", "last_name", "lastname", "surname", "surnames", "family", "family_name", "familyname",
                     "nom", "noms", "nom_de_famille", "nom_famille", "nom_d_usage", "nom_eleve_famille"}
# particles that belong to the surname in a full name: "Marc de la Fontaine", "Anna van Dijk"
SURNAME_PARTICLES = {"de", "del", "della", "der", "des", "di", "da", "dos", "du", "la", "le", "van", "von", "st", "ter"}
MAX_ROSTER_BYTES = 10 * 1024 * 1024
SEPARATORS = ("\t", ";", ",")  # in this order on a tie: a comma is the likeliest to stand inside a name
SEPARATOR_NAMES = {"\t": N_("tab"), ";": N_("semicolon"), ",": N_("comma")}

# A surname alone (a jersey reading THIESSEN) is matched only when it has at least this many letters
# and is not a common word: "Petit", "White" or "Rose" alone on a poster are words, not students.
SURNAME_ALONE_MIN_LETTERS = 4
SURNAME_ALONE_SCORE = 0.7  # blocks (text.min_score 0.5), below metadata's STRICT_SCORE (0.8) for technical fields
# A surname on the lexicons' common words (pipeline/text/lexicons/: common English and French words of at
# least 4 letters that are also surnames) is never matched alone, and neither is an OCR word on it ("more"
# is not a misread "Moore").


def header_key(cell: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(cell)).strip("_")


def _name_problem(cell: str) -> str | None:
    if any(c.isdigit() for c in cell) or "@" in cell:
        return _("holds digits or an e-mail address, not a name")
    if not any(c.isalpha() for c in cell):
        return _("holds no letters")
    return None


def _split_full_name(cell: str) -> tuple[str, str] | None:
    """``"Marc Thiessen"``, ``"Thiessen, Marc"``, ``"THIESSEN Marc"``, ``"Marc de la Fontaine"``:
    ``(first, last)``, or None when the cell holds one word only."""
    if "," in cell:
        last, _comma, first = cell.partition(",")
        return (first.strip(), last.strip()) if first.strip() and last.strip() else None
    tokens = cell.split()
    if len(tokens) < 2:
        return None
    capitals = [t for t in tokens if len(t) >= 2 and t.isupper()]
    if capitals and len(capitals) < len(tokens):  # French usage: the surname in capitals
        return " ".join(t for t in tokens if t not in capitals), " ".join(capitals)
    split = len(tokens) - 1
    while split > 1 and fold(tokens[split - 1]) in SURNAME_PARTICLES:
        split -= 1
    return " ".join(tokens[:split]), " ".join(tokens[split:])


def read_csv_rows(path: Path, where: str, error: type[PolicyError] | None = None) -> tuple[str, list[tuple[int, list[str]]]]:
    """The separator and the non-empty rows (``(line number, cells)``) of a CSV as spreadsheets save
    it: a regular file of at most MAX_ROSTER_BYTES, decoded one way for the whole file (see
    pipeline/textfile.py: UTF-8, UTF-16 with a byte-order mark, or wholly Windows-1252; a file mixing
    UTF-8 and Windows-1252 lines is refused, never read as mojibake). ``where`` starts the messages
    ("roster class.csv") and ``error`` is raised (RosterError by default)."""
    error = error or RosterError
    return sniff(read_text(path, where, error, MAX_ROSTER_BYTES, save_as=_("CSV UTF-8")), where, error)


def _parse_rows(text: str, separator: str) -> list[tuple[int, list[str]]]:
    """Non-empty rows as ``(line number, cells)``, trailing empty cells dropped (``Marc;Thiessen;;``)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    out, line = [], 1
    for row in reader:
        while row and not row[-1].strip():
            row.pop()
        if row:
            out.append((line, row))
        line = reader.line_num + 1
    return out


def sniff(text: str, where: str, error: type[PolicyError] | None = None) -> tuple[str, list[tuple[int, list[str]]]]:
    """The separator that splits the most rows into the same number (2 or more) of cells; a comma
    (which honours quotes: ``"Thiessen, Marc"``) when none does, for one column of full names."""
    best, best_rows, best_share = None, None, 0.0
    for separator in SEPARATORS:
        try:
            rows = _parse_rows(text, separator)
        except csv.Error:
            continue
        widths = [len(cells) for _, cells in rows]
        if not widths:
            continue
        width = max(set(widths), key=widths.count)
        share = widths.count(width) / len(widths)
        if width >= 2 and share > best_share:
            best, best_rows, best_share = separator, rows, share
    if best is not None:
        return best, best_rows
    try:
        return ",", _parse_rows(text, ",")
    except csv.Error as exc:
        raise (error or RosterError)(_("{where}: cannot be parsed as CSV ({why})").format(
                                          where=where, why=exc)) from exc


@dataclass(frozen=True)
class Roster:
    """Class list: full names as (first, last), folded for matching."""

    names: tuple[tuple[str, str], ...]
    separator: str = ","
    layout: str = ""  # how the names were read, for the start-up message

    @classmethod
    def from_csv(cls, path: Path) -> Roster:
        """A class list as spreadsheets save it: comma, semicolon or tab separators (sniffed), a
        header row or none, one column of full names ("Marc Thiessen", "Thiessen, Marc", "THIESSEN
        Marc") or first- and last-name columns in either order (headers first/last, prénom/nom and
        the like; without a header, the first two columns of names as first, last, unless the first
        one is in capitals), UTF-8 with or without BOM, UTF-16 with a BOM, or Windows-1252 throughout
        (a mix of UTF-8 and Windows-1252 lines is refused: see pipeline/textfile.py).

        Raises RosterError (a PolicyError: exit 2 at start-up) naming the file and the line when a
        line cannot be read as a name, and when the file yields no names at all: a roster that
        matches nothing must not pass for one that found no student."""
        path = Path(path)
        where = _("roster {path}").format(path=path)
        separator, rows = read_csv_rows(path, where)
        if not rows:
            raise RosterError(_("{where}: no names in it (the file is empty)").format(where=where))
        header = [header_key(c) for c in rows[0][1]]
        first = next((i for i, h in enumerate(header) if h in FIRST_NAME_HEADERS), None)
        last = next((i for i, h in enumerate(header) if h in LAST_NAME_HEADERS and i != first), None)
        full = next((i for i, h in enumerate(header) if h in FULL_NAME_HEADERS), None)
        has_header = first is not None or last is not None or full is not None
        body = rows[1:] if has_header else rows
        if has_header:
            if first is not None and last is not None:
                columns: tuple[int, ...] = (first, last)
            elif full is not None:
                columns = (full,)
            elif last is not None and header[last] == "nom" and first is None:
                columns = (last,)  # a lone "Nom" column holds whole names
            else:
                named = _("first") if first is not None else _("last")
                raise RosterError(_("{where}, line {line}: the header names a {named}-name column but "
                                    "not the other one").format(
                                      where=where, line=rows[0][0], named=named))
        else:
            columns = _guess_columns(body, separator)
        names: list[tuple[str, str]] = []
        for line, cells in body:
            if len(cells) <= max(columns):
                raise RosterError(_("{where}, line {line}: {cells} cell(s), expected a name in column "
                                    "{column} ({separator}-separated)").format(
                                      where=where, line=line, cells=len(cells), column=max(columns) + 1,
                                      separator=_(SEPARATOR_NAMES[separator])))
            values = [cells[c].strip() for c in columns]
            for c, value in zip(columns, values):
                problem = _("is empty") if not value else _name_problem(value)
                if problem:
                    raise RosterError(_("{where}, line {line}, column {column}: {problem}").format(
                                          where=where, line=line, column=c + 1, problem=problem))
            if len(columns) == 1:
                pair = _split_full_name(values[0])
                if pair is None:
                    raise RosterError(_("{where}, line {line}: one word only, expected a first and a "
                                        "last name").format(
                                          where=where, line=line))
            else:
                pair = (values[0], values[1])
            folded = (" ".join(fold(pair[0]).split()), " ".join(fold(pair[1]).split()))
            if folded not in names:
                names.append(folded)
        if not names:
            raise RosterError(_("{where}: no names in it (a header and no rows)").format(where=where))
        layout = N_("full names") if len(columns) == 1 else N_("first and last names")
        return cls(tuple(names), separator, layout)

    @cached_property
    def surnames_alone(self) -> tuple[str, ...]:
        """Surnames matched even without the first name: at least SURNAME_ALONE_MIN_LETTERS letters
        and not a common English or French word."""
        out = []
        for _first, last in self.names:
            if letters(last) >= SURNAME_ALONE_MIN_LETTERS and last not in common_words() and last not in out:
                out.append(last)
        return tuple(out)

    @cached_property
    def first_names_alone(self) -> tuple[str, ...]:
        """First names matched alone too (a name tag, a paper where only the first name is written): the same
        rules as ``surnames_alone``."""
        out = []
        for first, _last in self.names:
            if letters(first) >= SURNAME_ALONE_MIN_LETTERS and first not in common_words() and first not in out:
                out.append(first)
        return tuple(out)


def _guess_columns(rows: list[tuple[int, list[str]]], separator: str) -> tuple[int, ...]:
    """Columns of a roster without a header: the first two columns that hold names on every row
    (first, last; last, first when the first is in capitals, "THIESSEN;Marc", or when a comma is
    followed by a space on every row, "Thiessen, Marc" unquoted); else one column of full names."""
    width = max(len(cells) for _, cells in rows)
    named = [c for c in range(width)
             if all(c < len(cells) and cells[c].strip() and _name_problem(cells[c]) is None for _, cells in rows)]
    if len(named) < 2:
        return (named[0],) if named else (0,)
    a, b = named[:2]
    in_capitals = all(cells[a].strip().isupper() for _, cells in rows) and \
        not all(cells[b].strip().isupper() for _, cells in rows)
    last_comma_first = separator == "," and width == 2 and all(cells[1].startswith(" ") for _, cells in rows)
    return (b, a) if in_capitals or last_comma_first else (a, b)


def letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def load_roster(path: str) -> Roster | None:
    """The roster of ``text.roster`` (None when it is empty), read again when its file changes (a
    roster edited in place between two runs of a long-lived process must not be ignored)."""
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError as exc:  # a roster named in a policy file that is missing: exit 2, not a crash
        raise RosterError(_("{where}: cannot read it ({why})").format(
                              where=_("roster {path}").format(path=path), why=exc.strerror or exc)) from exc
    return _roster_version(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _roster_version(path: str, mtime_ns: int, size: int) -> Roster:
    return Roster.from_csv(Path(path))

