"""What the commands write and print (issue 40): scan's report.html, every printed line in the language
asked for, and the review app's message when it is stopped."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SAMPLES
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
