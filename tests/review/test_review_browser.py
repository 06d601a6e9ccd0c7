"""The review app in a real browser: Debian's headless Chromium driven by Playwright (no browser is
downloaded). Filter, approve three photos with the keyboard, reject one, draw a cover on one and see
its copy made again, reload and find the decisions kept, export, and check the exported folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, XSS_NAME

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (make system-deps)")
ARTIFACTS = REPO / "reports" / "test-artifacts"


@pytest.fixture
def server(review_copy: Path):
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "review", str(review_copy / "report"),
                             "--who", "browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    line = proc.stdout.readline()
    assert "http://127.0.0.1:" in line, line + proc.stderr.read(3000)
    yield line.split("open ", 1)[1].strip()
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.slow
def test_review_in_headless_chromium(server: str, review_copy: Path, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dialogs: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            page.goto(server)
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
                page.wait_for_function(f"document.querySelector('#current-path').textContent === {path!r}")
                page.keyboard.press("a")
                page.wait_for_selector(f"#list .row[data-path={_css(path)}] .decision.approve")
            page.select_option("#f-verdict", "")
            page.wait_for_function("document.querySelectorAll('#list .row').length === 6")

            # reject one: move to it with the arrow keys, then r
            paths = page.locator("#list .row").evaluate_all("rows => rows.map(r => r.dataset.path)")
            page.locator("#list .row").first.click()
            for _ in range(paths.index("sideways_notice.jpg")):
                page.keyboard.press("ArrowDown")
            page.wait_for_function("document.querySelector('#current-path').textContent === 'sideways_notice.jpg'")
            page.keyboard.press("r")
            page.wait_for_selector("#list .row[data-path='sideways_notice.jpg'] .decision.reject")

            # draw a cover on the classroom photo; its copy is made again and screened again
            before = (review_copy / "copies" / "classroom_composite.jpg").read_bytes()
            page.locator("#list .row[data-path='classroom_composite.jpg']").click()
            page.wait_for_selector("#original .stage img")
            page.wait_for_function("document.querySelector('#original .stage img').complete")
            covers = page.locator("#cover-list li").count()
            page.click("#draw")
            box = page.locator("#original .stage").bounding_box()
            page.mouse.move(box["x"] + box["width"] * 0.05, box["y"] + box["height"] * 0.05)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.15, steps=5)
            page.mouse.up()
            assert page.locator("#cover-list li.pending").count() == 1
            page.click("#remake")
            page.wait_for_function("document.querySelector('#fix-status').textContent.startsWith('copy made again')",
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
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "review_app_failure.png"))
            raise
        finally:
            browser.close()
    assert not dialogs

    to = tmp_path / "approved"
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "export", str(review_copy / "report"), "--to", str(to)],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 1, result.stderr  # the undecided and the rejected are left out
    exported = sorted(p.relative_to(to).as_posix() for p in to.rglob("*") if p.is_file())
    assert exported == sorted(approved)
    for name in exported:
        assert (to / name).read_bytes() == (review_copy / "copies" / name).read_bytes()


@pytest.mark.slow
def test_not_a_face_and_approve_anyway_in_headless_chromium(server: str, review_copy: Path) -> None:
    """photoscreen's covers are dismissed as "not a face" (never simply removed); the copy made again
    is blocked by its re-screen, and is approved only "anyway", with the reason in the note."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(server)
            page.wait_for_selector("#list .row")
            page.locator("#list .row[data-path='classroom_composite.jpg']").click()
            page.wait_for_selector("#cover-list li")
            buttons = page.locator("#cover-list li button")
            assert buttons.count() == 7 and set(buttons.all_inner_texts()) == {"not a face", "not sensitive"}
            for i in range(7):
                buttons.nth(i).click()
            page.click("#remake")
            page.wait_for_function("document.querySelector('#fix-status').textContent.startsWith('copy made again "
                                   "and screened')", timeout=180_000)
            assert page.inner_text("#fix-status").endswith("block")
            assert page.locator("#cover-list li").count() == 0
            assert "not covered" in page.inner_text("#copy .reasons")
            assert page.inner_text("#approve") == "Approve anyway (a)"
            page.click("#approve")  # no reason yet: not approved
            assert "reason written in the note" in page.text_content("#decision")
            page.fill("#note", "the families agreed")
            page.click("#approve")
            row = "#list .row[data-path='classroom_composite.jpg'] .decision"
            page.wait_for_selector(row)
            assert page.text_content(row) == "approved anyway"
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "review_app_override_failure.png"))
            raise
        finally:
            browser.close()


def _css(value: str) -> str:
    """A CSS attribute value in quotes, for any file name."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
