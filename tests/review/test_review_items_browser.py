"""Issue 40 in Debian's headless Chromium (Playwright, no browser downloaded): what the tool left to a person
(a row's items), drawn numbered on the picture with one key each ([ ] c n f), in the list and on the grid's
tiles; videos played in the page with a strip of frames; the keys that turn the page (. and ,; PageDown and
PageUp at the end of one) and set the verdict filter (1 to 5), also after a filter was chosen with the mouse;
and the page's Export (e, with a confirmation saying how many and where). In English and French, with
screenshots kept in reports/test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_helpers import ARTIFACTS, NEEDS_CHROMIUM, chromium_page, review_app, review_page
from conftest import SAMPLES, STUDENT_ID, hand_report, leave_for_review

pytestmark = [pytest.mark.browser, pytest.mark.slow, NEEDS_CHROMIUM]
FACES = [{"kind": "face", "box": box, "score": 0.4, "detector": "centerface", "identifiable": False, "why": "small"}
         for box in ([30, 20, 36, 40], [130, 30, 30, 34])]
CODE = {"kind": "barcode", "box": [80, 60, 30, 30], "score": 0.9, "detector": "zxing"}
MANY = 55  # ok rows besides: two pages of 50


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
    words = WORDS[lang]
    base = scan_report(tmp_path)
    exports = tmp_path / "exports"
    dialogs: list[str] = []
    tile = "#list .row[data-path='a_items.jpg']"
    on = {"dialog": lambda d: (dialogs.append(d.message), d.accept())}
    with review_page(base / "report", f"review_grid_{lang}_failure.png", lang, ("--export-to", str(exports)),
                     on=on) as page:
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


def test_the_cover_key_on_a_grid_tile_makes_the_copy_again(review_copy: Path) -> None:
    """A possible face a hand fix left for review is drawn on its tile (the copy, in the copy's own pixels);
    c on the tile covers it: the copy is made again and screened, and the tile shows the new copy."""
    leave_for_review(review_copy, "landscape_coffee.jpg", [30, 40, 60, 50])
    before = (review_copy / "copies" / "landscape_coffee.jpg").read_bytes()
    tile = "#list .row[data-path='landscape_coffee.jpg']"
    with review_page(review_copy / "report", "review_grid_cover_failure.png") as page:
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


def _items_reports(tmp_path: Path) -> tuple[Path, Path]:
    """Two reports written by hand over pictures made here: a scan's (a photo with three items left to a
    person, a video without a copy) and one with safe copies (a video and its copy)."""
    import json

    from PIL import Image, ImageDraw

    from scripts.samples.test_clip import make_clip

    faces = [{"kind": "face", "box": box, "score": 0.4, "detector": "centerface", "identifiable": False, "why": "small"}
             for box in ([30, 20, 36, 40], [130, 30, 30, 34])]
    code = {"kind": "barcode", "box": [80, 60, 30, 30], "score": 0.9, "detector": "zxing"}
    scan = hand_report(tmp_path / "scan", {"a_items.jpg": ("review", faces + [code]), "b_ok.jpg": ("ok", [])})
    (scan / "photos").mkdir()
    for name in ("a_items.jpg", "b_ok.jpg"):
        picture = Image.new("RGB", (200, 100), (90, 140, 190))
        draw = ImageDraw.Draw(picture)
        for f in faces:
            x, y, w, h = f["box"]
            draw.ellipse([x, y, x + w, y + h], fill=(225, 185, 150))
        picture.save(scan / "photos" / name, quality=90)
    copies = hand_report(tmp_path / "copies", {"v.mp4": ("ok", [dict(faces[0], frame=6, t=1.0)])})
    (copies / "copies").mkdir()
    make_clip(SAMPLES / "landscape_coffee.jpg", copies / "copies" / "v.mp4", 2.0, 6, (320, 180), audio=False)
    document = json.loads((copies / "report" / "report.json").read_text())
    document["run"]["copies"] = str(copies / "copies")
    document["images"][0].update(media="video", duration=2.0, width=320, height=180, redaction={
        "output": "v.mp4", "covered": [], "crop": None, "passes": 1, "withheld": None})
    (copies / "report" / "report.json").write_text(json.dumps(document))
    return scan, copies


# the words the test looks for, in each language
ITEM_WORDS = {"en": {"buttons": ["not a face (n)"], "cover": "covering needs a safe copy", "none": "nothing left to check",
                     "frames": "Frames of the safe copy"},
              "fr": {"buttons": ["pas un visage (n)"], "cover": "masquer demande une copie sûre",
                     "none": "plus rien à vérifier", "frames": "Images de la copie sûre"}}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_items_left_to_a_person_with_one_key_each_and_videos(tmp_path: Path, lang: str) -> None:
    """Issue 40: what the tool left to a person is drawn on the picture with its label; [ and ] step through
    it, n (not a face) and f (fine) dismiss the item selected, c covers (here: no copy to cover with, it says
    so); a click on the picture opens it full size at that place. A video: its copy played in the page and a
    strip of its frames, no Fix panel. In English and French, with a screenshot of each."""
    words = ITEM_WORDS[lang]
    scan, copies = _items_reports(tmp_path)
    with review_app(scan / "report", lang) as scan_url, review_app(copies / "report", lang) as copies_url:
        with chromium_page(f"review_items_{lang}_failure.png") as page:
            page.goto(scan_url)
            page.wait_for_function("document.querySelector('#current-path')?.textContent === 'a_items.jpg'")
            page.wait_for_function("document.querySelector('#original .stage img')?.complete")
            items = "#original .stage .box.item"
            assert page.locator(items).count() == 3
            assert page.get_attribute(f"{items}[data-item='0']", "class").endswith("selected")
            labels = page.locator(f"{items} .label").all_inner_texts()
            english = ["1 small or turned-away face", "2 small or turned-away face", "3 barcode or QR code"]
            assert (labels == english) if lang == "en" else (len(labels) == 3 and not set(labels) & set(english))
            # the findings drawn as items are not drawn a second time
            assert page.locator("#original .stage .box:not(.item)").count() == 0
            assert page.locator("#item-list li[data-item='0'] button").all_inner_texts() == words["buttons"]
            page.keyboard.press("]")
            page.wait_for_selector("#item-list li[data-item='1'].selected")
            page.keyboard.press("c")  # a scan report: no copy to cover with
            page.wait_for_function(f"document.querySelector('#item-status')?.textContent?.startsWith({words['cover']!r})")
            page.keyboard.press("n")
            page.wait_for_selector("#item-list li[data-item='1'].dismissed")
            page.wait_for_selector("#item-list li[data-item='2'].selected")  # on to the next left to check
            page.keyboard.press("f")
            page.wait_for_selector("#item-list li[data-item='2'].dismissed")
            page.wait_for_selector("#item-list li[data-item='0'].selected")
            page.keyboard.press("n")
            page.wait_for_selector("#item-list li[data-item='0'].dismissed")
            assert page.inner_text("#items-left").startswith(words["none"])
            assert page.locator(f"{items}.dismissed").count() == 3
            page.screenshot(path=str(ARTIFACTS / f"review_items_{lang}.png"))
            # a click on the picture: full size, the place clicked in the middle of the view
            box = page.locator("#original .stage img").bounding_box()
            page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.75)
            page.wait_for_selector("#zoom:not([hidden]) img.big")
            page.wait_for_function("document.querySelector('#zoom').scrollLeft > 0")
            # the place clicked is brought to the middle, as near as the picture's edges let it
            off = page.evaluate("""(() => { const z = document.querySelector('#zoom'), i = z.querySelector('img');
                const want = (share, size, start, view, most) => Math.min(Math.max(share * size + start - view / 2, 0), most);
                return [z.scrollLeft - want(0.8, i.offsetWidth, i.offsetLeft, z.clientWidth, z.scrollWidth - z.clientWidth),
                        z.scrollTop - want(0.75, i.offsetHeight, i.offsetTop, z.clientHeight, z.scrollHeight - z.clientHeight),
                        z.scrollLeft, z.scrollTop]; })()""")
            assert abs(off[0]) <= 3 and abs(off[1]) <= 3 and off[2] > 0 and off[3] > 0, off
            page.keyboard.press("Escape")
            # the a key approves it: nothing is left to check
            page.keyboard.press("a")
            page.wait_for_selector("#list .row[data-path='a_items.jpg'] .decision.approve")

            # a video with a safe copy: played in the page, a strip of frames, no Fix panel
            page.goto(copies_url)
            page.wait_for_function("document.querySelector('#current-path')?.textContent === 'v.mp4'")
            page.wait_for_selector("#copy-strip .frame img")
            assert words["frames"] in page.inner_text("#copy")
            n = page.locator("#copy-strip .frame").count()
            assert n >= 5 and page.locator("#copy-strip .frame.found").count() == 1
            page.wait_for_function("[...document.querySelectorAll('#copy-strip .frame img')].every(i => i.complete "
                                   "&& i.naturalWidth > 0)")
            page.wait_for_function("document.querySelector('#player').readyState >= 1", timeout=20_000)
            assert page.evaluate("document.querySelector('#player').duration") == pytest.approx(2.0, abs=0.3)
            page.locator("#copy-strip .frame.found").click()
            page.wait_for_function("Math.abs(document.querySelector('#player').currentTime - 1.0) < 0.6")
            assert page.locator("#draw, #remake, .fix").count() == 0 and page.locator("#fix-video").count() == 1
            page.screenshot(path=str(ARTIFACTS / f"review_video_{lang}.png"))
            # in the grid, the copy as it will be posted: a frame of it; Enter plays it in the list's detail
            page.keyboard.press("g")
            page.wait_for_function("document.querySelector(\"main.grid #list .row img[src^='/img/frame?']\")"
                                   "?.naturalWidth > 0")
            page.keyboard.press("Enter")
            page.wait_for_selector("main:not(.grid) #player")


@pytest.mark.slow
def test_the_cover_key_makes_the_copy_again_in_headless_chromium(review_copy: Path) -> None:
    """Issue 40: a possible face a hand fix left for review is drawn on the copy; c covers it, the copy is
    made again and screened again, and the item is gone with the copy it was seen on."""
    leave_for_review(review_copy, "landscape_coffee.jpg", [30, 40, 60, 50])
    before = (review_copy / "copies" / "landscape_coffee.jpg").read_bytes()
    with review_page(review_copy / "report", "review_items_cover_failure.png") as page:
        page.wait_for_selector("#list .row")
        page.locator("#list .row[data-path='landscape_coffee.jpg']").click()
        page.wait_for_selector("#copy .stage .box.item.selected")  # drawn on the copy
        assert page.locator("#original .stage .box.item").count() == 0
        assert page.inner_text("#copy .stage .box.item .label") == "1 possible face"
        page.keyboard.press("c")
        page.wait_for_function("document.querySelector('#fix-status')?.textContent?.startsWith("
                               "'copy made again and screened')", timeout=180_000)  # no item left
        assert page.locator("#copy .stage .box.item").count() == 0
        assert page.locator("#cover-list li").last.inner_text().startswith("face [30, 40, 60, 50]")
        assert (review_copy / "copies" / "landscape_coffee.jpg").read_bytes() != before
        page.screenshot(path=str(ARTIFACTS / "review_items_cover.png"))
