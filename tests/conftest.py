"""Shared fixtures. Real photos come from ../shared/testdata (never copied into the repo);
tests that need them skip with a message saying where they were looked for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TESTDATA = Path(os.environ.get("PHOTOSCREEN_TESTDATA", REPO.parent / "shared" / "testdata"))
SAMPLES = REPO / "sample_images"


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not TESTDATA.is_dir():
        pytest.skip(f"shared test photos not found at {TESTDATA} (set PHOTOSCREEN_TESTDATA)")
    return TESTDATA


@pytest.fixture(scope="session")
def policy():
    from pipeline.policy import load_policy

    return load_policy()


def shared_files(sub: str) -> list[Path]:
    """Files under a testdata folder, for parametrising at collection time (empty when absent)."""
    folder = TESTDATA / sub
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


# --- the review app's tests: one batch with safe copies, made once, copied for each test -------------

REVIEW_PHOTOS = ["classroom_composite.jpg", "landscape_coffee.jpg", "portrait_cat.jpg", "sideways_notice.jpg",
                 "truncated.jpg"]
XSS_NAME = "<img src=x onerror=alert(1)>.jpg"


@pytest.fixture(scope="session")
def review_template(tmp_path_factory, policy) -> Path:
    """A folder holding photos/, copies/ and report/ (a ``batch --redact-to`` run over a few samples,
    one of them in day2/ under a hostile file name)."""
    import shutil

    from pipeline.runs.batch import run_batch

    base = tmp_path_factory.mktemp("review")
    photos = base / "photos"
    (photos / "day2").mkdir(parents=True)
    for name in REVIEW_PHOTOS:
        shutil.copy(SAMPLES / name, photos / name)
    shutil.copy(SAMPLES / "landscape_coffee.jpg", photos / "day2" / XSS_NAME)
    run_batch(photos, base / "report", policy, workers=1, redact_to=base / "copies")
    return base


@pytest.fixture
def review_copy(review_template, tmp_path) -> Path:
    """A copy of the review template of this test's own, its report pointing at its own folders."""
    import json
    import shutil

    base = tmp_path / "review"
    shutil.copytree(review_template, base, symlinks=True)
    report = base / "report" / "report.json"
    text = report.read_text().replace(json.dumps(str(review_template.resolve()))[1:-1],
                                      json.dumps(str(base.resolve()))[1:-1])
    report.write_text(text)
    return base


def leave_for_review(base: Path, path: str, box: list[int]) -> None:
    """Make the copy of ``path`` in the report under ``base`` a review row with ``box`` a possible face a hand
    fix left for a person (``redaction.review``)."""
    import json

    report = base / "report" / "report.json"
    document = json.loads(report.read_text())
    image = next(i for i in document["images"] if i["path"] == path)
    image["redaction"]["review"] = [box]
    image["verdict"] = "review"
    report.write_text(json.dumps(document))


# a finding that blocks a photo on its own (a student ID is visible), for reports written by hand
STUDENT_ID = {"kind": "student_id", "box": [10, 10, 60, 20], "score": 0.9, "detector": "text:student_id",
              "hint": "ID ••••56"}


def hand_report(base: Path, rows: dict[str, tuple[str, list[dict]]], setting: str = "classroom",
                platform: str = "any") -> Path:
    """A scan's report folder written by hand, with no model run: ``base/report/report.json`` over
    ``base/photos`` (not there: the pictures are not available), a row for each path with its verdict
    and findings. Returns ``base``."""
    import json

    (base / "report").mkdir(parents=True)
    images = [{"path": path, "sha256": f"{i:064x}", "width": 200, "height": 100, "exif_orientation": None,
               "verdict": verdict, "reasons": [f"{verdict} reason"] if verdict != "ok" else [], "findings": findings,
               "error": None} for i, (path, (verdict, findings)) in enumerate(rows.items(), 1)]
    summary = {v: sum(r["verdict"] == v for r in images) for v in ("ok", "review", "block", "error")}
    document = {"schema": "photoscreen.report/1", "tool": {"name": "photoscreen", "version": "test"},
                "images": images, "summary": {**summary, "skipped": 0}, "policy": {"setting": setting},
                "run": {"date": "2026-12-07T10:00:00+00:00", "inputs": [{"label": "", "path": str(base / "photos")}],
                        "copies": None, "setting": setting, "platform": platform}}
    (base / "report" / "report.json").write_text(json.dumps(document))
    return base


def redact_with_crops(paths: list[Path], tmp_path: Path, *options: str) -> dict[str, dict]:
    """``photoscreen redact --crop hands`` on copies of the shared test photos ``paths`` (skipped when one is
    missing): the report's rows by file name."""
    import json
    import shutil

    from typer.testing import CliRunner

    from pipeline.cli import app

    for path in paths:
        if not path.is_file():
            pytest.skip(f"shared test photo {path} not found")
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for path in paths:
        shutil.copy(path, src / path.name)
    result = CliRunner().invoke(app, ["redact", "--no-progress", str(src), "--out", str(out), "--crop", "hands",
                                      *options])
    assert result.exit_code in (0, 1), result.output
    return {r["path"]: r for r in json.loads((out / "report.json").read_text())["images"]}


@pytest.fixture
def fifo_offering():
    """``fifo_offering(path, data)``: a FIFO at ``path`` whose writer waits to hand ``data`` to whoever
    opens it for reading. Code that refuses FIFOs never opens it; code that reads it gets ``data``
    (no hang either way, so a test asserting the refusal fails, not blocks, on code that reads it).
    The writer is released and joined at the end of the test."""
    import os
    import threading

    writers = []

    def make(path: Path, data: bytes) -> Path:
        os.mkfifo(path)

        def write() -> None:
            try:
                with open(path, "wb") as fh:  # blocks until a reader opens the FIFO
                    fh.write(data)
            except OSError:  # the reader closed it early
                pass

        thread = threading.Thread(target=write, daemon=True)
        thread.start()
        writers.append((path, thread))
        return path

    yield make
    for path, thread in writers:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # lets a writer nobody read from finish
        thread.join(10)
        os.close(fd)


# --- marks: `make check` leaves out what is marked slow, browser, cluster or testdata -----------------

# module-scoped fixtures that run whole batches or redactions once for many tests
HEAVY_FIXTURES = {"review_template", "review_copy", "redacted_samples", "clips"}
SLOW_MODULES = {"test_dask", "test_review_browser", "test_video"}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        module = item.module.__name__.rpartition(".")[2]
        uses = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "testdata" in uses or any(isinstance(v, Path) and TESTDATA in v.parents for v in params.values()):
            item.add_marker(pytest.mark.testdata)
        if module == "test_review_browser":
            item.add_marker(pytest.mark.browser)
        if module == "test_dask":
            item.add_marker(pytest.mark.cluster)
        if module in SLOW_MODULES or uses & HEAVY_FIXTURES:
            item.add_marker(pytest.mark.slow)


def text_font(size: int):
    """DejaVu Sans at ``size`` (Pillow's or Debian's), for text drawn in tests; skips when neither is there."""
    import PIL
    from PIL import ImageFont

    for candidate in (Path(PIL.__file__).parent / "fonts" / "DejaVuSans.ttf",
                      Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")):
        if candidate.is_file():
            return ImageFont.truetype(str(candidate), size)
    pytest.skip("DejaVuSans not found (apt-get install fonts-dejavu-core)")


def render_rows(rows, size: int = 28, width: int = 1200, pitch: int = 50, background=(246, 246, 248)):
    """Rows of ``(x, text)`` cells drawn on a light page or screen; returns the PNG and each cell's box,
    keyed ``(row, text)``."""
    import io

    from PIL import Image, ImageDraw

    from pipeline.findings import Box

    font = text_font(size)
    image = Image.new("RGB", (width, 80 + len(rows) * pitch), background)
    draw = ImageDraw.Draw(image)
    boxes = {}
    for r, row in enumerate(rows):
        for x, text in row:
            xy = (x, 40 + r * pitch)
            draw.text(xy, text, fill=(25, 25, 30), font=font)
            x1, y1, x2, y2 = draw.textbbox(xy, text, font=font)
            boxes[(r, text)] = Box(x1, y1, x2 - x1, y2 - y1)
    data = io.BytesIO()
    image.save(data, "PNG")
    return data.getvalue(), boxes


def find_text_in(png: bytes):
    """The text stage's findings on a PNG, with the default policy."""
    from pipeline.media.loader import decode_image
    from pipeline.policy import load_policy
    from pipeline.text.stage import find_text

    return find_text(decode_image(png, 10**8), load_policy())
