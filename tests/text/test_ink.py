"""Pen marks as grades (pipeline/text/ink.py): a coloured-ink mark beside a grade label or a student's
name is a grade finding covering the mark; ink with nothing beside it, and colourful photos, give none."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.text import ink, stage as text
from pipeline.text.folding import fold
from pipeline.findings import Box
from pipeline.media.loader import load_image

HANDWRITING = [Path("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"),
               Path("/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf"),
               Path("/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf")]
PRINTED = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]


def _font(paths, size):
    for path in paths:
        if path.is_file():
            return ImageFont.truetype(str(path), size), path in HANDWRITING
    try:
        return ImageFont.load_default(size=size), False
    except TypeError:  # Pillow without scalable default font
        pytest.skip("no TrueType font to render the test page with (install fonts-dejavu-core, "
                    "or run scripts/install_text_fonts.sh)")


def _page(tmp_path, draw_fn, size=(1400, 900)) -> tuple[Path, list]:
    """A light paper page with ``draw_fn(draw)`` drawn on it, saved as PNG; returns the path and the
    boxes ``draw_fn`` gives back (the marks)."""
    image = Image.new("RGB", size, (248, 247, 242))
    draw = ImageDraw.Draw(image)
    marks = draw_fn(draw)
    path = tmp_path / "page.png"
    image.save(path)
    return path, marks


def _handwrite(draw, xy, words, colour, size):
    """Handwriting: a handwriting font when installed, else DejaVu drawn with a pen-like stroke."""
    font, is_hand = _font(HANDWRITING + PRINTED, size)
    kwargs = {} if is_hand else {"stroke_width": 1, "stroke_fill": colour}
    draw.text(xy, words, fill=colour, font=font, **kwargs)
    return Box(*_xywh(draw.textbbox(xy, words, font=font, **kwargs)))


def _xywh(bb):
    return int(bb[0]), int(bb[1]), int(bb[2] - bb[0]), int(bb[3] - bb[1])


def _covers(found: Box, mark: Box) -> bool:
    return found.overlap(mark) >= 0.5 * mark.w * mark.h


def _stage(path, policy):
    return text.stage(load_image(path, policy.general.max_pixels), policy)


@pytest.mark.slow
def test_red_handwritten_final_grade_is_a_grade(tmp_path, policy):
    def draw(d):
        printed, _ = _font(PRINTED, 34)
        d.text((60, 50), "Maths test - Chapter 4", fill=(25, 25, 30), font=printed)
        d.text((60, 110), "1. Solve 3x + 2 = 11", fill=(25, 25, 30), font=printed)
        return [_handwrite(d, (120, 300), "Final grade: 85%", (205, 30, 35), 120)]

    path, (mark,) = _page(tmp_path, draw)
    grades = [f for f in _stage(path, policy) if f.kind == "grade"]
    assert any(_covers(f.box, mark) for f in grades), [(f.box, f.detector, f.why) for f in grades]


def test_green_mark_beside_a_printed_name_is_a_grade(tmp_path, policy):
    def draw(d):
        printed, _ = _font(PRINTED, 36)
        d.text((60, 60), "History essay", fill=(25, 25, 30), font=printed)
        d.text((60, 130), "Name: Camille Dubois", fill=(25, 25, 30), font=printed)
        d.text((60, 200), "Describe the causes of the war.", fill=(25, 25, 30), font=printed)
        return [_handwrite(d, (720, 110), "12/20", (30, 140, 55), 90)]

    path, (mark,) = _page(tmp_path, draw)
    findings = _stage(path, policy)
    assert any(f.kind == "name" for f in findings), "the printed Name: line should be found as a name"
    inked = [f for f in findings if f.kind == "grade" and f.detector == "ink"]
    # covered as a pen mark, or read as a score (PP-OCR reads this one "12 /2 0")
    assert any(_covers(f.box, mark) for f in findings if f.kind == "grade"), [(f.box, f.detector, f.why) for f in findings]
    assert all("pen mark" in f.why for f in inked)


def test_red_underlines_without_a_label_give_nothing(tmp_path, policy):
    def draw(d):
        printed, _ = _font(PRINTED, 36)
        for k, line in enumerate(["Homework for Monday", "Bring your calculator", "Read chapter 3"]):
            y = 80 + 110 * k
            d.text((80, y), line, fill=(25, 25, 30), font=printed)
            d.line([(80, y + 48), (560, y + 52)], fill=(210, 30, 30), width=4)  # a red pen underline
        d.line([(700, 120), (730, 160), (800, 60)], fill=(210, 30, 30), width=5)  # a tick
        return []

    path, _ = _page(tmp_path, draw)
    findings = _stage(path, policy)
    assert not [f for f in findings if f.kind in ("grade", "student_id", "name")], \
        [(f.kind, f.box, f.detector, f.why) for f in findings]


def test_ink_alone_is_no_finding(tmp_path, policy):
    """Coloured handwriting with no OCR line or match near it: no finding, and no pixel work."""
    def draw(d):
        return [_handwrite(d, (100, 200), "B+", (205, 30, 35), 140)]

    path, _ = _page(tmp_path, draw)
    image = load_image(path, policy.general.max_pixels)
    assert ink.find_ink_grades(image, [], []) == []
    # the mark itself is found as ink all the same
    assert ink.mark_regions(ink.ink_pieces(image.preview(ink.LONG_SIDE)))


def test_colourful_real_photo_gives_no_ink_finding(testdata, policy):
    # a classroom photo with a world map and a striped shirt, and a protest with red printed posters
    names = ["29_Students_Schoolkids_Students_Schoolkids_29_380.jpg", "56_Voter_peoplevoting_56_714.jpg"]
    paths = [p for name in names for p in testdata.rglob(name)]
    if not paths:
        pytest.skip(f"the colourful photos {names} are not under {testdata}")
    for path in paths:
        findings = _stage(path, policy)
        assert not [f for f in findings if f.detector == "ink"], (path.name, [(f.box, f.why) for f in findings])


@pytest.mark.parametrize("line, label", [
    ("Grade: A+", True), ("Note : 9/20", True), ("Final ame 85", True), ("Score:", True),
    ("Grade 5", False), ("5th grade", False), ("Total 24,90 €", False), ("Grade 11 Chemistry", False),
    ("Final exam Friday", False), ("Note: bring a pencil", False), ("Final exam: Room 12, 9:00", False),
    ("Moyenne", False), ("Note : ame", True), ("Résultat: 14,5", True),
    ("Average: 16,05", True), ("Points: Set points,", False),  # a whiteboard's game points
])
def test_grade_labels(line, label):
    words = [fold(w) for w in line.split()]
    assert any(ink._label_at(words, i) for i in range(len(words))) is label


@pytest.mark.slow
def test_a_mark_written_right_after_its_label_in_the_same_pen_is_a_grade(tmp_path, policy):
    """'Grade: C' all in green: the ink of the label and the letter is one region; the label is left
    out and the letter after it is the grade."""
    def draw(d):
        printed, _ = _font(PRINTED, 34)
        d.text((60, 50), "Quiz 4", fill=(25, 25, 30), font=printed)
        d.text((60, 110), "2. Name three rivers", fill=(25, 25, 30), font=printed)
        label = _handwrite(d, (400, 300), "Grade:", (30, 140, 55), 80)
        return [_handwrite(d, (label.x + label.w + 30, 300), "C", (30, 140, 55), 80)]

    path, (mark,) = _page(tmp_path, draw)
    grades = [f for f in _stage(path, policy) if f.kind == "grade"]
    assert any(_covers(f.box, mark) for f in grades), [(f.box, f.detector, f.why) for f in grades]
    # as when the engines read the label and not the letter: the label's word alone on its line
    from pipeline.text.ocr import OcrLine, Word

    label_box = Box(400, 300, mark.x - 400 - 10, mark.h + 10)
    lines = [OcrLine((Word("Grade:", label_box, 98.0),), label_box)]
    found = ink.find_ink_grades(load_image(path, policy.general.max_pixels), lines, [])
    assert any(_covers(f.box, mark) for f in found), [(f.box, f.why) for f in found]
    # one engine read the label and a mark after it ("Grade: 91 7"), the other the whole as words
    # ("Coal gyre"): the label's words are no reading of the mark, so the mark is no comment
    whole = Box(400, 300, mark.x + mark.w - 400, mark.h + 10)
    label_word = Box(400, 300, mark.x - 400 - 10, mark.h + 10)
    lines = [OcrLine((Word("Grade:", label_word, 90.0), Word("91", mark, 60.0), Word("7", mark, 50.0)), whole),
             OcrLine((Word("Coal", label_word, 40.0), Word("gyre", mark, 20.0)),
                     Box(whole.x + 1, whole.y, whole.w - 1, whole.h))]  # each engine's box a little apart
    found = ink.find_ink_grades(load_image(path, policy.general.max_pixels), lines, [])
    assert any(_covers(f.box, mark) for f in found), [(f.box, f.why) for f in found]


def test_a_long_pen_line_across_a_small_photo_is_still_a_mark(tmp_path, policy):
    """A red line written across most of a small photo's width (a sheet photographed close up)."""
    def draw(d):
        printed, _ = _font(PRINTED, 20)
        d.text((40, 30), "Name: Camille Dubois", fill=(25, 25, 30), font=printed)
        d.text((40, 70), "1) Conjugue le verbe", fill=(25, 25, 30), font=printed)
        return [_handwrite(d, (30, 160), "Find gade: 74%", (205, 30, 35), 70)]

    path, (mark,) = _page(tmp_path, draw, size=(620, 300))
    assert mark.w > 0.6 * 620
    image = load_image(path, policy.general.max_pixels)
    from pipeline.text.recognizers import find_names
    from pipeline.text.ocr import read_lines

    t = policy.text
    lines = read_lines(image, t.detect_long_side, t.min_text_height, t.max_lines, t.languages, t.ocr_timeout, "both")
    names = [m for m in find_names(lines, None, t.name_min_similarity) if m.kind == "name"]
    assert names, [line.text for line in lines]
    found = ink.find_ink_grades(image, lines, names)
    assert any(_covers(f.box, mark) for f in found), [(f.box, f.why) for f in found]


@pytest.mark.slow
def test_a_sheet_printed_in_coloured_ink_with_an_empty_grade_label_gives_nothing(tmp_path, policy):
    """Print in dark green that both engines read cleanly, beside an empty "Score: ____": print, not
    pen marks."""
    def draw(d):
        printed, _ = _font(PRINTED, 40)
        green = (15, 60, 30)
        for k, line in enumerate(["Progress report", "Score: ____", "Subject   Room", "Physics   Lab 2",
                                  "Geography   Lab 4"]):
            d.text((80, 60 + 90 * k), line, fill=green, font=printed)
        return []

    path, _ = _page(tmp_path, draw)
    findings = _stage(path, policy)
    assert not [f for f in findings if f.kind in ("grade", "student_id", "name")], \
        [(f.kind, f.box, f.detector, f.why) for f in findings]


def test_a_bold_marker_letter_is_a_piece_of_ink_and_a_filled_dot_is_not():
    import numpy as np

    image = Image.new("RGB", (200, 120), (248, 247, 242))
    d = ImageDraw.Draw(image)
    d.arc([20, 30, 50, 72], 40, 320, fill=(30, 140, 55), width=10)  # a "C" in a thick green marker
    d.ellipse([120, 40, 150, 70], fill=(30, 140, 55))  # a filled dot (a sticker, a coloured patch)
    pieces = ink.ink_pieces(np.asarray(image))
    assert [p[0] < 100 for p in pieces] == [True], pieces


def _page_on(tmp_path, draw_fn, ground, size=(1400, 900), sheet=None):
    """``_page`` on a ground of another colour, the sheet (x0, y0, x1, y1, colour) drawn on it first."""
    image = Image.new("RGB", size, ground)
    draw = ImageDraw.Draw(image)
    if sheet:
        draw.rectangle(sheet[:4], fill=sheet[4])
    marks = draw_fn(draw)
    path = tmp_path / "page.png"
    image.save(path)
    return path, marks


def test_a_pen_mark_on_yellow_paper_is_a_grade(tmp_path, policy):
    """A sticky note or a yellow pad: the paper is saturated, of a hue no ink has; a red mark after
    a "Score:" label there (as when no engine reads the mark) is a grade."""
    from pipeline.text.ocr import OcrLine, Word

    def draw(d):
        printed, _ = _font(PRINTED, 36)
        d.text((60, 60), "Quiz 4", fill=(25, 25, 30), font=printed)
        label = d.textbbox((60, 140), "Score:", font=printed)
        d.text((60, 140), "Score:", fill=(25, 25, 30), font=printed)
        return [Box(*_xywh(label)), _handwrite(d, (300, 110), "14/20", (205, 30, 35), 90)]

    path, (label, mark) = _page_on(tmp_path, draw, (255, 240, 130))
    lines = [OcrLine((Word("Score:", label, 97.0),), label)]
    found = ink.find_ink_grades(load_image(path, policy.general.max_pixels), lines, [])
    assert any(_covers(f.box, mark) for f in found), [(f.box, f.why) for f in found]
    masks: dict = {}
    ink.ink_pieces(np.asarray(Image.open(path).convert("RGB")), masks)
    assert masks["paper"].mean() > 0.9  # the yellow ground is paper, the red strokes are not


@pytest.mark.slow
def test_a_mark_circled_in_the_corner_of_a_sheet_is_a_grade(tmp_path, policy):
    """A grade circled in the sheet's top corner, its circle close to the sheet's edge (the photo's
    dark background within a third of its height of it)."""
    def draw(d):
        printed, _ = _font(PRINTED, 34)
        d.text((140, 120), "Maths test", fill=(25, 25, 30), font=printed)
        d.text((140, 180), "Nom : Camille Dubois", fill=(25, 25, 30), font=printed)
        d.text((140, 240), "Show your working", fill=(25, 25, 30), font=printed)
        mark = _handwrite(d, (1010, 150), "C", (30, 60, 170), 80)
        d.ellipse([980, 120, 1085, 260], outline=(30, 60, 170), width=5)
        return [mark]

    path, (mark,) = _page_on(tmp_path, draw, (60, 45, 40), sheet=(100, 90, 1100, 800, (245, 245, 240)))
    inked = [f for f in _stage(path, policy) if f.kind == "grade"]
    assert any(_covers(f.box, mark) for f in inked), [(f.box, f.why) for f in inked]


def test_a_comment_in_pen_beside_a_label_is_no_grade(tmp_path, policy):
    """A red "Good effort" beside an empty "Score:" that an engine read as words: a comment; the same
    mark read as a score is a grade."""
    from pipeline.text.ocr import OcrLine, Word

    def draw(d):
        printed, _ = _font(PRINTED, 36)
        label = d.textbbox((60, 140), "Score:", font=printed)
        d.text((60, 140), "Score:", fill=(25, 25, 30), font=printed)
        return [Box(*_xywh(label)), _handwrite(d, (300, 110), "Good effort", (205, 30, 35), 90)]

    path, (label, mark) = _page(tmp_path, draw)
    image = load_image(path, policy.general.max_pixels)
    labelled = OcrLine((Word("Score:", label, 97.0),), label)
    as_words = OcrLine((Word("Gocd", mark, 60.0), Word("efort", mark, 55.0)), mark)
    assert ink.find_ink_grades(image, [labelled, as_words], []) == []
    as_score = OcrLine((Word("6o/ef", mark, 40.0),), mark)
    assert any(_covers(f.box, mark) for f in ink.find_ink_grades(image, [labelled, as_score], []))
    assert any(_covers(f.box, mark) for f in ink.find_ink_grades(image, [labelled], []))  # not read at all


def test_a_small_bold_letter_with_a_minus_is_ink():
    """A bold "A-" about 17 px tall on a small photo: the strokes of the "A" meet in a blob wider than
    a third of its height, and the minus is a filled bar; both are pen strokes."""
    import numpy as np

    image = Image.new("RGB", (120, 60), (236, 236, 232))
    d = ImageDraw.Draw(image)
    d.line([(20, 45), (28, 22), (36, 45)], fill=(40, 60, 170), width=5)  # a bold "A", 23 px tall
    d.line([(24, 38), (32, 38)], fill=(40, 60, 170), width=3)
    d.rectangle([42, 33, 50, 36], fill=(40, 60, 170))  # the minus: a filled bar
    pieces = ink.ink_pieces(np.asarray(image))
    assert len(pieces) == 2, pieces


def test_a_table_header_row_is_no_label():
    """ "Letter Score" heading a gradebook's columns ends with a grade word, but waits for no mark."""
    from pipeline.text.ocr import OcrLine, Word

    header = OcrLine((Word("Letter", Box(10, 10, 70, 24), 95.0), Word("Score", Box(100, 10, 60, 24), 95.0)),
                     Box(10, 10, 150, 24))
    label = OcrLine((Word("Your", Box(10, 60, 50, 24), 95.0), Word("Score", Box(70, 60, 60, 24), 95.0)),
                    Box(10, 60, 120, 24))
    assert ink.label_boxes([header]) == []
    assert ink.label_boxes([label]) == [label.box]  # "Score" last on a line that is no header row


@pytest.mark.slow
@pytest.mark.parametrize("with_name", [True, False])
def test_a_lone_small_pen_letter_on_a_students_worksheet_is_a_grade(tmp_path, policy, with_name):
    """A small photo of a worksheet: a red "C" about a line tall, far below the student's name, is a
    grade (issue 39); the same letter on a sheet with no student's name is no finding."""
    def draw(d):
        printed, _ = _font(PRINTED, 15)
        d.text((30, 30), "Evaluation d'histoire", fill=(25, 25, 30), font=printed)
        d.text((30, 60), "Élève : Jean-Luc Ndiaye" if with_name else "Exercices du jour", fill=(25, 25, 30),
               font=printed)
        d.text((30, 90), "4. Convertis 3/4 en nombre décimal", fill=(25, 25, 30), font=printed)
        d.text((30, 120), "5. Calcule 25 % de 80", fill=(25, 25, 30), font=printed)
        return [_handwrite(d, (300, 190), "C", (200, 30, 35), 20)]

    path, (mark,) = _page(tmp_path, draw, size=(500, 300))
    findings = _stage(path, policy)
    grades = [f for f in findings if f.kind == "grade"]
    assert any(_covers(f.box, mark) for f in grades) == with_name, (mark, [(f.kind, f.box, f.why) for f in findings])
