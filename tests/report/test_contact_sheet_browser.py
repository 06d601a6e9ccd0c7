"""report.html in Debian's headless Chromium (issue 38): what the tool left to a person is drawn over the
thumbnail where it is, numbered and labelled "to check", and the "To check" button shows only those cards.
In English and French, with a screenshot of each in reports/test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_helpers import ARTIFACTS, NEEDS_CHROMIUM, chromium_page
from pipeline import i18n
from pipeline.report.contact_sheet import render

pytestmark = [pytest.mark.browser, pytest.mark.slow, NEEDS_CHROMIUM]
FACE = {"kind": "face", "box": [300, 200, 160, 180], "score": 0.5, "detector": "centerface", "identifiable": False}
CODE = {"kind": "barcode", "box": [1200, 500, 200, 200], "score": 0.9, "detector": "zxing"}


def _row(path: str, verdict: str, findings: list[dict]) -> dict:
    return {"path": path, "sha256": "0" * 64, "width": 1600, "height": 900, "exif_orientation": None,
            "verdict": verdict, "reasons": [f"{verdict} reason"] if findings else [], "findings": findings, "error": None}


@pytest.mark.parametrize("lang, words", [("en", ("1: to check", "2 items to check", "Items to check (1)")),
                                         ("fr", ("1 : à vérifier", "2 éléments à vérifier", "Éléments à vérifier (1)"))])
def test_items_to_check_on_the_contact_sheet(tmp_path: Path, lang: str, words: tuple[str, str, str]) -> None:
    from PIL import Image, ImageDraw

    (tmp_path / "thumbs").mkdir()
    for name in ("a.jpg", "b.jpg"):
        thumb = Image.new("RGB", (320, 180), (90, 140, 190))
        ImageDraw.Draw(thumb).ellipse([60, 40, 92, 76], fill=(225, 185, 150))
        thumb.save(tmp_path / "thumbs" / name)
    rows = [_row("a.jpg", "review", [FACE, CODE]), _row("b.jpg", "ok", [])]
    report = {"schema": "photoscreen.report/1", "tool": {"name": "photoscreen", "version": "test"}, "images": rows,
              "summary": {"ok": 1, "review": 1, "block": 0, "error": 0, "skipped": 0}, "policy": {"setting": "classroom"},
              "run": {"inputs": [], "copies": None, "setting": "classroom", "platform": "any"}}
    try:
        i18n.set_language(lang)
        page_html = render(report, {"a.jpg": "thumbs/a.jpg", "b.jpg": "thumbs/b.jpg"}, tmp_path)
    finally:
        i18n.set_language("en")
    (tmp_path / "report.html").write_text(page_html, encoding="utf-8")
    with chromium_page(None, viewport=(1000, 700)) as page:
        page.goto((tmp_path / "report.html").as_uri())
        page.wait_for_function("document.querySelector('.card img').naturalWidth > 0")
        assert page.locator(".check").count() == 2
        assert page.locator(".check span").first.inner_text() == words[0]
        assert words[1].casefold() in page.inner_text(".card.tocheck").casefold()  # the badge is in capitals
        # the box lies over the face: 300/1600 of the picture's width from its left, 200/900 from its top
        img, box = page.locator(".card.tocheck img").bounding_box(), page.locator(".check").first.bounding_box()
        assert abs(box["x"] - img["x"] - img["width"] * 300 / 1600) < 3, (box, img)
        assert abs(box["y"] - img["y"] - img["height"] * 200 / 900) < 3, (box, img)
        page.screenshot(path=str(ARTIFACTS / f"contact_sheet_to_check_{lang}.png"))
        page.get_by_role("button", name=words[2]).click()  # only the cards with something to check
        assert page.locator(".card:not([hidden])").count() == 1 and page.url.endswith("#tocheck")
