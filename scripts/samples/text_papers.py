"""The layouts of issue 39 for scripts.samples.text_samples ``--papers``: what belongs to a student on a
school paper, whole.

Drawn with a generator of its own (seeded ``issue39-<seed>``, after every other part, so the samples
of an existing seed stay as they were), in English and French, files named ``*_p39_<kind>.jpg``:

- ``gradebook``: a gradebook table whose columns are a student header (Élève, Nom, Prénom, Student,
  Students, Name), an ID (Matricule, Student ID), a mark (Note, Mark, Score) and a letter (Lettre,
  Letter, Grade) holding single letters ("C", "D", "C-"); ruled cells, shaded rows or a header band;
  the name in one column or in two (Nom | Prénom, Last | First). Negatives: timetables, supply lists
  and empty gradebook templates.
- ``form``: a paper with a name after a name label, with or without a colon ("Nom et prénom : Owen
  Sato", "Name Inès Abernathy", "Élève Zoé Côté"), printed or written by the student in pen,
  accented and hyphenated names. Negatives: the same paper with the name line left blank, and
  lines that start with a label word but hold no name ("Student Council elections", "Name the
  parts of a plant").
- ``praise``: a paper marked in pen with praise and a mark ("Great work! B", "Bien ! 12/20").
  Negatives: praise alone.
- ``exercise``: a worksheet of exercises with fractions and percentages ("Write 15/20 as a percent",
  "Calcule 3/4 de 20"); a positive carries the student's name and a mark in pen, a negative none.

Fonts it does not share with the other parts: Lato, FreeFont (FreeSans, FreeSerif, FreeMono), Linux
Libertine and Andika (a school reading font), fetched with ``apt-get download`` into
reports/sample_fonts like the wider variety's; the handwriting is the wider variety's.

The students are a class of their own (accented, hyphenated, first names starting with a grade's
letter or an "O"), added to roster.csv.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from scripts.samples import text_samples as base

FIRST = ["Inès", "Owen", "Omar", "Zoé", "Jean-Luc", "Marie-Ève", "Anaïs", "Maël", "Éloïse", "Noé", "Aïcha", "Théo",
         "Chloé", "Amélie", "Oscar", "Olivia", "Félix", "Céline", "Élodie", "Bastien", "Ava", "Daniel", "Yasmine",
         "Léon", "Anne-Sophie", "Emma", "Ophélie", "Dylan"]
LAST = ["Abernathy", "Sato", "Lefèvre", "Bérubé", "Côté", "Gauthier-Roy", "Tremblay", "Saint-Pierre", "Ouellet",
        "Okonkwo", "Desrosiers", "Fontaine-Leduc", "Hébert", "Kowalczyk", "Benali", "Pelletier", "Ferreira", "Lavoie",
        "Bouchard", "Gagnon", "Chen", "Ndiaye", "Morin-Lapointe", "Quinn", "Dubé", "Vasquez"]
FONT_PACKAGES = ("fonts-lato", "fonts-freefont-ttf", "fonts-linuxlibertine", "fonts-sil-andika")
FONT_KEYS = ("lato", "freefont", "libertine", "andika")

STUDENT_HEADS = {"en": ["Student", "Students", "Name"], "fr": ["Élève", "Élèves", "Nom"]}
SPLIT_HEADS = {"en": ("Last", "First"), "fr": ("Nom", "Prénom")}
ID_HEADS = {"en": ["Student ID", "ID"], "fr": ["Matricule", "N° élève"]}
MARK_HEADS = {"en": ["Mark", "Score", "Mark /20"], "fr": ["Note", "Note /20", "Résultat"]}
LETTER_HEADS = {"en": ["Letter", "Grade"], "fr": ["Lettre", "Note"]}
LETTERS = ["A", "B", "C", "D", "E", "F", "C", "B", "C-", "B+", "A-", "D+"]
TITLES = {"en": ["Gradebook - Science", "Term 2 marks", "Class 6B results", "Maths - Unit 4"],
          "fr": ["Relevé de notes", "Carnet de notes - 5e B", "Contrôle de maths", "Notes du trimestre"]}
NEG_TABLES = {"en": [(["Day", "Subject", "Room", "Time"],
                      [["Monday", "Tuesday", "Thursday", "Friday"], ["Science", "English", "Art", "Music"],
                       ["214", "B12", "Lab 2", "Gym"], ["8:30", "10:15", "13:00", "14:45"]]),
                     (["Item", "Qty", "Price", "Aisle"],
                      [["Glue sticks", "Rulers", "Pencils", "Folders"], ["2", "12", "30", "4"],
                       ["$3.50", "$8.99", "$12.00", "$1.25"], ["A", "B", "C", "D"]])],
              "fr": [(["Jour", "Matière", "Salle", "Heure"],
                      [["Lundi", "Mardi", "Jeudi", "Vendredi"], ["Sciences", "Anglais", "Arts", "Musique"],
                       ["214", "B12", "Labo 2", "Gymnase"], ["8h30", "10h15", "13h00", "14h45"]]),
                     (["Article", "Qté", "Prix", "Rayon"],
                      [["Colle", "Règles", "Crayons", "Cahiers"], ["2", "12", "30", "4"],
                       ["3,50 €", "8,99 €", "12,00 €", "1,25 €"], ["A", "B", "C", "D"]])]}
NAME_LABELS = {"en": ["Name: {}", "Name {}", "Student: {}", "Student {}", "Student name: {}"],
               "fr": ["Nom et prénom : {}", "Nom et prénom {}", "Élève : {}", "Élève {}", "Nom : {}", "Nom {}",
                      "Prénom et nom : {}"]}
BLANK_LABELS = {"en": ["Name: ____________", "Name ____________", "Student: ___________"],
                "fr": ["Nom et prénom : ____________", "Élève : ___________", "Nom : __________"]}
NOT_NAMES = {"en": ["Student Council elections", "Name the parts of a plant", "Student Services", "Name Tags",
                    "Student of the Month", "Name three rivers"],
             "fr": ["Élève du mois", "Nom de la ville", "Nom commun et nom propre", "Élèves de 5e B : sortie"]}
PAPER_TITLES = {"en": ["Maths test", "Spelling quiz", "Science worksheet", "History test", "Fractions"],
                "fr": ["Contrôle de maths", "Dictée", "Fiche d'exercices", "Évaluation d'histoire", "Les fractions"]}
PRAISE = {"en": ["Great work! {}", "Good job! {}", "Well done! {}", "Excellent! {}", "Nice work {}",
                 "Super effort! {}"],
          "fr": ["Bien ! {}", "Très bien ! {}", "Excellent ! {}", "Bravo ! {}", "Bon travail ! {}", "Super ! {}"]}
PRAISE_MARKS = ["A", "B", "C", "A-", "B+", "C+", "D", "{n}/20", "{n}/20"]
EXERCISES = {"en": ["1. Write 15/20 as a percent", "2. Simplify 12/20", "3. Convert 3/4 to a decimal",
                    "4. What is 25% of 80?", "5. Find 2/5 of 30", "6. Write 7/10 as a percentage",
                    "7. Reduce 18/24 to lowest terms", "8. Is 9/12 equal to 3/4?"],
             "fr": ["1. Calcule 3/4 de 20", "2. Écris 15/20 en pourcentage", "3. Simplifie 12/20",
                    "4. Convertis 3/4 en nombre décimal", "5. Calcule 25 % de 80", "6. Combien font 2/5 de 30 ?",
                    "7. Écris 7/10 sous forme décimale", "Exercice 2 : compare 9/12 et 3/4"]}


def paper_fonts() -> list[Path]:
    """The print fonts of this part (fetched into reports/sample_fonts when missing)."""
    def found():
        return sorted(p for p in (base.FONT_DIR / "usr/share/fonts").rglob("*") if p.suffix in (".ttf", ".otf")
                      and any(k in str(p).lower() for k in FONT_KEYS)
                      and not any(k in p.name for k in ("Math", "_K.", "Hairline")))  # no keyboard-key glyphs

    if not found():
        base.fetch_debian_fonts(FONT_PACKAGES, "the issue 39 fonts")
    return found()


def grid(sheet: base.WideSheet, xs: list[int], top: int, bottom: int, rows: list[int], colour) -> None:
    """Ruled cells: a line left of each column, one at the right end, one under each row."""
    draw = ImageDraw.Draw(sheet.image)
    right = sheet.image.width - 12
    for x in [*(x - 8 for x in xs), right]:
        draw.line([(x, top), (x, bottom)], fill=colour, width=2)
    for y in [top, *rows, bottom]:
        draw.line([(xs[0] - 8, y), (right, y)], fill=colour, width=2)


def gradebook(sheet, rng, lang, negative, cls, size, fg) -> None:
    sheet.cells([(rng.choice(TITLES[lang]), None, None)], size, fg)
    split = rng.random() < 0.3
    if negative and rng.random() < 0.6:
        heads, values = rng.choice(NEG_TABLES[lang])
        columns = [(h, None) for h in heads]
    else:
        names = list(SPLIT_HEADS[lang]) if split else [rng.choice(STUDENT_HEADS[lang])]
        columns = [(h, "name") for h in names]
        if rng.random() < 0.7:
            columns.append((rng.choice(ID_HEADS[lang]), "id"))
        columns.append((rng.choice(MARK_HEADS[lang]), "mark"))
        letter = rng.choice(LETTER_HEADS[lang])
        if letter != columns[-1][0]:
            columns.append((letter, "letter"))
        values = None
    widths = {"name": 8.5 if split else 11.5, "id": 7.0, "mark": 6.0, "letter": 5.0, None: 8.0}
    xs = [24 + int(size * sum(widths[k] for _, k in columns[:j])) for j in range(len(columns))]
    top = sheet.y - size // 3
    band = rng.random() < 0.4
    if band:
        ImageDraw.Draw(sheet.image).rectangle([12, top, sheet.image.width - 12, top + int(size * 1.5)],
                                              fill=tuple(max(0, c - 25) for c in sheet.image.getpixel((5, 5))))
    sheet.cells([(h, None, None) for h, _ in columns], size, fg, xs)
    rows = [sheet.y - size // 3]
    count = rng.randint(0, 2) if negative and values is None else rng.randint(4, 8)
    shade = rng.random() < 0.4
    for r in range(count):
        if shade and r % 2:
            ImageDraw.Draw(sheet.image).rectangle([12, sheet.y - size // 4, sheet.image.width - 12,
                                                   sheet.y + int(size * 1.35)],
                                                  fill=tuple(max(0, c - 14) for c in sheet.image.getpixel((5, 5))))
        if values is not None:
            cells = [(rng.choice(col), None, None) for col in values]
        elif negative:  # an empty template
            cells = [("", None, None) for _ in columns]
        else:
            first, last = rng.choice(cls)
            number = str(rng.randint(10 ** 6, 10 ** 8 - 1))
            mark_head = next(h for h, k in columns if k == "mark")
            mark = rng.choice(["{n}", "{n}"] + ([] if "20" in mark_head else ["{n}/20", "{p}"])).format(
                n=rng.choice(["8", "9", "11", "12", "13,5", "14", "15", "16", "17", "18"]), p=rng.randint(45, 98))
            value = {"id": (number, "student_id", None), "mark": (mark, "grade", None),
                     "letter": (rng.choice(LETTERS), "grade", None)}
            cells = []
            for head, kind in columns:
                if kind == "name":
                    text = (last if head == columns[0][0] else first) if split else \
                        rng.choice([f"{first} {last}", f"{first} {last}", f"{last}, {first}", f"{last.upper()} {first}"])
                    cells.append((text, "name", None))
                else:
                    cells.append(value[kind])
        sheet.cells(cells, size, fg, xs)
        rows.append(sheet.y - size // 3)
    if rng.random() < 0.5:
        grid(sheet, xs, top, rows[-1], rows[:-1], tuple(int(c * 0.6 + 90) for c in fg))


def name_line(sheet, rng, lang, first, last, size, fg, hand_ok=True) -> None:
    """A name after a label: printed, or the label printed and the name written in pen."""
    label = rng.choice(NAME_LABELS[lang])
    full = f"{first} {last}" if "Nom :" not in label and "Nom {}" not in label or rng.random() < 0.5 else \
        f"{last.upper()} {first}"
    if hand_ok and rng.random() < 0.4:
        text = label.format("").rstrip()
        font = base.load_font(sheet.font_path, size, text)
        sheet.cells([(text, None, None)], size, fg)
        sheet.y -= int(size * 1.7)
        x = 24 + int(ImageDraw.Draw(sheet.image).textlength(text + "  ", font=font))
        sheet.pen(full, full, "name", int(size * 1.3), rng.choice([(30, 40, 120), (40, 40, 48), (25, 25, 30)]),
                  x=x, y=sheet.y - size // 3)
        sheet.y += int(size * 0.6)
    else:
        sheet.cells([(label.format(full), "name", full)], size, fg)


def paper(sheet, rng, lang, kind, negative, cls, size, fg, pen_ink) -> None:
    sheet.cells([(rng.choice(PAPER_TITLES[lang]), None, None)], size, fg)
    first, last = rng.choice(cls)
    if negative:
        sheet.cells([(rng.choice(BLANK_LABELS[lang]), None, None)], size, fg)
        if kind == "form" or rng.random() < 0.3:
            sheet.cells([(rng.choice(NOT_NAMES[lang]), None, None)], size, fg)
    elif kind != "exercise" or rng.random() < 0.9:
        name_line(sheet, rng, lang, first, last, size, fg)
    if kind == "form" and not negative and rng.random() < 0.5:
        sheet.cells([(rng.choice(["Matricule : {}", "Student ID: {}"]).format(n := str(rng.randint(10 ** 6, 10 ** 8))),
                      "student_id", n)], size, fg)
    questions = EXERCISES[lang] if kind == "exercise" else base.QUESTIONS
    for q in rng.sample(questions, rng.randint(2, 4) if kind == "exercise" else rng.randint(1, 2)):
        sheet.cells([(q, None, None)], size, fg)
    if negative:
        if kind != "form" and rng.random() < 0.6:  # praise alone, in pen
            sheet.pen(rng.choice(PRAISE[lang]).format("").strip(), None, None, int(size * 1.6), pen_ink)
        return
    mark = rng.choice(PRAISE_MARKS).format(n=rng.choice(["9", "12", "14", "15", "16,5", "17", "18"]))
    if kind == "praise":
        text = rng.choice(PRAISE[lang]).format(mark)
    else:
        text = rng.choice([mark, rng.choice(PRAISE[lang]).format(mark)]) if kind == "exercise" else None
    if text:
        sheet.pen(text, mark, "grade", int(size * rng.uniform(1.4, 2.4)), pen_ink)


def make_papers(args, backgrounds, truth: dict, start: int) -> list[tuple[str, str]]:
    """``args.papers`` positives and half as many negatives of the layouts above; returns the class
    drawn (first, last), for roster.csv."""
    rng = random.Random(f"issue39-{args.seed}")
    cls = rng.sample([(f, l) for f in FIRST for l in LAST], 24)
    print_fonts = paper_fonts()
    hand_fonts = base.wide_fonts()[1]
    kinds = ["gradebook", "form", "praise", "exercise", "gradebook", "form"]
    for k in range(args.papers + args.papers // 2):
        negative = k >= args.papers
        kind = kinds[k % len(kinds)]
        lang = "fr" if (k + k // len(kinds)) % 2 else "en"  # each kind in both languages
        background = np.asarray(Image.open(rng.choice(backgrounds)).convert("RGB"))
        size = rng.choice([16, 20, 24, 30, 36])
        ground = rng.choice([(250, 250, 246), (255, 255, 255), (244, 240, 228), (236, 242, 250)])
        sheet = base.WideSheet((30 * size, 26 * size), ground, rng.choice(print_fonts), rng, hand_fonts)
        fg = base.print_ink(rng)
        pen_ink = base.ink(rng) if rng.random() < 0.85 else (40, 40, 45)
        if kind == "gradebook":
            gradebook(sheet, rng, lang, negative, cls, size, fg)
        else:
            paper(sheet, rng, lang, kind, negative, cls, size, fg, pen_ink)
        sheet.image = sheet.image.crop((0, 0, sheet.image.width, min(sheet.image.height, sheet.y + size)))
        sheet.draw = ImageDraw.Draw(sheet.image)
        angle = rng.choice([0.0, 0.0, rng.uniform(-10, 10)])
        image, boxes = base.place(background, sheet, rng, fit=rng.uniform(0.55, 0.85), angle=angle,
                                  jitter=rng.uniform(0.02, 0.08), wide=rng.random() < 0.5)
        name = f"{'neg' if negative else 'pos'}_{start + k:03d}_p39_{kind}_{lang}.jpg"
        Image.fromarray(image).save(args.out / name, quality=rng.choice([70, 82, 92]))
        truth[name] = boxes
    return cls
