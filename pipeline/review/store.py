"""The reviewer's decisions and fixes, in SQLite beside the report (``review.sqlite``).

A decision is kept for a photo's path *and* content: the original's SHA-256 and the safe copy's
SHA-256 at the time it was taken. A photo that changed, or whose copy was made again (by a fix here
or by the next batch), has no decision until someone decides again. An approval of a photo whose
exported file is blocked is an *override*, kept with the reason the reviewer gave. Rows are never
deleted, so decisions survive restarts of the app and re-runs of the batch; ``history`` keeps every
one taken.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from ..i18n import _

DB_NAME = "review.sqlite"
DECISIONS = ("approve", "reject")
# what a reviewer says of an item the tool left to a person (``listing.items``): it is no face, or it is fine
DISMISSALS = ("not_a_face", "fine")
# "PSRV": marks the file as photoscreen review's own database
APPLICATION_ID = 0x50535256

SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    path TEXT NOT NULL, sha256 TEXT NOT NULL, copy_sha256 TEXT, decision TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', who TEXT NOT NULL, at REAL NOT NULL, override INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (path, sha256));
CREATE TABLE IF NOT EXISTS history (
    path TEXT NOT NULL, sha256 TEXT NOT NULL, copy_sha256 TEXT, decision TEXT NOT NULL,
    note TEXT NOT NULL, who TEXT NOT NULL, at REAL NOT NULL, override INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS fixes (
    path TEXT NOT NULL, sha256 TEXT NOT NULL, covered TEXT NOT NULL, copy_sha256 TEXT NOT NULL,
    copy_verdict TEXT NOT NULL, copy_reasons TEXT NOT NULL, who TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (path, sha256));
CREATE TABLE IF NOT EXISTS seen (
    path TEXT NOT NULL, sha256 TEXT NOT NULL, run INTEGER NOT NULL, PRIMARY KEY (path, sha256));
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, report TEXT NOT NULL UNIQUE, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS dismissals (
    path TEXT NOT NULL, sha256 TEXT NOT NULL, copy_sha256 TEXT NOT NULL, item TEXT NOT NULL, how TEXT NOT NULL,
    who TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (path, sha256, copy_sha256, item));
"""


class StoreError(RuntimeError):
    """The review database cannot be used (damaged, or another program's)."""


@dataclass(frozen=True)
class Decision:
    decision: str
    note: str
    who: str
    at: float
    copy_sha256: str | None
    override: bool = False  # an approval over a block verdict, with the reason in ``note``

    def to_dict(self) -> dict:
        return {"decision": self.decision, "note": self.note, "who": self.who, "at": self.at,
                "override": self.override}


@dataclass(frozen=True)
class Fix:
    """A copy made again by hand: every area it covers now, and its new screening."""

    covered: list[dict]
    copy_sha256: str
    copy_verdict: str
    copy_reasons: list[str]
    who: str
    at: float


class Store:
    """One connection shared by the app's threads (SQLite serialises; a lock keeps commits whole)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / DB_NAME
        self.lock = threading.Lock()
        try:
            self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            app_id = self.db.execute("PRAGMA application_id").fetchone()[0]
            if app_id not in (0, APPLICATION_ID):
                raise StoreError(_("{path} is not photoscreen's review database; move it away").format(
                                     path=self.path))
            self.db.executescript(SCHEMA)
            for table in ("decisions", "history"):  # a database made before overrides were recorded
                if "override" not in {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN override INTEGER NOT NULL DEFAULT 0")
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.commit()
        except sqlite3.DatabaseError as exc:
            raise StoreError(_("the review database {path} is damaged ({exc}): move it away (the "
                               "decisions in it are then lost)").format(
                                 path=self.path, exc=exc)) from None

    # --- decisions ---------------------------------------------------------------------------
    def decide(self, path: str, sha256: str, copy_sha256: str | None, decision: str, note: str, who: str,
               override: bool = False) -> Decision:
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, got {decision!r}")
        if override and (decision != "approve" or not note.strip()):
            raise ValueError("an override is an approval with a reason (a note)")
        now = time.time()
        row = (path, sha256, copy_sha256, decision, note, who, now, int(override))
        columns = "(path, sha256, copy_sha256, decision, note, who, at, override) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        with self.lock:
            self.db.execute(f"INSERT OR REPLACE INTO decisions {columns}", row)
            self.db.execute(f"INSERT INTO history {columns}", row)
            self.db.commit()
        return Decision(decision, note, who, now, copy_sha256, override)

    def approve_many(self, rows: list[tuple[str, str, str | None]], note: str, who: str) -> list[str]:
        """Approve each undecided ``(path, sha256, copy_sha256)`` in one transaction (all or none); a row
        with a decision in force for that copy (taken meanwhile) is left as it is. Returns the paths approved."""
        now, done = time.time(), []
        columns = "(path, sha256, copy_sha256, decision, note, who, at, override) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        with self.lock, self.db:  # commits at the end, or rolls every row back
            for path, sha256, copy_sha256 in rows:
                old = self.db.execute("SELECT copy_sha256 FROM decisions WHERE path = ? AND sha256 = ?",
                                      (path, sha256)).fetchone()
                if old is not None and old[0] == copy_sha256:
                    continue
                row = (path, sha256, copy_sha256, "approve", note, who, now, 0)
                self.db.execute(f"INSERT OR REPLACE INTO decisions {columns}", row)
                self.db.execute(f"INSERT INTO history {columns}", row)
                done.append(path)
        return done

    def decisions(self) -> dict[tuple[str, str], Decision]:
        """(path, original SHA-256) -> the latest decision. The caller checks the copy's hash."""
        with self.lock:
            rows = self.db.execute("SELECT path, sha256, decision, note, who, at, copy_sha256, override "
                                   "FROM decisions").fetchall()
        return {(r[0], r[1]): Decision(*r[2:7], bool(r[7])) for r in rows}

    # --- fixes ---------------------------------------------------------------------------------
    def save_fix(self, path: str, sha256: str, fix: Fix) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO fixes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (path, sha256, json.dumps(fix.covered), fix.copy_sha256, fix.copy_verdict,
                             json.dumps(fix.copy_reasons), fix.who, fix.at))
            self.db.commit()

    def fixes(self) -> dict[tuple[str, str], Fix]:
        with self.lock:
            rows = self.db.execute("SELECT path, sha256, covered, copy_sha256, copy_verdict, copy_reasons, who, at "
                                   "FROM fixes").fetchall()
        return {(r[0], r[1]): Fix(json.loads(r[2]), r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows}

    # --- items the tool left to a person, dismissed --------------------------------------------
    def dismiss(self, path: str, sha256: str, copy_sha256: str | None, item: str, how: str, who: str) -> None:
        """Record that ``item`` of the photo (as its original and copy are now) is no face, or fine.
        Kept for the copy it was seen on: a copy made again has items of its own."""
        if how not in DISMISSALS:
            raise ValueError(f"how must be one of {DISMISSALS}, got {how!r}")
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO dismissals VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (path, sha256, copy_sha256 or "", item, how, who, time.time()))
            self.db.commit()

    def dismissals(self) -> dict[tuple[str, str], dict[tuple[str, str], str]]:
        """(path, original SHA-256) -> {(copy SHA-256 or "", item): how}. The caller checks the copy's hash."""
        out: dict[tuple[str, str], dict[tuple[str, str], str]] = {}
        with self.lock:
            rows = self.db.execute("SELECT path, sha256, copy_sha256, item, how FROM dismissals").fetchall()
        for path, sha256, copy_sha256, item, how in rows:
            out.setdefault((path, sha256), {})[(copy_sha256, item)] = how
        return out

    # --- new since the last run --------------------------------------------------------------
    def mark_seen(self, report_id: str, photos: list[tuple[str, str]]) -> int:
        """Record a version of the report (``report_id``: a hash of report.json) and the photos first
        seen in it; returns that version's run number."""
        with self.lock:
            self.db.execute("INSERT OR IGNORE INTO runs (report, at) VALUES (?, ?)", (report_id, time.time()))
            run = self.db.execute("SELECT id FROM runs WHERE report = ?", (report_id,)).fetchone()[0]
            self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", [(p, s, run) for p, s in photos])
            self.db.commit()
        return run

    def carry_run(self, old_report: str, new_report: str) -> int:
        """report.json was rewritten by the app itself (a fix by hand): the new version is the same run
        as ``old_report``'s, so that what was new in it stays new. Returns that run's number."""
        with self.lock:
            old = self.db.execute("SELECT id FROM runs WHERE report = ?", (old_report,)).fetchone()
            if old is None:
                self.db.execute("INSERT OR IGNORE INTO runs (report, at) VALUES (?, ?)", (new_report, time.time()))
                run = self.db.execute("SELECT id FROM runs WHERE report = ?", (new_report,)).fetchone()[0]
            else:
                run = old[0]
                new = self.db.execute("SELECT id FROM runs WHERE report = ?", (new_report,)).fetchone()
                if new is not None and new[0] != run:  # the new version was already read as a run of its own
                    self.db.execute("UPDATE seen SET run = ? WHERE run = ?", (run, new[0]))
                    self.db.execute("DELETE FROM runs WHERE id = ?", (new[0],))
                self.db.execute("UPDATE runs SET report = ? WHERE id = ?", (new_report, run))
            self.db.commit()
        return run

    def first_seen(self) -> dict[tuple[str, str], int]:
        with self.lock:
            return {(p, s): run for p, s, run in self.db.execute("SELECT path, sha256, run FROM seen")}

    def close(self) -> None:
        self.db.close()
