#!/usr/bin/env python3
"""Compose text samples for scripts/eval/text.py: papers, badges, gradebook screens, whiteboards
and sticky notes carrying student IDs, grades and names, laid onto real photos with perspective,
uneven light, blur and JPEG compression; and negatives carrying innocuous text (room numbers,
dates, phone numbers, "Grade 5", page numbers, prices).

    .venv/bin/python -m scripts.samples.text_samples [--out DIR] [--count N] [--seed S] [--variety M] [--wide W]
                                                     [--papers P]

After those (the same files for a given seed as before), ``--variety`` M positives and M/2 negatives
of the kinds added for issue 15, drawn with a generator seeded apart: printed papers carrying a
handwritten mark in red, green or blue ink (handwriting fonts from fonts-dkg-handwriting,
fonts-humor-sans and fonts-comic-neue, installed by scripts/install_text_fonts.sh, which this script
runs when they are missing): "Final grade: 85%", "Score: 12/20", "Grade: A+", "Note : 9/20", a lone
grade circled in the margin, big or small; gradebook tables (Student, ID, Score, Grade, bare letter
grades; the header row is not sensitive); cards laid partly over each other (the truth keeps what
stays visible). Handwritten items carry ``"hand": true`` in truth.json; ``seed.txt`` records the seed.

Then ``--wide`` W positives and W/2 negatives of a wider variety, seeded apart again (files named
``*_wide_*``): Debian's print families (Liberation, Carlito, Caladea, Open Sans, Roboto, a typewriter)
and seven more handwriting families, fetched with ``apt-get download`` into reports/sample_fonts (not
installed system-wide); printed inks, dark gradebook screens with columns in any order (empty
templates as negatives), report cards, papers the student writes on and the teacher marks in pen
or pencil (blank worksheets, their name line not filled in, with a comment in pen as negatives),
chalkboards; cards turned up to 30 degrees, stronger perspective, shadows, colour casts,
sensor noise, motion blur.

Then ``--papers`` P positives and P/2 negatives of the layouts of issue 39 (scripts/samples/text_papers.py,
seeded apart again, files named ``*_p39_*``, English and French): gradebook tables with a student
column (Élève, Nom | Prénom, Student), an ID, a mark and a letter column of single letters; papers
with a name after a label with or without a colon ("Nom et prénom : Owen Sato", "Name Inès
Abernathy"), printed or in pen; praise and a mark in pen ("Great work! B", "Bien ! 12/20");
worksheets of exercises with fractions ("Write 15/20 as a percent", "Calcule 3/4 de 20"), as
negatives when no student's name or mark is on them. Its class (accented and hyphenated names) is
added to roster.csv.

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
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from scripts import REPO

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


@lru_cache(maxsize=64)
def _letters_of(path: Path) -> frozenset[int]:
    """The code points a font file has glyphs for."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def _lacks(path: Path | None, text: str) -> bool:
    """The font lacks a letter of ``text`` (Pillow's built-in font has no accented letters)."""
    return not text.isascii() and (path is None or any(ord(c) not in _letters_of(path) for c in text if c != " "))


def load_font(path: Path | None, size: int, text: str = "") -> ImageFont.ImageFont:
    if _lacks(path, text) and ACCENTED_FALLBACK.is_file():
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
          masks: list | None = None, angle: float = 0.0, jitter: float = 0.06,
          wide: bool = False) -> tuple[np.ndarray, list]:
    """Lay the card onto the photo (at a random place, or near ``at``: a callable giving the top-left
    corner from the card's size); ``masks`` collects where the card lies. ``angle`` (degrees) turns
    the card in the photo's plane, ``jitter`` is the perspective's share of the card's size, and
    ``wide`` adds a shadow, a colour cast and sensor noise (drawn after the rest, so the samples
    made without them stay as they were)."""
    card = np.asarray(sheet.image)
    ch, cw = card.shape[:2]
    bh, bw = background.shape[:2]
    scale = min(1.0, fit * bw / cw, fit * bh / ch)
    if scale < 1.0:
        card = cv2.resize(card, (int(cw * scale), int(ch * scale)), interpolation=cv2.INTER_AREA)
        sheet.items = [(k, [v * scale for v in b], t) for k, b, t in sheet.items]
        ch, cw = card.shape[:2]
    x0, y0 = (rng.randint(0, bw - cw), rng.randint(0, bh - ch)) if at is None else at(cw, ch, bw, bh)
    src = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    dst = np.float32([[x0 + rng.uniform(-jitter, jitter) * cw, y0 + rng.uniform(-jitter, jitter) * ch] for _ in range(1)] +
                     [[x0 + cw * (1 + rng.uniform(-jitter, jitter)), y0 + rng.uniform(-jitter, jitter) * ch],
                      [x0 + cw * (1 + rng.uniform(-jitter, jitter)), y0 + ch * (1 + rng.uniform(-jitter, jitter))],
                      [x0 + rng.uniform(-jitter, jitter) * cw, y0 + ch * (1 + rng.uniform(-jitter, jitter))]])
    if angle:  # turned about the card's centre, then moved back inside the photo
        a = np.deg2rad(angle)
        centre = np.float32([x0 + cw / 2, y0 + ch / 2])
        turn = np.float32([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        dst = (dst - centre) @ turn.T + centre
        dst += np.float32([max(0, -dst[:, 0].min()) - max(0, dst[:, 0].max() - bw + 1),
                           max(0, -dst[:, 1].min()) - max(0, dst[:, 1].max() - bh + 1)])
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(card, matrix, (bw, bh))
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), matrix, (bw, bh))
    light = np.linspace(rng.uniform(0.7, 1.0), rng.uniform(0.85, 1.05), bw)[None, :, None]
    out = background.copy()
    out[mask > 0] = np.clip(warped[mask > 0] * light[0, :, 0][np.nonzero(mask > 0)[1]][:, None], 0, 255)
    boxes = []
    hand = set(getattr(sheet, "hand", []))  # the items written in a handwriting font
    for j, (kind, (x1, y1, x2, y2), written) in enumerate(sheet.items):
        # text running past the card's edge is cut there: the truth holds what is on the card, and an
        # item less than half of which is on it is left out ("Numéro d'élève : 5792" of 579280943)
        cx1, cy1, cx2, cy2 = max(0, x1), max(0, y1), min(cw, x2), min(ch, y2)
        if cx2 - cx1 < 0.5 * (x2 - x1) or cy2 - cy1 < 0.5 * (y2 - y1):
            continue
        x1, y1, x2, y2 = cx1, cy1, cx2, cy2
        pts = cv2.perspectiveTransform(np.float32([[[x1, y1], [x2, y1], [x2, y2], [x1, y2]]]), matrix)[0]
        boxes.append({"kind": kind, "box": [int(pts[:, 0].min()), int(pts[:, 1].min()),
                                            int(pts[:, 0].max() - pts[:, 0].min()), int(pts[:, 1].max() - pts[:, 1].min())],
                      "text": written, **({"hand": True} if j in hand else {})})
    if masks is not None:
        masks.append(mask)
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.0))
    if wide:
        out = photo_effects(out, rng)
    return out, boxes


def photo_effects(image: np.ndarray, rng: random.Random) -> np.ndarray:
    """A phone photo's faults: a soft shadow across part of the frame, a warm or cool colour cast,
    sensor noise, now and then a slight motion blur."""
    h, w = image.shape[:2]
    out = image.astype(np.float32)
    if rng.random() < 0.5:  # the shadow of a hand or a phone: a darker band with a soft edge
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a = rng.uniform(0, 2 * np.pi)
        edge = (xx - rng.uniform(0.2, 0.8) * w) * np.cos(a) + (yy - rng.uniform(0.2, 0.8) * h) * np.sin(a)
        shade = 1 - rng.uniform(0.25, 0.5) / (1 + np.exp(-edge / (0.03 * max(h, w))))
        out *= shade[:, :, None]
    if rng.random() < 0.6:
        out *= np.float32([rng.uniform(0.88, 1.08), rng.uniform(0.95, 1.03), rng.uniform(0.85, 1.1)])
    if rng.random() < 0.6:
        out += np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(2, 7), out.shape).astype(np.float32)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if rng.random() < 0.15:
        k = rng.choice([3, 5])
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1 / k
        out = cv2.filter2D(out, -1, kernel)
    return out


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
    # a handwriting font without "É" or "Ô" would draw "RÉSULTATS" as "R SULTATS": another one that has them
    if _lacks(font_path, text):
        font_path = next((p for p in HANDWRITING if p.is_file() and not _lacks(p, text)), ACCENTED_FALLBACK)
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
        name = f"{'neg' if negative else 'pos'}_{i:03d}_{kind}.jpg"
        Image.fromarray(image).save(args.out / name, quality=rng.choice([70, 82, 92]))
        truth[name] = boxes


# ---- wider variety (issue 15, second round): many more fonts, inks, layouts and photo faults ----
# Drawn with a generator of its own (seeded apart again). Fonts: Debian's print families (Liberation =
# Times/Arial/Courier metrics, Carlito = Calibri's, Caladea = Cambria's, Open Sans, Roboto, a
# typewriter) and seven more handwriting families (a French school cursive among them), fetched with
# `apt-get download` and unpacked into reports/sample_fonts, never installed system-wide (so the fonts
# the samples above are drawn with, and other checkouts' samples, stay as they were).
PRINT_PACKAGES = ("fonts-liberation", "fonts-open-sans", "fonts-crosextra-carlito", "fonts-crosextra-caladea",
                  "fonts-roboto-unhinted", "fonts-gnutypewriter")
HAND_PACKAGES = ("fonts-breip", "fonts-bwht", "fonts-dancingscript", "fonts-ecolier-court", "fonts-femkeklaver",
                 "fonts-kristi", "fonts-kaushanscript")
FONT_DIR = REPO / "reports" / "sample_fonts"
WIDE_GRADES = ["{n}/20", "{n} / 20", "{p}%", "{p} %", "{l}", "{p}/100", "{m}/50", "{q}/25", "{t}/10", "{d}"]
WIDE_LABELS = ["Grade: {}", "Final grade: {}", "Mark: {}", "Score: {}", "Note : {}", "Note finale : {}",
               "Résultat : {}", "Moyenne : {}", "Points: {}", "Total: {}", "Test score: {}", "Évaluation : {}"]
WIDE_NEGATIVE = NEGATIVE_LINES + [
    "Grade 4 Spelling Bee", "Scoreboard", "Final exam: Room 12, 9:00", "Note: bring a pencil", "Mark your calendar",
    "Test on Friday", "Page 3/4", "Unit 2 of 5", "Level 3", "Room 204-B", "Call 555-867-5309", "Tue 8:00-3:30",
    "Class of 2025", "Order #558213", "Version 2.1", "Les notes seront envoyées lundi", "Rentrée le 02/09",
    "Semaine 12", "Bâtiment C, salle 108", "Open 7:45 - 16:30", "Ext. 4471", "Mr Clark's class", "Grade 7 trip",
    "Score: ____", "Grade: ______", "Name: ____________", "Due: 14/11/2025", "Quiz next week", "Total pages: 12"]
SUBJECTS = ["Mathematics", "English", "Science", "History", "Français", "Mathématiques", "Histoire-géo", "Art",
            "Physics", "Anglais", "Music", "EPS", "Biology", "Geography"]


def fetch_debian_fonts(packages, what: str) -> None:
    """Fonts from Debian's packages (apt-get download, no install) unpacked into FONT_DIR; ``what`` names
    them in the message when the download fails."""
    import subprocess
    import tempfile

    FONT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        got = subprocess.run(["apt-get", "download", *packages], cwd=tmp, capture_output=True, text=True)
        if got.returncode:
            raise SystemExit(f"apt-get download of {what} failed: {got.stderr.strip()[-300:]}")
        for deb in Path(tmp).glob("*.deb"):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(FONT_DIR)], check=True)


def wide_fonts() -> tuple[list[Path | None], list[Path]]:
    """Print fonts and handwriting fonts of the wider variety (fetched into FONT_DIR when missing)."""
    def found(packages):
        return sorted(p for p in (FONT_DIR / "usr/share/fonts").rglob("*") if p.suffix in (".ttf", ".otf")
                      and any(k in str(p) for k in packages))

    keys_print = ("liberation", "open-sans", "crosextra", "roboto", "gnutypewriter")
    keys_hand = ("breip", "bwht", "dancingscript", "ecolier", "femkeklaver", "kristi", "kaushanscript")
    if not found(keys_print) or not found(keys_hand):
        fetch_debian_fonts([*PRINT_PACKAGES, *HAND_PACKAGES], "the sample fonts")
    return [None] + fonts()[1:] + found(keys_print), handwriting_fonts() + found(keys_hand)


def wide_values(rng: random.Random) -> dict:
    values = mark_values(rng)
    values.update(n=rng.choice(["8", "9", "11", "12", "13,5", "14", "15", "16.5", "17", "18", "19"]),
                  m=rng.randint(12, 50), q=rng.randint(5, 25), d=rng.choice(["12,4", "13.75", "15,2", "9,8", "16,05"]),
                  l=rng.choice(["A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D", "E", "F"]))
    return values


def wide_grade(rng: random.Random, bare: bool = False) -> tuple[str, str]:
    """A grade with or without its label: (text, the grade part of it)."""
    form = rng.choice(WIDE_GRADES)
    value = form.format(**wide_values(rng))
    if form == "{d}" and not bare:
        return rng.choice(["Moyenne : {}", "Moyenne générale : {}", "Average: {}"]).format(value), value
    if bare:
        return value, value
    label = rng.choice(WIDE_LABELS)
    return label.format(value), value


def print_ink(rng: random.Random, dark_ground: bool = False) -> tuple[int, int, int]:
    if dark_ground:
        return rng.choice([(235, 235, 240), (200, 220, 255), (250, 240, 200), (180, 255, 200)])
    return rng.choice([(20, 20, 25), (60, 60, 66), (25, 35, 90), (90, 25, 25), (40, 40, 40), (15, 60, 30)])


class WideSheet(Sheet):
    """A card whose lines may hold several cells at given x positions, in any ink, some in pen."""

    def __init__(self, size, colour, font_path, rng, hand_fonts):
        super().__init__(size, colour, font_path, rng)
        self.hand, self.hand_fonts = [], hand_fonts

    def cells(self, cells, size, ink, xs=None):
        """``cells``: (text, kind or None, part or None); drawn in one row at ``xs``."""
        xs = xs or [24 + k * (self.image.width - 48) // max(1, len(cells)) for k in range(len(cells))]
        for x, (text, kind, part) in zip(xs, cells):
            font = load_font(self.font_path, size, text)
            self.draw.text((x, self.y), text, fill=ink, font=font)
            if kind and text.strip():
                target = part or text
                x0 = x + self.draw.textlength(text[:text.rfind(target)], font=font)
                bb = font.getbbox(text)
                self.items.append((kind, [x0, self.y + bb[1], x0 + self.draw.textlength(target, font=font),
                                          self.y + bb[3]], target))
        self.y += int(size * 1.7)

    def pen(self, text, part, kind, size, colour, x=None, y=None, circle=False):
        layer, box = render_mark(text, part, self.rng.choice(self.hand_fonts), size, colour,
                                 self.rng.uniform(-6, 6), circle)
        x = self.rng.randint(24, max(24, self.image.width - layer.width - 10)) if x is None else x
        y = self.y if y is None else y
        if layer.width > self.image.width - x or layer.height > self.image.height - y:
            return False  # does not fit: left out, and out of the truth
        paste_mark(self, layer, box, x, y, kind, part or "")
        self.y = max(self.y, y + layer.height)
        return True


def wide_card(kind: str, rng: random.Random, negative: bool, print_fonts, hand_fonts, size: int) -> WideSheet:
    first, last, number = student(rng)
    if rng.random() < 0.15:
        number = "0" * rng.randint(1, 2) + number[:rng.randint(4, 6)]  # leading zeros
    dark = kind == "screen" and rng.random() < 0.6
    ground = rng.choice([(28, 32, 40), (18, 40, 70), (40, 40, 44)]) if dark else \
        rng.choice([(250, 250, 246), (255, 255, 255), (244, 240, 228), (236, 242, 250), (255, 247, 200)])
    if kind == "chalk":
        ground = rng.choice([(38, 64, 50), (30, 34, 36)])
    font = rng.choice(print_fonts)
    sheet = WideSheet((26 * size, 24 * size), ground, font, rng, hand_fonts)
    fg = print_ink(rng, dark or kind == "chalk")
    pen_ink = fg if kind == "chalk" else (ink(rng) if rng.random() < 0.85 else rng.choice([(70, 70, 75), (40, 40, 45)]))
    if kind == "report":  # a report card: name and ID on one line, a table of subjects with marks
        sheet.cells([(rng.choice(["Report card - Term 2", "Bulletin scolaire", "Relevé de notes", "Progress report"]),
                      None, None)], size, fg)
        if negative:
            sheet.cells([(rng.choice(WIDE_NEGATIVE), None, None), (rng.choice(WIDE_NEGATIVE), None, None)], size, fg)
            heads = rng.choice([["Subject", "Room", "Teacher"], ["Matière", "Salle", "Horaire"]])
            sheet.cells([(h, None, None) for h in heads], size, fg)
            for subject in rng.sample(SUBJECTS, rng.randint(2, 5)):
                sheet.cells([(subject, None, None), (rng.choice(["214", "B12", "Lab 2", "108"]), None, None),
                             (rng.choice(["Ms Baker", "8:30-9:25", "Mme Blanc", "M. Noir", "14:00"]), None, None)],
                            size, fg)
        else:
            name_label = rng.choice(["Student: {}", "Name: {}", "Élève : {}", "Nom : {}", "{}"])
            sheet.cells([(name_label.format(f"{first} {last}"), "name", f"{first} {last}"),
                         (rng.choice(ID_LABELS).format(number), "student_id", number)], size, fg)
            heads = rng.choice([["Subject", "Mark", "Grade"], ["Matière", "Note", "Appréciation"],
                                ["Subject", "Score", "Comment"], ["Course", "%", "Letter"]])
            sheet.cells([(h, None, None) for h in heads], size, fg)
            for subject in rng.sample(SUBJECTS, rng.randint(2, 5)):
                mark = wide_grade(rng, bare=True)[0]
                third = (rng.choice(["A", "B+", "B", "C", "A-", "C+"]), "grade", None) if heads[2] in ("Grade", "Letter") \
                    else (rng.choice(["Good work", "Bon travail", "Must revise", "Peut mieux faire"]), None, None)
                sheet.cells([(subject, None, None), (mark, "grade", None), third], size, fg)
            if rng.random() < 0.5:
                text, part = wide_grade(rng)
                sheet.cells([(text, "grade", part)], size, fg)
    elif kind == "screen":  # a gradebook screen, columns in any order, light or dark
        sheet.cells([(rng.choice(["Gradebook", "Pronote - Notes", "Class 5C - Marks", "Term 1 results"]), None, None)],
                    size, fg)
        columns = rng.sample(["name", "id", "score", "grade"], 4) if rng.random() < 0.5 else ["name", "id", "score", "grade"]
        heads = {"name": rng.choice(["Student", "Name", "Élève", "Nom"]), "id": rng.choice(["ID", "Student ID", "No.", "Matricule"]),
                 "score": rng.choice(["Score", "Note", "%", "Points", "Mark"]), "grade": rng.choice(["Grade", "Letter", "Moyenne"])}
        widths = {"name": 10.5, "id": 7.0, "score": 5.0, "grade": 3.5}
        xs = [24 + int(size * sum(widths[c] for c in columns[:k])) for k in range(len(columns))]
        sheet.cells([(heads[c], None, None) for c in columns], size, fg, xs)
        for _ in range(rng.randint(0, 2) if negative else rng.randint(2, 6)):  # a negative: an empty template
            f2, l2, n2 = student(rng)
            value = {"name": (f"{f2} {l2}", "name", None), "id": (n2, "student_id", None),
                     "score": (wide_grade(rng, bare=True)[0], "grade", None),
                     "grade": (rng.choice(["A", "B", "C", "D", "B+", "A-", "C+", "E", "F"]), "grade", None)}
            sheet.cells([("", None, None) if negative else value[c] for c in columns], size, fg, xs)
        if negative:
            sheet.cells([(rng.choice(WIDE_NEGATIVE), None, None)], size, fg)
    elif kind == "handtest":  # the student writes name and ID by hand; the teacher marks in pen
        sheet.cells([(rng.choice(["Maths test", "Dictée", "Quiz 7", "Contrôle n°3", "Spelling test"]), None, None)], size, fg)
        if negative:
            if rng.random() < 0.5:  # a blank worksheet: the name line not filled in yet
                sheet.cells([(rng.choice(["Name: ____________", "Nom : ____________", "Student: __________"]), None,
                              None)], size, fg)
            for _ in range(rng.randint(2, 4)):
                sheet.cells([(rng.choice(QUESTIONS + WIDE_NEGATIVE), None, None)], size, fg)
            sheet.pen(rng.choice(NEGATIVE_MARKS + ["Page 12", "Room 108", "8:30"]), None, None, int(size * 1.6), pen_ink)
        else:
            student_pen = rng.choice([(30, 40, 120), (40, 40, 48), (90, 90, 96)])
            sheet.cells([(rng.choice(["Name:", "Nom :"]), None, None)], size, fg)
            sheet.y -= int(size * 1.7)
            sheet.pen(f"{first} {last}", f"{first} {last}", "name", int(size * 1.3), student_pen, x=6 * size, y=sheet.y - size // 3)
            if rng.random() < 0.6:
                sheet.cells([(rng.choice(["Student ID:", "ID:", "Matricule :"]), None, None)], size, fg)
                sheet.y -= int(size * 1.7)
                sheet.pen(number, number, "student_id", int(size * 1.3), student_pen, x=8 * size, y=sheet.y - size // 3)
            for q in rng.sample(QUESTIONS, rng.randint(1, 3)):
                sheet.cells([(q, None, None)], size, fg)
            text, part = wide_grade(rng, bare=rng.random() < 0.4)
            sheet.pen(text, part, "grade", int(size * rng.uniform(1.3, 3.0)), pen_ink,
                      circle=len(text) <= 3 and rng.random() < 0.5)
    else:  # "chalk" board or a label sheet in print
        lines = [rng.choice(["Quiz results", "Résultats du contrôle", "Well done!", "Spelling bee"])]
        for line in lines:
            sheet.pen(line, None, None, int(size * 1.5), pen_ink, x=24)
        for _ in range(rng.randint(2, 4)):
            if negative:
                sheet.pen(rng.choice(WIDE_NEGATIVE), None, None, int(size * 1.3), pen_ink, x=24)
            else:
                f2, l2, _n = student(rng)
                grade_text = wide_grade(rng, bare=True)[0]
                text = f"{f2} {l2} {grade_text}"
                if sheet.pen(text, grade_text, "grade", int(size * 1.3), pen_ink, x=24):
                    kept = sheet.items[-1]
                    # the name's box: the same line up to the grade (pen marks are turned a little)
                    x0, y0, x1, y1 = kept[1]
                    layer_left = 24 + size // 2
                    sheet.items.append(("name", [layer_left, y0, max(layer_left + 1, x0 - size // 2), y1], f"{f2} {l2}"))
                    sheet.hand.append(len(sheet.items) - 1)
    bottom = min(sheet.image.height, sheet.y + size)
    sheet.image = sheet.image.crop((0, 0, sheet.image.width, bottom))
    sheet.draw = ImageDraw.Draw(sheet.image)  # an item cut off at the bottom is left out of the truth by place()
    return sheet


def make_wide(args, backgrounds, truth: dict, start: int) -> None:
    print_fonts, hand_fonts = wide_fonts()
    rng = random.Random(f"wide-{args.seed}")
    kinds = ["report", "screen", "handtest", "handtest", "chalk"]
    for k in range(args.wide + args.wide // 2):
        negative = k >= args.wide
        kind = kinds[k % len(kinds)]
        background = np.asarray(Image.open(rng.choice(backgrounds)).convert("RGB"))
        size = rng.choice([14, 18, 22, 28, 36, 44])
        sheet = wide_card(kind, rng, negative, print_fonts, hand_fonts, size)
        angle = rng.choice([0.0, rng.uniform(-12, 12), rng.uniform(-30, 30)])
        image, boxes = place(background, sheet, rng, fit=rng.uniform(0.5, 0.85), angle=angle,
                             jitter=rng.uniform(0.02, 0.12), wide=True)
        name = f"{'neg' if negative else 'pos'}_{start + k:03d}_wide_{kind}.jpg"
        Image.fromarray(image).save(args.out / name, quality=rng.choice([60, 75, 85, 95]))
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
    parser.add_argument("--wide", type=int, default=40,
                        help="positive samples of the wider variety (more print and handwriting fonts, printed inks, "
                             "dark screens, report cards, papers written on by the student and marked in pen, "
                             "chalkboards, turned cards, shadows, colour casts, noise), after the others; half as "
                             "many negatives (among them empty gradebook templates); 0 for none")
    parser.add_argument("--papers", type=int, default=36,
                        help="positive samples of the layouts of issue 39 (gradebook tables with student and letter "
                             "columns, names after a label with or without a colon, praise and a mark, worksheets of "
                             "exercises), after the others; half as many negatives; 0 for none")
    parser.add_argument("--more-papers", type=int, default=0,
                        help="positive samples of more student papers (scripts/samples/text_papers_more.py: handwriting "
                             "fonts and layouts no other part has), after all the others; half as many negatives")
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
    if args.wide:
        make_wide(args, backgrounds, truth, args.count + args.count // 2 + args.variety + args.variety // 2)
    if args.papers:
        from scripts.samples.text_papers import make_papers

        CLASS.extend(make_papers(args, backgrounds, truth, args.count + args.count // 2 + args.variety +
                                 args.variety // 2 + args.wide + args.wide // 2))
    if args.more_papers:
        from scripts.samples.text_papers_more import make_more_papers

        CLASS.extend(make_more_papers(args, backgrounds, truth, len(truth)))
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
