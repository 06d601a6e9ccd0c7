"""Text stage: student IDs, grades and names written in the photo, and barcodes on badges.

Image in, findings out: the PP-OCR detector finds text lines, Tesseract reads them
(``pipeline/text/ocr.py``), the recognizers decide what is sensitive (``pipeline/text/recognizers/``) and
zxing-cpp finds barcodes and QR codes. A finding carries the box in the upright original, a score
and a masked hint; the recognised text never leaves this stage.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from ..findings import Box, Finding
from .ink import find_ink_grades
from .ocr import PP_OCR, TESSERACT, OcrLine, read_found_lines, read_lines, zoomed_lines
from .recognizers import (
    BESIDE_TITLE, PERCENT_LABEL_ON_PAGE, REGISTRY, Match, Page, complete_cut_headers, respell_labels, student_columns, unread_column_marks, unread_grade_cells,
    has_grade_label, vocabulary,
)
from .roster import load_roster  # one cache of the roster for the whole process
from .sheets import name_lines, on_label_sheets
from .sheet_writing import unread_writing


def find_barcodes(image, long_side: int) -> list[Finding]:
    import zxingcpp

    preview = image.preview(long_side)
    factor = image.width / preview.shape[1]
    out = []
    for result in zxingcpp.read_barcodes(preview):
        p = result.position
        xs = [p.top_left.x, p.top_right.x, p.bottom_right.x, p.bottom_left.x]
        ys = [p.top_left.y, p.top_right.y, p.bottom_right.y, p.bottom_left.y]
        box = Box.from_xyxy(min(xs) * factor, min(ys) * factor, (max(xs) + 1) * factor, (max(ys) + 1) * factor,
                            image.width, image.height)
        out.append(Finding("barcode", box, 1.0, "zxing-cpp", hint=str(result.format).split(".")[-1],
                           why="barcode or QR code: ID badges carry them"))
    return out


MARK_CONTRAST = 25  # grey levels between a cell's ground and its darkest (or lightest) strokes (a grey mark on a dark screen: 30-40)
MARK_SHARE = (0.01, 0.4)  # share of a cell's pixels that are strokes when a mark is written in it


def _holds_mark(image, box: Box) -> bool:
    """The pixels in ``box`` hold a mark: strokes that stand out of the ground, neither a blank
    cell (flat) nor a filled patch."""
    crop = image.pixels[box.y:box.y + box.h, box.x:box.x + box.w]
    if crop.size == 0:
        return False
    grey = crop.mean(axis=2) if crop.ndim == 3 else crop.astype(float)
    low, high = np.percentile(grey, (1, 99))  # a lone letter in a wide cell: 2-3% of its pixels
    if high - low < MARK_CONTRAST:
        return False
    dark = float((grey < (low + high) / 2).mean())
    strokes = min(dark, 1 - dark)  # dark strokes on a light ground, or light ones on a dark screen
    return MARK_SHARE[0] <= strokes <= MARK_SHARE[1]


def _near(line: OcrLine, boxes: list[Box]) -> bool:
    """A barcode lies within three line heights of the line."""
    return any(max(line.box.gap(b)) <= 3 * line.box.h for b in boxes)


def _same_item(a: Box, b: Box) -> bool:
    """Two boxes of one item read by two engines: most of the smaller lies in the larger."""
    return a.overlap(b) >= 0.5 * min(a.w * a.h, b.w * b.h)


def _matches(lines: list[OcrLine], barcodes: list[Finding], policy) -> list[Match]:
    """What the recognizers find in one engine's reading of the lines: every kind's, then what stands
    beside a student's name, a results list's rows, a table's columns and rows (its header words dropped)."""
    t = policy.text
    near = [_near(line, [b.box for b in barcodes]) for line in lines]
    return REGISTRY.find(lines, Page(near, load_roster(t.roster), t.name_min_similarity))


def engine_readings(lines: list[OcrLine]) -> list[tuple[str, list[OcrLine]]]:
    """Each engine's reading of the page, from the lines both engines read: Tesseract's, with
    PP-OCR's reading of the short crops beside it (as when Tesseract reads alone); PP-OCR's, which
    reads only the lines Tesseract was unsure of and the short ones, with Tesseract's reading of the
    other lines (a table's header row Tesseract read cleanly), so that the context of a cell only
    PP-OCR read well is there too."""
    ppocr = [line for line in lines if line.engine == PP_OCR]
    return [(TESSERACT, [line for line in lines if line.engine == TESSERACT or line.short]),
            (PP_OCR, ppocr + [line for line in lines if line.engine == TESSERACT and not any(
                _same_item(line.box, other.box) for other in ppocr)])]


def _findings(lines: list[OcrLine], barcodes: list[Finding], policy) -> tuple[list[Finding], list[Match]]:
    """The recognizers over each engine's reading of the lines (a finding either supports is
    kept, and says which engines): the findings, and the matches kept."""
    t = policy.text
    readings = engine_readings(lines) if t.ocr_backend == "both" else [("", lines)]
    engines: dict[int, set[str]] = {}  # finding index -> the engines whose reading supports it
    findings = list(barcodes)
    kept = []
    for engine, engine_lines in readings:
        matches = _matches(engine_lines, barcodes, policy)
        kept += [m for m in matches if m.score >= t.min_score]
        for match in sorted(matches, key=lambda m: -m.score):
            if match.score < t.min_score or not match.words:
                continue
            box = Box.enclosing([w.box for w in match.words])
            # the same item found twice (two readings of one crop, two patterns): keep the surer one; read
            # by the other engine (whose word boxes differ a little): one finding over both boxes
            same = next((k for k, f in enumerate(findings) if f.kind == match.kind and (
                f.box.iou(box) > 0.5 or engine not in engines.get(k, {engine}) and _same_item(f.box, box))), None)
            if same is not None:
                if engine not in engines[same]:
                    findings[same] = replace(findings[same], box=Box.enclosing([findings[same].box, box]))
                    engines[same].add(engine)
                    if match.score > findings[same].score:  # the other engine's reading is the surer one: its why
                        findings[same] = replace(findings[same], score=float(np.clip(match.score, 0, 1)),
                                                 hint=match.hint, why=match.why)
                continue
            engines[len(findings)] = {engine}
            findings.append(Finding(match.kind, box, float(np.clip(match.score, 0, 1)), f"text:{match.kind}",
                                    hint=match.hint, why=match.why))
    if t.ocr_backend == "both":
        for k, names in engines.items():
            said = " and ".join(e for e in (TESSERACT, PP_OCR) if e in names)
            findings[k] = replace(findings[k], why=f"{findings[k].why} (read by {said})")
    return findings, kept


COLUMN_HINTS = {"name": "name column", "student_id": "ID column", "grade": "grade column"}
COLUMN_WHY = {"name": "a table's student column, whole (every row's cell, read or not): the table holds a student",
              "student_id": "a table's ID column, whole (every row's cell, read or not): the table holds a student",
              "grade": "a table's grade column, whole (every row's cell, single letters and cells no engine read "
                       "included): the table holds a student"}


def _whole_columns(image, lines: list[OcrLine], kept: list[Match], policy, found: list[Finding]) -> list[Finding]:
    """Documents as regions: the student, ID and grade columns of a table that holds a student's name or
    number, whole (``recognizers.regions``), in each engine's reading of the page, once each: a place per
    row, where no finding of ``found`` stands already (a cell read and found is covered, and counted, once)."""
    readings = engine_readings(lines) if policy.text.ocr_backend == "both" else [("", lines)]
    centres = [(f.box.x + f.box.w / 2, f.box.y + f.box.h / 2) for f in found
               if f.box is not None and f.kind in ("name", "student_id", "grade")]
    out: list[Finding] = []
    for _engine, engine_lines in readings:
        for column in student_columns(engine_lines, kept):
            b = column.box
            if any(b.x <= x <= b.x + b.w and b.y <= y <= b.y + b.h for x, y in centres):
                continue
            box = Box.from_xyxy(b.x, b.y, b.x + b.w, b.y + b.h, image.width, image.height)
            same = next((k for k, f in enumerate(out) if f.kind == column.kind and f.box.iou(box) > 0.5), None)
            if same is not None:
                out[same] = replace(out[same], box=Box.enclosing([out[same].box, box]))
                continue
            out.append(Finding(column.kind, box, 0.6, f"text:{column.kind}", hint=COLUMN_HINTS[column.kind],
                               why=COLUMN_WHY[column.kind]))
    return out


ZOOM_ALONG = 15.0  # line heights left and right of a student's name or ID where small text is looked for again
ZOOM_ACROSS = 6.0  # ... and above and below (a table's header row, the rows around)


def _zoom_region(image, findings: list[Finding]) -> tuple[Box, float] | None:
    """Where a student's name or ID was read in small text (a gradebook screen's 10 px rows), the
    region around them, where the rest of their rows and the table's header may be too small for the
    detector at the photo's scale, and their text's height."""
    students = [f.box for f in findings if f.kind in ("name", "student_id")]
    if not students:
        return None
    height = float(np.median([b.h for b in students]))
    near = Box.enclosing(students)
    return Box.from_xyxy(near.x - ZOOM_ALONG * height, near.y - ZOOM_ACROSS * height,
                         near.x + near.w + ZOOM_ALONG * height, near.y + near.h + ZOOM_ACROSS * height,
                         image.width, image.height), height


LONE_LETTER = re.compile(r"^[\s!.]*([A-F])[\s!.]*$")  # a capital grade letter alone on its line ("D", "B !")
LONE_LETTER_HEIGHT = 0.6  # a lone letter is at least this share of the page's lines' median height: a mark, not a bullet
LONE_LETTER_WHY = "a letter grade alone on its line, on the sheet of a student's name or ID"


def _lone_letters_on_student_sheets(image, lines: list[OcrLine], findings: list[Finding]) -> list[Finding]:
    """A student's paper is covered whole: a grade letter an engine read alone on its line ("D" under the
    exercises), on the same sheet as a student's name or ID (``on_label_sheets``), is a grade. Not the first
    letter of a name read apart on the name's row, nor a letter smaller than the page's print (a list's bullet)."""
    students = [f.box for f in findings if f.kind in ("name", "student_id")]
    if not students:
        return []
    height = float(np.median([line.box.h for line in lines]))  # the page's lines (a name line's box is grown)
    letters = []
    for line in lines:
        if not LONE_LETTER.match(line.text) or line.box.h < LONE_LETTER_HEIGHT * height:
            continue
        if any(f.kind == "grade" and f.box.overlap(line.box) > 0 for f in findings + letters):
            continue
        if any(abs((b.y + b.h / 2) - (line.box.y + line.box.h / 2)) < b.h / 2 and max(b.gap(line.box)) < b.h
               for b in students):
            continue  # the first letter of a name read apart ("A" of "Ava")
        letters.append(Finding("grade", line.box, 0.6, "text:grade", hint="grade •", why=LONE_LETTER_WHY))
    if not letters:
        return []
    on = on_label_sheets(image, [f.box for f in letters], students)
    return [f for f, ok in zip(letters, on) if ok]


def find_text(image, policy) -> list[Finding]:
    t = policy.text
    barcodes = find_barcodes(image, t.barcode_long_side) if t.barcodes else []
    lines = read_lines(image, t.detect_long_side, t.min_text_height, t.max_lines, t.languages, t.ocr_timeout,
                       t.ocr_backend)

    def prepared(lines: list[OcrLine]) -> list[OcrLine]:  # line by line: new lines are prepared alone
        lines = respell_labels(lines)  # "Grode: A", "Averge: 16,05": labels misread by a letter, read as the labels
        return complete_cut_headers(lines, image.width)  # "Grad" cut by the photo's right edge: "Grade"

    lines = prepared(lines)
    findings, kept = _findings(lines, barcodes, policy)
    # small text around a student's name or ID: the detector looks again there, the region enlarged,
    # for the rest of the rows (the marks, the other numbers) and the header it passed over
    zoom = _zoom_region(image, findings)
    if zoom:
        region, height = zoom
        more = zoomed_lines(image, region, height, [line.box for line in lines], t.min_text_height)
        if more:
            lines += prepared(read_found_lines(image, more, len(more), t.languages, t.ocr_timeout, t.ocr_backend))
            findings, kept = _findings(lines, barcodes, policy)
    # the cells of a table's grade column in a student's row where no line was found: a lone letter the
    # detector missed, covered when the pixels there hold a mark
    for box in unread_grade_cells(lines, kept):
        if _holds_mark(image, box) and not any(f.kind == "grade" and _same_item(f.box, box) for f in findings):
            findings.append(Finding("grade", box, 0.6, "text:grade", hint="grade •",
                                    why="a cell of a table's grade column, in a student's row or on a student's sheet, where "
                                        "the text detector found nothing: a mark is written there"))
    # a column of lone marks beside the students (letter grades with no header read) where some rows'
    # marks were not found: the cell where the column puts them, covered when the pixels hold a mark
    for box in unread_column_marks(lines, kept):
        box = Box.from_xyxy(box.x, box.y, box.x + box.w, box.y + box.h, image.width, image.height)
        if _holds_mark(image, box) and not any(f.kind == "grade" and _same_item(f.box, box) for f in findings):
            findings.append(Finding("grade", box, 0.55, "text:grade", hint="grade •",
                                    why="where a column of marks beside the students' names or IDs puts this student's "
                                        "mark, which no engine read: a mark is written there"))
    # a table that holds a student's name or number: its student, ID and grade columns covered whole
    findings += _whole_columns(image, lines, kept, policy, findings)
    # a student's paper as a region: its name line whole, right of the label (handwriting no engine read
    # included); a name found on it already grows to the whole line (one name, covered whole)
    written = name_lines(image, lines, kept)
    for line in written:
        on = [k for k, f in enumerate(findings) if f.kind == "name" and f.box.overlap(line.box) >= 0.3 * min(
            f.box.w * f.box.h, line.box.w * line.box.h)]
        for k in on:
            findings[k] = replace(findings[k], box=Box.enclosing([findings[k].box, line.box]))
        if not on:
            findings.append(line)
    # a mark counts only on a page that holds a student: a short mark beside a test's title where no name, ID or
    # written name line is found (a blank test, a letter on the wall beside it) is none
    if not any(f.kind in ("name", "student_id") for f in findings):
        findings = [f for f in findings if not f.why.startswith(BESIDE_TITLE)]
    # a percentage whose grade label is elsewhere on the page counts only on that label's sheet: not a poster's
    # "60%" or a sign beside a paper headed "Spelling test"
    on_page = [k for k, f in enumerate(findings) if f.why.startswith(PERCENT_LABEL_ON_PAGE)]
    if on_page:
        labels = [line.box for line in lines if has_grade_label(line.text)]
        off = {k for k, on in zip(on_page, on_label_sheets(image, [findings[k].box for k in on_page], labels)) if not on}
        findings = [f for k, f in enumerate(findings) if k not in off]
    findings += _lone_letters_on_student_sheets(image, lines, findings)
    # pen marks (coloured ink) beside a grade label, a student's name or ID, or anywhere on a student's
    # sheet: grades no engine read cleanly
    student_lines = [(f.box, f.box.h / 2.3) for f in written]
    findings += [f for f in find_ink_grades(image, lines, kept, student_lines=student_lines)
                 if not any(g.kind == "grade" and g.box.overlap(f.box) >= 0.5 * f.box.w * f.box.h for g in findings)]
    # what no engine read on a student's sheet, in any ink: the paper covered whole
    findings += unread_writing(image, lines, findings)
    return findings


def stage(image, policy) -> list[Finding]:
    """Stage entry point: ``(LoadedImage, Policy) -> findings``."""
    return find_text(image, policy)


def warm_up() -> None:
    """Load the text models and the lexicons now (start-up), so a missing model or a lexicon file that
    cannot be read fails before the batch starts."""
    from .detect import classifier_model, detector_model, recogniser_model

    vocabulary()

    detector_model()
    classifier_model()
    recogniser_model()
