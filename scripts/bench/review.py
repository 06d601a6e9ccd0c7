"""How fast the review app opens on a report of 1,000 photos (goal: first page in under 1 s).

Makes a report folder of N photos (small JPEGs in 20 folders, each with a safe copy and a few
findings, as `batch --redact-to` writes them), then measures, in process (Starlette's TestClient)
and in Debian's headless Chromium when it is there: opening the report, the page, the first page of
rows, a filtered and sorted page, and the time until the first rows and their thumbnails are shown.
Prints figures; asserts nothing.

    .venv/bin/python -m scripts.bench.review [--photos 1000]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.owned import OwnedFolder


def make_report(base: Path, n: int) -> Path:
    rng = np.random.default_rng(0)
    photos, copies = OwnedFolder(base / "photos"), OwnedFolder(base / "copies")
    images = []
    for i in range(n):
        rel = f"day{i % 20:02d}/IMG_{i:04d}.jpg"
        pixels = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(pixels).resize((640, 480)).save(buf, "JPEG", quality=80)
        data = buf.getvalue()
        photos.write(rel, data)
        copies.write_copy(rel, data)
        face = {"kind": "face", "box": [100, 100, 80, 100], "score": 0.9, "identifiable": i % 3 == 0,
                "detector": "centerface", "why": "bench"}
        findings = [face] if i % 2 else []
        images.append({"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "width": 640, "height": 480,
                       "exif_orientation": None, "verdict": ("ok", "review")[i % 5 == 0],
                       "reasons": ["safe copy written"], "findings": findings, "error": None, "seconds": 0.1,
                       "redaction": {"output": rel, "covered": [{"kind": "face", "box": [80, 75, 120, 150],
                                                                 "mode": "pixelate"}] if findings else [],
                                     "crop": None, "passes": 1, "withheld": None}})
    copies.close()
    report = OwnedFolder(base / "report")
    document = {"schema": "photoscreen.report/1", "tool": {"name": "photoscreen", "version": "bench"},
                "policy": {"setting": "classroom"}, "images": images,
                "run": {"date": "2026-01-01T00:00:00+00:00", "inputs": [{"label": "", "path": str(photos.root)}],
                        "copies": str(copies.root), "setting": "classroom", "platform": "any"},
                "summary": {"ok": n, "review": 0, "block": 0, "error": 0, "skipped": 0}}
    report.write("report.json", json.dumps(document).encode())
    return report.root


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def in_process(report: Path) -> None:
    from starlette.testclient import TestClient

    from pipeline.review.app import COOKIE, create_app

    start = time.perf_counter()
    app = create_app(report, "t", who="bench")
    print(f"open the report (read report.json, both verdicts, review.sqlite): {time.perf_counter() - start:.3f} s")
    client = TestClient(app, base_url="http://127.0.0.1")
    client.cookies.set(COOKIE, "t")
    t, _ = timed(lambda: client.get("/"))
    print(f"GET / (the page): {t * 1000:.1f} ms")
    t, r = timed(lambda: client.get("/api/photos"))
    print(f"GET /api/photos (first page of {len(r.json()['rows'])} of {r.json()['total']} rows): {t * 1000:.1f} ms")
    t, r = timed(lambda: client.get("/api/photos", params={"verdict": "block", "sort": "-folder", "q": "day1"}))
    print(f"GET /api/photos filtered and sorted ({r.json()['total']} rows): {t * 1000:.1f} ms")
    t, _ = timed(lambda: client.get("/img/thumb", params={"path": "day00/IMG_0000.jpg"}), repeat=1)
    print(f"one thumbnail made from its original (first time): {t * 1000:.1f} ms")


def in_chromium(report: Path) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Chromium: playwright not installed, skipped")
        return
    if not Path(chromium).exists():
        print("Chromium: not installed, skipped")
        return
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "review", str(report)],
                            stdout=subprocess.PIPE, text=True, stderr=subprocess.DEVNULL)
    try:
        url = proc.stdout.readline().split("open ", 1)[1].strip()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url.replace("?", "?warm=1&"))  # the first request pays Python's imports of the image code
            page.wait_for_selector("#list .row")
            for label, wait in (("first rows shown", "document.querySelectorAll('#list .row').length > 0"),
                                ("first rows and their visible thumbnails loaded",
                                 "[...document.querySelectorAll('#list .row img')].slice(0, 10).every(i => i.complete)"
                                 " && document.querySelectorAll('#list .row').length > 0")):
                times = []
                for _ in range(3):
                    start = time.perf_counter()
                    page.goto(url)
                    page.wait_for_function(wait)
                    times.append(time.perf_counter() - start)
                print(f"Chromium, page opened to {label}: {statistics.median(times):.3f} s (median of 3)")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = make_report(Path(tmp), args.photos)
        print(f"{args.photos} photos made in {time.perf_counter() - start:.1f} s")
        in_process(report)
        in_chromium(report)


if __name__ == "__main__":
    main()
