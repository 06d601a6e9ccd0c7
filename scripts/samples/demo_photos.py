#!/usr/bin/env python3
"""Build sample_images/ from sources we may redistribute.

Every photo comes from scikit-image's bundled data (in the scikit-image wheel on PyPI):
astronaut (Eileen Collins, NASA, public domain), coffee (CC0, Rachel Michetti), chelsea (CC0,
Stefan van der Walt), rocket (SpaceX, public domain) and camera (CC0, Lav Varshney). Everything
else (the classroom, the paper, the text) is drawn here. Run with `make samples`
(`.venv/bin/python -m scripts.samples.demo_photos`); the output is deterministic, committed, and
described in sample_images/README.md.
"""

from __future__ import annotations

import argparse
import io
import json

import numpy as np
import pillow_heif
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from skimage import data

from scripts import REPO

OUT = REPO / "sample_images"
EXIF_ORIENTATION = 0x0112


def font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)  # Pillow's bundled scalable font (Aileron, CC0)


def astronaut_head() -> Image.Image:
    """Head and shoulders of the astronaut, on her own background."""
    return Image.fromarray(data.astronaut()).crop((120, 20, 340, 300))


def classroom() -> Image.Image:
    """A drawn classroom: wall, whiteboard, desks; four 'students' and a graded paper on a desk."""
    rng = np.random.default_rng(7)
    w, h = 1600, 1000
    room = Image.new("RGB", (w, h), (214, 205, 186))
    draw = ImageDraw.Draw(room)
    draw.rectangle((0, 640, w, h), fill=(150, 120, 90))  # floor
    draw.rectangle((420, 60, 1180, 330), fill=(245, 246, 244), outline=(120, 120, 120), width=8)
    draw.text((470, 100), "Fractions: 3/4 + 1/8 = ?", fill=(30, 60, 160), font=font(44))
    draw.text((470, 180), "Homework p. 42", fill=(30, 60, 160), font=font(40))
    head = astronaut_head()
    for x, y, height in ((90, 330, 300), (520, 390, 210), (900, 420, 170), (1260, 360, 250)):
        student = head.resize((round(height * head.width / head.height), height), Image.LANCZOS)
        room.paste(student, (x, y))
    for x in (40, 470, 860, 1220):  # desks in front of the students
        draw.rectangle((x, 600, x + 360, 660), fill=(120, 85, 50))
        draw.rectangle((x + 20, 660, x + 40, h), fill=(90, 60, 35))
        draw.rectangle((x + 320, 660, x + 340, h), fill=(90, 60, 35))
    paper = Image.new("RGB", (420, 300), (252, 252, 248))
    pd = ImageDraw.Draw(paper)
    pd.text((24, 20), "Maths test - Term 1", fill=(20, 20, 20), font=font(30))
    pd.text((24, 80), "Name: Alex Martin", fill=(20, 20, 20), font=font(28))
    pd.text((24, 130), "Student ID: 20481937", fill=(20, 20, 20), font=font(28))
    pd.text((24, 190), "Grade: 17/20", fill=(200, 20, 20), font=font(34))
    paper = paper.rotate(4, expand=True, fillcolor=(150, 120, 90))
    room.paste(paper, (1150, 680))
    noise = rng.normal(0, 3, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(room, dtype=np.float64) + noise, 0, 255).astype(np.uint8))


def notice_board() -> Image.Image:
    """A cork board with a printed notice about a school trip, on a wall (no student information)."""
    board = Image.new("RGB", (1200, 800), (196, 160, 112))
    draw = ImageDraw.Draw(board)
    draw.rectangle((150, 80, 1050, 720), fill=(250, 250, 245))
    lines = ["School trip to the science museum", "Thursday: bring a packed lunch,", "a pencil and a notebook.",
             "The coach leaves at nine o'clock", "from the main gate. Parents are", "welcome to join us."]
    for i, line in enumerate(lines):
        draw.text((200, 130 + i * 95), line, fill=(25, 25, 25), font=font(46))
    return board


def save_jpeg(image: Image.Image, name: str, exif: Image.Exif | None = None) -> None:
    kwargs = {"quality": 88, "optimize": True}
    if exif is not None:
        kwargs["exif"] = exif.tobytes()
    image.save(OUT / name, "JPEG", **kwargs)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        if old.name != "README.md":
            old.unlink()
    expected: dict[str, str] = {}

    save_jpeg(classroom(), "classroom_composite.jpg")
    expected["classroom_composite.jpg"] = "block"

    # A landscape photo with no people: nothing to report.
    save_jpeg(Image.fromarray(data.coffee()), "landscape_coffee.jpg")
    expected["landscape_coffee.jpg"] = "ok"

    # A portrait (taller than wide) photo with no people.
    save_jpeg(Image.fromarray(data.chelsea()).crop((100, 0, 325, 300)), "portrait_cat.jpg")
    expected["portrait_cat.jpg"] = "ok"

    # A strongly defocused photo (no people): too blurry to tell what is happening, so block (do not post).
    blurred = Image.fromarray(data.rocket()).filter(ImageFilter.GaussianBlur(6))
    save_jpeg(blurred, "blurred_rocket.jpg")
    expected["blurred_rocket.jpg"] = "block"

    # A sideways photo: a notice board photographed, stored turned 90 degrees with no EXIF tag.
    save_jpeg(notice_board().transpose(Image.Transpose.ROTATE_90), "sideways_notice.jpg")
    expected["sideways_notice.jpg"] = "review"

    # A portrait of a person stored sideways with EXIF Orientation 6: upright after loading.
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    stored = Image.fromarray(data.astronaut()).transpose(Image.Transpose.ROTATE_90)
    save_jpeg(stored, "exif_rotated_portrait.jpg", exif)
    expected["exif_rotated_portrait.jpg"] = "block"

    # HEIC (iPhone format) of a close-up face.
    heif = pillow_heif.from_pillow(Image.fromarray(data.astronaut()))
    heif.save(OUT / "astronaut.heic", quality=80)
    expected["astronaut.heic"] = "block"

    # A corrupt file: a JPEG cut off half-way.
    buf = io.BytesIO()
    Image.fromarray(data.coffee()).save(buf, "JPEG", quality=88)
    (OUT / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    expected["truncated.jpg"] = "error"

    # Not an image: counted as skipped.
    (OUT / "notes.txt").write_text("Photos for the class newsletter.\n")

    (OUT / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(expected)} samples to {OUT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
