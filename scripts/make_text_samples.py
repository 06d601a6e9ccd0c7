#!/usr/bin/env python3
"""Compose text samples for scripts/eval_text.py: papers, badges, gradebook screens, whiteboards
and sticky notes carrying student IDs, grades and names, laid onto real photos with perspective,
uneven light, blur and JPEG compression; and negatives carrying innocuous text (room numbers,
dates, phone numbers, "Grade 5", page numbers, prices).

    .venv/bin/python scripts/make_text_samples.py [--out DIR] [--count N] [--seed S] [--variety M]

After those (the same files for a given seed as before), ``--variety`` M positives and M/2 negatives
of the kinds added for issue 15, drawn with a generator seeded apart: printed papers carrying a
handwritten mark in red, green or blue ink (handwriting fonts from fonts-dkg-handwriting,
fonts-humor-sans and fonts-comic-neue, installed by scripts/install_text_fonts.sh, which this script
runs when they are missing): "Final grade: 85%", "Score: 12/20", "Grade: A+", "Note : 9/20", a lone
grade circled in the margin, big or small; gradebook tables (Student, ID, Score, Grade, bare letter
grades; the header row is not sensitive); cards laid partly over each other (the truth keeps what
stays visible). Handwritten items carry ``"hand": true`` in truth.json; ``seed.txt`` records the seed.

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
    # the printed fonts of the original samples (handwriting fonts are kept apart, below, so the
    # samples of an existing seed stay the same once they are installed)
    found = sorted(p for p in Path("/usr/share/fonts").rglob("*.ttf") if p not in HANDWRITING)
    regular = [p for p in found if "Mono" in p.name or "Bold" in p.name or p.stem.endswith(("Sans", "Serif"))
               or "Oblique" in p.name]
    return [None] + regular[:10]


HANDWRITING = [Path("/usr/share/fonts/truetype/fifthhorseman") / n for n in ("dkg.ttf", "dkgBd.ttf", "dkgIt.ttf")] + \
    [Path("/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf")] + \
    [Path("/usr/share/fonts/opentype/comic-neue") / n for n in ("ComicNeue-Regular.otf", "ComicNeue-Bold.otf",
                                                                "ComicNeue-Italic.otf")]


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


def place(background: np.ndarray, sheet: Sheet, rng: random.Random, at=None, fit: float = 0.8,
          masks: list | None = None) -> tuple[np.ndarray, list]:
    """Lay the card onto the photo (at a random place, or near ``at``: a callable giving the top-left
    corner from the card's size); ``masks`` collects where the card lies."""
    card = np.asarray(sheet.image)
    ch, cw = card.shape[:2]
    bh, bw = background.shape[:2]
    scale = min(1.0, fit * bw / cw, fit * bh / ch)
    if scale < 1.0:
        card = cv2.resize(card, (int(cw * scale), int(ch * scale)), interpolation=cv2.INTER_AREA)
        sheet.items = [(k, [v * scale for v in b], t) for k, b, t in sheet.items]
        ch, cw = card.shape[:2]
    x0, y0 = (rng.randint(0, bw - cw), rng.randint(0, bh - ch)) if at is None else at(cw, ch, bw, bh)
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
    if masks is not None:
        masks.append(mask)
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.0))
    return out, boxes


# ---- the variety of issue 15: handwritten marks in coloured ink, gradebook tables, overlapping cards ----
# Made with a generator of its own (seeded apart from the samples above, so those stay as they were):
# marks in handwriting fonts (scripts/install_text_fonts.sh), red, green and blue ink, on printed papers.
INKS = {"red": ((185, 225), (15, 55), (20, 60)), "green": ((15, 55), (115, 155), (40, 80)),
        "blue": ((20, 55), (45, 85), (150, 205))}
MARK_FORMS = [("Final grade: {p}%", "{p}%"), ("Score: {n}/20", "{n}/20"), ("Grade: {l}", "{l}"),
              ("Note : {n}/20", "{n}/20"), ("{l}", "{l}"), ("{n}/20", "{n}/20"), ("Total: {t}/10", "{t}/10")]
QUESTIONS = ["1. Solve 3x + 2 = 11", "2. Name three rivers", "Exercise 4 page 52", "Show your working",
             "1) Conjugue le verbe", "Answer all questions", "Reading comprehension", "Part B: essay"]
NEGATIVE_MARKS = ["Well done!", "See me", "Good effort", "Neat work", "Bien !", "Redo ex. 3", "Check spelling"]


def handwriting_fonts() -> list[Path]:
    return [p for p in HANDWRITING if p.is_file()]


def ink(rng: random.Random, name: str | None = None) -> tuple[int, int, int]:
    ranges = INKS[name or rng.choice(list(INKS))]
    return tuple(rng.randint(*r) for r in ranges)


def mark_values(rng: random.Random) -> dict:
    return {"p": rng.randint(40, 99), "n": rng.choice(["9", "12", "14", "17", "11", "15,5"]),
            "l": rng.choice(["A+", "A", "A-", "B+", "B", "C+", "C", "D"]), "t": rng.randint(3, 10)}


def render_mark(text: str, part: str | None, font_path: Path, size: int, colour, angle: float,
                circle: bool = False) -> tuple[Image.Image, list | None]:
    """Handwriting on a transparent layer, turned by ``angle``; returns it and the box of ``part``."""
    font = ImageFont.truetype(str(font_path), size)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    bb = probe.textbbox((0, 0), text, font=font)
    pad = size // 2 + 4
    layer = Image.new("RGBA", (bb[2] - bb[0] + 2 * pad, bb[3] - bb[1] + 2 * pad), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.text((pad - bb[0], pad - bb[1]), text, fill=colour + (255,), font=font)
    box = None
    if part is not None:
        start = text.rfind(part)
        x0 = pad - bb[0] + draw.textlength(text[:start], font=font)
        pb = draw.textbbox((x0, pad - bb[1]), part, font=font)
        box = [pb[0], pb[1], pb[2], pb[3]]
    if circle:
        draw.ellipse([2, 2, layer.width - 3, layer.height - 3], outline=colour + (255,), width=max(2, size // 14))
    w, h = layer.size
    turned = layer.rotate(angle, resample=Image.BICUBIC, expand=True)
    if box is not None:  # the part's corners through the same turn (PIL turns counter-clockwise about the centre)
        a = np.deg2rad(angle)
        cx, cy, ncx, ncy = w / 2, h / 2, turned.width / 2, turned.height / 2
        xs, ys = [], []
        for x, y in ((box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])):
            dx, dy = x - cx, y - cy
            xs.append(ncx + dx * np.cos(a) + dy * np.sin(a))
            ys.append(ncy - dx * np.sin(a) + dy * np.cos(a))
        box = [min(xs), min(ys), max(xs), max(ys)]
    return turned, box


def paste_mark(sheet: Sheet, layer: Image.Image, box, x: int, y: int, kind: str | None, text: str) -> None:
    sheet.image.paste(layer, (x, y), layer)
    if kind and box is not None:
        sheet.items.append((kind, [box[0] + x, box[1] + y, box[2] + x, box[3] + y], text))
        sheet.hand.append(len(sheet.items) - 1)


def marked_paper(rng: random.Random, negative: bool, font_path, size: int) -> Sheet:
    """A printed paper (name, ID, questions) with a handwritten mark in coloured ink: a grade
    (big or small, after a label or alone, circled in the margin), or for a negative a comment."""
    hand = rng.choice(handwriting_fonts())
    sheet = Sheet((24 * size, 30 * size), (250, 250, 246), font_path, rng)
    sheet.hand = []
    first, last, number = student(rng)
    sheet.line(rng.choice(["Maths test", "Contrôle de français", "Quiz 4", "Science report", "History"]), size)
    if negative:
        for _ in range(rng.randint(2, 4)):
            sheet.line(rng.choice(NEGATIVE_LINES + QUESTIONS), size)
    else:
        if rng.random() < 0.3:  # the name written by the student, in pen
            sheet.line(rng.choice(["Name:", "Nom :"]), size)
            layer, box = render_mark(f"{first} {last}", f"{first} {last}", hand, int(size * 1.2),
                                     ink(rng, "blue") if rng.random() < 0.5 else (30, 30, 40), rng.uniform(-3, 3))
            lx = 24 + int(sheet.draw.textlength("Name: ", font=load_font(font_path, size)))
            paste_mark(sheet, layer, box, lx, sheet.y - int(size * 1.6) - size // 2, "name", f"{first} {last}")
        else:
            label = rng.choice(["Name: {} {}", "Nom : {} {}", "Student: {} {}"])
            sheet.line(label.format(first, last), size, "name", f"{first} {last}")
        if rng.random() < 0.5:
            sheet.line(rng.choice(ID_LABELS).format(number), size, "student_id", number)
        for q in rng.sample(QUESTIONS, rng.randint(1, 3)):
            sheet.line(q, size)
    colour = ink(rng)
    angle = rng.uniform(-8, 8)
    if negative:
        mark_text, part, circle = rng.choice(NEGATIVE_MARKS), None, False
    else:
        form, part_form = rng.choice(MARK_FORMS)
        values = mark_values(rng)
        mark_text, part = form.format(**values), part_form.format(**values)
        circle = form == "{l}" and rng.random() < 0.7
    big = rng.random() < 0.5
    mark_size = int(size * (rng.uniform(2.2, 3.5) if big else rng.uniform(1.1, 1.5)))
    layer, box = render_mark(mark_text, part, hand, mark_size, colour, angle, circle)
    while layer.width > sheet.image.width - 40 and mark_size > size:
        mark_size = int(mark_size * 0.85)
        layer, box = render_mark(mark_text, part, hand, mark_size, colour, angle, circle)
    margin = len(mark_text) <= 3 and rng.random() < 0.6
    if margin:  # in the top right-hand corner, beside the title and the name
        x, y = sheet.image.width - layer.width - 10, 10
    else:
        x, y = rng.randint(24, max(24, sheet.image.width - layer.width - 10)), sheet.y + rng.randint(0, size)
    paste_mark(sheet, layer, box, x, y, None if negative else "grade", part or "")
    if rng.random() < 0.5:  # ticks and underlines in the same pen
        draw = ImageDraw.Draw(sheet.image)
        for _ in range(rng.randint(1, 3)):
            ty = rng.randint(size, max(size + 1, sheet.y - size))
            tx = rng.randint(24, 14 * size)
            draw.line([(tx, ty + size // 2), (tx + size // 3, ty + size), (tx + size, ty)], fill=colour,
                      width=max(2, size // 10))
    bottom = max(sheet.y, y + layer.height) + 20
    sheet.image = sheet.image.crop((0, 0, sheet.image.width, min(sheet.image.height, bottom)))
    sheet.draw = ImageDraw.Draw(sheet.image)
    return sheet


def gradebook_table(rng: random.Random, negative: bool, font_path, size: int) -> Sheet:
    """A gradebook screen laid out as a table: Student, ID, Score, Grade, bare letter grades in the
    last column (the header row is not sensitive). A negative is a timetable."""
    rows = rng.randint(3, 6)
    sheet = Sheet((25 * size, int((rows + 3) * size * 1.8)), rng.choice([(250, 250, 252), (255, 255, 255), (240, 244, 250)]),
                  font_path, rng)
    sheet.hand = []
    font = load_font(font_path, size)
    columns = [24, 10 * size, 16 * size, 21 * size]
    header = ["Day", "Room", "Time", "Teacher"] if negative else \
        rng.choice([["Student", "ID", "Score", "Grade"], ["Élève", "Numéro", "Note", "Moyenne"], ["Name", "ID", "%", "Grade"]])
    sheet.line(rng.choice(["Gradebook - Period 3", "Class 4B - Term 2", "Bulletin - 1er trimestre"])
               if not negative else "Timetable - Week 12", size)
    y = sheet.y
    for x, h in zip(columns, header):
        sheet.draw.text((x, y), h, fill=(20, 20, 25), font=load_font(font_path, size, h))
    sheet.draw.line([(20, y + int(size * 1.3)), (sheet.image.width - 20, y + int(size * 1.3))], fill=(120, 120, 130), width=2)
    y += int(size * 1.8)
    for _ in range(rows):
        if negative:
            cells = [(rng.choice(["Monday", "Tuesday", "Thursday", "Friday"]), None),
                     (rng.choice(["214", "B12", "Lab 2", "Gym"]), None), (rng.choice(["8:30", "10:15", "13:00", "14:45"]), None),
                     (rng.choice(["Ms Baker", "Mr Clark", "Mme Blanc", "M. Noir"]), None)]
        else:
            first, last, number = student(rng)
            values = mark_values(rng)
            score = rng.choice(["{n}/20", "{p}", "{p}%", "{t}/10"]).format(**values)
            cells = [(f"{first} {last}", "name"), (number, "student_id"), (score, "grade"),
                     (rng.choice(["A", "B", "C", "D", "B+", "A-", "C+"]), "grade")]
        for x, (cell, kind) in zip(columns, cells):
            f = load_font(font_path, size, cell)
            sheet.draw.text((x, y), cell, fill=(20, 20, 25), font=f)
            if kind:
                bb = f.getbbox(cell)
                sheet.items.append((kind, [x + bb[0], y + bb[1], x + sheet.draw.textlength(cell, font=f), y + bb[3]], cell))
        y += int(size * 1.8)
    return sheet


def overlapping(background: np.ndarray, rng: random.Random, negative: bool, font_paths, size: int):
    """Two cards, the second laid partly over the first: the truth keeps the items of the first that
    stay visible (at least 90% of their box uncovered)."""
    kinds = ["paper", "badge", "sticky", "whiteboard"]
    first = make_card(rng.choice(kinds), rng, negative, rng.choice(font_paths), size)
    second = marked_paper(rng, negative, rng.choice(font_paths), size) if rng.random() < 0.5 else \
        make_card(rng.choice(kinds), rng, negative, rng.choice(font_paths), size)
    masks: list = []
    out, boxes = place(background, first, rng, fit=0.65, masks=masks)
    ys, xs = np.nonzero(masks[0])
    fx0, fy0, fx1, fy1 = xs.min(), ys.min(), xs.max(), ys.max()

    def near_first(cw, ch, bw, bh):
        x = int(fx0 + rng.uniform(0.35, 0.75) * (fx1 - fx0))
        y = int(fy0 + rng.uniform(-0.3, 0.6) * (fy1 - fy0))
        return min(max(0, x), bw - cw), min(max(0, y), bh - ch)

    out, second_boxes = place(out, second, rng, at=near_first, fit=0.55, masks=masks)
    cover = masks[1] > 0
    kept = []
    for b in boxes:
        x, y, w, h = b["box"]
        region = cover[max(0, y):y + max(1, h), max(0, x):x + max(1, w)]
        if region.size and region.mean() <= 0.1:
            kept.append(b)
    for j in getattr(second, "hand", []):
        second_boxes[j]["hand"] = True
    return out, kept + second_boxes


def make_variety(args, backgrounds, truth: dict, start: int) -> None:
    if not handwriting_fonts():
        script = REPO / "scripts" / "install_text_fonts.sh"
        print(f"handwriting fonts missing: running {script.relative_to(REPO)}")
        import subprocess

        if subprocess.run(["bash", str(script)]).returncode or not handwriting_fonts():
            raise SystemExit(f"no handwriting fonts: run `bash {script}` (as root), or pass --variety 0")
    rng = random.Random(f"issue15-{args.seed}")
    font_paths = fonts()
    kinds = ["marked", "marked", "table", "overlap"]
    for k in range(args.variety + args.variety // 2):
        negative = k >= args.variety
        kind = kinds[k % len(kinds)]
        i = start + k
        background = np.asarray(Image.open(rng.choice(backgrounds)).convert("RGB"))
        size = rng.choice([16, 20, 26, 34])
        if kind == "overlap":
            image, boxes = overlapping(background, rng, negative, font_paths, size)
        else:
            sheet = (marked_paper if kind == "marked" else gradebook_table)(rng, negative, rng.choice(font_paths), size)
            image, boxes = place(background, sheet, rng)
            for j in sheet.hand:
                boxes[j]["hand"] = True
        name = f"{'neg' if negative else 'pos'}_{i:03d}_{kind}.jpg"
        Image.fromarray(image).save(args.out / name, quality=rng.choice([70, 82, 92]))
        truth[name] = boxes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "reports" / "text_samples")
    parser.add_argument("--testdata", type=Path, default=REPO.parent / "shared" / "testdata")
    parser.add_argument("--count", type=int, default=120, help="positive samples; half as many negatives")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--variety", type=int, default=48,
                        help="positive samples of the kinds added for issue 15 (handwritten marks in coloured ink, "
                             "gradebook tables, overlapping cards), after the others; half as many negatives; 0 for none")
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
    if args.variety:
        make_variety(args, backgrounds, truth, args.count + args.count // 2)
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    with (args.out / "roster.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["first", "last"])
        writer.writerows(sorted(CLASS))
    (args.out / "seed.txt").write_text(f"{args.seed}\n")
    print(f"wrote {len(truth)} photos to {args.out} (truth.json, roster.csv), seed {args.seed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
