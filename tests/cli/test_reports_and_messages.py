"""What the commands write and print (issue 40): scan's report.html, every printed line in the language
asked for, and the review app's message when it is stopped."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import REPO, SAMPLES, hand_report
from pipeline import i18n
from pipeline.cli import app

runner = CliRunner()
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


@pytest.mark.slow
def test_scan_writes_the_report_html_batch_writes(tmp_path: Path, policy) -> None:
    from pipeline.runs.batch import run_batch

    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("classroom_composite.jpg", "landscape_coffee.jpg", "truncated.jpg"):
        shutil.copy(SAMPLES / name, photos / name)
    result = runner.invoke(app, ["scan", "--no-progress", "--quiet", str(photos), "--out", str(tmp_path / "scan")])
    assert result.exit_code == 3, result.output  # the truncated file
    assert str(tmp_path / "scan" / "report.html") in result.output
    run_batch(photos, tmp_path / "batch", policy, workers=1)
    page = (tmp_path / "scan" / "report.html").read_text()
    # the same page as batch's, but for the date of the run
    assert DATE.sub("DATE", page) == DATE.sub("DATE", (tmp_path / "batch" / "report.html").read_text())
    thumbs = re.findall(r'<img src="(thumbs/[^"]+)"', page)
    assert len(thumbs) == 2  # none for the file that could not be screened
    for thumb in thumbs:  # the same thumbnails, text covered as on batch's
        assert (tmp_path / "scan" / thumb).read_bytes() == (tmp_path / "batch" / thumb).read_bytes()
    assert "4 identifiable faces" in page and "truncated.jpg" in page


def photoscreen(*args: str, lang: str = "fr") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in (i18n.ENV, "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "C.UTF-8"
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "--lang", lang, *args], capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=120)


POST = "Bravo à Jean Dupont (ID 123456), @jdupont, élève en IEP, note 45/100"


def test_caption_prints_every_line_in_the_language_asked_for() -> None:
    """`--lang fr caption` printed its findings in English ("grade in the caption", "student_id"), and the
    masked hints' kind words too ("grade ••/100", "tag @j•••")."""
    french = photoscreen("caption", POST)
    assert french.returncode == 1, french.stderr
    lines = french.stdout.splitlines()
    assert len(lines) == 5, french.stdout
    assert lines[0].startswith("note            note ••/100  (note dans la légende, score 0.90)")
    assert lines[1].startswith("numéro d'élève  matricule ••••56  (numéro d'élève dans la légende, score ")
    assert lines[2].startswith("identification  identification @j•••  (@pseudo d'une personne (pas un compte officiel) dans la "
                               "légende, score ")
    assert lines[3].startswith("population      population I•••  (terme désignant un groupe particulier d'élèves "
                               "dans la légende")
    assert lines[4].startswith("à bloquer : note ou résultat dans la légende : retirez-le; ")
    for english in ("in the caption", "student_id", "@handle", "special-population", "block:", "grade •", "tag @"):
        assert english not in french.stdout
    assert photoscreen("caption", "Bonne journée à tous").stdout == "ok : rien trouvé\n"
    english = photoscreen("caption", POST, lang="en").stdout.splitlines()
    assert english[1].startswith("student_id  ID ••••56  (student ID in the caption, score ")
    assert english[4].startswith("block: grade or score in the caption: remove it; ")


def test_models_verify_and_list_speak_french() -> None:
    verify = photoscreen("models", "verify")
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.splitlines()[0].startswith("ok    centerface : "), verify.stdout
    listed = photoscreen("models", "list").stdout
    assert " Mo  présent " in listed and " MB " not in listed and "present" not in listed


@pytest.mark.parametrize("lang, said", [
    ("en", "photoscreen review stopped. Every decision and fix is saved in {path}; run the same command to go on "
           "where you left off."),
    ("fr", "photoscreen review arrêté. Chaque décision et chaque correction sont enregistrées dans {path} ; relancez "
           "la même commande pour reprendre là où vous en étiez."),
])
def test_stopping_the_review_app_says_the_decisions_are_saved(tmp_path: Path, lang: str, said: str) -> None:
    """Ctrl-C on `photoscreen review` said the run stopped "before the end" and to run it again to finish:
    it says the decisions are kept, in the language asked for, and exits 0 (that is how the app stops)."""
    import signal

    report = hand_report(tmp_path, {"a.jpg": ("ok", [])}) / "report"
    env = {k: v for k, v in os.environ.items() if k not in (i18n.ENV, "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = "C.UTF-8"
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "--lang", lang, "review", str(report)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    try:
        assert "http://127.0.0.1:" in proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.strip() == said.format(path=report / "review.sqlite"), out + err
    assert "interrupted" not in err and "interrompu" not in err and "again to finish" not in err + out
