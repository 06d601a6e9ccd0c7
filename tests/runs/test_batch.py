"""Nightly batch: incremental re-runs, kill -9 and resume, the HTML contact sheet in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import REPO, SAMPLES
from pipeline.runs.batch import run_batch

PHOTOS = ["classroom_composite.jpg", "landscape_coffee.jpg", "portrait_cat.jpg", "astronaut.heic", "truncated.jpg"]


def make_folder(folder: Path, copies: int = 1) -> list[str]:
    names = []
    for i in range(copies):
        sub = folder / f"day{i}"
        sub.mkdir(parents=True)
        for name in PHOTOS:
            shutil.copy(SAMPLES / name, sub / name)
            names.append(f"day{i}/{name}")
    (folder / "notes.txt").write_text("not a photo")
    return sorted(names)


@pytest.mark.slow
def test_rerun_screens_only_new_or_changed_photos(tmp_path: Path, policy) -> None:
    photos, out = tmp_path / "photos", tmp_path / "out"
    names = make_folder(photos)
    first = run_batch(photos, out, policy, workers=1)
    assert (first.screened, first.reused, first.skipped) == (len(names), 0, 1)
    assert sorted(r["path"] for r in first.records) == names
    assert {r["path"]: r["verdict"] for r in first.records}["day0/truncated.jpg"] == "error"

    again = run_batch(photos, out, policy, workers=1)
    assert (again.screened, again.reused) == (1, len(names) - 1)  # only the error row is tried again
    strip = lambda records: [{k: v for k, v in r.items() if k != "seconds"} for r in records]  # noqa: E731
    assert strip(again.records) == strip(first.records)

    shutil.copy(SAMPLES / "exif_rotated_portrait.jpg", photos / "day0" / "landscape_coffee.jpg")  # changed
    shutil.copy(SAMPLES / "blurred_rocket.jpg", photos / "day0" / "new.jpg")  # new
    (photos / "day0" / "portrait_cat.jpg").unlink()  # gone
    third = run_batch(photos, out, policy, workers=1)
    assert (third.screened, third.forgotten) == (3, 1)  # the changed, the new, and the error row again
    verdicts = {r["path"]: r["verdict"] for r in third.records}
    assert verdicts["day0/landscape_coffee.jpg"] == "block" and verdicts["day0/new.jpg"] == "block"  # too blurry
    assert "day0/portrait_cat.jpg" not in verdicts

    changed_policy = replace(policy, general=replace(policy.general, setting="public_event"))
    fourth = run_batch(photos, out, changed_policy, workers=1)
    assert fourth.screened == len(fourth.records)  # a new policy screens everything again


@pytest.mark.slow
def test_parallel_workers_give_the_same_results(tmp_path: Path, policy) -> None:
    photos = tmp_path / "photos"
    make_folder(photos)
    one = run_batch(photos, tmp_path / "one", policy, workers=1)
    two = run_batch(photos, tmp_path / "two", policy, workers=2)
    strip = lambda records: [{k: v for k, v in r.items() if k != "seconds"} for r in records]  # noqa: E731
    assert strip(one.records) == strip(two.records)


def _rows(state: Path) -> dict[str, float]:
    if not state.exists():
        return {}
    try:
        with sqlite3.connect(state, timeout=5) as db:
            return dict(db.execute("SELECT path, screened_at FROM photos"))
    except sqlite3.OperationalError:
        return {}


def _descendants(pid: int) -> set[int]:
    """Every process whose parent chain leads to ``pid`` (read from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _verdicts(state: Path) -> dict[str, str]:
    with sqlite3.connect(state, timeout=5) as db:
        return dict(db.execute("SELECT path, verdict FROM photos"))


@pytest.mark.slow
def test_kill_9_loses_nothing_repeats_nothing_and_leaves_no_process(tmp_path: Path) -> None:
    photos, out = tmp_path / "photos", tmp_path / "out"
    names = make_folder(photos, copies=4)
    command = [str(Path(sys.executable).with_name("photoscreen")), "batch", str(photos), "--out", str(out),
               "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    while len(_rows(out / "state.sqlite")) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    workers = _descendants(proc.pid)
    assert len(workers) >= 2, "the batch should be running its worker processes"
    os.kill(proc.pid, signal.SIGKILL)  # the batch alone, as the OOM killer or a careless admin would
    proc.wait()
    deadline = time.monotonic() + 10
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(workers), "worker processes outlived the batch by more than 10 s"
    before = _rows(out / "state.sqlite")
    errors_before = {p for p, v in _verdicts(out / "state.sqlite").items() if v == "error"}
    assert 0 < len(before) < len(names), "the kill should land in the middle of the run"
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == [] or all(p.stat().st_size >= 0 for p in leftovers)
    # the next run finishes the job
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 3, result.stdout + result.stderr  # the truncated files are errors
    after = _rows(out / "state.sqlite")
    assert sorted(after) == names, "no photo lost"
    assert all(after[p] == before[p] for p in before if p not in errors_before), \
        "nothing that finished is screened again (error rows are tried again)"
    assert f"{len(names) - len(before) + len(errors_before)} screened now" in result.stdout
    assert [p for p in out.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")] == []
    report = json.loads((out / "report.json").read_text())
    assert sorted(r["path"] for r in report["images"]) == names


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make system-deps installs it)")
def test_contact_sheet_in_headless_chromium(tmp_path: Path, policy) -> None:
    out = tmp_path / "out"
    run_batch(SAMPLES, out, policy, workers=1)
    page = (out / "report.html").resolve()
    assert "http://" not in page.read_text() and "https://" not in page.read_text()  # no external assets
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    shot = REPO / "reports" / "test-artifacts" / "contact_sheet.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1400,1000", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri() + "#block"], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    assert dom.count('class="card"') == 8
    assert all(f'data-filter="{v}"' in dom for v in ("all", "block", "review", "ok", "error"))
    # with the #block filter applied by the page's script, only the 4 blocked photos stay visible
    visible = [c for c in dom.split('<div class="card"')[1:] if "hidden" not in c.split(">")[0]]
    assert len(visible) == 4 and all('data-verdict="block"' in c.split(">")[0] for c in visible)
    assert dom.count("<img") == 7  # every decodable photo has a thumbnail; the truncated one has none


@pytest.mark.slow
def test_batch_redact_to_keeps_copies_in_step_with_the_folder(tmp_path: Path, policy) -> None:
    photos, out, safe = tmp_path / "photos", tmp_path / "out", tmp_path / "safe"
    make_folder(photos)
    first = run_batch(photos, out, policy, workers=1, redact_to=safe)
    rows = {r["path"]: r for r in first.records}
    assert rows["day0/classroom_composite.jpg"]["redaction"]["output"] == "day0/classroom_composite.jpg"
    assert (safe / "day0" / "classroom_composite.jpg").is_file()
    assert (safe / "day0" / "astronaut.heic.jpg").is_file()
    assert rows["day0/truncated.jpg"]["verdict"] == "error" and not (safe / "day0" / "truncated.jpg").exists()
    assert not list(safe.rglob("*.tmp"))

    again = run_batch(photos, out, policy, workers=1, redact_to=safe)
    assert again.screened == 1  # unchanged photos are neither screened nor redacted again; the error row is
    (photos / "day0" / "portrait_cat.jpg").unlink()
    third = run_batch(photos, out, policy, workers=1, redact_to=safe)
    assert third.forgotten == 1 and not (safe / "day0" / "portrait_cat.jpg").exists()


@pytest.mark.slow
def test_batch_checks_the_posts_and_screens_again_a_photo_whose_post_changed(tmp_path: Path, policy) -> None:
    from pipeline.stages.captions import CaptionsError

    photos, out = tmp_path / "photos", tmp_path / "out"
    photos.mkdir()
    for name in ("portrait_cat.jpg", "landscape_coffee.jpg"):
        shutil.copy(SAMPLES / name, photos / name)
    posts = tmp_path / "posts.csv"
    posts.write_text("path,caption\nportrait_cat.jpg,Our class cat says hello to the students with autism\n"
                     "landscape_coffee.jpg,Coffee with the parents this morning\n", encoding="utf-8")
    first = run_batch(photos, out, policy, workers=1, captions=posts)
    rows = {r["path"]: r for r in first.records}
    assert rows["landscape_coffee.jpg"]["verdict"] == "ok"
    cat = rows["portrait_cat.jpg"]
    assert cat["verdict"] == "block" and any(f["kind"] == "caption" for f in cat["findings"])
    assert "autism" not in json.dumps(first.records)  # the report never holds the caption's words
    again = run_batch(photos, out, policy, workers=1, captions=posts)
    assert (again.screened, again.reused) == (0, 2)
    posts.write_text("path,caption\nportrait_cat.jpg,Our class cat says hello\n"
                     "landscape_coffee.jpg,Coffee with the parents this morning\n", encoding="utf-8")
    third = run_batch(photos, out, policy, workers=1, captions=posts)
    assert third.screened == 1 and {r["path"]: r["verdict"] for r in third.records}["portrait_cat.jpg"] == "ok"
    posts.write_text("path,caption\nmissing.jpg,Hello\n", encoding="utf-8")
    with pytest.raises(CaptionsError, match="line 2"):
        run_batch(photos, out, policy, workers=1, captions=posts)


def test_a_thumbnail_made_from_a_preview_covers_the_text_where_the_full_photo_would() -> None:
    """The batch draws thumbnails from the screen's 640 px preview (not the 12 MP original): the
    cover over a student ID lands on the same thumbnail pixels either way."""
    import io

    import numpy as np
    from PIL import Image

    from pipeline.findings import Box, Finding
    from pipeline.media.loader import load_image
    from pipeline.report.contact_sheet import THUMB_SIDE, thumbnail_bytes

    image = load_image(SAMPLES / "classroom_composite.jpg", 10**8)
    box = Box(image.width // 2, image.height // 2, image.width // 8, image.height // 12)
    found = [Finding("student_id", box, 0.9, "test", hint="ID ••12")]
    thumbs = [np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=float) for data in
              (thumbnail_bytes(image.pixels, found), thumbnail_bytes(image.preview(2 * THUMB_SIDE), found, image.width))]
    assert thumbs[0].shape == thumbs[1].shape and max(thumbs[0].shape) == THUMB_SIDE
    s = thumbs[0].shape[1] / image.width
    inside = (slice(round(box.y * s) + 2, round((box.y + box.h) * s) - 2), slice(round(box.x * s) + 2, round((box.x + box.w) * s) - 2))
    for thumb in thumbs:
        assert thumb[inside].max() < 40  # the cover, solid dark
    assert np.abs(thumbs[0] - thumbs[1]).mean() < 6  # the same picture around it


@pytest.mark.slow
@pytest.mark.parametrize("signum, said", [(signal.SIGINT, "interrupted"), (signal.SIGTERM, "stopped (SIGTERM)")])
def test_a_parallel_batch_stopped_by_a_signal_stops_cleanly(tmp_path: Path, signum: int, said: str) -> None:
    """Ctrl-C or systemd's SIGTERM during `batch -j 2`: exit 4 with the documented line (docs/nightly.md),
    no crash of its own, no worker left, and what finished is kept for the next run."""
    photos, out = tmp_path / "photos", tmp_path / "out"
    make_folder(photos, copies=3)
    command = [str(Path(sys.executable).with_name("photoscreen")), "batch", str(photos), "--out", str(out),
               "--workers", "2", "--no-progress"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while not _rows(out / "state.sqlite") and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    workers = _descendants(proc.pid)
    assert proc.poll() is None and workers, "the batch should still be running its workers"
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 4, stdout + stderr
    assert said in stderr and "itself failed" not in stderr and "Traceback" not in stderr, stderr
    assert "next run" in stderr, stderr
    deadline = time.monotonic() + 10
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(workers), "worker processes outlived the stopped batch"
    assert _rows(out / "state.sqlite"), "what finished is kept"


def test_batch_gives_two_photos_two_copies_and_follows_the_names(tmp_path: Path, policy) -> None:
    """y.gif and y.gif.png, z.tif and z.tif.jpg: each photo its own copy, the report and the manifest say
    which; when the name is free again, the copy takes it back and the older one goes."""
    from PIL import Image

    photos, out, safe = tmp_path / "photos", tmp_path / "out", tmp_path / "safe"
    photos.mkdir()
    Image.open(SAMPLES / "portrait_cat.jpg").save(photos / "y.gif")
    shutil.copy(SAMPLES / "landscape_coffee.jpg", photos / "y.gif.png")
    Image.open(SAMPLES / "portrait_cat.jpg").save(photos / "z.tif")
    shutil.copy(SAMPLES / "landscape_coffee.jpg", photos / "z.tif.jpg")
    first = run_batch(photos, out, policy, workers=1, redact_to=safe)
    outputs = {r["path"]: r["redaction"]["output"] for r in first.records}
    assert outputs == {"y.gif": "y.gif (2).png", "y.gif.png": "y.gif.png", "z.tif": "z.tif (2).jpg",
                       "z.tif.jpg": "z.tif.jpg"}
    for photo, copy in outputs.items():
        assert Image.open(safe / copy).size == Image.open(photos / photo).size, (photo, copy)
    with sqlite3.connect(safe / ".photoscreen-copies.sqlite") as db:
        assert dict(db.execute("SELECT rel, source FROM copies")) == {v: k for k, v in outputs.items()}
    report = json.loads((out / "report.json").read_text())["images"]
    assert all(r["redaction"]["output"] == outputs[r["path"]] for r in report)
    assert run_batch(photos, out, policy, workers=1, redact_to=safe).screened == 0  # the names are stable

    (photos / "y.gif.png").unlink()
    third = run_batch(photos, out, policy, workers=1, redact_to=safe)
    assert {r["path"]: r["redaction"]["output"] for r in third.records}["y.gif"] == "y.gif.png"
    assert sorted(p.name for p in safe.iterdir() if not p.name.startswith(".")) == ["y.gif.png", "z.tif (2).jpg",
                                                                                   "z.tif.jpg"]
    assert Image.open(safe / "y.gif.png").size == Image.open(photos / "y.gif").size
