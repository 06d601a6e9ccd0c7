"""A coordinator's review session, scripted (issue 40): how long the page makes a person wait, and the
keys pressed, on an event folder of N photos (goal for 500: the app adds <= 60 s in all, and approving
every ok copy takes <= 3 actions).

Makes a report folder as `batch --redact-to` writes one (scripts/bench/review.py's make_report, event mix:
about 90% ok copies, review for blur or exposure, block for a caption naming a student, 1-2 errors),
starts `photoscreen review` on it and drives it in Debian's headless Chromium, with the keyboard where
the page has a key: the grid of copies looked through page by page (PageDown, then the next page),
every ok copy approved at once (A, then OK in the confirmation), the review copies filtered and given one
decision each (a or r), the first of them fixed by hand (a box drawn, the copy made again), the blocked
copies rejected, then `photoscreen export`. The scripted person thinks for no time: what is timed is the
page, from each key or click until it shows its result (rows, pictures loaded, the copy made again).
A person's time is priced as in "Decide, don't defer" (issue 38): 0.5 s per ok copy looked at in the
grid, 3 s per block, 15 s per review, 20 s per error; the page's time is added. Prints figures; asserts
nothing (tests/review/test_review_session_browser.py runs it on 20 photos).

    .venv/bin/python -m scripts.bench.review_session [--photos 500]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from scripts.bench.review import chromium_path, make_report, start_review

# a person's seconds per copy of each verdict (issue 38, "Decide, don't defer")
PRICES = {"ok": 0.5, "block": 3.0, "review": 15.0, "error": 20.0}
TIMEOUT = 60_000  # ms: the longest the page may take to show what an action did
FIX_TIMEOUT = 300_000  # ms: a hand fix screens the copy again, the models loaded on the first one

# the pictures of the rows in view are loaded (an error row's picture is replaced by a note)
PICTURES_SHOWN = """() => { const list = document.querySelector('#list'); const r = list.getBoundingClientRect();
  const shown = [...list.querySelectorAll('.row img')].filter(i => { const b = i.getBoundingClientRect();
    return b.bottom > r.top && b.top < r.bottom; });
  return list.querySelector('.row') !== null && shown.every(i => i.complete); }"""
CURRENT = "document.querySelector('#current-path')?.textContent"
STATE = """(() => { const l = document.querySelector('#list');
  return {page: document.querySelector('#page')?.textContent, top: l.scrollTop, height: l.clientHeight, scroll: l.scrollHeight,
          loading: [...l.querySelectorAll('.row img')].filter(i => !i.complete).map(i => i.src.slice(-30))}; })()"""
# the paths of every photo approved, as the app lists them (all pages)
APPROVED = """async () => { const out = [];
  for (let page = 1; ; page++) {
    const d = await (await fetch('/api/photos?approved=1&per_page=500&page=' + page)).json();
    out.push(...d.rows.map(r => r.path)); if (page >= d.pages) return out; } }"""
# the list scrolled down from ``top`` (Chromium runs without smooth scrolling: a key scrolls at once)
SCROLLED = "(top) => document.querySelector('#list').scrollTop > top"
# the photo chosen is shown: its path, and its copy (or the note that stands for it) loaded
DETAIL_SHOWN = """(path) => document.querySelector('#current-path')?.textContent === path
  && [...document.querySelectorAll('#detail .stage img')].every(i => i.complete)"""


@dataclass
class Session:
    """What the scripted session did: the page's seconds and the actions, by kind of action."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    keys: Counter = field(default_factory=Counter)  # keystrokes per kind
    clicks: Counter = field(default_factory=Counter)  # mouse actions (clicks, a drag) per kind
    verdicts: Counter = field(default_factory=Counter)  # the copies' verdicts in the report
    approve_ok_actions: int = 0  # keys and clicks that approved the ok copies
    ok_left_undecided: int = -1  # ok copies still undecided at the end (the app's own count)
    ok_approved: int = -1  # the report's ok copies approved at the end
    export_seconds: float = 0.0
    exported: int = 0

    @property
    def page_seconds(self) -> float:
        return sum(sum(v) for v in self.seconds.values())

    def person_seconds(self) -> float:
        return sum(PRICES[v] * n for v, n in self.verdicts.items())


class Coordinator:
    """Acts on the page and times it: ``act`` does one thing, then waits until the page shows its result."""

    def __init__(self, page, session: Session) -> None:
        self.page, self.session = page, session

    def act(self, kind: str, do, until: str, arg=None, keys: int = 0, clicks: int = 0, timeout: int = TIMEOUT) -> None:
        start = time.perf_counter()
        do()
        try:
            self.page.wait_for_function(until, arg=arg, timeout=timeout)
        except Exception as exc:  # playwright's TimeoutError: say which step
            raise RuntimeError(f"the page did not show the result of {kind!r} within {timeout / 1000:g} s "
                               f"(the photo shown: {self.page.evaluate(CURRENT)!r}; {self.page.evaluate(STATE)})") from exc
        self.session.seconds[kind].append(time.perf_counter() - start)
        self.session.keys[kind] += keys
        self.session.clicks[kind] += clicks

    def press(self, kind: str, key: str, until: str, arg=None) -> None:
        self.act(kind, lambda: self.page.keyboard.press(key), until, arg, keys=1)

    def paths(self) -> list[str]:
        return self.page.locator("#list .row").evaluate_all("rows => rows.map(r => r.dataset.path)")

    def look_through_grid(self) -> None:
        """g, then every page of the grid: PageDown until its last tile is in view, then the next page."""
        self.press("grid view (g)", "g", "() => document.querySelector('main.grid #list .row img[src^=\"/img/copy\"]') "
                   "!== null && document.activeElement.matches('#list .row') && (" + PICTURES_SHOWN + ")()")
        pages = int(self.page.inner_text("#page").split()[-1])
        for number in range(1, pages + 1):
            while not self.page.evaluate("(l => l.scrollTop + l.clientHeight >= l.scrollHeight - 2)"
                                         "(document.querySelector('#list'))"):
                top = self.page.evaluate("document.querySelector('#list').scrollTop")
                self.press("look: PageDown in the grid", "PageDown",
                           "(top) => (" + SCROLLED + ")(top) && (" + PICTURES_SHOWN + ")()", arg=top)
            if number < pages:
                self.act("look: next page", lambda: self.page.click("#next-page"),
                         f"() => document.querySelector('#page')?.textContent?.startsWith('page {number + 1} of') "
                         f"&& document.activeElement.matches('#list .row') && ({PICTURES_SHOWN})()", clicks=1)

    def approve_ok_copies(self, expected_undecided: int) -> None:
        """A, then OK in the confirmation: every undecided ok copy of the view (all pages)."""
        self.page.once("dialog", lambda d: d.accept())
        before = sum(self.session.keys.values()) + sum(self.session.clicks.values())
        self.act("approve every ok copy (A, OK)", lambda: self.page.keyboard.press("Shift+A"),
                 "(n) => document.querySelector('#bulk-status')?.textContent?.startsWith('approved: ')"
                 " && document.querySelector('#count')?.textContent?.endsWith('; ' + n + ' undecided')",
                 arg=expected_undecided, keys=1, clicks=1)
        self.session.approve_ok_actions = sum(self.session.keys.values()) + sum(self.session.clicks.values()) - before

    def show_copies(self, verdict: str) -> list[str]:
        """The Copy filter set to ``verdict`` (open the list, choose: two clicks), then a click on the first
        row: after a filter is chosen the keys go to the filter, not to the page."""
        self.act("filter by the copy's verdict", lambda: self.page.select_option("#f-copy", verdict),
                 "(v) => { const rows = [...document.querySelectorAll('#list .row')]; return rows.length > 0 && "
                 "rows.every(r => r.querySelectorAll('.badge')[1]?.classList.contains(v)); }", arg=verdict, clicks=2)
        paths = self.paths()
        self.act("click the first row (keys back to the page)", lambda: self.page.locator("#list .row").first.click(),
                 DETAIL_SHOWN, arg=paths[0], clicks=1)
        return paths

    def next_page(self) -> list[str]:
        """The next page of the list (a click), and its rows; none on the last page."""
        number, _, pages = self.page.inner_text("#page").split()[1:4]
        if int(number) >= int(pages):
            return []
        self.act("next page", lambda: self.page.click("#next-page"),
                 f"() => document.querySelector('#page')?.textContent?.startsWith('page {int(number) + 1} of') && "
                 f"({DETAIL_SHOWN})(document.querySelector('#list .row')?.dataset?.path)", clicks=1)
        return self.paths()

    def decide_each(self, kind: str, paths: list[str], keys: list[str]) -> None:
        """One key per row, in order: the row shows its decision and the next photo is shown."""
        for i, (path, key) in enumerate(zip(paths, keys)):
            nxt = paths[min(i + 1, len(paths) - 1)]
            done = ("([path, next]) => document.querySelector('#list .row[data-path=\"' + CSS.escape(path) + "
                    "'\"] .decision') !== null && (" + DETAIL_SHOWN + ")(next)")
            self.press(kind, key, done, arg=[path, nxt])

    def fix_current(self) -> None:
        """The Fix panel: Draw a box, drag it over the original, Make the copy again."""
        self.act("fix: draw a box (button)", lambda: self.page.click("#draw"),
                 "() => document.querySelector('#draw.on') !== null", clicks=1)
        box = self.page.locator("#original .stage").bounding_box()

        def drag() -> None:
            self.page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
            self.page.mouse.down()
            self.page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=4)
            self.page.mouse.up()
        self.act("fix: drag the box", drag, "() => document.querySelector('#cover-list li.pending') !== null", clicks=1)
        path = self.page.inner_text("#current-path")
        self.act("fix: make the copy again (screened again)", lambda: self.page.click("#remake"),
                 "(path) => document.querySelector('#fix-status')?.textContent?.startsWith('copy made again') && ("
                 + DETAIL_SHOWN + ")(path)", arg=path, clicks=1, timeout=FIX_TIMEOUT)


def review_key(i: int) -> str:
    """The scripted decision on the i-th review copy: every fourth rejected, the others approved."""
    return "r" if i % 4 == 3 else "a"


def review_keys(n: int) -> list[str]:
    return [review_key(i) for i in range(n)]


def run_session(report: Path, export_to: Path) -> Session:
    """The whole session on the report folder (made by make_report(event=True)), then the export."""
    from playwright.sync_api import sync_playwright

    rows = json.loads((report / "report.json").read_text())["images"]
    session = Session(verdicts=Counter(r["verdict"] for r in rows))
    proc, url = start_review(report, "--lang", "en")
    try:
        with sync_playwright() as p:
            # without smooth scrolling a key scrolls at once: the browser's animation is not the app's time
            browser = p.chromium.launch(executable_path=str(chromium_path()),
                                        args=["--no-sandbox", "--disable-smooth-scrolling"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT)
            try:
                c = Coordinator(page, session)
                c.act("open the page", lambda: page.goto(url), PICTURES_SHOWN)
                c.look_through_grid()
                c.approve_ok_copies(len(rows) - session.verdicts["ok"])
                c.press("list view (g)", "g", "() => document.querySelector('main:not(.grid) #list .row img[src^=\"/img/thumb\"]') "
                        "!== null && document.querySelector('#list .row img[src^=\"/img/copy\"]') === null")
                paths = c.show_copies("review")
                c.fix_current()
                # its copy made again may be blocked: the a key does not approve it, so r
                fixed_blocked = page.inner_text("#approve") != "Approve (a)"
                done = 0
                while paths:
                    keys = [review_key(done + i) for i in range(len(paths))]
                    if done == 0 and fixed_blocked:
                        keys[0] = "r"
                    c.decide_each("decide a review copy (a or r)", paths, keys)
                    done += len(paths)
                    paths = c.next_page()
                if session.verdicts["block"]:
                    paths = c.show_copies("block")
                    while paths:
                        c.decide_each("reject a blocked copy (r)", paths, ["r"] * len(paths))
                        paths = c.next_page()
                ok = {r["path"] for r in rows if r["verdict"] == "ok"}
                session.ok_approved = len(ok & set(page.evaluate(APPROVED)))
                session.ok_left_undecided = page.evaluate(
                    "fetch('/api/photos?copy_verdict=ok&undecided=1').then(r => r.json()).then(d => d.total)")
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline.cli", "--lang", "en", "export", str(report), "--to", str(export_to)],
                   capture_output=True, timeout=600)
    session.export_seconds = time.perf_counter() - start
    session.exported = sum(1 for f in export_to.rglob("*") if f.is_file())
    return session


def show(session: Session, n: int) -> None:
    v = session.verdicts
    print(f"report: {n} photos, copies ok {v['ok']}, review {v['review']}, block {v['block']}, error {v['error']}")
    print(f"{'action':<48} {'n':>4} {'keys':>5} {'clicks':>6} {'page s':>8} {'median ms':>10} {'max ms':>8}")
    for kind, times in session.seconds.items():
        print(f"{kind:<48} {len(times):>4} {session.keys[kind]:>5} {session.clicks[kind]:>6} {sum(times):>8.2f} "
              f"{statistics.median(times) * 1000:>10.0f} {max(times) * 1000:>8.0f}")
    keys, clicks = sum(session.keys.values()), sum(session.clicks.values())
    print(f"page time in all: {session.page_seconds:.1f} s; export (photoscreen export, {session.exported} copies): "
          f"{session.export_seconds:.1f} s; the app adds {session.page_seconds + session.export_seconds:.1f} s "
          f"(goal for 500 photos: <= 60 s)")
    print(f"keystrokes {keys}, mouse actions {clicks}; approving every ok copy took {session.approve_ok_actions} "
          f"actions (goal: <= 3); ok copies approved {session.ok_approved} of {v['ok']}, left undecided "
          f"{session.ok_left_undecided}")
    person = session.person_seconds()
    total = person + session.page_seconds + session.export_seconds
    print(f"a person's time, priced as in issue 38 (0.5 s per ok copy, 3 s per block, 15 s per review, 20 s per "
          f"error): {person / 60:.1f} min + the app's {(session.page_seconds + session.export_seconds) / 60:.1f} min "
          f"= {total / 60:.1f} min; per 500 photos {total * 500 / n / 60:.1f} min (aim: 10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=500)
    args = parser.parse_args()
    if chromium_path() is None:
        sys.exit("playwright or Debian's chromium is not installed (make system-deps)")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = make_report(Path(tmp), args.photos, event=True)
        print(f"{args.photos} photos and their copies made in {time.perf_counter() - start:.1f} s")
        show(run_session(report, Path(tmp) / "approved"), args.photos)


if __name__ == "__main__":
    main()
