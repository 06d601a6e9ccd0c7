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


# the share of each copy verdict in a real `batch --redact-to` event folder (make_report(event=True)):
# most copies ok, a few to look at again (blur between the limits, exposure), a few blocked (a post's
# caption names a student), one or two files that could not be read
EVENT_MIX = {"review": 0.07, "block": 0.02}


def event_verdicts(n: int) -> list[str]:
    """The copy verdict of each of ``n`` photos in the shares of EVENT_MIX (at least two review, one
    block, one error; two errors from 100 photos), spread over the folders at random (seed 0)."""
    counts = {"error": 2 if n >= 100 else 1, "block": max(1, round(n * EVENT_MIX["block"])),
              "review": max(2, round(n * EVENT_MIX["review"]))}
    verdicts = [v for v, k in counts.items() for _ in range(k)]
    verdicts += ["ok"] * (n - len(verdicts))
    return [verdicts[i] for i in np.argsort(np.random.default_rng(0).random(n))]


def _event_findings(verdict: str, i: int) -> list[dict]:
    """What the screen found on the original besides its faces, for a copy of this verdict."""
    if verdict == "review" and i % 2:
        return [{"kind": "blur", "box": None, "score": 0.45, "detector": "quality",
                 "why": "out of focus: sharpness 3.9 < 6, edges 0.29 < 0.34 at 640x480"}]
    if verdict == "review":
        return [{"kind": "exposure", "box": None, "score": 0.4, "detector": "quality",
                 "why": "too dark: 95% of the picture is below grey level 41 (< 70)"}]
    if verdict == "block":
        return [{"kind": "caption", "box": None, "score": 1.0, "detector": "captions", "why": "bench",
                 "category": "name", "hint": "name L\u2022\u2022\u2022 M\u2022\u2022\u2022", "source": "caption"}]
    return []


def make_report(base: Path, n: int, event: bool = False) -> Path:
    """A report folder of ``n`` photos, as `batch --redact-to` writes it: small JPEGs in 20 folders
    (``base/photos``), each with its safe copy (``base/copies``), and ``base/report/report.json``.
    Without ``event``, every fifth copy is review and the rest ok; with it, the copies' verdicts are those
    of an event folder (``event_verdicts``): their reasons as the screen words them, the blocked ones
    for a caption naming a student, and error rows for files that could not be read (no copy)."""
    from pipeline.findings import Finding
    from pipeline.policy import load_policy
    from pipeline.screen.verdict import decide

    rng = np.random.default_rng(0)
    policy = load_policy()
    verdicts = event_verdicts(n) if event else [("ok", "review")[i % 5 == 0] for i in range(n)]
    photos, copies = OwnedFolder(base / "photos"), OwnedFolder(base / "copies")
    images = []
    for i, verdict in enumerate(verdicts):
        rel = f"day{i % 20:02d}/IMG_{i:04d}.jpg"
        pixels = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(pixels).resize((640, 480)).save(buf, "JPEG", quality=80)
        data = buf.getvalue()
        if verdict == "error":  # a truncated file: no sha256, no copy
            photos.write(rel, data[:400])
            images.append({"path": rel, "sha256": None, "width": None, "height": None, "exif_orientation": None,
                           "verdict": "error", "reasons": [], "findings": [], "seconds": 0.001,
                           "error": "image data is corrupt or truncated (image file is truncated)"})
            continue
        photos.write(rel, data)
        copies.write_copy(rel, data)
        face = {"kind": "face", "box": [100, 100, 80, 100], "score": 0.9, "identifiable": i % 3 == 0,
                "detector": "centerface", "why": "bench"}
        findings = [face] if i % 2 else []
        reasons = ["safe copy written"]
        if event:
            kept = _event_findings(verdict, i)
            findings += kept
            covered = "covered 1 face" if i % 2 else "nothing to cover"
            reasons = list(decide([Finding.from_dict(f) for f in kept], policy)[1]) + \
                [f"safe copy written ({covered}; metadata removed; checked 1x)"]
        images.append({"path": rel, "sha256": hashlib.sha256(data).hexdigest(), "width": 640, "height": 480,
                       "exif_orientation": None, "verdict": verdict,
                       "reasons": reasons, "findings": findings, "error": None, "seconds": 0.1,
                       "redaction": {"output": rel, "covered": [{"kind": "face", "box": [80, 75, 120, 150],
                                                                 "mode": "pixelate"}] if i % 2 else [],
                                     "crop": None, "passes": 1, "withheld": None, "turned": 0, "size": [640, 480]}})
    copies.close()
    report = OwnedFolder(base / "report")
    summary = {v: verdicts.count(v) for v in ("ok", "review", "block", "error")}
    document = {"schema": "photoscreen.report/1", "tool": {"name": "photoscreen", "version": "bench"},
                "policy": {"setting": "classroom"}, "images": images,
                "run": {"date": "2026-01-01T00:00:00+00:00", "inputs": [{"label": "", "path": str(photos.root)}],
                        "copies": str(copies.root), "setting": "classroom", "platform": "any"},
                "summary": {**summary, "skipped": 0}}
    report.write("report.json", json.dumps(document).encode())
    return report.root


def start_review(report: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """``photoscreen review REPORT`` in its own process, and the address it prints (with the token)."""
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", *options, "review", str(report)],
                            stdout=subprocess.PIPE, text=True, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"photoscreen review printed no address: {line!r}")
    return proc, line[line.index("http://"):].strip()


def chromium_path() -> Path | None:
    """Debian's chromium (no browser is downloaded), or None with playwright or chromium missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    path = Path(shutil.which("chromium") or "/usr/bin/chromium")
    return path if path.exists() else None


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
    chromium = chromium_path()
    if chromium is None:
        print("Chromium: playwright or chromium not installed, skipped")
        return
    from playwright.sync_api import sync_playwright

    proc, url = start_review(report)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
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
