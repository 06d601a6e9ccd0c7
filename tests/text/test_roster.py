"""Class rosters: every way a spreadsheet saves a class list loads the same names; a roster that
would match nothing stops the run (exit 2) with a message naming the file and the line; a surname
alone is matched unless it is a common word."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.findings import Box
from pipeline.text.ocr import OcrLine, Word
from pipeline.policy import PolicyError, load_policy
from pipeline.text.recognizers import Roster, RosterError, find_names

EXPECTED = (("marc", "thiessen"), ("ines", "moreau"), ("zoe", "lambert-roy"))

FORMATS = {
    "comma, English header": ("first,last\nMarc,Thiessen\nInès,Moreau\nZoé,Lambert-Roy\n", "utf-8"),
    "first_name/last_name, CRLF": ("first_name,last_name\r\nMarc,Thiessen\r\nInès,Moreau\r\nZoé,Lambert-Roy\r\n",
                                   "utf-8"),
    "French Excel: Prénom;Nom, BOM": ("Prénom;Nom\nMarc;Thiessen\nInès;Moreau\nZoé;Lambert-Roy\n", "utf-8-sig"),
    "Nom;Prénom, Windows-1252": ("Nom;Prénom\nThiessen;Marc\nMoreau;Inès\nLambert-Roy;Zoé\n", "cp1252"),
    "NOM;PRENOM, empty cells and lines": ("NOM;PRENOM;;\nThiessen;Marc;;\n\nMoreau;Inès;;\nLambert-Roy;Zoé;;\n;;;\n",
                                          "cp1252"),
    "tab, surname/given": ("Surname\tGiven\nThiessen\tMarc\nMoreau\tInès\nLambert-Roy\tZoé\n", "utf-8"),
    "tab, UTF-16 (Excel Unicode text)": ("Last Name\tFirst Name\nThiessen\tMarc\nMoreau\tInès\nLambert-Roy\tZoé\n",
                                         "utf-16"),
    "family/given with other columns": ("Student ID,Given,Family,Class\n48213977,Marc,Thiessen,5A\n"
                                        "48213978,Inès,Moreau,5A\n48213979,Zoé,Lambert-Roy,5B\n", "utf-8"),
    "prenom/nom without accents": ("prenom,nom\nMarc,Thiessen\nInès,Moreau\nZoé,Lambert-Roy\n", "utf-8"),
    "no header, first,last": ("Marc,Thiessen\nInès,Moreau\nZoé,Lambert-Roy\n", "utf-8"),
    "no header, LAST;First": ("THIESSEN;Marc\nMOREAU;Inès\nLAMBERT-ROY;Zoé\n", "utf-8"),
    "one column of full names": ("Marc Thiessen\nInès Moreau\nZoé Lambert-Roy\n", "utf-8"),
    "one column, Name header, \"Last, First\" quoted": ('Name\n"Thiessen, Marc"\n"Moreau, Inès"\n"Lambert-Roy, Zoé"\n',
                                                         "utf-8"),
    "one column, \"Last, First\" unquoted": ("Thiessen, Marc\nMoreau, Inès\nLambert-Roy, Zoé\n", "utf-8"),
    "one column, Nom header, French capitals": ("Nom\nTHIESSEN Marc\nMOREAU Inès\nLAMBERT-ROY Zoé\n", "cp1252"),
    "one column, Élève header, semicolon file": ("Élève;Classe\nMarc Thiessen;5A\nInès Moreau;5A\nZoé Lambert-Roy;5B\n",
                                                 "utf-8"),
}


def _write(tmp_path: Path, text: str, encoding: str, name: str = "class.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("label", list(FORMATS))
def test_every_format_loads_the_same_names(label: str, tmp_path: Path) -> None:
    text, encoding = FORMATS[label]
    assert Roster.from_csv(_write(tmp_path, text, encoding)).names == EXPECTED


def test_utf8_is_decoded_strictly_before_windows_1252(tmp_path: Path) -> None:
    # "Ã©" in Windows-1252 is what UTF-8 "é" looks like: the UTF-8 reading must win
    assert Roster.from_csv(_write(tmp_path, "first,last\nZoé,Hélène\n", "utf-8")).names == (("zoe", "helene"),)
    assert Roster.from_csv(_write(tmp_path, "first,last\nZoé,Hélène\n", "cp1252")).names == (("zoe", "helene"),)


def test_multi_word_names_and_particles(tmp_path: Path) -> None:
    roster = Roster.from_csv(_write(tmp_path, "Marc de la Fontaine\nAnne-Sophie Van Dijk\nJean Paul Martin\n", "utf-8"))
    assert roster.names == (("marc", "de la fontaine"), ("anne-sophie", "van dijk"), ("jean paul", "martin"))


@pytest.mark.parametrize("text, line, reason", [
    ("first;last\nMarc;Thiessen\nInès\nZoé;Lambert\n", 3, "cell"),  # a last name missing
    ("first,last\nMarc,Thiessen\nInès,48213977\n", 3, "digits"),  # an ID in a name column
    ("Marc Thiessen\nInès\nZoé Lambert\n", 2, "one word"),  # a full name of one word
    ("first,last\nMarc,Thiessen\n,Moreau\n", 3, "empty"),
    ('first,last\nMarc,Thiessen\n"Inès,Moreau\n', None, "CSV"),  # an unterminated quote
])
def test_a_line_that_cannot_be_parsed_names_the_file_and_the_line(text: str, line, reason: str,
                                                                   tmp_path: Path) -> None:
    path = _write(tmp_path, text, "utf-8")
    with pytest.raises(RosterError) as caught:
        Roster.from_csv(path)
    message = str(caught.value)
    assert str(path) in message and reason in message, message
    if line is not None:
        assert f"line {line}" in message, message
    assert isinstance(caught.value, PolicyError)


@pytest.mark.parametrize("data", [b"", b"\n\n \n", b"first,last\n", "Prénom;Nom\r\n;\r\n".encode("cp1252")])
def test_a_roster_with_no_names_is_refused(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_bytes(data)
    with pytest.raises(RosterError, match="no names"):
        Roster.from_csv(path)


def test_a_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)))  # an .xlsx renamed .csv
    with pytest.raises(RosterError):
        Roster.from_csv(path)


# ---------------------------------------------------------------------------------------------
# Through the command line

runner = CliRunner()


def _scan(*args: str):
    return runner.invoke(app, ["scan", "--no-progress", *args])


def _output(result) -> str:
    try:
        return result.stdout + result.stderr
    except (ValueError, AttributeError):
        return result.output


@pytest.mark.parametrize("text, expected", [
    ("Prénom;Nom\nMarc;Thiessen\nInès\n", "line 3"),
    ("Marc Thiessen\nInès Moreau\nZoé\n", "line 3"),
    ("", "no names"),
    ("first,last\n", "no names"),
])
def test_a_bad_roster_stops_the_scan_with_exit_2(text: str, expected: str, tmp_path: Path) -> None:
    roster = _write(tmp_path, text, "utf-8", "bad roster.csv")
    photos = tmp_path / "photos"
    photos.mkdir()
    result = _scan(str(photos), "--out", str(tmp_path / "out"), "--roster", str(roster))
    assert result.exit_code == 2, _output(result)
    assert "bad roster.csv" in _output(result) and expected in _output(result), _output(result)
    assert not (tmp_path / "out" / "report.json").exists()


def test_the_loaded_count_is_printed(tmp_path: Path) -> None:
    text, encoding = FORMATS["French Excel: Prénom;Nom, BOM"]
    roster = _write(tmp_path, text, encoding)
    photos = tmp_path / "photos"
    photos.mkdir()  # empty: the run stops after start-up (exit 3), the roster already checked
    result = _scan(str(photos), "--out", str(tmp_path / "out"), "--roster", str(roster))
    assert result.exit_code == 3, _output(result)
    assert f"roster {roster}: 3 names" in _output(result), _output(result)


def test_the_loaded_count_goes_to_stderr(tmp_path: Path) -> None:
    import subprocess
    import sys

    from conftest import REPO

    roster = _write(tmp_path, "Marc Thiessen\nInès Moreau\n", "utf-8")
    photos = tmp_path / "photos"
    photos.mkdir()
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "scan", "--no-progress", str(photos), "--out",
                           str(tmp_path / "out"), "--roster", str(roster)], cwd=REPO, capture_output=True, text=True)
    assert "roster" not in done.stdout
    assert f"roster {roster}: 2 names (full names" in done.stderr, done.stderr


# ---------------------------------------------------------------------------------------------
# Matching

def lines_of(*texts: str) -> list[OcrLine]:
    out = []
    for row, t in enumerate(texts):
        words = tuple(Word(w, Box(10 + 90 * i, 10 + 40 * row, 80, 30), 90.0) for i, w in enumerate(t.split()))
        out.append(OcrLine(words, Box(10, 10 + 40 * row, 90 * max(1, len(words)), 30)))
    return out


@pytest.fixture
def roster(tmp_path: Path) -> Roster:
    return Roster.from_csv(_write(tmp_path, "first,last\nMarc,Thiessen\nAlice,Petit\nSam,Moore\nLéa,Roy\n"
                                  "Hugo,Fontaine\nNoah,Okafor\n", "utf-8"))


def test_a_surname_alone_is_matched_at_a_score_that_blocks(roster: Roster) -> None:
    found = find_names(lines_of("THIESSEN", "Go Okafor !"), roster, 85)
    assert [m.hint for m in found] == ["name T•••", "name O•••"]
    assert all("surname" in m.why and "alone" in m.why for m in found)
    assert all(m.score >= load_policy().text.min_score for m in found)
    assert [m.hint for m in find_names(lines_of("THIESEN"), roster, 85)] == ["name T•••"]  # one OCR slip


def test_common_words_and_short_surnames_are_not_matched_alone(roster: Roster) -> None:
    assert roster.surnames_alone == ("thiessen", "okafor")
    for text in ("Le Petit Prince", "Learn more about it", "MOORE", "La fontaine du parc", "ROY",
                 "Okafor Isaac"):  # the first name of someone else
        assert find_names(lines_of(text), roster, 85) == [], text


def test_a_full_name_is_one_match_not_two(roster: Roster) -> None:
    found = find_names(lines_of("Bravo Marc Thiessen !"), roster, 85)
    assert [(m.hint, m.score) for m in found] == [("name M••• T•••", 0.9)]
    found = find_names(lines_of("Bravo Alice Petit"), roster, 85)  # a common-word surname, with its first name
    assert [m.hint for m in found] == ["name A••• P•••"]


def test_a_surname_with_letters_added_is_another_word(tmp_path: Path) -> None:
    roster = Roster.from_csv(_write(tmp_path, "first,last\nLucas,Andre\n", "utf-8"))
    assert find_names(lines_of("ANDREW DARE"), roster, 85) == []
    assert [m.hint for m in find_names(lines_of("Go ANDRE !"), roster, 85)] == ["name A•••"]


# ---------------------------------------------------------------------------------------------
# One encoding for the whole file, regular files only (issue 36)

MIXED = "first,last\nHélène,Côté\n".encode("utf-8") + "Inès,Moreau\n".encode("cp1252")


@pytest.mark.parametrize("data, line", [
    (MIXED, 3),  # UTF-8 lines, then one saved in Windows-1252
    ("first,last\nInès,Moreau\n".encode("cp1252") + "Hélène,Côté\n".encode("utf-8"), 2),  # the other way round
    (b"\xef\xbb\xbf" + MIXED, 3),  # a UTF-8 byte-order mark, and still a Windows-1252 line
])
def test_a_roster_mixing_utf8_and_windows_1252_is_refused_with_its_line(data: bytes, line: int,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_bytes(data)
    with pytest.raises(RosterError) as caught:
        Roster.from_csv(path)  # before: read whole as Windows-1252, "Hélène" became "hã©lã¨ne"
    message = str(caught.value)
    assert str(path) in message and f"line {line}" in message and "save it as CSV UTF-8" in message, message


def test_utf16_without_a_byte_order_mark_is_refused_not_guessed(tmp_path: Path) -> None:
    path = _write(tmp_path, "first,last\nMarc,Thiessen\n", "utf-16-le")
    with pytest.raises(RosterError) as caught:
        Roster.from_csv(path)
    message = str(caught.value)
    assert str(path) in message and "line 1" in message and "UTF-16" in message, message


def test_windows_1252_throughout_is_still_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "Prénom;Nom\nHélène;Côté\nInès;Moreau\nFrançois;Bœuf\n", "cp1252")
    assert Roster.from_csv(path).names == (("helene", "cote"), ("ines", "moreau"), ("francois", "bœuf"))


def test_a_caption_checked_against_a_mixed_roster_stops_with_exit_2(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_bytes(MIXED)
    result = runner.invoke(app, ["caption", "Bravo Hélène Côté !", "--roster", str(roster)])
    assert result.exit_code == 2, _output(result)  # before: "ok: nothing found", exit 0
    assert "r.csv" in _output(result) and "line 3" in _output(result), _output(result)


def test_a_roster_that_is_a_fifo_is_refused_without_reading_it(tmp_path: Path, fifo_offering) -> None:
    fifo = fifo_offering(tmp_path / "class.csv", b"first,last\nMarc,Thiessen\n")
    with pytest.raises(RosterError, match="FIFO"):
        Roster.from_csv(fifo)  # before: blocked until a writer came, then read it
    result = runner.invoke(app, ["caption", "Bravo Marc Thiessen", "--roster", str(fifo)])
    assert result.exit_code == 2 and "FIFO" in _output(result), _output(result)


def test_a_roster_named_in_a_policy_file_is_refused_when_a_fifo(tmp_path: Path, fifo_offering) -> None:
    fifo = fifo_offering(tmp_path / "class.csv", b"first,last\nMarc,Thiessen\n")
    policy = tmp_path / "p.toml"
    policy.write_text(f'[text]\nroster = "{fifo}"\n', encoding="utf-8")
    result = runner.invoke(app, ["caption", "Bravo Marc Thiessen", "--policy", str(policy)])
    assert result.exit_code == 2 and "FIFO" in _output(result), _output(result)


@pytest.mark.parametrize("option", ["--roster", "--policy"])
def test_a_device_given_as_a_file_option_is_exit_2(option: str) -> None:
    result = runner.invoke(app, ["caption", "hello", option, "/dev/null"])  # before: read as an empty file
    assert result.exit_code == 2 and "character device" in _output(result), _output(result)


FILE_OPTIONS = [("scan", "--policy"), ("scan", "--roster"), ("scan", "--captions"), ("batch", "--policy"),
                ("batch", "--roster"), ("batch", "--captions"), ("batch", "--state"), ("redact", "--policy"),
                ("redact", "--roster"), ("caption", "--policy"), ("caption", "--roster")]


@pytest.mark.parametrize("command, option", FILE_OPTIONS)
def test_every_file_option_of_every_command_refuses_a_fifo(command: str, option: str, tmp_path: Path,
                                                           fifo_offering) -> None:
    fifo = fifo_offering(tmp_path / "input", b"first,last\nMarc,Thiessen\n")
    photos = tmp_path / "photos"
    photos.mkdir()
    args = ["hello"] if command == "caption" else [str(photos), "--out", str(tmp_path / "out")]
    result = runner.invoke(app, [command, *args, option, str(fifo)])
    assert result.exit_code == 2 and "FIFO" in _output(result), _output(result)
