"""The review app over reports written by hand (no model run, so these are quick): the words its page
shows in French, and the listing's filters by decision (issue 40)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from starlette.testclient import TestClient

from conftest import STUDENT_ID, hand_report
from pipeline import i18n
from pipeline.review.app import COOKIE, create_app

TOKEN = "test-token-40"
ORIENTATION = {"kind": "orientation", "box": None, "score": 0.9, "detector": "orientation", "why": "sideways",
               "rotate_cw": 90}
GPS = {"kind": "gps", "box": None, "score": 1.0, "detector": "metadata", "why": "GPS latitude, longitude in EXIF"}


def client(base: Path) -> TestClient:
    c = TestClient(create_app(base / "report", TOKEN, who="tester"), base_url="http://127.0.0.1")
    c.cookies.set(COOKIE, TOKEN)
    return c


def paths(c: TestClient, **params) -> set[str]:
    data = c.get("/api/photos", params={"per_page": 500, **params})
    assert data.status_code == 200, data.text
    return {r["path"] for r in data.json()["rows"]}


def page_json(page: str, element: str) -> dict:
    return json.loads(re.search(rf'<script id="{element}" type="application/json">(.*?)</script>', page, re.S).group(1))


def test_the_page_shows_kinds_and_the_setting_in_french(tmp_path: Path) -> None:
    """It showed "masqué : face" and "Cadre : classroom": the kind, mode and setting words are translated
    for the page; the names the API and the filters take are not."""
    base = hand_report(tmp_path, {"a.jpg": ("block", [STUDENT_ID, GPS]), "b.jpg": ("review", [ORIENTATION])},
                       setting="public_event")
    c = client(base)
    try:
        i18n.set_language("fr")
        page = c.get("/").text
        rows = c.get("/api/photos").json()
    finally:
        i18n.set_language("en")
    assert "Cadre : événement public" in page and "public_event" not in page
    assert "Plateforme : toutes (sans contrôle du format)" in page
    labels = page_json(page, "labels")
    assert labels["kinds"]["face"] == "visage" and labels["kinds"]["student_id"] == "numéro d'élève"
    assert labels["kinds"]["gps"] == "position GPS" and labels["kinds"]["orientation"] == "orientation"
    assert labels["modes"] == {"pixelate": "mosaïque de pixels", "solid": "masque plein", "blur": "flou fort"}
    # the names stay names: the reason filter's values and the rows' kinds
    assert set(rows["facets"]["reason"]) == {"student_id", "gps", "orientation"}
    assert [f["kind"] for r in rows["rows"] for f in r["findings"]] == ["student_id"]
    assert [f["label"] for r in rows["rows"] for f in r["findings"]] == ["numéro d'élève"]
    english_page = client(base).get("/").text
    english = page_json(english_page, "labels")
    assert english["kinds"]["student_id"] == "student ID" and english["modes"]["solid"] == "solid box"
    # a report without copies: the key help speaks of photos, not of copies it does not have
    keys = re.search(r'<span id="keys"[^>]*>(.*?)</span>', english_page, re.S).group(1)
    assert "approve every undecided ok photo of the filter" in keys and "copy" not in keys
    assert "approuver toutes les photos ok sans décision" in re.search(r'<span id="keys"[^>]*>(.*?)</span>', page,
                                                                      re.S).group(1)


def test_the_script_shows_labels_and_sends_names() -> None:
    """review.js puts the labels in the text it shows and the names in what it sends: no kind, mode or
    parameter name goes through the translation of the page's texts."""
    from conftest import REPO

    script = "".join(p.read_text() for p in sorted((REPO / "pipeline" / "review" / "static").glob("*.js")))
    assert "function itemAction" in script and "function exportApproved" in script
    assert "c.kind.replace" not in script and '" + c.mode' not in script
    assert not re.search(r"p\.set\(t\(", script) and not re.search(r"add\(t\(", script)


def test_filters_by_decision_approved_rejected_overridden(tmp_path: Path) -> None:
    base = hand_report(tmp_path, {"a.jpg": ("ok", []), "b.jpg": ("ok", []), "c.jpg": ("block", [STUDENT_ID]),
                                  "d.jpg": ("review", [ORIENTATION]), "e.jpg": ("ok", [])})
    c = client(base)
    for body in ({"path": "a.jpg", "decision": "approve"}, {"path": "b.jpg", "decision": "reject", "note": "blurry"},
                 {"path": "c.jpg", "decision": "approve", "override": True, "note": "the family agreed"},
                 {"path": "d.jpg", "decision": "approve"}):
        assert c.post("/api/decisions", json=body).status_code == 200, body
    assert paths(c, approved=1) == {"a.jpg", "c.jpg", "d.jpg"}  # approved anyway is approved too
    assert paths(c, rejected=1) == {"b.jpg"}
    assert paths(c, overridden=1) == {"c.jpg"}
    assert paths(c, undecided=1) == {"e.jpg"}
    assert paths(c, rejected=1, undecided=1) == {"b.jpg", "e.jpg"}  # together: rows in any of them
    assert paths(c, overridden=1, verdict="block") == {"c.jpg"} and paths(c, rejected=1, verdict="block") == set()
    assert paths(c, approved=0) == {"a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"}  # 0: no filter
    facets = c.get("/api/photos").json()["facets"]
    assert facets["decision"] == {"approve": 3, "reject": 1, "undecided": 1} and facets["overridden"] == 1
    page = c.get("/").text  # the page has a box for each, beside undecided
    for box in ("f-undecided", "f-approved", "f-overridden", "f-rejected"):
        assert f'id="{box}"' in page
