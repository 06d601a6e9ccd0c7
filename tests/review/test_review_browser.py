"""The review app in a real browser: Debian's headless Chromium driven by Playwright (no browser is
downloaded). Filter, approve three photos with the keyboard, reject one, draw a cover on one and see
its copy made again, reload and find the decisions kept, export, and check the exported folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from browser_helpers import ARTIFACTS, NEEDS_CHROMIUM, chromium_page, review_app, review_page
from conftest import REPO, STUDENT_ID, XSS_NAME, hand_report

pytestmark = NEEDS_CHROMIUM


@pytest.mark.slow
def test_review_in_headless_chromium(review_copy: Path, tmp_path: Path) -> None:
    dialogs: list[str] = []
    with review_app(review_copy / "report") as url:
        on = {"dialog": lambda d: (dialogs.append(d.message), d.dismiss())}
        with chromium_page("review_app_failure.png", on=on) as page:
            page.goto(url)
            page.wait_for_selector("#list .row")
            assert page.locator("#list .row").count() == 6
            assert "token" not in page.url  # the cookie carries it from now on

            # a hostile file name is shown as text, never run
            page.fill("#f-q", "day2")
            page.wait_for_function("document.querySelectorAll('#list .row').length === 1")
            assert page.inner_text("#list .row .path") == f"day2/{XSS_NAME}"
            assert page.inner_text("#current-path") == f"day2/{XSS_NAME}"
            assert page.locator("img[src='x']").count() == 0 and not dialogs
            page.fill("#f-q", "")
            page.wait_for_function("document.querySelectorAll('#list .row').length === 6")

            # filter on the original's verdict, approve the three ok photos with the keyboard
            page.select_option("#f-verdict", "ok")
            page.wait_for_function("document.querySelectorAll('#list .row').length === 3")
            approved = page.locator("#list .row").evaluate_all("rows => rows.map(r => r.dataset.path)")
            page.locator("#list .row").first.click()  # the keys go to the page, not to the filter
            for path in approved:
                page.wait_for_function(f"document.querySelector('#current-path')?.textContent === {path!r}")
                page.keyboard.press("a")
                page.wait_for_selector(f"#list .row[data-path={_css(path)}] .decision.approve")
            page.select_option("#f-verdict", "")
            page.wait_for_function("document.querySelectorAll('#list .row').length === 6")

            # reject one: move to it with the arrow keys, then r
            paths = page.locator("#list .row").evaluate_all("rows => rows.map(r => r.dataset.path)")
            page.locator("#list .row").first.click()
            for _ in range(paths.index("sideways_notice.jpg")):
                page.keyboard.press("ArrowDown")
            page.wait_for_function("document.querySelector('#current-path')?.textContent === 'sideways_notice.jpg'")
            page.keyboard.press("r")
            page.wait_for_selector("#list .row[data-path='sideways_notice.jpg'] .decision.reject")

            # draw a cover on the classroom photo; its copy is made again and screened again
            before = (review_copy / "copies" / "classroom_composite.jpg").read_bytes()
            page.locator("#list .row[data-path='classroom_composite.jpg']").click()
            page.wait_for_selector("#original .stage img")
            page.wait_for_function("document.querySelector('#original .stage img')?.complete")
            covers = page.locator("#cover-list li").count()
            page.click("#draw")
            box = page.locator("#original .stage").bounding_box()
            page.mouse.move(box["x"] + box["width"] * 0.05, box["y"] + box["height"] * 0.05)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.15, steps=5)
            page.mouse.up()
            assert page.locator("#cover-list li.pending").count() == 1
            page.click("#remake")
            page.wait_for_function("document.querySelector('#fix-status')?.textContent?.startsWith('copy made again')",
                                   timeout=180_000)
            assert page.locator("#cover-list li").count() == covers + 1
            assert (review_copy / "copies" / "classroom_composite.jpg").read_bytes() != before
            page.screenshot(path=str(ARTIFACTS / "review_app.png"))

            # reload: the decisions are kept
            page.reload()
            page.wait_for_selector("#list .row")
            assert page.locator("#list .row .decision.approve").count() == 3
            assert page.locator("#list .row .decision.reject").count() == 1
            page.click("#f-undecided")
            page.wait_for_function("document.querySelectorAll('#list .row').length === 2")
            # the decision filters beside it: rows in any of the states checked
            page.click("#f-undecided")
            page.click("#f-rejected")
            page.wait_for_function("document.querySelectorAll('#list .row').length === 1")
            assert page.inner_text("#list .row .path") == "sideways_notice.jpg"
            page.click("#f-approved")
            page.wait_for_function("document.querySelectorAll('#list .row').length === 4")
            page.click("#f-rejected")
            page.wait_for_function("document.querySelectorAll('#list .row').length === 3")
            assert sorted(page.locator("#list .row").evaluate_all("rows => rows.map(r => r.dataset.path)")) == \
                sorted(approved)
        assert not dialogs

        to = tmp_path / "approved"
        result = subprocess.run([sys.executable, "-m", "pipeline.cli", "export", str(review_copy / "report"), "--to",
                                 str(to)], capture_output=True, text=True, cwd=REPO, timeout=120)
        assert result.returncode == 1, result.stderr  # the undecided and the rejected are left out
        exported = sorted(p.relative_to(to).as_posix() for p in to.rglob("*") if p.is_file())
        assert exported == sorted(approved)
        for name in exported:
            assert (to / name).read_bytes() == (review_copy / "copies" / name).read_bytes()


@pytest.mark.slow
def test_not_a_face_and_approve_anyway_in_headless_chromium(review_copy: Path) -> None:
    """photoscreen's covers are dismissed as "not a face" (never simply removed); the copy made again
    is blocked by its re-screen, and is approved only "anyway", with the reason in the note."""
    with review_page(review_copy / "report", "review_app_override_failure.png") as page:
        page.wait_for_selector("#list .row")
        page.locator("#list .row[data-path='classroom_composite.jpg']").click()
        page.wait_for_selector("#cover-list li")
        buttons = page.locator("#cover-list li button")
        assert buttons.count() == 7 and set(buttons.all_inner_texts()) == {"not a face", "not sensitive"}
        for i in range(7):
            buttons.nth(i).click()
        page.click("#remake")
        page.wait_for_function("document.querySelector('#fix-status')?.textContent?.startsWith('copy made again "
                               "and screened')", timeout=180_000)
        assert page.inner_text("#fix-status").endswith("block")
        assert page.locator("#cover-list li").count() == 0
        assert "not covered" in page.inner_text("#copy .reasons")
        assert page.inner_text("#approve") == "Approve anyway (with a reason)"
        page.click("#approve")  # no reason yet: not approved
        assert "reason written in the note" in page.text_content("#decision")
        page.fill("#note", "the families agreed")
        page.click("#approve")
        row = "#list .row[data-path='classroom_composite.jpg'] .decision"
        page.wait_for_selector(row)
        assert page.text_content(row) == "approved anyway"


@pytest.mark.slow
def test_the_page_in_french_shows_french_words_and_sends_the_apis_names(review_copy: Path) -> None:
    """Issue 40: in French the undecided filter sent "sans+décision=1" (fixed in 4fa887d) and the labels mixed
    the languages ("masqué : face"): the words shown are French, the names sent are the API's."""
    asked: list[str] = []
    on = {"request": lambda r: asked.append(r.url) if "/api/photos" in r.url else None}
    with review_page(review_copy / "report", "review_app_french_failure.png", lang="fr", on=on) as page:
        page.wait_for_selector("#list .row")
        assert "Cadre : classe" in page.inner_text("header")
        reasons = page.locator("#f-reason option").all_inner_texts()
        assert "visage (1)" in reasons and "numéro d'élève (1)" in reasons and "orientation (1)" in reasons
        assert "face (1)" not in reasons
        shown = [r for r in reasons[1:]]  # after "any": in the order of the French words shown
        assert shown == sorted(shown, key=lambda r: r.casefold().replace("é", "e")), shown
        page.select_option("#f-reason", label="visage (1)")  # the value sent is the kind's name
        page.wait_for_function("document.querySelectorAll('#list .row').length === 1")
        assert "reason=face" in asked[-1]
        page.select_option("#f-reason", "")
        page.locator("#list .row[data-path='classroom_composite.jpg']").click()
        page.wait_for_selector("#copy .box .label")
        covers = page.locator("#copy .box .label").all_inner_texts()
        assert "masqué : visage" in covers and "masqué : numéro d'élève" in covers
        assert not [c for c in covers if "face" in c or "student" in c]
        items = page.locator("#cover-list li").all_inner_texts()
        assert items and all(i.startswith(("visage [", "nom [", "note [", "numéro d'élève [")) for i in items), items
        assert all("mosaïque de pixels" in i or "masque plein" in i for i in items), items
        assert set(page.locator("#cover-kind option").all_inner_texts()) == {
            "visage", "nom", "numéro d'élève", "note", "code-barres"}
        # the undecided filter sends undecided=1 (its label is French, its name is not)
        page.keyboard.press("r")
        page.wait_for_selector("#list .row[data-path='classroom_composite.jpg'] .decision.reject")
        page.click("#f-undecided")
        page.wait_for_function("document.querySelectorAll('#list .row').length === 5")
        assert "undecided=1" in asked[-1] and "d%C3%A9cision" not in asked[-1]


@pytest.mark.slow
def test_the_a_key_never_approves_a_blocked_photo(tmp_path: Path) -> None:
    """Issue 40: the a key approved a blocked file "anyway" whenever the note held text (an earlier note
    among them). It never approves one: only the "Approve anyway" button does, with the reason."""
    base = hand_report(tmp_path, {"a_blocked.jpg": ("block", [STUDENT_ID]), "b_fine.jpg": ("ok", [])})
    with review_page(base / "report", "review_app_a_key_failure.png") as page:
        page.wait_for_function("document.querySelector('#current-path')?.textContent === 'a_blocked.jpg'")
        assert page.inner_text("#approve") == "Approve anyway (with a reason)"
        page.keyboard.press("a")  # no note
        assert "the a key does not approve it" in page.text_content("#decision")
        assert page.evaluate("document.activeElement.id") == "note"
        page.fill("#note", "the family agreed")
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("a")  # a note now, still not with the key
        assert "the a key does not approve it" in page.text_content("#decision")
        page.wait_for_timeout(500)
        assert page.locator("#list .row .decision").count() == 0
        page.click("#approve")  # the button, with the reason: approved anyway
        row = "#list .row[data-path='a_blocked.jpg'] .decision"
        page.wait_for_selector(row)
        assert page.text_content(row) == "approved anyway"
        page.wait_for_function("document.querySelector('#current-path')?.textContent === 'b_fine.jpg'")
        page.keyboard.press("a")  # a photo that is not blocked: the key approves it
        page.wait_for_selector("#list .row[data-path='b_fine.jpg'] .decision.approve")
        assert page.text_content("#list .row[data-path='b_fine.jpg'] .decision") == "approved"


@pytest.mark.slow
def test_bulk_approve_of_the_ok_photos_in_two_actions(tmp_path: Path) -> None:
    """Issue 40: every undecided ok photo of the filter in view approved in two actions (A, then OK in the
    confirmation, which says how many); block and review stay undecided."""
    rows = {f"ok_{i:02d}.jpg": ("ok", []) for i in range(4)}
    rows |= {"x_blocked.jpg": ("block", [STUDENT_ID]), "y_review.jpg": ("review", [])}
    base = hand_report(tmp_path, rows)
    dialogs: list[str] = []
    on = {"dialog": lambda d: (dialogs.append(d.message), d.accept())}
    with review_page(base / "report", "review_app_bulk_failure.png", on=on) as page:
        page.wait_for_selector("#list .row")
        assert "A (shift+a) approve every undecided ok photo" in page.inner_text("#keys")  # key help: no copies here
        page.keyboard.press("Shift+A")  # action 1; action 2: OK in the confirmation
        page.wait_for_function("document.querySelectorAll('#list .row .decision.approve').length === 4")
        assert dialogs == ["Approve the 4 ok photos shown?"]
        assert page.inner_text("#bulk-status") == "approved: 4"
        for path in ("x_blocked.jpg", "y_review.jpg"):
            assert page.locator(f"#list .row[data-path={_css(path)}] .decision").count() == 0
        page.screenshot(path=str(ARTIFACTS / "review_app_bulk_approve.png"))
        page.keyboard.press("Shift+A")  # nothing left to approve: no confirmation, it says so
        page.wait_for_function("document.querySelector('#bulk-status')?.textContent?.startsWith('no undecided')")
        assert len(dialogs) == 1


@pytest.mark.slow
def test_the_grid_of_copies_with_the_keyboard(review_copy: Path) -> None:
    """Issue 40: g shows the copies as they will be posted, many to a screen; the arrow keys move (up and
    down by a row of tiles), a approves, r rejects, Enter opens full size, Esc closes, g goes back to the list."""
    # the hidden detail's full-size pictures (the original, the copy with a time stamp): not fetched in the grid
    full_size: list[str] = []
    on = {"request": lambda r: full_size.append(r.url) if "/img/original?" in r.url or "&t=" in r.url else None}
    with review_page(review_copy / "report", "review_app_grid_failure.png", on=on) as page:
        page.wait_for_selector("#list .row")
        page.keyboard.press("g")
        page.wait_for_selector("main.grid #list .row img[src^='/img/copy?']")
        fetched = len(full_size)
        assert page.get_attribute("#view", "aria-pressed") == "true" and page.inner_text("#view") == "List view (g)"
        assert not page.is_visible("#detail")
        paths = page.locator("#list .row").evaluate_all("rows => rows.map(r => r.dataset.path)")
        columns = page.evaluate("getComputedStyle(document.querySelector('#list')).gridTemplateColumns.split(' ').length")
        assert columns >= 3  # many to a screen
        width = page.locator("#list .row img").first.bounding_box()["width"]
        assert width >= 200  # large enough to judge
        current = "document.querySelector('#list .row.current').dataset.path"
        assert page.evaluate(current) == paths[0] and page.evaluate("document.activeElement.dataset.index") == "0"
        page.keyboard.press("ArrowRight")
        assert page.evaluate(current) == paths[1]
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowDown")
        assert page.evaluate(current) == paths[min(columns, len(paths) - 1)]
        page.keyboard.press("ArrowUp")
        assert page.evaluate(current) == paths[0]
        page.wait_for_timeout(300)
        assert len(full_size) == fetched, full_size[fetched:]  # four moves, no full-size picture fetched
        # to the last tile and back: the list scrolls, the page does not (the header and filters stay in sight)
        page.set_viewport_size({"width": 1000, "height": 560})
        for _ in paths:
            page.keyboard.press("ArrowRight")
        assert page.evaluate(current) == paths[-1]
        assert page.evaluate("window.scrollY") == 0 and page.is_visible("#filters")
        assert page.evaluate("document.querySelector('#list').scrollTop") > 0
        for _ in paths:
            page.keyboard.press("ArrowLeft")
        assert page.evaluate(current) == paths[0]
        page.keyboard.press("Enter")
        page.wait_for_selector("#zoom:not([hidden]) img[src^='/img/copy?']")
        page.keyboard.press("a")  # the full-size view is open: keys other than Esc wait
        page.keyboard.press("Escape")
        assert page.is_hidden("#zoom")
        assert page.locator("#list .row .decision").count() == 0
        first = paths[0]
        page.keyboard.press("a" if first != "classroom_composite.jpg" else "r")
        page.wait_for_selector(f"#list .row[data-path={_css(first)}] .decision")
        page.wait_for_function(f"{current} === {paths[1]!r}")  # on to the next
        page.keyboard.press("r")
        page.wait_for_selector(f"#list .row[data-path={_css(paths[1])}] .decision.reject")
        page.screenshot(path=str(ARTIFACTS / "review_app_grid.png"))
        page.keyboard.press("g")
        page.wait_for_selector("main:not(.grid) #detail #current-path")
        assert page.inner_text("#view") == "Grid view (g)"


def _css(value: str) -> str:
    """A CSS attribute value in quotes, for any file name."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
