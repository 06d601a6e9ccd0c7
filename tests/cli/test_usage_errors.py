"""Typer's own usage errors (issue 40): in French with --lang fr or a French LANG, exactly as typer
prints them in English otherwise, exit 2 either way."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO
from pipeline import i18n

# the photoscreen command (``run``) and typer's own standalone mode (the English before issue 40)
RUN = "import sys; sys.argv[0] = 'photoscreen'; from pipeline.cli import run; run()"
TYPER = "import sys; sys.argv[0] = 'photoscreen'; from pipeline.cli import app; app(prog_name='photoscreen')"


def photoscreen(*args: str, lang: str = "C.UTF-8", code: str = RUN) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in (i18n.ENV, "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = lang
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO, env=env,
                          timeout=120)


SCAN_USAGE_FR = ("Utilisation : photoscreen scan [OPTIONS] {PATH}...\n"
                 "Essayez « photoscreen scan --help » pour l'aide.\n\n")
SCAN_USAGE_EN = "Usage: photoscreen scan [OPTIONS] {PATH}...\nTry 'photoscreen scan --help' for help.\n\n"
TOP_USAGE_FR = ("Utilisation : photoscreen [OPTIONS] COMMANDE [ARGS]...\n"
                "Essayez « photoscreen --help » pour l'aide.\n\n")
TOP_USAGE_EN = "Usage: photoscreen [OPTIONS] COMMAND [ARGS]...\nTry 'photoscreen --help' for help.\n\n"

CASES = [  # (arguments, French, English)
    (["scan", "--bogus", "x"],
     SCAN_USAGE_FR + "Erreur : option inconnue : --bogus (options possibles : --out, --verbose)\n",
     SCAN_USAGE_EN + "Error: No such option: --bogus (Possible options: --out, --verbose)\n"),
    (["scan"],
     SCAN_USAGE_FR + "Erreur : argument manquant : 'PATH'.\n",
     SCAN_USAGE_EN + "Error: Missing argument 'PATH'.\n"),
    (["scan", "--setting", "nope", "x"],
     SCAN_USAGE_FR + "Erreur : valeur invalide pour '--setting' : 'nope' ne fait pas partie des choix possibles : "
                     "'classroom', 'public_event'.\n",
     SCAN_USAGE_EN + "Error: Invalid value for '--setting': Value error, 'nope' is not one of 'classroom', "
                     "'public_event'.\n"),
    (["nocmd"],
     TOP_USAGE_FR + "Erreur : commande inconnue : 'nocmd'.\n",
     TOP_USAGE_EN + "Error: No such command 'nocmd'.\n"),
    (["scna", "x"],
     TOP_USAGE_FR + "Erreur : commande inconnue : 'scna'. Vouliez-vous dire 'scan' ?\n",
     TOP_USAGE_EN + "Error: No such command 'scna'. Did you mean 'scan'?\n"),
    (["scan", "--out"],
     "Erreur : l'option '--out' attend une valeur.\n",
     "Error: Option '--out' requires an argument.\n"),
    (["caption", "a", "b"],
     "Utilisation : photoscreen caption [OPTIONS] {TEXT}\nEssayez « photoscreen caption --help » pour l'aide.\n\n"
     "Erreur : argument(s) en trop (b)\n",
     "Usage: photoscreen caption [OPTIONS] {TEXT}\nTry 'photoscreen caption --help' for help.\n\n"
     "Error: Got unexpected extra argument(s) (b)\n"),
    (["batch", "--workers", "-3", "x"],
     "Utilisation : photoscreen batch [OPTIONS] {ROOT}\nEssayez « photoscreen batch --help » pour l'aide.\n\n"
     "Erreur : valeur invalide pour '--workers' / '-j' : la valeur doit être supérieure ou égale à 0\n",
     "Usage: photoscreen batch [OPTIONS] {ROOT}\nTry 'photoscreen batch --help' for help.\n\n"
     "Error: Invalid value for '--workers' / '-j': Input should be greater than or equal to 0\n"),
]


@pytest.mark.parametrize("args, french, english", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_typer_usage_errors_in_french_and_english(args: list[str], french: str, english: str) -> None:
    """Typer's messages stayed English under --lang fr ("Error: No such option: --bogus")."""
    fr = photoscreen("--lang", "fr", *args)
    assert (fr.returncode, fr.stdout, fr.stderr) == (2, "", french)
    assert photoscreen(*args, lang="fr_FR.UTF-8").stderr == french  # LANG alone
    en = photoscreen("--lang", "en", *args)
    assert (en.returncode, en.stdout, en.stderr) == (2, "", english)
    assert photoscreen(*args).stderr == english  # no --lang, an English LANG


@pytest.mark.parametrize("args", [["scan", "--bogus", "x"], ["scan"], ["nocmd"], ["--lang", "de", "scan", "x"],
                                  ["scan", "--policy", "/nonexistent.toml", "x"], ["review", "--port", "x", "y"],
                                  ["scan", "--verbose=3", "x"], ["models", "nocmd"], ["models"], ["--version"],
                                  ["--help"], ["scan", "--help"]])
def test_english_is_what_typer_prints(args: list[str]) -> None:
    ours, typers = photoscreen(*args), photoscreen(*args, code=TYPER)
    assert (ours.returncode, ours.stdout, ours.stderr) == (typers.returncode, typers.stdout, typers.stderr)


def test_our_own_bad_parameter_message_is_not_translated_again() -> None:
    """regular_file raises typer.BadParameter with a message already in French: only typer's frame changes."""
    from pipeline.textfile import not_regular, not_regular_message

    fr = photoscreen("--lang", "fr", "scan", "--policy", "/dev/null", "x")
    i18n.set_language("fr")
    try:
        said = not_regular_message("/dev/null", not_regular("/dev/null"))
    finally:
        i18n.set_language("en")
    assert fr.returncode == 2
    assert fr.stderr.endswith(f"Erreur : valeur invalide pour '--policy' : {said}\n"), fr.stderr


def test_a_message_no_template_fits_is_shown_as_it_is() -> None:
    from pipeline.cli.usage_errors import COMMAND_MESSAGES, translated

    i18n.set_language("fr")
    try:
        assert translated("No such command 'x'.", COMMAND_MESSAGES) == "commande inconnue : 'x'."
        assert translated("Something typer says one day.", COMMAND_MESSAGES) == "Something typer says one day."
    finally:
        i18n.set_language("en")
