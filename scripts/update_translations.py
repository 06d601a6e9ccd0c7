"""Extract photoscreen's messages (Babel) and merge them into the French catalogue.

    .venv/bin/python -m scripts.update_translations   # then fill the new msgstr in the .po file

The catalogue, ``pipeline/locale/fr/LC_MESSAGES/photoscreen.po``, is committed; ``make setup``
compiles it (``pybabel compile``). A message with no French text is shown in English, and
``tests/test_i18n.py`` fails until every message has one.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from scripts import REPO

POT = REPO / "build" / "photoscreen.pot"
PO = REPO / "pipeline" / "locale" / "fr" / "LC_MESSAGES" / "photoscreen.po"
KEYWORDS = ["-k", "_", "-k", "N_", "-k", "ngettext:1,2", "-k", "Nn_:1,2"]


def add_command_help(pot: Path) -> None:
    """The commands' help texts (their docstrings, which Babel does not extract) into the template."""
    from babel.messages.pofile import read_po, write_po

    from pipeline.cli import command_docstrings

    with pot.open("rb") as fh:
        catalog = read_po(fh)
    for text in command_docstrings():
        catalog.add(text)
    with pot.open("wb") as fh:
        write_po(fh, catalog, sort_output=True)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    POT.parent.mkdir(exist_ok=True)
    babel = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run(babel + ["extract", "--no-location", "--sort-output", *KEYWORDS, "-F", str(REPO / "babel.cfg"),
                            "-o", str(POT), str(REPO / "pipeline")], check=True)
    add_command_help(POT)
    if PO.exists():
        subprocess.run(babel + ["update", "--no-fuzzy-matching", "-i", str(POT), "-D", "photoscreen",
                                "-d", str(REPO / "pipeline" / "locale"), "-l", "fr"], check=True)
    else:
        subprocess.run(babel + ["init", "-i", str(POT), "-D", "photoscreen", "-d", str(REPO / "pipeline" / "locale"),
                                "-l", "fr"], check=True)


if __name__ == "__main__":
    main()
