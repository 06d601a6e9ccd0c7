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
            re.findall(r'<div class="card" data-verdict="(\w+)"[^>]*>.*?<span class="path">([^<]*)</span>', page)}


def test_the_buttons_of_a_report_of_copies_count_and_filter_the_copies() -> None:
    # every original shows a student ID (block); their copies cover it (ok), one is to review, one was withheld
    rows = [_row("a.jpg", "ok", {}), _row("b.jpg", "ok", {}), _row("c.jpg", "review", {}),
            _row("d.jpg", "block", {"output": None, "covered": [], "withheld": "too small to crop"})]
    page = render(_report(rows, "/nowhere/copies"), {})
    assert _buttons(page) == {"all": 4, "block": 1, "review": 1, "ok": 2, "error": 0}
    assert _cards(page) == {"a.jpg": "ok", "b.jpg": "ok", "c.jpg": "review", "d.jpg": "block"}
    assert page.count('data-original="block"') == 4  # each card still says its original blocks
    assert "original block" in page and "Filter by the safe copies&#x27; verdict" in page


def test_the_buttons_of_a_report_without_copies_count_the_photos() -> None:
    rows = [_row("a.jpg", "block"), _row("b.jpg", "block"), dict(_row("c.jpg", "ok"), findings=[])]
    page = render(_report(rows, None), {})
    assert _buttons(page) == {"all": 3, "block": 2, "review": 0, "ok": 1, "error": 0}
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
