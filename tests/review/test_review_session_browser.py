"""The scripted coordinator of scripts/bench/review_session.py on an event folder of 20 photos, in Debian's
headless Chromium (issue 40): its figures are the benchmark's, but the flow must not break silently. Every
ok copy is approved in at most 3 actions (A, then OK), each review copy gets its one decision, the hand
fix makes the copy again, and the export holds the copies approved."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.bench.review import chromium_path, make_report

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(chromium_path() is None, reason="playwright or chromium is not installed (make system-deps)")]


def test_the_scripted_session_approves_every_ok_copy_in_three_actions(tmp_path: Path) -> None:
    from scripts.bench.review_session import review_keys, run_session

    report = make_report(tmp_path, 20, event=True)
    session = run_session(report, tmp_path / "approved")
    verdicts = session.verdicts
    assert verdicts["ok"] >= 16 and verdicts["review"] and verdicts["block"] and verdicts["error"]
    assert session.approve_ok_actions <= 3
    assert session.ok_approved == verdicts["ok"] and session.ok_left_undecided == 0
    assert len(session.seconds["decide a review copy (a or r)"]) == verdicts["review"]
    assert len(session.seconds["reject a blocked copy (r)"]) == verdicts["block"]
    assert len(session.seconds["fix: make the copy again (screened again)"]) == 1
    # exported: every ok copy and the review copies approved (the fixed one too when its new copy is not blocked)
    approved_reviews = review_keys(verdicts["review"]).count("a")
    assert session.exported in (verdicts["ok"] + approved_reviews, verdicts["ok"] + approved_reviews - 1)
