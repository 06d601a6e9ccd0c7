"""Re-run the hostile-input probe of issue 14 against the installed photoscreen, end to end.

Builds, in a temporary folder, photos as a careless or malicious user, a flaky share or a crash would
leave them (faces hidden on frame 2 or page 2, names and IDs in comments and text chunks, FIFOs,
links to devices, hostile file names, links planted in the copies folder, a forged state row, an
empty share) and runs `photoscreen scan`, `redact` and `batch` on them as subprocesses. Checks, and
prints, for every case: every file has a row, no original changed, no sensitive photo is `ok`,
nothing outside the output folders touched, and the exit code. Exit status 1 when any check fails.

    .venv/bin/python -m scripts.probe_hostile [--keep DIR]

Only our own sample_images/ and synthetic pictures are used (nothing from ../shared).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from scripts import REPO

SAMPLES = REPO / "sample_images"
PHOTOSCREEN = str(Path(sys.executable).with_name("photoscreen"))
pillow_heif.register_heif_opener()


def font(size: int):
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                 str(Path(ImageFont.__file__).parent / "fonts" / "DejaVuSans.ttf")):
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def face() -> Image.Image:
    return Image.open(SAMPLES / "astronaut.heic").convert("RGB").resize((512, 512))


def plain() -> Image.Image:
    return Image.open(SAMPLES / "landscape_coffee.jpg").convert("RGB").resize((512, 512))


def page(lines: list[str], size=(1100, 900)) -> Image.Image:
    image = Image.new("RGB", size, (226, 222, 212))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((50, 40 + i * 62), line, fill=(25, 25, 25), font=font(40))
    return image


def build(folder: Path) -> dict[str, str]:
    """The hostile photo folder; returns {relative path: what must come out} ("not ok" or "error")."""
    folder.mkdir(parents=True)
    expect: dict[str, str] = {}

    def save(rel: str, image: Image.Image, want: str, **options) -> None:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        image.save(folder / rel, **options)
        expect[rel] = want

    save("frames/face_on_frame2.gif", plain(), "not ok", save_all=True, append_images=[face()], duration=500)
    save("frames/face_on_frame2.png", plain(), "not ok", save_all=True, append_images=[face()], format="PNG")
    save("frames/face_on_frame2.webp", plain(), "not ok", save_all=True, append_images=[face()], lossless=True)
    save("frames/face_on_page2.tif", plain(), "not ok", save_all=True, append_images=[face()])
    heif = pillow_heif.from_pillow(plain())
    heif.add_from_pillow(face())
    heif.save(str(folder / "frames/face_second_image.heic"), quality=90)
    expect["frames/face_second_image.heic"] = "not ok"

    (folder / "meta").mkdir(exist_ok=True)
    buf = io.BytesIO()
    plain().save(buf, "JPEG", comment=b"Bravo Marc Thiessen, Student ID: 48213977")
    (folder / "meta/com_segment.jpg").write_bytes(buf.getvalue())
    expect["meta/com_segment.jpg"] = "not ok"
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Student ID: 48213977")
    info.add_itxt("Description", "Marc Thiessen")
    save("meta/text_chunks.png", plain(), "not ok", pnginfo=info)
    save("meta/gif_comment.gif", plain(), "not ok", comment=b"Marc Thiessen 48213977")

    lines = [f"Reading log, week {i}: chapter {i + 2} finished, notes handed in." for i in range(10)]
    save("text/id_under_ten_lines.png", page(lines + ["Student ID: 48213977"], (1400, 900)), "not ok")

    (folder / "bad").mkdir()
    (folder / "bad/empty.jpg").write_bytes(b"")
    (folder / "bad/not_an_image.jpg").write_text("hello")
    (folder / "bad/truncated.jpg").write_bytes((SAMPLES / "landscape_coffee.jpg").read_bytes()[:5000])
    os.mkfifo(folder / "bad/fifo.jpg")
    (folder / "bad/zero.jpg").symlink_to("/dev/zero")
    (folder / "bad/loop.jpg").symlink_to(folder / "bad/loop.jpg")
    for rel in ("bad/empty.jpg", "bad/not_an_image.jpg", "bad/truncated.jpg", "bad/fifo.jpg", "bad/zero.jpg",
                "bad/loop.jpg"):
        expect[rel] = "error"

    (folder / "names").mkdir()
    for name in ("=2+5+cmd|' -C calc'!A0.jpg", "evil\n2026-01-01 INFO forged.jpg", "x" * 240 + ".jpg"):
        shutil.copy(SAMPLES / "classroom_composite.jpg", folder / "names" / name)
        expect[f"names/{name}"] = "not ok"
    return expect


def snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            out[path.relative_to(folder).as_posix()] = "special"
            continue
        out[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def run(args: list[str], timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([PHOTOSCREEN, *args], capture_output=True, text=True, timeout=timeout)


class Checks:
    def __init__(self) -> None:
        self.failed = 0

    def check(self, ok: bool, what: str) -> None:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        self.failed += not ok


def rows_of(report: Path) -> dict[str, dict]:
    return {r["path"]: r for r in json.loads(report.read_text())["images"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="build the folders here and keep them (default: a temporary folder)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="photoscreen-probe-"))
    photos, victim = work / "photos", work / "victim"
    expect = build(photos)
    victim.mkdir()
    (victim / "x.jpg").write_bytes(b"someone else's file")
    roster = work / "roster.csv"
    roster.write_text("first,last\nMarc,Thiessen\n")
    originals, victim_before = snapshot(photos), snapshot(victim)
    c = Checks()

    print(f"probe folder: {work}")
    print("scan")
    scan = run(["scan", str(photos), "--out", str(work / "scan"), "--roster", str(roster), "--no-progress", "-q"])
    c.check(scan.returncode == 3, f"exit 3 (some files unreadable), got {scan.returncode}")
    rows = rows_of(work / "scan/report.json")
    c.check(set(rows) == set(expect), f"every file has a row ({len(rows)} rows, {len(expect)} files)")
    for rel, want in expect.items():
        got = rows.get(rel, {}).get("verdict")
        good = got == "error" if want == "error" else got in ("block", "review", "error")
        c.check(good, f"{rel!r}: {got} (want {want})")

    print("redact, with a link into the photo folder planted in the copies folder")
    safe = work / "safe"
    safe.mkdir()
    (safe / "frames").symlink_to(photos / "frames")
    redact = run(["redact", str(photos), "--out", str(safe), "--roster", str(roster), "--no-progress", "-q"])
    c.check(redact.returncode in (1, 3), f"exit 1 or 3, got {redact.returncode}")
    c.check(snapshot(photos) == originals, "no original changed, deleted or added")

    print("batch --redact-to, twice, with a forged state row and a link in the copies folder")
    out, copies = work / "batch", work / "copies"
    copies.mkdir()
    (copies / "meta").symlink_to(photos / "meta")
    first = run(["batch", str(photos), "--out", str(out), "--redact-to", str(copies), "--roster", str(roster),
                 "--no-progress"])
    c.check(first.returncode == 3, f"first run exit 3, got {first.returncode}")
    with sqlite3.connect(out / "state.sqlite") as db:
        db.execute("INSERT INTO photos VALUES ('../../victim/x.jpg', 1, 1, NULL, 'x', 'ok', '{}', NULL, 0)")
    second = run(["batch", str(photos), "--out", str(out), "--redact-to", str(copies), "--roster", str(roster),
                  "--no-progress"])
    c.check(second.returncode == 3, f"second run exit 3, got {second.returncode}")
    rows = rows_of(out / "report.json")
    c.check(set(rows) == set(expect), f"every file has a row ({len(rows)} rows)")
    # with --redact-to a row's verdict is its safe copy's: ok only when a copy was written, and every
    # copy, screened again on its own, must show nothing to block
    c.check(all(r["redaction"] and r["redaction"]["output"] for r in rows.values() if r["verdict"] == "ok"),
            "a row is ok only with a safe copy written")
    rescan = run(["scan", str(copies), "--out", str(work / "rescan"), "--roster", str(roster), "--no-progress", "-q"])
    copy_rows = rows_of(work / "rescan/report.json")
    blocked = [p for p, r in copy_rows.items() if r["verdict"] in ("block", "error")]
    c.check(rescan.returncode in (0, 1) and not blocked,
            f"{len(copy_rows)} safe copies screened again: none blocked or unreadable {blocked}")
    c.check(snapshot(photos) == originals, "no original changed, deleted or added")
    c.check(snapshot(victim) == victim_before, "nothing outside the folders touched")
    thumbs = {r.get("path"): r for r in rows.values() if r["verdict"] == "error"}
    html = (out / "report.html").read_text()
    c.check(all(f'alt="{p}"' not in html for p in thumbs), "no thumbnail for an error row")

    print("an empty share")
    empty = work / "empty"
    empty.mkdir()
    kept = snapshot(copies)
    gone = run(["batch", str(empty), "--out", str(out), "--redact-to", str(copies), "--no-progress"])
    c.check(gone.returncode == 3, f"exit 3, got {gone.returncode}")
    c.check(snapshot(copies) == kept, "no safe copy deleted")

    print(f"{c.failed} check(s) failed" if c.failed else "all checks passed")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
