"""Text stage: recognizers on tables of real-world strings, and the stage on photos."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from conftest import SAMPLES
from pipeline.text import stage as text
from pipeline.findings import Box
from pipeline.media.loader import load_image
from pipeline.text.ocr import OcrLine, Word
from pipeline.text.recognizers import Roster, find_beside_student, find_grades, find_names, find_student_ids


def lines_of(*texts: str) -> list[OcrLine]:
    out = []
    for row, t in enumerate(texts):
        words = tuple(Word(w, Box(10 + 60 * i, 10 + 40 * row, 50, 30), 90.0) for i, w in enumerate(t.split()))
        out.append(OcrLine(words, Box(10, 10 + 40 * row, 60 * max(1, len(words)), 30)))
    return out


@pytest.mark.parametrize("texts, expected_hint", [
    (("Student ID: 20481937",), "ID ••••••37"),
    (("ID# 5512093",), "ID •••••93"),
    (("Student No. 889012",), "ID ••••12"),
    (("Numéro d'élève : 686539,",), "ID ••••39"),  # trailing punctuation
    (("IO: 32419",), "ID •••19"),  # OCR read the ID label as IO
    (("Matricule : 20231145",), "ID ••••••45"),
    (("Numéro d'élève : 7754321",), "ID •••••21"),
    (("Student #", "4451290"), "ID •••••90"),  # label on the line above
    (("88120455",), "ID ••••••55"),  # bare number alone (badge)
    (("1D# 586760",), "ID ••••60"),  # OCR read the ID# label as 1D#
    (("Numéro d'Elive : 33755",), "ID •••55"),  # and élève as Elive
    (("10: 860734916",), "ID •••••••16"),  # the ID: label read as 10:
    (("IDF 12132",), "ID •••32"),  # the ID# label read as IDF
    (("D 73062325",), "ID ••••••25"),  # the ID# label read as its D alone
])
def test_student_ids_found(texts, expected_hint) -> None:
    found = find_student_ids(lines_of(*texts), [False] * len(texts))
    assert [m.hint for m in found] == [expected_hint]


@pytest.mark.parametrize("texts", [
    ("Tel: 0612345678",), ("Phone 5550134",), ("Date: 20251014",), ("Room 214",), ("Page 42 of 120",),
    ("Year 2024",), ("Price: $12.50",), ("Total 24,90 €",), ("Class starts at 8:30",), ("Order 5512093 shipped today",),
    ("ISBN 9781234567",), ("Bus 47 leaves at 15:45",), ("Salle D 12345",), ("d 12345",), ("Page 10: 45678 words",), ("[x 523272",), ("Lincoln High School", "Room 21 of 34567 x"),
])
def test_student_id_look_alikes_are_not_ids(texts) -> None:
    assert find_student_ids(lines_of(*texts), [False] * len(texts)) == []


def test_five_digit_number_alone_on_a_school_badge_is_an_id() -> None:
    assert [m.hint for m in find_student_ids(lines_of("Lincoln High School", "Sofia Petit", "32661"), [False] * 3)] \
        == ["ID •••61"]
    assert find_student_ids(lines_of("Lincoln Street Bakery", "32661"), [False] * 2) == []


@pytest.mark.parametrize("page", [("Quiz 7", "Nom :"), ("Name:", "Answer all questions"), ("Contrôle n°3",)])
def test_five_digit_number_alone_on_a_students_paper_is_an_id(page) -> None:
    """A student's paper (a test's title, a "Name:" label) is a school's page: a number written alone on it
    is the student's, even when its own label was not read."""
    lines = lines_of(*page, "25784")
    assert [m.hint for m in find_student_ids(lines, [False] * len(lines))] == ["ID •••84"]
    assert find_student_ids(lines_of("Answer all questions", "25784"), [False] * 2) == []


def test_a_bare_number_on_a_till_receipt_is_no_id() -> None:
    """A receipt's approval or order number, its label misread ("Aperaval"), beside amounts alone on their
    lines and a till's word: no student's number. The same number on a badge is one."""
    receipt = lines_of("Cashier: Eric H", "11.97", "10.47", "43.94", "Tax", "Aperaval 052723")
    assert find_student_ids(receipt, [False] * len(receipt)) == []
    badge = lines_of("Badge 052723")
    assert len(find_student_ids(badge, [False])) == 1


def test_bare_number_next_to_barcode_is_an_id() -> None:
    found = find_student_ids(lines_of("Lincoln High", "Alex Martin 4451290"), [False, True])
    assert len(found) == 1 and found[0].score >= 0.7


@pytest.mark.parametrize("texts, count", [
    (("Grade: B+",), 1), (("Mark: A-",), 1), (("Note : 14/20",), 1), (("17/20",), 1), (("Score: 87%",), 1),
    (("Résultat : 15,5/20",), 1), (("Total: 8/10",), 1), (("A+",), 1), (("Test 1", "92/100"), 1),
    (("Gradebook", "Sarah Robert A+"), 1), (("Note : 125/20",), 1), (("Grade: À",), 1), (("Grade: €",), 1),
    (("Total: 4/19",), 1), (("Résultat : 17/24",), 1), (("Gradebook", "Noah Petit 52/1068"), 1),
    (("Gradebook", "Owen Michel C+"), 1), (("Gradebook", "Emma Roux 60/168"), 1), (("Gradebook", "Ethan Robert Bt"), 1),
])
def test_grades_found(texts, count: int) -> None:
    assert len(find_grades(lines_of(*texts))) == count


@pytest.mark.parametrize("texts", [
    ("Grade 5",), ("Grade: 5",), ("5th grade",), ("Grade 11 Chemistry",), ("Date: 10/14/2025",), ("14/10/2025",),
    ("Due 03/11",), ("50% off",), ("Fractions: 3/4 + 1/8 = ?",), ("Class starts at 8:30",), ("Homework p. 42",),
    ("Points: 3", "if (ne LO] ==' D"),  # OCR debris ending in a letter on a page with a grade word
    ("Total: 12/25/2025",),
])
def test_grade_look_alikes_are_not_grades(texts) -> None:
    assert find_grades(lines_of(*texts)) == []


def test_short_mark_beside_a_student_name_or_id_is_a_grade() -> None:
    # a lone "B-" misread as "~" two lines under the student's name: a grade; a lone mark far from
    # any name or ID, or on a page with no student on it, is not
    lines = lines_of("Maths test", "Nom : Lea Okafor", "ID# 8379138", "~")
    anchors = find_names(lines, None, 85) + find_student_ids(lines, [False] * 4)
    found = find_beside_student(lines, anchors)
    assert [(m.kind, m.words[0].text) for m in found] == [("grade", "~")]
    far = lines_of("Nom : Lea Okafor", *["Some longer line"] * 6, "B")
    assert find_beside_student(far, find_names(far, None, 85)) == []
    plain = lines_of("Room 12", "B")
    assert find_beside_student(plain, find_student_ids(plain, [False] * 2)) == []


def test_number_beside_a_student_name_is_an_id_even_with_a_garbled_label() -> None:
    lines = lines_of("Science report", "Nom : Maya Roux", "Num&ro diilive : 958488177")
    found = find_beside_student(lines, find_names(lines, None, 85))
    assert [(m.kind, m.hint) for m in found] == [("student_id", "ID •••••••77")]
    for innocuous in ("Tel : 0612345678", "Date : 20251014", "Salle 21345", "Page 12"):
        lines = lines_of("Nom : Maya Roux", innocuous)
        assert find_beside_student(lines, find_names(lines, None, 85)) == [], innocuous
    far = lines_of("Nom : Maya Roux", *["Some longer line"] * 6, "Ref 958488177")
    assert find_beside_student(far, find_names(far, None, 85)) == []


def test_names_from_roster_and_label(tmp_path: Path) -> None:
    roster_file = tmp_path / "roster.csv"
    roster_file.write_text("first,last\nAlex,Martin\nInès,Dubois\n")
    roster = Roster.from_csv(roster_file)
    assert roster.names == (("alex", "martin"), ("ines", "dubois"))
    found = find_names(lines_of("Team: Ines Dubois and friends"), roster, 85)
    assert len(found) == 1 and found[0].hint == "name I••• D•••"
    found = find_names(lines_of("Alex Martn won the race"), roster, 85)  # one OCR slip
    assert len(found) == 1
    assert find_names(lines_of("Alexandra Marchand"), roster, 85) == []
    found = find_names(lines_of("Name: Jordan Lee"), None, 85)  # no roster: label
    assert len(found) == 1 and found[0].hint == "name J••• L•••"
    assert find_names(lines_of("Jordan Lee"), None, 85) == []


def test_a_name_written_right_of_a_label_found_as_a_line_of_its_own() -> None:
    """A printed "Nom :" with the student's name handwritten after it: the detector finds the two as
    separate lines, and the name is read badly ("Comille Gincin", no roster match). The words of the
    line right of the label, in its row, are a name; the form's next field is not."""
    from pipeline.text.ocr import OcrLine, Word

    def line(x: int, y: int, text: str, h: int = 30) -> OcrLine:
        words = tuple(Word(w, Box(x + 110 * i, y, 100, h), 80.0) for i, w in enumerate(text.split()))
        return OcrLine(words, Box.enclosing([w.box for w in words]))

    found = find_names([line(10, 100, "Nom:", 20), line(120, 95, "Comille Gincin", 40), line(10, 160, "Reading test")],
                       None, 85)
    assert [(m.hint, [w.text for w in m.words]) for m in found] == [("name C••• G•••", ["Comille", "Gincin"])]
    for beside in ("Date : 12", "Classe: 5B", "20481937", "le 3 mai"):
        assert find_names([line(10, 100, "Name:", 20), line(120, 95, beside, 40)], None, 85) == [], beside
    assert find_names([line(10, 100, "Nom:", 20), line(900, 95, "Comille Gincin", 40)], None, 85) == []  # too far
    assert find_names([line(10, 100, "Nom:", 20), line(120, 300, "Comille Gincin", 40)], None, 85) == []  # another row


def _paper_on_photo(background: Image.Image, lines: list[str], size: int = 28) -> Image.Image:
    photo = background.convert("RGB").copy()
    paper = Image.new("RGB", (15 * size, int(len(lines) * size * 1.7) + 30), (250, 250, 246))
    draw = ImageDraw.Draw(paper)
    for i, line in enumerate(lines):
        draw.text((20, 15 + i * size * 1.7), line, fill=(20, 20, 20), font=ImageFont.load_default(size=size))
    paper = paper.rotate(3, expand=True, fillcolor=(120, 100, 80))
    photo.paste(paper, (photo.width // 8, photo.height // 3))
    return photo


def test_stage_on_a_paper_in_a_real_photo(testdata: Path, tmp_path: Path, policy) -> None:
    background = Image.open(testdata / "faces_annotated" / "29_Students_Schoolkids_Students_Schoolkids_29_10.jpg")
    path = tmp_path / "paper.jpg"
    _paper_on_photo(background, ["Science quiz", "Student ID: 3380412", "Score: 18/20"], 22).save(path, quality=85)
    found = text.stage(load_image(path, 100_000_000), policy)
    kinds = sorted(f.kind for f in found)
    assert kinds == ["grade", "student_id"], kinds
    for f in found:
        assert f.box is not None and f.hint and "3380412" not in f.hint and "18" not in f.hint


def test_stage_finds_nothing_in_innocuous_text(testdata: Path, tmp_path: Path, policy) -> None:
    background = Image.open(testdata / "faces_annotated" / "29_Students_Schoolkids_Students_Schoolkids_29_10.jpg")
    path = tmp_path / "notice.jpg"
    _paper_on_photo(background, ["Grade 5 trip: Room 214", "Date: 10/14/2025 at 8:30", "Tel: 555-0134"], 22).save(path)
    assert text.stage(load_image(path, 100_000_000), policy) == []


def test_barcode_on_a_badge(tmp_path: Path, policy) -> None:
    import zxingcpp

    code = np.asarray(zxingcpp.write_barcode_to_image(zxingcpp.create_barcode("4451290", zxingcpp.BarcodeFormat.Code128)))
    badge = Image.open(SAMPLES / "landscape_coffee.jpg").convert("RGB")
    badge.paste(Image.fromarray(code).convert("RGB").resize((300, 80), Image.NEAREST), (150, 250))
    path = tmp_path / "badge.png"
    badge.save(path)
    found = [f for f in text.stage(load_image(path, 100_000_000), policy) if f.kind == "barcode"]
    assert len(found) == 1 and found[0].hint == "Code 128" and found[0].box.iou(Box(150, 250, 300, 80)) > 0.5


@pytest.mark.slow
def test_pytesseract_backend_reads_the_same(policy) -> None:
    image = load_image(SAMPLES / "classroom_composite.jpg", 100_000_000)
    fast = sorted(f.kind for f in text.stage(image, policy) if f.kind != "barcode")
    via_command = replace(policy, text=replace(policy.text, ocr_backend="pytesseract"))
    assert sorted(f.kind for f in text.stage(image, via_command) if f.kind != "barcode") == fast == [
        "grade", "name", "student_id"]


def _gradebook_photo(background: Image.Image, rows: list[tuple[str, str]], size: int = 26) -> Image.Image:
    """A gradebook printed as a table: names in one column, grades in another (short, separate crops)."""
    photo = background.convert("RGB").copy()
    paper = Image.new("RGB", (16 * size, int((len(rows) + 1) * size * 1.9) + 30), (236, 236, 240))
    draw = ImageDraw.Draw(paper)
    font = ImageFont.load_default(size=size)
    draw.text((20, 15), "Gradebook - Period 3", fill=(20, 20, 20), font=font)
    for i, (name, grade) in enumerate(rows, start=1):
        draw.text((20, 15 + i * size * 1.9), name, fill=(20, 20, 20), font=font)
        draw.text((20 + 10 * size, 15 + i * size * 1.9), grade, fill=(20, 20, 20), font=font)
    photo.paste(paper, (photo.width // 10, photo.height // 4))
    return photo


def test_lone_letter_grades_in_a_gradebook_are_found(testdata: Path, tmp_path: Path, policy) -> None:
    """Crops as short as "B+" are turned the right way up with their neighbours, not on their own
    (the direction classifier calls many of them upside down)."""
    background = Image.open(testdata / "faces_annotated" / "29_Students_Schoolkids_Students_Schoolkids_29_10.jpg")
    path = tmp_path / "gradebook.jpg"
    _gradebook_photo(background, [("Ethan Okafor", "B+"), ("Owen Michel", "C+"), ("Sarah Bernard", "A-")]).save(path)
    grades = [f for f in text.stage(load_image(path, 100_000_000), policy) if f.kind == "grade"]
    assert len(grades) == 3, [f.why for f in grades]


def test_rapidocr_engine_reads_the_sample(policy) -> None:
    image = load_image(SAMPLES / "classroom_composite.jpg", 100_000_000)
    pp_ocr = replace(policy, text=replace(policy.text, ocr_backend="rapidocr"))
    assert {"grade", "student_id"} <= {f.kind for f in text.stage(image, pp_ocr)}


def test_recogniser_words_split_after_labels_and_wide_gaps() -> None:
    from pipeline.text.ocr import _reading_words
    from pipeline.text.detect import Reading

    chars = tuple("ID:885367") + tuple("Ann")
    centres = tuple(10.0 * i for i in range(9)) + (130.0, 140.0, 150.0)  # a wide gap before "Ann"
    words = _reading_words(Reading(chars, centres, (0.9,) * len(chars)), 200)
    assert [w[0] for w in words] == ["ID:", "885367", "Ann"]
    assert all(0 <= left < right <= 200 for _, left, right, _ in words)


def test_short_lines_take_their_way_up_from_their_neighbours() -> None:
    from pipeline.text.detect import TextLine, upside_down_by_neighbours

    def line(cx: float, length: float) -> TextLine:
        return TextLine(cx, 100.0, length, 30.0, 0.0, np.zeros((4, 2), np.float32), 0.9)

    name, grade, far = line(100, 300), line(320, 60), line(3000, 60)
    # the classifier calls the short grade crops upside down, the name upright
    flips = upside_down_by_neighbours([name, grade, far], np.array([0.02, 0.9, 0.9]))
    assert flips.tolist() == [False, False, True]  # the far one has no neighbour to overrule it


def _engine_lines(engine: str, texts: list[str], short: bool = False) -> list[OcrLine]:
    return [replace(line, engine=engine, short=short) for line in lines_of(*texts)]


def test_both_engines_keep_what_either_reading_supports(policy, monkeypatch) -> None:
    """With ocr_backend "both", a grade only PP-OCR read (Tesseract garbled the handwriting) is kept
    and says so; an ID both read is one finding that names both engines."""
    from pipeline.text.ocr import PP_OCR, TESSERACT

    tesseract = _engine_lines(TESSERACT, ["Student ID: 20481937", "Final ame 85"])
    pp_ocr = _engine_lines(PP_OCR, ["Student ID: 20481937", "Final grade: 85%"])
    monkeypatch.setattr(text, "read_lines", lambda *args, **kwargs: tesseract + pp_ocr)
    both = replace(policy, text=replace(policy.text, ocr_backend="both", barcodes=False))
    image = load_image(SAMPLES / "classroom_composite.jpg", 100_000_000)
    found = [f for f in text.find_text(image, both) if f.detector in ("text:grade", "text:student_id")]
    assert sorted(f.kind for f in found) == ["grade", "student_id"], [f.why for f in found]
    by_kind = {f.kind: f for f in found}
    assert by_kind["student_id"].why.endswith("(read by Tesseract and PP-OCR)")
    assert by_kind["grade"].why.endswith("(read by PP-OCR)")
    assert "85" not in by_kind["grade"].why  # the words themselves never leave the stage


@pytest.mark.slow
def test_both_engines_are_the_default_and_read_the_sample(policy) -> None:
    assert policy.text.ocr_backend == "both"
    found = [f for f in text.stage(load_image(SAMPLES / "classroom_composite.jpg", 100_000_000), policy)
             if f.kind != "barcode"]
    assert {"grade", "student_id"} <= {f.kind for f in found}
    assert all("(read by " in f.why for f in found if f.detector in ("text:grade", "text:student_id")), [f.why for f in found]


@pytest.mark.parametrize("texts, hint", [
    (("Grode: A",), "grade •"),  # a grade label read with a letter wrong
    (("Moyene : 15,2",), "grade ••"),
    (("Points: 61100",), "grade ••/100"),  # 61/100 read without its slash
    (("Score: 1420",), "grade ••/20"),
    (("Spelling test", "1D /25"), "grade ••/25"),  # a handwritten 19/25, a digit read as a letter
    (("Evaluation: 13/2 5",), "grade ••/25"),  # a space read inside the total
    (("VALUATION : 29/50",), "grade ••/50"),  # the É of Évaluation lost
    (("Nom :", "6/25"), "grade ••/25"),  # a score out of 25 on a student's paper
    (("Quiz results", "Sofia Nguyen 49100"), "grade ••/100"),  # 49/100 in chalk, the slash not read
    (("GRADE: 847.",), "grade ••"),  # a handwritten 84% with its % read as 7
])
def test_grades_read_with_a_letter_or_a_slash_wrong(texts, hint) -> None:
    from pipeline.text.recognizers import respell_labels

    assert hint in [m.hint for m in find_grades(respell_labels(lines_of(*texts)))]


@pytest.mark.parametrize("texts", [
    ("Grade 11 Chemistry", "60% of NC"),  # a grade level is no grade label for the rest of the page
    ("5th grade", "SAN AS A"),
    ("Grade: __",), ("Grade: |",),  # a blank to fill in
    ("Gradebook", "Student A"),  # a header word before a letter
    ("Total: 120 €",), ("Points: 12345",),
    ("1D /25",),  # a letter for a digit only counts under a grade label
    ("Grace: 5",), ("Notes: bring 2 pencils",),
    ("Name: ____", "Page 3/4", "Rentrée le 02/09"), ("6/25",),
    ("Quiz results", "Class of 2020"), ("Test on Friday", "Room 1420"), ("Sofia Nguyen 49100",),
    ("Résultats du contrôle", "Open 7/5- 1630"),  # a time read without its colon
])
def test_look_alikes_of_misread_grades_are_not_grades(texts) -> None:
    from pipeline.text.recognizers import respell_labels

    assert find_grades(respell_labels(lines_of(*texts))) == []


def test_a_gradebook_card_photographed_askew_has_its_letter_grades_found(policy, tmp_path) -> None:
    """A gradebook card turned 18 degrees in the photo (columns Student, ID, Score, Grade; lone
    letters in the Grade column), through the whole stage: the letters are covered, the header is not."""
    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font_path.is_file():
        pytest.skip("DejaVuSans not installed")
    font = ImageFont.truetype(str(font_path), 30)
    card = Image.new("RGB", (1000, 420), (250, 250, 248))
    draw = ImageDraw.Draw(card)
    columns = (30, 380, 640, 840)
    for x, word in zip(columns, ("Student", "ID", "Score", "Grade")):
        draw.text((x, 30), word, fill=(20, 20, 25), font=font)
    rows = [("Marc Thiessen", "48213977", "87", "B"), ("Lea Okafor", "48213978", "72", "D"),
            ("Sam Dubois", "48213979", "93", "A"), ("Noah Petit", "48213980", "61", "C")]
    letters = []
    for r, row in enumerate(rows, start=1):
        for x, cell in zip(columns, row):
            draw.text((x, 30 + 80 * r), cell, fill=(20, 20, 25), font=font)
        letters.append(draw.textbbox((columns[3], 30 + 80 * r), row[3], font=font))
    photo = Image.new("RGB", (1600, 1200), (120, 110, 100))
    turned = card.rotate(18, expand=True, fillcolor=(120, 110, 100))
    photo.paste(turned, (200, 150))
    path = tmp_path / "askew.png"
    photo.save(path)

    import math

    a = math.radians(-18)  # PIL turns counter-clockwise: a point's place on the turned card
    cx, cy, ncx, ncy = card.width / 2, card.height / 2, turned.width / 2, turned.height / 2

    def placed(bb) -> Box:
        pts = [((x - cx) * math.cos(a) - (y - cy) * math.sin(a) + ncx + 200,
                (x - cx) * math.sin(a) + (y - cy) * math.cos(a) + ncy + 150)
               for x, y in ((bb[0], bb[1]), (bb[2], bb[1]), (bb[2], bb[3]), (bb[0], bb[3]))]
        return Box(int(min(p[0] for p in pts)), int(min(p[1] for p in pts)),
                   int(max(p[0] for p in pts) - min(p[0] for p in pts)), int(max(p[1] for p in pts) - min(p[1] for p in pts)))

    found = text.stage(load_image(path, policy.general.max_pixels), policy)
    grades = [f.box for f in found if f.kind == "grade"]
    missed = [bb for bb in letters if not any(g.overlap(placed(bb)) >= 0.3 * placed(bb).w * placed(bb).h for g in grades)]
    assert not missed, ([(f.kind, f.box, f.why) for f in found], [placed(bb) for bb in letters])
    assert sum(f.kind == "student_id" for f in found) == 4, [(f.kind, f.why) for f in found]


def _paper_with_a_mark(mark_on_paper: bool, dark: bool = False) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A sheet reading 'Name: Alex Martin' with a pen mark 'C-' below the line, on a cluttered desk;
    with ``mark_on_paper`` False the mark is written on the desk, past the sheet's edge; ``dark``: a
    screen or a board, light letters on a dark ground."""
    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font_path.is_file():
        pytest.skip("DejaVuSans not installed")
    font = ImageFont.truetype(str(font_path), 34)
    rng = np.random.default_rng(5)
    desk = rng.integers(40, 200, (900, 1200, 3), dtype=np.uint8)  # a busy, uneven background
    photo = Image.fromarray(desk)
    draw = ImageDraw.Draw(photo)
    sheet_bottom = 340 if mark_on_paper else 250
    ground, letters = ((40, 44, 48), (225, 230, 220)) if dark else ((246, 245, 240), (25, 25, 30))
    draw.rectangle((150, 150, 950, sheet_bottom), fill=ground)
    draw.text((200, 180), "Name: Alex Martin", fill=letters, font=font)
    if not mark_on_paper:
        draw.rectangle((180, 255, 320, 335), fill=(180, 180, 180))  # a light box on the desk
    mark = draw.textbbox((220, 270), "C-", font=font)
    draw.text((220, 270), "C-", fill=letters if mark_on_paper else (25, 25, 30), font=font)
    return np.asarray(photo), mark


@pytest.mark.parametrize("dark", [False, True])
def test_a_lone_mark_the_detector_passed_over_is_found_beside_its_line(dark: bool) -> None:
    """'C-' under a 'Name:' line, with the detector's own box for it taken away (the detector misses such
    lone marks at some scales): the mark is found again as a line of its own, covering the ink; on paper,
    and in light letters on a dark screen."""
    from pipeline.text.detect import detect_lines, marks_beside_lines

    rgb, (x0, y0, x1, y1) = _paper_with_a_mark(mark_on_paper=True, dark=dark)
    lines = detect_lines(rgb)
    assert any(line.length > 200 for line in lines), "the 'Name:' line is detected"

    def covers(line) -> bool:
        xs, ys = line.corners[:, 0], line.corners[:, 1]
        return xs.min() <= x0 + 3 and xs.max() >= x1 - 3 and ys.min() <= y0 + 3 and ys.max() >= y1 - 3

    without_mark = [line for line in lines if not (y0 - 10 <= line.cy <= y1 + 10)]
    found = marks_beside_lines(rgb, without_mark)
    assert [line for line in found if covers(line)], [(line.cx, line.cy, line.length) for line in found]
    assert len(found) <= 2, "letters of the detected line are not marks again"


def test_a_mark_off_the_sheet_is_not_taken_for_one_on_it() -> None:
    """The same mark written past the sheet's edge (a box on the desk below the card): the paper between
    the line and the mark is not the sheet, so no mark is found there."""
    from pipeline.text.detect import detect_lines, marks_beside_lines

    rgb, (x0, y0, x1, y1) = _paper_with_a_mark(mark_on_paper=False)
    lines = [line for line in detect_lines(rgb) if not (y0 - 10 <= line.cy <= y1 + 10)]
    found = marks_beside_lines(rgb, lines)
    assert not [line for line in found if y0 - 10 <= line.cy <= y1 + 10], [(line.cx, line.cy) for line in found]


def test_a_strip_tesseract_reads_as_an_empty_page_is_read_again_in_halves(monkeypatch) -> None:
    """Tesseract's layout analysis now and then takes a whole strip of line crops for a picture (one
    smudge's blob among them) and reads no word at all: the strip is read again in two halves."""
    import pipeline.text.ocr as ocr

    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font_path.is_file():
        pytest.skip("DejaVuSans not installed")
    font = ImageFont.truetype(str(font_path), 28)
    crops = []
    for line in ["Answer all questions", "Show your working", "Student ID: 48213977", "Part B: essay"]:
        crop = Image.new("RGB", (20 + int(font.getlength(line)), 40), "white")
        ImageDraw.Draw(crop).text((10, 4), line, fill="black", font=font)
        crops.append(np.asarray(crop))
    real = ocr.tesseract_words

    def empty_page_for_long_strips(strip, *args):
        if strip.shape[0] > 3 * (ocr.LINE_HEIGHT + ocr.GAP):  # the whole strip: "Empty page!!"
            return {key: [] for key in ("text", "conf", "left", "top", "width", "height")}
        return real(strip, *args)

    monkeypatch.setattr(ocr, "tesseract_words", empty_page_for_long_strips)
    words = ocr._tesseract_strip_words(crops, [False] * 4, "eng", 10.0, "tesserocr")
    assert [" ".join(w[0] for w in line) for line in words][2] == "Student ID: 48213977"
    assert all(words)


def _dark_gradebook(rows: list[tuple[str, str, str, str]], size: int = 13) -> tuple[Image.Image, list[tuple]]:
    """A small gradebook screen (grey 13 px text on dark blue, a little blurred) in a 1024 px photo,
    and where its letter grades are."""
    from PIL import ImageFilter

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", size)
    photo = Image.new("RGB", (1024, 700), (160, 150, 135))
    ImageDraw.Draw(photo).rectangle((0, 450, 1024, 700), fill=(90, 70, 60))  # a desk
    draw = ImageDraw.Draw(photo)
    draw.rectangle((500, 60, 920, 120 + 24 * len(rows)), fill=(22, 38, 72))
    columns, ink = (530, 680, 780, 860), (150, 160, 172)
    draw.text((530, 72), "Term results", fill=ink, font=font)
    letters = []
    for r, row in enumerate(rows):
        y = 100 + 24 * r
        for x, cell in zip(columns, row):
            draw.text((x, y), cell, fill=ink, font=font)
        letters.append(draw.textbbox((columns[3], y), row[3], font=font))
    return photo.filter(ImageFilter.GaussianBlur(0.6)), letters


def test_small_text_around_a_students_name_is_looked_at_again_enlarged(policy, tmp_path) -> None:
    """A gradebook screen in 13 px grey on dark blue: the detector passes over its lone letter grades
    at the photo's scale; once a student's name is read there, the region around it is looked at
    again, enlarged and its contrast raised, and the letters in the rows are covered."""
    if not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file():
        pytest.skip("DejaVuSans not installed")
    rows = [("Manon Leroy", "70975", "14/25", "E"), ("Zoe Nguyen", "82584", "79%", "A"),
            ("Jules Andre", "69093100", "B+", "C"), ("Adam Okafor", "55120", "12/20", "B")]
    photo, letters = _dark_gradebook(rows)
    (tmp_path / "roster.csv").write_text("first,last\n" + "\n".join(",".join(r[0].split()) for r in rows) + "\n")
    path = tmp_path / "screen.jpg"
    photo.save(path, quality=85)
    with_roster = replace(policy, text=replace(policy.text, roster=str(tmp_path / "roster.csv")))
    found = text.stage(load_image(path, policy.general.max_pixels), with_roster)
    grades = [f.box for f in found if f.kind == "grade"]
    missed = [bb for bb in letters if not any(g.overlap(Box(bb[0], bb[1], bb[2] - bb[0], bb[3] - bb[1])) >=
                                              0.3 * (bb[2] - bb[0]) * (bb[3] - bb[1]) for g in grades)]
    assert not missed, [(f.kind, f.box, f.why) for f in found]
