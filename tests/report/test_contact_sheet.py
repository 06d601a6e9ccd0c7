"""report.html (pipeline/report/contact_sheet.py) from reports written by hand: what its filter buttons
count and filter on."""

from __future__ import annotations

import re

from conftest import STUDENT_ID
from pipeline import i18n
from pipeline.report.contact_sheet import render


def _row(path: str, verdict: str, redaction: dict | None = None) -> dict:
    """A row whose original blocks (a student ID is visible); with ``redaction``, ``verdict`` is its copy's."""
    row = {"path": path, "sha256": "0" * 64, "width": 200, "height": 100, "exif_orientation": None,
           "verdict": verdict, "reasons": [], "findings": [STUDENT_ID], "error": None}
    if redaction is not None:
        row["redaction"] = {"output": path, "covered": [{"kind": "student_id", "box": [10, 10, 60, 20], "mode": "solid"}],
                            "crop": None, "passes": 1, "withheld": None, "turned": 0, **redaction}
    return row


def _report(rows: list[dict], copies: str | None, setting: str = "classroom", platform: str = "any") -> dict:
    summary = {v: sum(r["verdict"] == v for r in rows) for v in ("ok", "review", "block", "error")}
    return {"schema": "photoscreen.report/1", "tool": {"name": "photoscreen", "version": "test"}, "images": rows,
            "summary": {**summary, "skipped": 0}, "policy": {"setting": setting},
            "run": {"inputs": [], "copies": copies, "setting": setting, "platform": platform}}


def _buttons(page: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r'<button data-filter="(\w+)"[^>]*>[^<(]*\((\d+)\)</button>', page)}


def _cards(page: str) -> dict[str, str]:
    """Each card's path and the verdict the buttons filter it on."""
    return {path: verdict for verdict, path in
            re.findall(r'<div class="card[^"]*" data-verdict="(\w+)"[^>]*>.*?<span class="path">([^<]*)</span>', page)}


def test_the_buttons_of_a_report_of_copies_count_and_filter_the_copies() -> None:
    # every original shows a student ID (block); their copies cover it (ok), one is to review, one was withheld
    rows = [_row("a.jpg", "ok", {}), _row("b.jpg", "ok", {}), _row("c.jpg", "review", {}),
            _row("d.jpg", "block", {"output": None, "covered": [], "withheld": "too small to crop"})]
    page = render(_report(rows, "/nowhere/copies"), {})
    assert _buttons(page) == {"all": 4, "block": 1, "review": 1, "ok": 2, "error": 0, "tocheck": 0}
    assert _cards(page) == {"a.jpg": "ok", "b.jpg": "ok", "c.jpg": "review", "d.jpg": "block"}
    assert page.count('data-original="block"') == 4  # each card still says its original blocks
    assert "original block" in page and "Filter by the safe copies&#x27; verdict" in page


def test_the_buttons_of_a_report_without_copies_count_the_photos() -> None:
    rows = [_row("a.jpg", "block"), _row("b.jpg", "block"), dict(_row("c.jpg", "ok"), findings=[])]
    page = render(_report(rows, None), {})
    assert _buttons(page) == {"all": 3, "block": 2, "review": 0, "ok": 1, "error": 0, "tocheck": 0}
    assert _cards(page) == {"a.jpg": "block", "b.jpg": "block", "c.jpg": "ok"}
    assert "Filter by verdict" in page


def test_the_setting_and_platform_words_are_in_the_pages_language() -> None:
    """The header said "cadre classroom" in French: the setting's and the platform's words are translated too."""
    rows = [_row("a.jpg", "block")]
    try:
        i18n.set_language("fr")
        french = render(_report(rows, None, "public_event"), {}) + render(_report(rows, None), {})
    finally:
        i18n.set_language("en")
    assert "cadre événement public" in french and "cadre classe" in french
    assert "plateforme toutes (sans contrôle du format)" in french
    assert "public_event" not in french and "classroom" not in french and "plateforme any" not in french
    english = render(_report(rows, None, "public_event", "instagram"), {})
    assert "setting public event" in english and "platform instagram" in english


SMALL_FACE = {"kind": "face", "box": [20, 30, 16, 18], "score": 0.5, "detector": "centerface", "identifiable": False}
BARCODE = {"kind": "barcode", "box": [150, 60, 30, 30], "score": 0.9, "detector": "zxing"}


def _checks(page: str) -> list[tuple[str, str]]:
    """The boxes drawn over thumbnails for a person to check: (style, label)."""
    return re.findall(r'<div class="check" style="([^"]*)" title="[^"]*"><span>([^<]*)</span></div>', page)


def test_what_is_left_to_a_person_is_numbered_on_the_thumbnail_and_listed() -> None:
    """Issue 38: what the tool leaves to a person is drawn on the contact sheet, numbered and labelled "to
    check" (the review app's items: report/left_to_check.py), listed on the card, and has a filter button."""
    rows = [dict(_row("a.jpg", "review"), findings=[SMALL_FACE, BARCODE, STUDENT_ID]),
            dict(_row("b.jpg", "ok"), findings=[]),
            dict(_row("c.jpg", "review"), findings=[SMALL_FACE], error="cannot decode")]
    page = render(_report(rows, None), {"a.jpg": "thumbs/a.jpg", "b.jpg": "thumbs/b.jpg"})
    # the student ID blocks the photo on its own (the tool decided): only the face and the barcode are to check
    assert _checks(page) == [("left:10.00%;top:30.00%;width:8.00%;height:18.00%", "1: to check"),
                             ("left:75.00%;top:60.00%;width:15.00%;height:30.00%", "2: to check")]
    card = page.split('<span class="path">a.jpg</span>')[1].split('<div class="card')[0]
    assert "2 items to check" in card and "<li>small or turned-away face</li><li>barcode or QR code</li>" in card
    assert 'data-tocheck="2"' in page and page.count("data-tocheck=") == 1  # not b (nothing), not c (an error)
    assert _buttons(page)["tocheck"] == 1

    # a report of copies: the possible faces a hand fix left uncovered, on the copy's card
    copies = [_row("d.jpg", "review", {"review": [[40, 20, 20, 24]]}), _row("e.jpg", "ok", {})]
    page = render(_report(copies, "/nowhere/copies"), {"d.jpg": "thumbs/d.jpg", "e.jpg": "thumbs/e.jpg"})
    assert _checks(page) == [("left:20.00%;top:20.00%;width:10.00%;height:24.00%", "1: to check")]
    assert "1 item to check" in page and "<li>possible face</li>" in page and _buttons(page)["tocheck"] == 1


def test_to_check_in_french() -> None:
    rows = [dict(_row("a.jpg", "review"), findings=[SMALL_FACE])]
    try:
        i18n.set_language("fr")
        page = render(_report(rows, None), {"a.jpg": "thumbs/a.jpg"})
    finally:
        i18n.set_language("en")
    assert _checks(page)[0][1] == "1 : à vérifier" and "1 élément à vérifier" in page
    assert "Éléments à vérifier (1)" in page and "to check" not in page
