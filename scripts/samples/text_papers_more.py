"""More student papers for issue 39, beyond the layouts the text stage was tuned on: for
scripts.samples.text_samples ``--more-papers``, seeded apart (``issue39-more-<seed>``, after every
other part, so the files of an existing seed stay as they were), files named ``*_p39n_<kind>_<lang>.jpg``.

Handwriting fonts no other part uses (Rufscript, Leckerli One, Yusei Magic, Klee One, Écolier with its
Seyès ruling, Havana), fetched with ``apt-get download`` into reports/sample_fonts, and layouts of their own:

- ``form``: a header row of fields on one line ("Nom : ____  Classe : ____  Date : ____", "Name ____
  Class ____"), the name and the class written by hand on the rules, a mark circled in a corner in
  red or green ("15/20", "B+").
- ``praise``: the mark written into a printed score box ("Note : ___ /20", "Score: ___ /25"), a
  comment and a letter further down ("Bravo ! A-", "Nice work, B"), the name written by hand.
- ``exercise``: a worksheet of fractions and percentages in a new wording ("Find 3/5 of 40",
  "Exprime 18/24 en pourcentage"), ticks beside the answers, the mark at the bottom in black or blue
  ballpoint (no coloured ink).
- ``card``: a small yellow or white card (a sticky note, an index card): "Élève : <name>" by hand and
  a lone letter or a score.

Negatives: a sheet with only its title and the teacher's printed instructions, the header row left
blank, the same worksheet with no name and no mark (its exercises hold fractions), praise alone on a
card, and a name label followed by words that name no one ("Name of the river: ____").
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from scripts.samples import text_samples as base
from scripts.samples.text_papers import FIRST, LAST, paper_fonts

HAND_PACKAGES = ("fonts-rufscript", "fonts-leckerli-one", "fonts-yusei-magic", "fonts-klee",
                 "fonts-ecolier-lignes-court", "fonts-havana")
HAND_KEYS = ("rufscript", "leckerli", "yusei", "klee", "ecolier-lignes", "havana")

FIELDS = {"en": (["Name: ", "Name ", "Student: "], ["Class: ", "Class ", "Form: "], ["Date: ", "Date "]),
          "fr": (["Nom : ", "Nom et prénom : ", "Élève : ", "Prénom : "], ["Classe : ", "Groupe : "], ["Date : "])}
CLASSES = ["5e B", "6A", "CM2", "4e3", "7C", "Year 6", "3B"]
TITLES = {"en": ["Unit 3 quiz", "Reading check", "Geography test", "Fractions review", "Homework sheet"],
          "fr": ["Interrogation écrite", "Contrôle de français", "Évaluation de sciences", "Devoir maison",
                 "Fiche de révision"]}
INSTRUCTIONS = {"en": ["Read each question carefully.", "Answer in full sentences.", "You have 40 minutes.",
                       "Use a pencil for the diagrams."],
                "fr": ["Lis bien chaque consigne.", "Réponds par des phrases complètes.", "Durée : 40 minutes.",
                       "Utilise un crayon pour les schémas."]}
EXERCISES = {"en": ["1. Find 3/5 of 40", "2. Write 18/24 in simplest form", "3. Give 7/20 as a percent",
                    "4. Which is larger, 2/3 or 5/8?", "5. Work out 30% of 60"],
             "fr": ["1. Trouve les 3/5 de 40", "2. Exprime 18/24 en pourcentage", "3. Range 2/3 et 5/8",
                    "4. Calcule 30 % de 60", "5. Écris 7/20 sous forme de fraction décimale"]}
SCORE_BOXES = {"en": ["Score: {} /20", "Mark: {} /25", "Total: {} /10"],
               "fr": ["Note : {} /20", "Résultat : {} /20", "Total : {} /10"]}
PRAISE = {"en": ["Nice work, {}", "Brilliant! {}", "Keep it up {}"],
          "fr": ["Bravo ! {}", "C'est bien {}", "Continue ! {}"]}
PRAISE_ALONE = {"en": ["Nice work!", "Keep it up", "Brilliant!"], "fr": ["Bravo !", "Continue !", "C'est bien"]}
NOT_NAMES = {"en": ["Name of the river: ________", "Name three planets"],
             "fr": ["Nom de la ville : ________", "Nomme trois planètes"]}
LETTERS = ["A", "B", "C", "D", "B+", "A-", "C-", "E"]
TOTALS = {"/20": ["8", "11", "13", "15", "16,5", "18"], "/25": ["14", "19", "22"], "/10": ["6", "7,5", "9"]}


def hand_fonts() -> list[Path]:
    def found():
        return sorted(p for p in (base.FONT_DIR / "usr/share/fonts").rglob("*") if p.suffix in (".ttf", ".otf")
                      and any(k in str(p).lower() for k in HAND_KEYS))

    if not found():
        base.fetch_debian_fonts(HAND_PACKAGES, "the new handwriting fonts")
    return found()


def text_width(sheet, text: str, size: int) -> int:
    return int(ImageDraw.Draw(sheet.image).textlength(text, font=base.load_font(sheet.font_path, size, text)))


def field_row(sheet, rng, lang, size, fg, pen, name: str | None, klass: str | None) -> None:
    """The header row of fields, each a label and a rule; the name and class written on the rules by hand."""
    labels = [rng.choice(options) for options in FIELDS[lang]]
    x, y = 24, sheet.y
    bottom = y + int(size * 2.2)
    rule = int(size * rng.uniform(7, 10))
    for k, label in enumerate(labels):
        sheet.cells([(label, None, None)], size, fg, [x])
        sheet.y = y
        start = x + text_width(sheet, label, size)
        ImageDraw.Draw(sheet.image).line([(start, y + int(size * 1.1)), (start + rule, y + int(size * 1.1))],
                                         fill=fg, width=1)
        value = name if k == 0 else klass if k == 1 else None
        if value:
            sheet.pen(value, value, "name" if k == 0 else None, int(size * rng.uniform(1.1, 1.5)), pen,
                      x=start + size // 3, y=y - size // 2)
            bottom, sheet.y = max(bottom, sheet.y + size // 3), y
        x = start + rule + size
    sheet.y = bottom


def corner_mark(sheet, rng, size, ink) -> None:
    total = rng.choice(list(TOTALS))
    mark = rng.choice([rng.choice(TOTALS[total]) + total, rng.choice(LETTERS)])
    width = sheet.image.width
    sheet.pen(mark, mark, "grade", int(size * rng.uniform(1.6, 2.4)), ink,
              x=rng.randint(int(width * 0.7), int(width * 0.8)), y=8, circle=rng.random() < 0.6)


def card(sheet, rng, lang, negative, name, size, fg, pen, ink) -> None:
    if negative:
        sheet.pen(rng.choice(PRAISE_ALONE[lang]), None, None, int(size * 1.6), ink, x=24, y=sheet.y)
        return
    label = rng.choice(FIELDS[lang][0])
    sheet.cells([(label, None, None)], size, fg)
    sheet.y -= int(size * 1.7)
    sheet.pen(name, name, "name", int(size * 1.4), pen, x=24 + text_width(sheet, label + " ", size),
              y=sheet.y - size // 2)
    sheet.y += size
    mark = rng.choice([rng.choice(LETTERS), rng.choice(TOTALS["/20"]) + "/20"])
    sheet.pen(mark, mark, "grade", int(size * rng.uniform(1.6, 2.6)), ink, circle=rng.random() < 0.3)


def paper(sheet, rng, lang, kind, negative, name, size, fg, pen, ink) -> None:
    sheet.cells([(rng.choice(TITLES[lang]), None, None)], int(size * 1.2), fg)
    if kind == "form":
        field_row(sheet, rng, lang, size, fg, pen, None if negative else name,
                  None if negative else rng.choice(CLASSES))
        for line in rng.sample(INSTRUCTIONS[lang], 2):
            sheet.cells([(line, None, None)], size, fg)
        if negative and rng.random() < 0.5:
            sheet.cells([(rng.choice(NOT_NAMES[lang]), None, None)], size, fg)
        if not negative:
            corner_mark(sheet, rng, size, ink)
        return
    if not negative:
        field_row(sheet, rng, lang, size, fg, pen, name, rng.choice(CLASSES) if rng.random() < 0.5 else None)
    else:
        sheet.cells([(line, None, None) for line in rng.sample(INSTRUCTIONS[lang], 1)], size, fg)
    if kind == "praise":
        box = rng.choice(SCORE_BOXES[lang])
        total = box.rsplit(" ", 1)[-1]
        text = box.format(" " * 6)
        y = sheet.y
        sheet.cells([(text, None, None)], size, fg, [24])
        if not negative:
            value = rng.choice(TOTALS[total])
            x = 24 + text_width(sheet, box.split("{}")[0], size) + size // 4
            sheet.pen(value, value, "grade", int(size * 1.4), ink, x=x, y=y - size // 2)
            sheet.y = y + int(size * 1.9)
        for q in rng.sample(base.QUESTIONS, 2):
            sheet.cells([(q, None, None)], size, fg)
        if not negative:
            letter = rng.choice(LETTERS)
            sheet.pen(rng.choice(PRAISE[lang]).format(letter), letter, "grade", int(size * 1.6), ink)
        return
    # exercise: the exercises, a tick or a cross beside some in pen, the mark at the bottom in ballpoint
    for q in rng.sample(EXERCISES[lang], rng.randint(3, 4)):
        y = sheet.y
        sheet.cells([(q, None, None)], size, fg)
        if not negative and rng.random() < 0.6:
            sheet.pen(rng.choice(["✓", "v", "x"]), None, None, int(size * 1.2), ink,
                      x=sheet.image.width - 4 * size, y=y - size // 3)
            sheet.y = y + int(size * 1.7)
    if not negative:
        total = rng.choice(list(TOTALS))
        mark = rng.choice(TOTALS[total]) + total
        sheet.pen(mark, mark, "grade", int(size * rng.uniform(1.5, 2.2)), rng.choice([(30, 30, 35), (35, 45, 140)]),
                  x=sheet.image.width - int(size * 7))


def make_more_papers(args, backgrounds, truth: dict, start: int) -> list[tuple[str, str]]:
    """``args.more_papers`` positives and half as many negatives; returns the class drawn, for roster.csv."""
    rng = random.Random(f"issue39-more-{args.seed}")
    cls = rng.sample([(f, l) for f in FIRST for l in LAST], 20)
    print_fonts, hands = paper_fonts() + base.wide_fonts()[0][1:], hand_fonts()
    kinds = ["form", "praise", "exercise", "card", "form", "praise"]
    for k in range(args.more_papers + args.more_papers // 2):
        negative = k >= args.more_papers
        kind = kinds[k % len(kinds)]
        lang = "fr" if (k + k // len(kinds)) % 2 else "en"
        background = np.asarray(Image.open(rng.choice(backgrounds)).convert("RGB"))
        size = rng.choice([14, 18, 22, 28, 34])
        first, last = rng.choice(cls)
        name = rng.choice([f"{first} {last}", f"{first} {last}", f"{last.upper()} {first}", first])
        if kind == "card":
            ground = rng.choice([(255, 244, 160), (250, 236, 130), (252, 252, 248)])
            shape = (24 * size, 8 * size)
        else:
            ground = rng.choice([(250, 250, 246), (255, 255, 255), (242, 238, 226), (238, 244, 250)])
            shape = (30 * size, 24 * size)
        sheet = base.WideSheet(shape, ground, rng.choice(print_fonts), rng, hands)
        fg = base.print_ink(rng)
        pen = rng.choice([(30, 40, 120), (35, 35, 40), (25, 60, 150)])
        ink = base.ink(rng)
        if kind == "card":
            card(sheet, rng, lang, negative, name, size, fg, pen, ink)
        else:
            paper(sheet, rng, lang, kind, negative, name, size, fg, pen, ink)
        sheet.image = sheet.image.crop((0, 0, sheet.image.width, min(sheet.image.height, sheet.y + size)))
        sheet.draw = ImageDraw.Draw(sheet.image)
        angle = rng.choice([0.0, rng.uniform(-8, 8), rng.uniform(-15, 15)])
        image, boxes = base.place(background, sheet, rng, fit=rng.uniform(0.4, 0.8), angle=angle,
                                  jitter=rng.uniform(0.02, 0.1), wide=rng.random() < 0.6)
        out_name = f"{'neg' if negative else 'pos'}_{start + k:03d}_p39n_{kind}_{lang}.jpg"
        Image.fromarray(image).save(args.out / out_name, quality=rng.choice([65, 80, 92]))
        truth[out_name] = boxes
    return cls
