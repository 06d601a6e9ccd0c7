"""English and French: every message has a French text, LANG and --lang choose, reasons say what to
do, and report.csv for a French spreadsheet (--csv-dialect excel)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SAMPLES
from pipeline import i18n
from pipeline.findings import Box, Finding
from pipeline.policy import load_policy
from pipeline.screen.verdict import decide

PO = REPO / "pipeline" / "locale" / "fr" / "LC_MESSAGES" / "photoscreen.po"


def test_every_message_in_the_code_has_a_french_text() -> None:
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    keywords = {"_": None, "N_": None, "ngettext": (1, 2), "Nn_": (1, 2)}
    methods = [("**.py", "python"), ("review/templates/**.html", "jinja2.ext:babel_extract")]
    options = {"review/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    in_code = {m[2] if isinstance(m[2], str) else m[2][0]
               for m in extract_from_dir(REPO / "pipeline", method_map=methods, options_map=options, keywords=keywords)}
    assert "Approve (a)" in in_code and "Sort" in in_code  # the app's script texts and its template's
    from pipeline.cli import command_docstrings

    in_code |= set(command_docstrings())  # the commands' --help texts
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    french = {}
    for m in catalog:
        if m.id:
            key = m.id if isinstance(m.id, str) else m.id[0]
            french[key] = m.string if isinstance(m.string, str) else (all(m.string) and m.string[0])
    missing = sorted(k for k in in_code if not french.get(k))
    assert not missing, f"no French text for {missing}: run python -m scripts.update_translations and fill them in"


FINDINGS = [Finding("face", Box(1, 1, 9, 9), 0.9, identifiable=True), Finding("face", Box(1, 1, 9, 9), 0.9, identifiable=False),
            Finding("gps", None, 1.0, why="GPS latitude, longitude in EXIF"),
            Finding("metadata", None, 1.0, why="copyright holder"), Finding("metadata", None, 1.0, why="XMP creator name"),
            Finding("orientation", None, 0.9, rotate_cw=90),
            Finding("aspect", Box(0, 75, 600, 750), 0.7,
                    why="portrait 0.75:1 does not suit Instagram feed (between 4:5 and 1.91:1); box: suggested crop")]


@pytest.mark.parametrize("lang, expected", [
    ("en", ["1 identifiable face, not allowed in the classroom setting: a safe copy (photoscreen redact) covers it",
            "GPS position: a safe copy (photoscreen redact) removes it",
            "1 small or turned-away face: check that nobody could recognise it",
            "in the metadata: copyright holder, XMP creator name: a safe copy (photoscreen redact) removes it",
            "sideways: turn it 90 degrees clockwise",
            "portrait 3:4; Instagram feed takes between 4:5 and 1.91:1: crop suggested"]),
    ("fr", ["1 visage identifiable, interdit en classe : une copie sûre (photoscreen redact) le masque",
            "position GPS : une copie sûre (photoscreen redact) la retire",
            "1 visage petit ou détourné : vérifiez que personne ne peut le reconnaître",
            "dans les métadonnées : titulaire des droits, nom du créateur XMP : une copie sûre (photoscreen redact) les retire",
            "de côté : tournez-la de 90 degrés dans le sens des aiguilles d'une montre",
            "portrait 3:4 ; Instagram feed accepte entre 4:5 et 1,91:1 : recadrage proposé"]),
])
def test_reasons_say_what_to_do(lang: str, expected: list[str]) -> None:
    policy = load_policy(None, {"platform": {"name": "instagram"}})
    try:
        i18n.set_language(lang)
        verdict, reasons = decide(FINDINGS, policy)
    finally:
        i18n.set_language("en")
    assert verdict.value == "block" and list(reasons) == expected


def test_language_comes_from_lang_unless_given(monkeypatch) -> None:
    for name in (i18n.ENV, "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    assert i18n.language_from_env() == "fr"
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert i18n.language_from_env() == "en"  # a language we have no catalogue for: English
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    assert i18n.language_from_env() == "fr"
    with pytest.raises(ValueError):
        i18n.set_language("de")


@pytest.mark.slow
def test_french_scan_and_a_csv_for_excel(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in (i18n.ENV, "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "fr_FR.UTF-8"
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "--csv-dialect", "excel", "scan",
                             str(SAMPLES / "sideways_notice.jpg"), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "de côté : tournez-la de 90 degrés dans le sens des aiguilles d'une montre" in result.stdout
    assert "1 photos vérifiées : 0 à bloquer, 1 à vérifier" in result.stdout
    data = (tmp_path / "out" / "report.csv").read_bytes()
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    header = data[3:].split(b"\r\n")[0].decode()
    assert header.split(";")[:3] == ["path", "verdict", "reasons"]
    english = subprocess.run([sys.executable, "-m", "pipeline.cli", "--lang", "en", "scan",
                              str(SAMPLES / "sideways_notice.jpg"), "--out", str(tmp_path / "en")],
                             capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert "sideways: turn it 90 degrees clockwise" in english.stdout
    assert not (tmp_path / "en" / "report.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.slow
def test_the_review_page_in_french(review_copy: Path) -> None:
    from starlette.testclient import TestClient

    from pipeline.review.app import COOKIE, create_app

    client = TestClient(create_app(review_copy / "report", "t", who="test"), base_url="http://127.0.0.1")
    client.cookies.set(COOKIE, "t")
    try:
        i18n.set_language("fr")
        page = client.get("/").text
        rows = client.get("/api/photos", params={"q": "classroom"}).json()["rows"]
    finally:
        i18n.set_language("en")
    assert '<html lang="fr">' in page and "Rapport :" in page and "Approuver (a)" in page
    assert "visage identifiable" in {f["label"] for f in rows[0]["findings"]}
    assert "Report:" in client.get("/").text


def test_the_contact_sheet_in_french(review_copy: Path) -> None:
    import json

    from pipeline.report.contact_sheet import render

    report = json.loads((review_copy / "report" / "report.json").read_text())
    try:
        i18n.set_language("fr")
        page = render(report, {}, review_copy / "report")
    finally:
        i18n.set_language("en")
    card = next(c for c in page.split('<div class="card"')[1:] if "classroom_composite.jpg</span>" in c)
    assert '<html lang="fr">' in page and "rapport photoscreen" in page and "cadre classe" in page
    assert "original : à bloquer" in card and "ouvrir la copie sûre" in card
    assert "4 visages identifiables, interdits en classe : une copie sûre (photoscreen redact) les masque" in card


def test_french_copies_errors_and_summary(tmp_path: Path) -> None:
    """`redact` in French: the copy's reason, a file that cannot be read and the summary line."""
    env = {k: v for k, v in os.environ.items() if k not in (i18n.ENV, "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "fr_FR.UTF-8"
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "redact", str(SAMPLES / "classroom_composite.jpg"),
                             str(SAMPLES / "truncated.jpg"), "--out", str(tmp_path / "copies"), "--no-progress"],
                            capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert result.returncode == 3, result.stderr
    assert "copie sûre écrite (masqué : 4 visages" in result.stdout
    assert "métadonnées supprimées ; vérifiée" in result.stdout
    assert "données d'image corrompues ou tronquées" in result.stdout
    assert "2 photos : 1 copies sûres écrites dans" in result.stdout
    assert "safe copy" not in result.stdout and "corrupt" not in result.stdout


def test_french_copy_reasons_without_a_run() -> None:
    from pipeline.findings import Covered, Redaction
    from pipeline.media.loader import LoadError, load_bytes
    from pipeline.redaction.core import summary as _summary

    redaction = Redaction("a.jpg", (Covered("face", Box(0, 0, 9, 9), "pixelate"), Covered("face", Box(20, 0, 9, 9), "solid"),
                                    Covered("grade", Box(0, 20, 9, 9), "solid")), Box(0, 0, 50, 50), 2)
    try:
        i18n.set_language("fr")
        text = _summary(redaction)
        with pytest.raises(LoadError, match="le fichier est vide"):
            load_bytes(b"", 10**6)
    finally:
        i18n.set_language("en")
    assert text == ("copie sûre écrite (recadrée sur les mains ou les têtes vues de dos, masqué : 2 visages, 1 note "
                    "(visages pixellisés ; masque plein en [20, 0, 9, 9], où la seconde vérification voyait encore un "
                    "visage au travers) ; métadonnées supprimées ; vérifiée 2 fois)")
    assert _summary(redaction).startswith("safe copy written (cropped to hands or heads seen from behind, covered 2 faces")


@pytest.mark.slow
def test_help_in_french_from_lang_or_the_option() -> None:
    env = {k: v for k, v in os.environ.items() if k not in (i18n.ENV, "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "fr_FR.UTF-8"
    french = subprocess.run([sys.executable, "-m", "pipeline.cli", "scan", "--help"], capture_output=True,
                            text=True, cwd=REPO, env=env, timeout=120)
    assert "Examiner des photos et des vidéos" in french.stdout and "Photos ou dossiers à examiner" in french.stdout
    env["LANG"] = "C.UTF-8"
    option = subprocess.run([sys.executable, "-m", "pipeline.cli", "--lang", "fr", "redact", "--help"],
                            capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert "Écrire des copies masquées" in option.stdout, option.stdout + option.stderr
    english = subprocess.run([sys.executable, "-m", "pipeline.cli", "redact", "--help"], capture_output=True,
                             text=True, cwd=REPO, env=env, timeout=120)
    assert "Write redacted copies" in english.stdout


# every command's --help, one after the other (the language is chosen before pipeline.cli is imported,
# as the photoscreen command does)
ALL_HELP = """
import sys, typer.main
from pipeline import i18n
i18n.set_language(sys.argv[1])
from pipeline.cli import app
def walk(command, ctx):
    print(command.get_help(ctx)); print("-----")
    for name in getattr(command, "commands", {}):
        sub = command.commands[name]
        walk(sub, sub.make_context(name, ["--help"], parent=ctx, resilient_parsing=True))
top = typer.main.get_command(app)
walk(top, top.make_context("photoscreen", [], resilient_parsing=True))
"""
TYPER_ENGLISH = ("Usage:", "Arguments:", "Options:", "Commands:", "Show this message and exit.", "[default: ",
                 "[required]", "; required]", "COMMAND [ARGS]")


@pytest.mark.slow
def test_every_help_in_french_with_typer_words_too() -> None:
    """``--lang fr scan --help`` printed "Usage:", "Options:", "[default: ...]", "[required]" and "Show this
    message and exit." in English around the French texts (typer's own words)."""
    def helps(lang: str) -> str:
        run = subprocess.run([sys.executable, "-c", ALL_HELP, lang], capture_output=True, text=True, cwd=REPO,
                             timeout=120)
        assert run.returncode == 0, run.stderr
        return run.stdout
    french, english = helps("fr"), helps("en")
    assert french.count("-----") == english.count("-----") >= 10  # photoscreen, 6 commands, models and its 3
    for word in TYPER_ENGLISH:
        assert word not in french, word
    for word in ("Utilisation : photoscreen scan [OPTIONS] {PATH}...", "Arguments :", "Options :", "Commandes :",
                 "Afficher ce message et quitter.", "[par défaut : photoscreen-report]", "[obligatoire]",
                 "COMMANDE [ARGS]..."):
        assert word in french, word
    for word in ("Usage: photoscreen scan [OPTIONS] {PATH}...", "Arguments:", "Options:", "Commands:",
                 "Show this message and exit.", "[default: photoscreen-report]", "[required]"):
        assert word in english, word
