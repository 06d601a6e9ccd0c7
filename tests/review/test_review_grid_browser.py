"""Issue 40 in Debian's headless Chromium (Playwright, no browser downloaded): the grid draws each tile's items
(what the tool left to a person, numbered) and the list's keys act on the current tile's ([ ] c n f); the keys
that turn the page (PageDown/PageUp, . and ,) and set the verdict filter (1 to 5), also after a filter was
chosen with the mouse; and the page's Export (e, with a confirmation saying how many and where). In English
and French, with screenshots kept in reports/test-artifacts/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, STUDENT_ID, hand_report, leave_for_review

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (make system-deps)")]
ARTIFACTS = REPO / "reports" / "test-artifacts"
FACES = [{"kind": "face", "box": box, "score": 0.4, "detector": "centerface", "identifiable": False, "why": "small"}
         for box in ([30, 20, 36, 40], [130, 30, 30, 34])]
CODE = {"kind": "barcode", "box": [80, 60, 30, 30], "score": 0.9, "detector": "zxing"}
MANY = 55  # ok rows besides: two pages of 50


def serve(report: Path, lang: str, *extra: str):
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "--lang", lang, "review", str(report),
                             "--who", "browser", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO)
    line = proc.stdout.readline()
    if "http://127.0.0.1:" not in line:
        proc.kill()
        pytest.fail(line + proc.stderr.read(3000))
    return proc, line[line.index("http://"):].strip()


def scan_report(tmp_path: Path) -> Path:
    """A scan's report: a_items.jpg with three items left to a person, b_ok.jpg and c_ok.jpg, one blocked photo and
    MANY more ok rows whose files are not there (they show "no preview" and are never exported)."""
    from PIL import Image, ImageDraw

    rows = {"a_items.jpg": ("review", FACES + [CODE]), "b_ok.jpg": ("ok", []), "c_ok.jpg": ("ok", []),
            "d_blocked.jpg": ("block", [STUDENT_ID])}
    rows |= {f"z_{i:02d}.jpg": ("ok", []) for i in range(MANY)}
    base = hand_report(tmp_path, rows)
    (base / "photos").mkdir()
    import hashlib
    import json

    document = json.loads((base / "report" / "report.json").read_text())
    for image in document["images"][:4]:
        picture = Image.new("RGB", (200, 100), (90, 140, 190))
        draw = ImageDraw.Draw(picture)
        for f in FACES:
            x, y, w, h = f["box"]
            draw.ellipse([x, y, x + w, y + h], fill=(225, 185, 150))
        picture.save(base / "photos" / image["path"], quality=90)
        image["sha256"] = hashlib.sha256((base / "photos" / image["path"]).read_bytes()).hexdigest()
    (base / "report" / "report.json").write_text(json.dumps(document))
    return base


WORDS = {"en": {"label": "1 small or turned-away face", "cover": "covering needs a safe copy", "done": "all checked",
                "question": "Export the 3 approved photos to a new folder in ", "exported": "3 photos exported to ",
                "help": ". next page, , previous page"},
         "fr": {"label": "1 visage petit ou détourné", "cover": "masquer demande une copie sûre", "done": "tout vérifié",
                "question": "Exporter 3 photos approuvées dans un nouveau dossier de ", "exported": "3 photos exportées dans ",
                "help": ". page suivante, , page précédente"}}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_grid_items_page_and_filter_keys_and_export(tmp_path: Path, lang: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    words = WORDS[lang]
    base = scan_report(tmp_path)
    exports = tmp_path / "exports"
    proc, url = serve(base / "report", lang, "--export-to", str(exports))
    dialogs: list[str] = []
    tile = "#list .row[data-path='a_items.jpg']"
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
            try:
                page.goto(url)
                page.wait_for_selector("#list .row")
                assert words["help"] in page.inner_text("#keys")
                page.keyboard.press("g")
                page.wait_for_function(f"document.querySelector(\"{tile} .stage img\")?.naturalWidth > 0")
                # the tile's items, numbered on its picture; the first selected (the current tile)
                marks = f"{tile} .stage .box.item"
                page.wait_for_selector(f"{marks}[data-item='0'].selected")
                assert page.locator(marks).count() == 3
                assert page.locator(f"{marks} .label").first.inner_text() == words["label"]
                stage, first = (page.locator(s).bounding_box() for s in (f"{tile} .stage", f"{marks}[data-item='0']"))
                # drawn where the face is: 30/200 of the picture's width from its left edge
                assert abs(first["x"] - stage["x"] - stage["width"] * 30 / 200) < 4, (first, stage)
                assert stage["width"] >= 200  # large enough to judge
                # the list's keys, on the current tile
                page.keyboard.press("]")
                page.wait_for_selector(f"{marks}[data-item='1'].selected")
                page.keyboard.press("c")  # a scan report: nothing to cover with, it says so above the grid
                page.wait_for_function(f"document.querySelector('#bulk-status').textContent.startsWith({words['cover']!r})")
                page.keyboard.press("n")
                page.wait_for_selector(f"{marks}[data-item='1'].dismissed")
                page.wait_for_selector(f"{marks}[data-item='2'].selected")  # on to the next left to check
                page.keyboard.press("f")
                page.wait_for_selector(f"{marks}[data-item='2'].dismissed")
                page.keyboard.press("n")
                page.wait_for_selector(f"{marks}[data-item='0'].dismissed")
                assert page.inner_text(f"{tile} .tocheck.done") == words["done"]
                assert page.evaluate("document.activeElement.dataset.path") == "a_items.jpg"  # keys still on the grid
                page.screenshot(path=str(ARTIFACTS / f"review_grid_items_{lang}.png"))

                # the page: "." forward and "," back at once; PageDown scrolls the grid, then at its end turns
                # the page (PageUp: back at its top)
                rows = "document.querySelectorAll('#list .row').length"
                assert page.evaluate(rows) == 50
                page.keyboard.press(".")
                page.wait_for_function(f"{rows} === 9")
                page.keyboard.press(",")
                page.wait_for_function(f"{rows} === 50")
                page.keyboard.press("PageDown")
                page.wait_for_function("document.querySelector('#list').scrollTop > 0")
                assert page.evaluate(rows) == 50
                for _ in range(30):
                    page.keyboard.press("PageDown")
                    page.wait_for_timeout(150)
                    if page.evaluate(rows) == 9:
                        break
                page.wait_for_function(f"{rows} === 9 && document.querySelector('#page').textContent.includes('2')")
                page.keyboard.press("PageUp")
                page.wait_for_function(f"{rows} === 50")
                # the verdict filter: 4 block, 2 ok, 3 review, 1 all
                page.keyboard.press("4")
                page.wait_for_function("document.querySelectorAll('#list .row').length === 1")
                assert page.input_value("#f-verdict") == "block"
                page.keyboard.press("3")
                page.wait_for_function("[...document.querySelectorAll('#list .row')].map(r => r.dataset.path).join() "
                                       "=== 'a_items.jpg'")
                assert page.input_value("#f-verdict") == "review"
                page.keyboard.press("1")
                page.wait_for_function("document.querySelectorAll('#list .row').length === 50")
                # chosen with the mouse: the focus leaves the dropdown, and the keys work again
                page.focus("#f-verdict")
                page.select_option("#f-verdict", "block")
                page.wait_for_function("document.querySelectorAll('#list .row').length === 1")
                assert page.evaluate("document.activeElement.id") != "f-verdict"
                page.keyboard.press("1")
                page.wait_for_function("document.querySelectorAll('#list .row').length === 50")
                page.click("#f-undecided")
                page.wait_for_function("document.activeElement.id !== 'f-undecided'")
                page.keyboard.press("2")  # the undecided ok ones
                page.wait_for_function(f"document.querySelectorAll('#list .row').length === {min(50, MANY + 2)}")
                page.click("#f-undecided")

                # approve the ok ones (A, then OK), then export (e, then OK): only the files there go out
                page.keyboard.press("1")
                page.keyboard.press("Shift+A")
                page.wait_for_function("document.querySelectorAll('#list .row .decision.approve').length >= 49")
                page.keyboard.press("e")
                page.wait_for_function(f"document.querySelector('#export-status').textContent.startsWith("
                                       f"{words['exported']!r})", timeout=60_000)
                assert dialogs[-1].startswith(words["question"] + str(exports.resolve()))
                status = page.inner_text("#export-status")
                folder = Path(status.split(" ")[4].rstrip(";"))  # "3 photos exported to FOLDER; ..."
                assert folder.parent == exports.resolve()
                assert sorted(f.name for f in folder.iterdir()) == ["a_items.jpg", "b_ok.jpg", "c_ok.jpg"]
                page.screenshot(path=str(ARTIFACTS / f"review_export_{lang}.png"))
            except Exception:
                page.screenshot(path=str(ARTIFACTS / f"review_grid_{lang}_failure.png"))
                raise
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_cover_key_on_a_grid_tile_makes_the_copy_again(review_copy: Path) -> None:
    """A possible face a hand fix left for review is drawn on its tile (the copy, in the copy's own pixels);
    c on the tile covers it: the copy is made again and screened, and the tile shows the new copy."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    leave_for_review(review_copy, "landscape_coffee.jpg", [30, 40, 60, 50])
    before = (review_copy / "copies" / "landscape_coffee.jpg").read_bytes()
    proc, url = serve(review_copy / "report", "en")
    tile = "#list .row[data-path='landscape_coffee.jpg']"
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            try:
                page.goto(url)
                page.wait_for_selector("#list .row")
                page.keyboard.press("g")
                page.wait_for_selector(f"main.grid {tile} .stage img[src^='/img/copy?']")
                page.locator(tile).click()
                page.wait_for_selector(f"{tile} .stage .box.item.selected")
                assert page.locator(f"{tile} .stage .box.item .label").inner_text() == "1 possible face"
                page.keyboard.press("c")
                page.wait_for_function("document.querySelector('#bulk-status').textContent.startsWith("
                                       "'copy made again and screened')", timeout=180_000)
                assert page.locator(f"{tile} .stage .box.item").count() == 0
                assert "&v=" in page.get_attribute(f"{tile} .stage img", "src")  # the new copy, fetched again
                assert page.evaluate("document.activeElement.dataset.path") == "landscape_coffee.jpg"
                assert (review_copy / "copies" / "landscape_coffee.jpg").read_bytes() != before
                page.screenshot(path=str(ARTIFACTS / "review_grid_cover.png"))
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "review_grid_cover_failure.png"))
                raise
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
