"""Issue 39, a student's paper as a region: the name line right of its label, handwriting no engine
read included, and every pen mark on a sheet that holds a student; a blank name line, a sheet with
only a title and the teacher's print, and a mark on the garment beside the sheet give nothing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline.findings import Box
from pipeline.media.loader import load_image
from pipeline.text import stage as text
from pipeline.text.sheets import sheet_like, sheet_mask
from test_ink import PRINTED, _covers, _font, _handwrite, _xywh

SHEET = (120, 80, 1180, 820)


def _photo(tmp_path, draw_fn, ground=(70, 60, 55), sheet=(250, 249, 244)):
    """A sheet (SHEET) on a darker ground, ``draw_fn(draw)`` drawn on it; returns the path and its boxes."""
    image = Image.new("RGB", (1300, 900), ground)
    draw = ImageDraw.Draw(image)
    draw.rectangle(SHEET, fill=sheet)
    boxes = draw_fn(draw)
    path = tmp_path / "photo.png"
    image.save(path)
    return path, boxes


def _ink_box(path, box: Box) -> Box:
    """The box of the pen's strokes inside ``box`` (a font's box reaches below its letters)."""
    pixels = np.asarray(Image.open(path).convert("L"))[box.y:box.y + box.h, box.x:box.x + box.w]
    ys, xs = np.nonzero(pixels < 150)
    return Box(box.x + int(xs.min()), box.y + int(ys.min()), int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1)


def _findings(path, policy):
    return text.stage(load_image(path, policy.general.max_pixels), policy)


def _print(d, xy, words, size=30):
    font, _ = _font(PRINTED, size)
    d.text(xy, words, fill=(25, 25, 30), font=font)
    return Box(*_xywh(d.textbbox(xy, words, font=font)))


@pytest.mark.slow
def test_a_name_written_by_hand_after_its_label_is_covered_whole(tmp_path, policy):
    """ "Nom et prénom :" printed, the name after it written in pen, too loose for an engine to read
    whole: the name line right of the label is a name finding covering the handwriting."""
    def draw(d):
        _print(d, (170, 120), "Contrôle de maths")
        label = _print(d, (170, 200), "Nom et prénom :")
        name = _handwrite(d, (label.x + label.w + 25, 185), "Zoé  Côté-Lefèvre", (30, 40, 120), 48)
        _print(d, (170, 300), "1. Calcule 3/4 de 20")
        return [name]

    path, (name,) = _photo(tmp_path, draw)
    name = _ink_box(path, name)
    names = [f for f in _findings(path, policy) if f.kind == "name"]
    covered = sum(f.box.overlap(name) for f in names)
    assert covered >= 0.8 * name.w * name.h, (name, [(f.box, f.why) for f in names])


@pytest.mark.slow
@pytest.mark.parametrize("typed", [False, True])
def test_a_blank_name_line_and_a_sheet_of_print_give_nothing(tmp_path, policy, typed):
    """The same paper with its name line left blank (a rule drawn to write on, or underscores typed) and
    only the title and the teacher's printed text: no finding at all."""
    def draw(d):
        _print(d, (170, 120), "Contrôle de maths")
        label = _print(d, (170, 200), "Nom et prénom :" + (" ________________" if typed else ""))
        if not typed:
            d.line([(label.x + label.w + 20, label.y + label.h + 4), (label.x + label.w + 420, label.y + label.h + 4)],
                   fill=(40, 40, 45), width=2)
        _print(d, (170, 300), "1. Calcule 3/4 de 20")
        _print(d, (170, 360), "Lis bien chaque consigne.")
        return []

    path, _ = _photo(tmp_path, draw)
    found = [f for f in _findings(path, policy) if f.kind in ("name", "grade", "student_id")]
    assert found == [], [(f.kind, f.box, f.why) for f in found]


@pytest.mark.slow
@pytest.mark.parametrize("with_name", [True, False])
def test_every_pen_mark_on_a_students_sheet_is_a_grade(tmp_path, policy, with_name):
    """A red score written at the bottom corner of the sheet, far from the student's name (more than
    fifteen line heights): on the student's sheet it is a grade; on a sheet with no student, nothing."""
    def draw(d):
        _print(d, (170, 110), "History test", 24)
        _print(d, (170, 150), "Name: Owen Sato" if with_name else "Answer all questions", 24)
        _print(d, (170, 190), "1. Name three rivers", 24)
        return [_handwrite(d, (960, 700), "14", (200, 30, 35), 70)]

    path, (mark,) = _photo(tmp_path, draw)
    grades = [f for f in _findings(path, policy) if f.kind == "grade"]
    assert any(_covers(f.box, mark) for f in grades) == with_name, (mark, [(f.box, f.why) for f in grades])


@pytest.mark.slow
def test_a_red_pattern_on_the_garment_beside_the_sheet_is_no_mark(tmp_path, policy):
    """A light garment round a student's sheet (a shade apart from the paper) printed with red strokes
    right beside the name: not on the sheet, no grade; the sheet's own mark is one."""
    def draw(d):
        _print(d, (170, 110), "History test", 24)
        name = _print(d, (170, 150), "Name: Owen Sato", 24)
        garment = _handwrite(d, (30, 150), "xz", (200, 30, 35), 60)
        own = _handwrite(d, (700, 300), "B+", (200, 30, 35), 60)
        return [name, garment, own]

    path, (_name, garment, own) = _photo(tmp_path, draw, ground=(226, 228, 232), sheet=(250, 249, 244))
    grades = [f for f in _findings(path, policy) if f.kind == "grade"]
    assert not any(f.box.overlap(garment) > 0 for f in grades), [(f.box, f.why) for f in grades]
    assert any(_covers(f.box, own) for f in grades), [(f.box, f.why) for f in grades]


def test_the_sheet_is_filled_from_its_ground_and_stops_at_its_edge():
    """``sheet_mask`` on a grey photo: a light sheet with lines of print and a shading across it is
    found whole, and stops at its edge against a ground a shade apart; a fill that runs over a whole
    photo is not a sheet's shape."""
    grey = np.full((400, 600), 215, np.uint8)
    sheet = np.tile(np.linspace(235, 250, 400).astype(np.uint8)[None, :], (300, 1))  # light across the sheet
    grey[50:350, 100:500] = sheet
    for y in (90, 140, 190):
        grey[y:y + 14, 130:400:6] = 30  # print
    mask = sheet_mask(grey, (130, 90, 270, 14))
    assert mask is not None
    assert mask[60:340, 110:490].mean() > 0.97 and mask[:40].mean() == 0 and mask[:, :90].mean() == 0
    assert sheet_like(mask)
    assert not sheet_like(np.tri(100, 100, dtype=bool))  # a wedge of wall, not a sheet


@pytest.mark.slow
def test_a_label_with_no_colon_heads_a_column_in_a_header_row_but_a_form_line_alone(tmp_path, policy):
    """ "Nom" alone with no colon: in a table's header row beside "Prénom" and "Note" (an empty
    template) it heads a column and gives no name line; alone on a form's line with a name written
    after it in pen, the name is covered."""
    def template(d):
        for x, word in ((170, "Nom"), (450, "Prénom"), (750, "Note")):
            _print(d, (x, 150), word)
        _print(d, (170, 230), "Lundi 14 mars")
        return []

    path, _ = _photo(tmp_path, template)
    assert [f for f in _findings(path, policy) if f.kind == "name"] == []

    def form(d):
        _print(d, (170, 110), "Dictée")
        label = _print(d, (170, 200), "Nom")
        return [_handwrite(d, (label.x + label.w + 30, 185), "Inès  Abernathy", (30, 40, 120), 46)]

    path, (name,) = _photo(tmp_path, form)
    name = _ink_box(path, name)
    names = [f for f in _findings(path, policy) if f.kind == "name"]
    assert sum(f.box.overlap(name) for f in names) >= 0.8 * name.w * name.h, (name, [(f.box, f.why) for f in names])


@pytest.mark.slow
def test_a_percentage_on_a_poster_beside_a_test_paper_is_no_grade(tmp_path, policy):
    """A poster's "60%" beside a card headed "Spelling test" (the grade label on another line of the page)
    was a grade (seed 3941's neg_309): a percentage whose label is elsewhere counts only on the label's
    sheet; one written on the test's own sheet still does."""
    def draw(d):
        _print(d, (170, 110), "Spelling test", 34)
        _print(d, (170, 170), "Show your working", 30)
        _print(d, (170, 260), "Result", 34)
        own = _print(d, (300, 260), "85%", 34)
        d.rectangle((1190, 300, 1300, 600), fill=(200, 40, 40))  # the poster beside the sheet
        font, _ = _font(PRINTED, 40)
        d.text((1195, 420), "60%", fill=(255, 255, 255), font=font)
        return [own, Box(1195, 420, 100, 45)]

    path, (own, poster) = _photo(tmp_path, draw)
    grades = [f for f in _findings(path, policy) if f.kind == "grade"]
    assert not any(f.box.overlap(poster) > 0 for f in grades), [(f.box, f.why) for f in grades]
    assert any(_covers(f.box, own) for f in grades), [(f.box, f.why) for f in grades]


def test_a_card_turned_26_degrees_is_a_sheet_shape():
    """``sheet_like`` wants a sheet near upright (its filled ground fills 0.6 of its upright box); a card
    turned 26 degrees fills less of it, and ``turned_sheet_like`` takes its turned rectangle."""
    import cv2

    from pipeline.text.sheets import turned_sheet_like

    mask = np.zeros((600, 900), np.uint8)
    corners = cv2.boxPoints(((450, 300), (520, 300), -26)).astype(np.int32)
    cv2.fillPoly(mask, [corners], 1)
    assert turned_sheet_like(mask > 0)
    assert not turned_sheet_like(np.tri(100, 100, dtype=bool))  # a wedge of wall
    assert not turned_sheet_like(np.ones((100, 100), bool))  # a fill over the whole photo


def test_the_sheet_holds_its_line_not_the_lighter_wall_beyond_its_edge():
    """A line of print near the top edge of a card, a wall lighter than the card above it (seed 6061's
    pos_052): the lightest pixel round the line is on the wall, whose fill leaves the line out; the sheet
    is the card's ground, filled from the next seed, and the line lies on it."""
    grey = np.full((400, 600), 250, np.uint8)  # a bright wall
    grey[200:] = 90  # a desk
    grey[60:330, 100:500] = 228  # the card, darker than the wall
    grey[68:80, 130:400:6] = 30  # its first line, 8 px below its top edge
    mask = sheet_mask(grey, (130, 68, 270, 12))
    assert mask is not None
    assert mask[70:320, 110:490].mean() > 0.97 and mask[:50].mean() == 0 and mask[340:].mean() == 0


def test_a_name_label_read_with_letters_wrong_is_a_name_label():
    """PP-OCR's "Nou et prdn om" and Tesseract's "Nom et prénam" for "Nom et prénom", and "Elve:" for "Élève :":
    name labels all the same; other short lines and other words before a colon are none."""
    from pipeline.text.folding import fold
    from pipeline.text.recognizers import misread_name_label

    for line in ("Nou et prdn om", "Nom et prénam", "Prenom et nom :", "Elve:", "Eleve :", "Studen:"):
        assert misread_name_label(fold(line)), line
    for line in ("Level:", "Date :", "Name the parts", "Nombre premier", "Élève", "Elle:", "Classe :", "Note :"):
        assert not misread_name_label(fold(line)), line


def test_a_pen_letter_on_a_turned_sheet_under_a_bright_wall_is_a_grade(tmp_path):
    """A test sheet turned 12 degrees below a window brighter than the paper, "Student:" printed on its first
    line and the name written in pen after it (read by no engine: the name line is the only anchor), a lone
    "C" in pen far right of the name (seed 6061's pos_052): the mark is on the student's sheet. The sheet is
    the ground that holds the name's line, not the window above it, and a turned sheet's shape counts."""
    import cv2

    from pipeline.text.ink import find_ink_grades

    sheet = Image.new("RGB", (760, 420), (220, 222, 228))
    d = ImageDraw.Draw(sheet)
    label = _print(d, (30, 16), "Student:", 26)  # the first line, near the sheet's top edge
    name = _handwrite(d, (label.x + label.w + 20, 6), "Oscar Bérubé", (30, 50, 150), 40)
    mark = _handwrite(d, (690, 90), "C", (30, 50, 150), 48)
    _print(d, (30, 120), "Geography test", 28)
    photo = Image.new("RGB", (1300, 900), (255, 255, 255))  # the window
    ImageDraw.Draw(photo).rectangle((0, 520, 1300, 900), fill=(110, 70, 40))  # the desk
    angle, at = -12.0, (300, 260)
    turned = sheet.rotate(angle, expand=True, resample=Image.BICUBIC, fillcolor=(0, 0, 0))
    photo.paste(turned, at, Image.new("L", sheet.size, 255).rotate(angle, expand=True))
    path = tmp_path / "photo.png"
    photo.save(path)
    # boxes in the photo: their corners turned with the sheet
    matrix = cv2.getRotationMatrix2D((sheet.width / 2, sheet.height / 2), angle, 1.0)
    matrix[:, 2] += ((turned.width - sheet.width) / 2 + at[0], (turned.height - sheet.height) / 2 + at[1])

    def in_photo(b: Box) -> Box:
        corners = np.array([[[b.x, b.y], [b.x + b.w, b.y], [b.x, b.y + b.h], [b.x + b.w, b.y + b.h]]], np.float32)
        (x0, y0), (x1, y1) = cv2.transform(corners, matrix)[0].min(axis=0), cv2.transform(corners, matrix)[0].max(axis=0)
        return Box(int(x0), int(y0), int(x1 - x0), int(y1 - y0))

    name, mark = in_photo(Box.enclosing([label, name])), in_photo(mark)
    grades = find_ink_grades(load_image(path, 10 ** 8), [], [], student_lines=[(name, 40)])
    assert any(f.box.overlap(mark) >= 0.3 * mark.w * mark.h for f in grades), (mark, [(f.box, f.why) for f in grades])


def _scrawl(d, x: int, y: int) -> Box:
    """A mark in black pen no engine reads: a loop and strokes over the ruled lines of a school sheet."""
    for k in range(5):
        d.line((x - 20, y + 12 * k, x + 150, y + 12 * k), fill=(120, 130, 170), width=1)  # ruled lines
    d.ellipse((x, y, x + 46, y + 50), outline=(20, 20, 24), width=4)
    d.line((x + 60, y + 48, x + 80, y + 2), fill=(20, 20, 24), width=4)
    d.arc((x + 78, y, x + 122, y + 50), 250, 110, fill=(20, 20, 24), width=4)
    return Box(x, y, 122, 50)


@pytest.mark.slow
@pytest.mark.parametrize("with_name", [True, False])
def test_writing_no_engine_reads_on_a_students_sheet_is_covered(tmp_path, policy, with_name):
    """A mark in black pen no engine reads (seed 9128's "Excellent ! B" in a school script on ruled lines) on a
    sheet with a student's name: covered, and the sheet's print is not. On a sheet with no student, nothing."""
    def draw(d):
        _print(d, (170, 110), "History test")
        _print(d, (170, 170), "Name: Owen Sato" if with_name else "Answer every question")
        printed = [_print(d, (170, 250), "1. Name three rivers of Europe"),
                   _print(d, (170, 310), "2. Explain the water cycle")]
        return [_scrawl(d, 800, 560)] + printed

    path, (mark, *printed) = _photo(tmp_path, draw)
    findings = _findings(path, policy)
    if not with_name:
        assert [f for f in findings if f.kind == "grade"] == [], [(f.box, f.why) for f in findings]
        return
    grades = [f for f in findings if f.kind == "grade"]
    assert sum(f.box.overlap(mark) for f in grades) >= 0.8 * mark.w * mark.h, (mark, [(f.box, f.why) for f in grades])
    for line in printed:
        assert not any(f.box.overlap(line) > 0.2 * line.w * line.h for f in grades), (line, [(f.box, f.why) for f in grades])
