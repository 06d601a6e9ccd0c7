"""The browser tests' scaffolding, written once: Debian's headless Chromium driven by Playwright (no browser
is downloaded) and the review app started as ``photoscreen review`` in its own process.

    with review_page(report, "review_app_failure.png") as page:
        ...

starts the app on ``report``, opens its page with the token, and on an exception inside the block keeps a
screenshot of the page in reports/test-artifacts/ under the name given; the browser is closed and the app
stopped whatever happens. ``review_app`` (the app alone, its address) and ``chromium_page`` (a page alone)
serve the tests that want more than one app or keep the app running after the browser is closed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api")
NEEDS_CHROMIUM = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (make system-deps)")
ARTIFACTS = REPO / "reports" / "test-artifacts"


@contextmanager
def review_app(report: Path, lang: str = "en", *extra: str) -> Iterator[str]:
    """``photoscreen --lang LANG review REPORT --who browser EXTRA...`` in its own process: its address, with
    the token. The test fails with what it printed when it starts no server; stopped at the end."""
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "--lang", lang, "review", str(report),
                             "--who", "browser", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO)
    line = proc.stdout.readline()
    if "http://127.0.0.1:" not in line:  # no server to hand on: stop it here, not never
        proc.kill()
        pytest.fail(line + proc.stderr.read(3000))
    try:
        yield line[line.index("http://"):].strip()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def chromium_page(failure_shot: str | None, viewport: tuple[int, int] = (1400, 1000),
                  on: dict[str, Callable] | None = None) -> Iterator:
    """A page in headless Chromium, ``viewport`` (width, height) in size, with the handlers ``on`` (event name:
    handler) listening before anything is opened. An exception inside the block leaves a screenshot of the
    page at ARTIFACTS / ``failure_shot`` (none when None); the browser is closed at the end."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
            for event, handler in (on or {}).items():
                page.on(event, handler)
            try:
                yield page
            except Exception:
                if failure_shot is not None:
                    page.screenshot(path=str(ARTIFACTS / failure_shot))
                raise
        finally:
            browser.close()


@contextmanager
def review_page(report: Path, failure_shot: str, lang: str = "en", extra: tuple[str, ...] = (),
                on: dict[str, Callable] | None = None) -> Iterator:
    """The review app on ``report`` (``review_app(report, lang, *extra)``) open in a Chromium page
    (``chromium_page(failure_shot, on=on)``): the page, at the app's address."""
    with review_app(report, lang, *extra) as url, chromium_page(failure_shot, on=on) as page:
        page.goto(url)
        yield page
