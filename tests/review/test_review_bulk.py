"""Issue 40, bulk approval: the undecided ok copies of the filter in view, approved in one step. The
server picks them (GET /api/decisions/bulk) and checks every row again when asked to approve them (POST):
only undecided rows whose exported file is ok are approved, block and review never, in one transaction."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from conftest import STUDENT_ID, hand_report
from pipeline.review.app import COOKIE, create_app

TOKEN = "test-token-bulk"


def client(base: Path) -> TestClient:
    c = TestClient(create_app(base / "report", TOKEN, who="tester"), base_url="http://127.0.0.1")
    c.cookies.set(COOKIE, TOKEN)
    return c


def decisions(c: TestClient) -> dict[str, str | None]:
    data = c.get("/api/photos", params={"per_page": 500}).json()
    return {r["path"]: r["decision"] for r in data["rows"]}


def test_bulk_approves_only_undecided_ok_rows_and_checks_them_again(tmp_path: Path) -> None:
    base = hand_report(tmp_path, {"a_ok.jpg": ("ok", []), "b_ok.jpg": ("ok", []), "c_block.jpg": ("block", [STUDENT_ID]),
                                  "d_review.jpg": ("review", []), "e_ok_rejected.jpg": ("ok", []),
                                  "f_ok.jpg": ("ok", []), "g_error.jpg": ("error", [])})
    c = client(base)
    assert c.post("/api/decisions", json={"path": "e_ok_rejected.jpg", "decision": "reject"}).status_code == 200

    # the candidates: undecided ok rows of the filter in view, every page
    found = c.get("/api/decisions/bulk").json()
    assert found["paths"] == ["a_ok.jpg", "b_ok.jpg", "f_ok.jpg"] and found["count"] == 3
    assert found["question"] == "Approve the 3 ok photos shown?"
    assert c.get("/api/decisions/bulk", params={"q": "b_"}).json()["paths"] == ["b_ok.jpg"]
    assert c.get("/api/decisions/bulk", params={"q": "b_"}).json()["question"] == "Approve the 1 ok photo shown?"
    assert c.get("/api/decisions/bulk", params={"verdict": "block,review"}).json()["count"] == 0

    # a client that sends block, review, error, decided and unknown rows: the server checks each again
    asked = ["a_ok.jpg", "c_block.jpg", "d_review.jpg", "e_ok_rejected.jpg", "g_error.jpg", "nope.jpg", "b_ok.jpg",
             "a_ok.jpg"]
    r = c.post("/api/decisions/bulk", json={"decision": "approve", "paths": asked})
    assert r.status_code == 200, r.text
    assert r.json()["approved"] == ["a_ok.jpg", "b_ok.jpg"]
    assert {s["path"] for s in r.json()["skipped"]} == {"c_block.jpg", "d_review.jpg", "e_ok_rejected.jpg",
                                                        "g_error.jpg", "nope.jpg"}
    after = decisions(c)
    assert after == {"a_ok.jpg": "approve", "b_ok.jpg": "approve", "c_block.jpg": None, "d_review.jpg": None,
                     "e_ok_rejected.jpg": "reject", "f_ok.jpg": None, "g_error.jpg": None}
    # approving again changes nothing: they are decided
    again = c.post("/api/decisions/bulk", json={"decision": "approve", "paths": ["a_ok.jpg"]}).json()
    assert again["approved"] == [] and again["skipped"][0]["path"] == "a_ok.jpg"
    assert c.get("/api/decisions/bulk").json()["paths"] == ["f_ok.jpg"]
    # the store keeps them like any decision: a new app on the same folder sees them
    assert decisions(client(base))["b_ok.jpg"] == "approve"


def test_bulk_refuses_malformed_bodies(tmp_path: Path) -> None:
    base = hand_report(tmp_path, {"a_ok.jpg": ("ok", []), "b_block.jpg": ("block", [STUDENT_ID])})
    c = client(base)
    for bad in ({"paths": ["a_ok.jpg"]}, {"decision": "reject", "paths": ["a_ok.jpg"]},
                {"decision": "approve"}, {"decision": "approve", "paths": []}, {"decision": "approve", "paths": "a_ok.jpg"},
                {"decision": "approve", "paths": [1, 2]}, {"decision": "approve", "paths": [["a_ok.jpg"]]},
                {"decision": "approve", "paths": ["a_ok.jpg"], "note": 5},
                {"decision": "approve", "paths": ["x"] * 10_001}):
        r = c.post("/api/decisions/bulk", json=bad)
        assert r.status_code == 400, (bad, r.text)
        assert "error" in r.json()
    assert c.post("/api/decisions/bulk", json=["a_ok.jpg"]).status_code == 400
    assert c.post("/api/decisions/bulk", content=b"paths=a_ok.jpg",
                  headers={"content-type": "text/plain"}).status_code == 400
    assert decisions(c) == {"a_ok.jpg": None, "b_block.jpg": None}


def test_bulk_on_a_report_with_copies_takes_the_copies_verdict(review_copy: Path) -> None:
    c = client(review_copy)
    data = c.get("/api/photos", params={"per_page": 500}).json()["rows"]
    ok = sorted(r["path"] for r in data if r["copy_verdict"] == "ok")
    not_ok = [r["path"] for r in data if r["copy_verdict"] != "ok"]
    assert ok and not_ok
    found = c.get("/api/decisions/bulk").json()
    assert found["paths"] == ok and found["question"].endswith(("ok copies shown?", "ok copy shown?"))
    r = c.post("/api/decisions/bulk", json={"decision": "approve", "paths": [r["path"] for r in data]}).json()
    assert sorted(r["approved"]) == ok
    after = decisions(c)
    assert all(after[p] == "approve" for p in ok) and all(after[p] is None for p in not_ok)
