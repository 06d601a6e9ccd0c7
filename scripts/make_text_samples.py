#!/usr/bin/env python3
"""Compose text samples for scripts/eval_text.py: papers, badges, gradebook screens, whiteboards
and sticky notes carrying student IDs, grades and names, laid onto real photos with perspective,
uneven light, blur and JPEG compression; and negatives carrying innocuous text (room numbers,
dates, phone numbers, "Grade 5", page numbers, prices).

    .venv/bin/python scripts/make_text_samples.py [--out DIR] [--count N] [--seed S]

Backgrounds come from ../shared/testdata, so the output must stay out of the repository: the
default folder, reports/text_samples, is git-ignored. Writes ``truth.json``: for each file, the
boxes of the sensitive items by kind with the text written there (to check
redacted copies), and ``roster.csv`` with the names used.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

import cv2
import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
FIRST = ["Alex", "Sofia", "Liam", "Emma", "Noah", "Chloe", "Lucas", "Jade", "Hugo", "Lea", "Adam", "Zoe",
         "Nathan", "Ines", "Jules", "Manon", "Ethan", "Camille", "Louis", "Sarah", "Gabriel", "Maya", "Owen", "Lina"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Roux", "Fournier", "Morel", "Girard", "Andre",
        "Nguyen", "Okafor", "Kowalski", "Haddad"]
ID_LABELS = ["Student ID: {}", "ID# {}", "Student No. {}", "Student # {}", "Matricule : {}", "Numéro d'élève : {}",
             "ID: {}", "Student Number {}"]
GRADE_FORMS = ["Grade: {l}", "Mark: {l}", "Note : {n}/20", "{n}/20", "Score: {p}%", "{c}/100", "Total: {t}/10",
               "Grade {l}", "Résultat : {n}/20", "{l}"]
NEGATIVE_LINES = ["Room 214", "Salle 12", "Grade 5", "5th grade", "Grade 11 Chemistry", "Page 42 of 120",
                  "p. 17", "Tel: 555-0134", "Tél : 01 23 45 67 89", "Date: 10/14/2025", "14/10/2025", "Due 03/11",
                  "Class starts at 8:30", "Lunch 12:15-13:00", "Price: $12.50", "Total 24,90 €", "Year 2024",
                  "Bus 47", "Chapter 3: Fractions", "Homework for Monday", "Bring your calculator",
                  "Open house 6 pm", "Exit", "Library hours 9-17", "Fire drill Friday", "Science fair"]


def fonts() -> list[Path | None]:
    found = sorted(Path("/usr/share/fonts").rglob("*.ttf"))
    regular = [p for p in found if "Mono" in p.name or "Bold" in p.name or p.stem.endswith(("Sans", "Serif"))
               or "Oblique" in p.name]
    return [None] + regular[:10]


# Pillow's built-in font has no accented letters ("Numéro d'élève" would show empty boxes): text with
# letters beyond ASCII is drawn in a font that has them when one is installed
ACCENTED_FALLBACK = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def load_font(path: Path | None, size: int, text: str = "") -> ImageFont.ImageFont:
    if path is None and not text.isascii() and ACCENTED_FALLBACK.is_file():
        path = ACCENTED_FALLBACK
    return ImageFont.load_default(size=size) if path is None else ImageFont.truetype(str(path), size)


CLASS: list[tuple[str, str]] = []  # the class roster, drawn once in main()


def student(rng: random.Random) -> tuple[str, str, str]:
    first, last = rng.choice(CLASS)
    digits = rng.choice([5, 6, 7, 8, 9])
    return first, last, str(rng.randint(10 ** (digits - 1), 10 ** digits - 1))


def grade(rng: random.Random) -> str:
    form = rng.choice(GRADE_FORMS)
    return form.format(l=rng.choice(["A", "A-", "B+", "B", "B-", "C+", "C", "D", "A+"]) if form != "{l}"
                       else rng.choice(["A+", "A-", "B+", "B-", "C+", "C-"]),
                       n=rng.choice(["14", "17", "9", "12,5", "18", "11"]), p=rng.randint(40, 99),
                       c=rng.randint(35, 100), t=rng.randint(3, 10))


class Sheet:
    """A flat card with lines of text; remembers each sensitive item's box on the card."""

    def __init__(self, size, colour, font_path, rng):
        self.image = Image.new("RGB", size, colour)
        self.draw = ImageDraw.Draw(self.image)
        self.font_path, self.rng, self.items, self.y = font_path, rng, [], 20

    def line(self, text: str, size: int, kind: str | None = None, part: str | None = None, colour=(20, 20, 25)):
        font = load_font(self.font_path, size, text)
        x = 24
        self.draw.text((x, self.y), text, fill=colour, font=font)
        if kind:
            target = part or text
            start = text.find(target)
            x0 = x + self.draw.textlength(text[:start], font=font)
            x1 = x0 + self.draw.textlength(target, font=font)
            top, bottom = self.y + font.getbbox(text)[1], self.y + font.getbbox(text)[3]
            self.items.append((kind, [x0, top, x1, bottom], target))
        self.y += int(size * 1.6)


def make_card(kind: str, rng: random.Random, negative: bool, font_path, size: int) -> Sheet:
    first, last, number = student(rng)
    if kind == "badge":
        sheet = Sheet((14 * size, 11 * size), (235, 240, 250), font_path, rng)
        sheet.line("Lincoln High School" if not negative else "VISITOR", size)
        if negative:
            sheet.line(rng.choice(NEGATIVE_LINES), size)
            sheet.line(rng.choice(NEGATIVE_LINES), size)
        else:
            sheet.line(f"{first} {last}", size, "name")
            label = rng.choice(ID_LABELS + ["{}"])
            sheet.line(label.format(number), size, "student_id", number)
            code = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(number, zxingcpp.BarcodeFormat.Code128))
            bar = Image.fromarray(np.asarray(code)).convert("RGB").resize((8 * size, 2 * size), Image.NEAREST)
            sheet.image.paste(bar, (24, sheet.y))
        return sheet
    if kind == "gradebook":
        sheet = Sheet((22 * size, 12 * size), (250, 250, 252), font_path, rng)
        sheet.line("Gradebook - Period 3" if not negative else "Timetable - Period 3", size)
        for _ in range(4):
            f2, l2, _n = student(rng)
            if negative:
                sheet.line(rng.choice(NEGATIVE_LINES), size)
            else:
                g = grade(rng)
                text = f"{f2} {l2}    {g}"
                sheet.line(text, size)
                font = load_font(font_path, size, text)
                x_name = 24 + sheet.draw.textlength("", font=font)
                y = sheet.y - int(size * 1.6)
                bb = font.getbbox(text)
                sheet.items.append(("name", [x_name, y + bb[1], x_name + sheet.draw.textlength(f"{f2} {l2}", font=font), y + bb[3]],
                                    f"{f2} {l2}"))
                gx = 24 + sheet.draw.textlength(text[: text.rfind(g)], font=font)
                sheet.items.append(("grade", [gx, y + bb[1], gx + sheet.draw.textlength(g, font=font), y + bb[3]], g))
        return sheet
    colour = {"paper": (250, 250, 246), "whiteboard": (238, 240, 242), "sticky": (255, 240, 120)}[kind]
    sheet = Sheet((18 * size, 10 * size), colour, font_path, rng)
    ink = (30, 60, 160) if kind == "whiteboard" else (20, 20, 25)
    if negative:
        for _ in range(rng.randint(2, 4)):
            sheet.line(rng.choice(NEGATIVE_LINES), size, colour=ink)
        return sheet
    sheet.line(rng.choice(["Maths test", "Contrôle de français", "Quiz 4", "Science report"]), size, colour=ink)
    for item in rng.sample(["name", "id", "grade"], k=rng.randint(1, 3)):
        if item == "name":
            label = rng.choice(["Name: {} {}", "Nom : {} {}", "{} {}"])
            sheet.line(label.format(first, last), size, "name", f"{first} {last}", colour=ink)
        elif item == "id":
            sheet.line(rng.choice(ID_LABELS).format(number), size, "student_id", number, colour=ink)
        else:
            g = grade(rng)
            part = g.split(": ")[-1].split(" : ")[-1].replace("Grade ", "")
            sheet.line(g, size, "grade", part, colour=(200, 20, 20) if kind == "paper" else ink)
    return sheet


def place(background: np.ndarray, sheet: Sheet, rng: random.Random) -> tuple[np.ndarray, list]:
    card = np.asarray(sheet.image)
    ch, cw = card.shape[:2]
    bh, bw = background.shape[:2]
    scale = min(1.0, 0.8 * bw / cw, 0.8 * bh / ch)
    if scale < 1.0:
        card = cv2.resize(card, (int(cw * scale), int(ch * scale)), interpolation=cv2.INTER_AREA)
        sheet.items = [(k, [v * scale for v in b], t) for k, b, t in sheet.items]
        ch, cw = card.shape[:2]
    x0, y0 = rng.randint(0, bw - cw), rng.randint(0, bh - ch)
    jitter = 0.06
    src = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    dst = np.float32([[x0 + rng.uniform(-jitter, jitter) * cw, y0 + rng.uniform(-jitter, jitter) * ch] for _ in range(1)] +
                     [[x0 + cw * (1 + rng.uniform(-jitter, jitter)), y0 + rng.uniform(-jitter, jitter) * ch],
                      [x0 + cw * (1 + rng.uniform(-jitter, jitter)), y0 + ch * (1 + rng.uniform(-jitter, jitter))],
                      [x0 + rng.uniform(-jitter, jitter) * cw, y0 + ch * (1 + rng.uniform(-jitter, jitter))]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(card, matrix, (bw, bh))
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), matrix, (bw, bh))
    light = np.linspace(rng.uniform(0.7, 1.0), rng.uniform(0.85, 1.05), bw)[None, :, None]
    out = background.copy()
    out[mask > 0] = np.clip(warped[mask > 0] * light[0, :, 0][np.nonzero(mask > 0)[1]][:, None], 0, 255)
    boxes = []
    for kind, (x1, y1, x2, y2), written in sheet.items:
        pts = cv2.perspectiveTransform(np.float32([[[x1, y1], [x2, y1], [x2, y2], [x1, y2]]]), matrix)[0]
        boxes.append({"kind": kind, "box": [int(pts[:, 0].min()), int(pts[:, 1].min()),
                                            int(pts[:, 0].max() - pts[:, 0].min()), int(pts[:, 1].max() - pts[:, 1].min())],
                      "text": written})
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.0))
    return out, boxes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "reports" / "text_samples")
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--count", type=int, default=120, help="positive samples; half as many negatives")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    backgrounds = sorted(p for d in ("people_scenes", "faces_annotated", "hands")
                         for p in (args.testdata / d).glob("*.jp*g"))
    if not backgrounds:
        print(f"no background photos under {args.testdata}")
        return 2
    rng = random.Random(args.seed)
    CLASS[:] = rng.sample([(f, l) for f in FIRST for l in LAST], 28)
    args.out.mkdir(parents=True, exist_ok=True)
    truth, font_paths = {}, fonts()
    kinds = ["paper", "badge", "gradebook", "whiteboard", "sticky"]
    for i in range(args.count + args.count // 2):
        negative = i >= args.count
        kind = kinds[i % len(kinds)]
        background = np.asarray(Image.open(rng.choice(backgrounds)).convert("RGB"))
        size = rng.choice([16, 20, 26, 34])  # text height on the card before placing: 10-30 px in the photo
        sheet = make_card(kind, rng, negative, rng.choice(font_paths), size)
        image, boxes = place(background, sheet, rng)
        name = f"{'neg' if negative else 'pos'}_{i:03d}_{kind}.jpg"
        Image.fromarray(image).save(args.out / name, quality=rng.choice([70, 82, 92]))
        truth[name] = boxes
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    with (args.out / "roster.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["first", "last"])
        writer.writerows(sorted(CLASS))
    print(f"wrote {len(truth)} photos to {args.out} (truth.json, roster.csv)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
