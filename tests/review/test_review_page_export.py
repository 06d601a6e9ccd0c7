"""Issue 40: the page's Export (the e key, or the button) runs the export `photoscreen export` makes into a new
folder inside the folder the app owns for exports (`photoscreen review --export-to DIR`, by default the report
folder's sibling `<name>-approved`): how many and where, asked first; only approved photos, a blocked one only
approved anyway and asked for; a folder that is a link or lies among the report's folders is refused.
Reports written by hand over small pictures made here (no model run). Also how `review` stops at start-up
on a folder of exports or a port it cannot use (exit 2)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from starlette.testclient import TestClient

from conftest import REPO, STUDENT_ID, hand_report
from pipeline import i18n
from pipeline.review.app import COOKIE, create_app
from pipeline.review.page_export import ExportRootRefused

TOKEN = "test-token-export"


def scan_report(tmp_path: Path) -> Path:
    """A scan's report over three real pictures (a.jpg and b.jpg ok, c.jpg blocked), each with EXIF."""
    base = hand_report(tmp_path, {"a.jpg": ("ok", []), "b.jpg": ("ok", []), "c.jpg": ("block", [STUDENT_ID])})
    (base / "photos").mkdir()
    document = json.loads((base / "report" / "report.json").read_text())
    for i, image in enumerate(document["images"]):
        exif = Image.Exif()
        exif[0x013B] = "Jane Doe"  # Artist
        buf = io.BytesIO()
        Image.new("RGB", (200, 100), (40 * i, 120, 200)).save(buf, "JPEG", exif=exif.tobytes())
        (base / "photos" / image["path"]).write_bytes(buf.getvalue())
        image["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    (base / "report" / "report.json").write_text(json.dumps(document))
    return base


def client(base: Path, export_to: Path | None = None) -> TestClient:
    c = TestClient(create_app(base / "report", TOKEN, who="tester", export_to=export_to), base_url="http://127.0.0.1")
    c.cookies.set(COOKIE, TOKEN)
    return c


def test_export_from_the_page_asks_how_many_and_where_then_writes_a_new_folder_each_time(tmp_path: Path) -> None:
    base = scan_report(tmp_path)
    c = client(base)
    root = Path(os.path.realpath(base)) / "report-approved"  # the default: beside the report folder
    assert f'id="export-root">{root}</code>' in c.get("/").text
    empty = c.get("/api/export").json()
    assert empty["count"] == 0 and empty["question"] is None and empty["nothing"] == "no approved photo to export"
    assert empty["root"] == str(root) and not root.exists()

    for body in ({"path": "a.jpg", "decision": "approve"}, {"path": "b.jpg", "decision": "approve"},
                 {"path": "c.jpg", "decision": "approve", "override": True, "note": "the family agreed"}):
        assert c.post("/api/decisions", json=body).status_code == 200
    asked = c.get("/api/export").json()
    assert asked["count"] == 2 and asked["blocked_left_out"] == 1 and asked["left_out"] == 1
    assert asked["question"].startswith(f"Export the 2 approved photos to a new folder in {root}?")
    assert "1 blocked photo approved anyway is left out" in asked["question"]
    assert c.get("/api/export", params={"include_blocked": "1"}).json()["count"] == 3

    done = c.post("/api/export", json={}).json()
    to = Path(done["to"])
    assert done["exported"] == 2 and to.parent == root and to.name.startswith("export-")
    assert done["message"] == f"2 photos exported to {to}; 1 left out"
    assert sorted(p.name for p in to.iterdir()) == ["a.jpg", "b.jpg"] == sorted(done["files"])
    assert [entry["path"] for entry in done["left_out"]] == ["c.jpg"]
    assert "--include-blocked" in done["left_out"][0]["why"]
    with Image.open(to / "a.jpg") as exported:  # the pixels written anew: no metadata
        assert not exported.getexif() and exported.size == (200, 100)
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no temporary folder left

    # again, with the blocked one approved anyway: a new folder, the first one untouched
    again = c.post("/api/export", json={"include_blocked": True}).json()
    assert again["exported"] == 3 and Path(again["to"]) != to and again["overridden"] == 1
    assert again["message"].endswith("; 1 of them blocked and approved anyway (--include-blocked)")
    assert sorted(p.name for p in to.iterdir()) == ["a.jpg", "b.jpg"]
    assert c.post("/api/export", json={"include_blocked": "yes"}).status_code == 400
    assert c.post("/api/export", json=[]).status_code == 400


def test_the_question_in_french(tmp_path: Path) -> None:
    base = scan_report(tmp_path)
    c = client(base)
    c.post("/api/decisions", json={"path": "a.jpg", "decision": "approve"})
    try:
        i18n.set_language("fr")
        asked = c.get("/api/export").json()
        page = c.get("/").text
    finally:
        i18n.set_language("en")
    assert asked["question"].startswith("Exporter 1 photo approuvée dans un nouveau dossier de ")
    assert "Exporter les photos approuvées (e)" in page and "Les exports vont dans un nouveau dossier de" in page


def test_the_folder_of_exports_must_be_ours(tmp_path: Path) -> None:
    base = scan_report(tmp_path)
    # inside the report folder, or the photos': refused when the app starts (the rule export applies to --to)
    for inside in (base / "report" / "approved", base / "photos" / "approved"):
        with pytest.raises(ExportRootRefused, match="overlaps"):
            client(base, inside)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    with pytest.raises(ExportRootRefused, match="symbolic link"):
        client(base, tmp_path / "link")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportRootRefused, match="not a folder"):
        client(base, tmp_path / "file")
    # given and fine: used as its real path
    c = client(base, elsewhere)
    c.post("/api/decisions", json={"path": "a.jpg", "decision": "approve"})
    done = c.post("/api/export", json={}).json()
    assert Path(done["to"]).parent == Path(os.path.realpath(elsewhere)) and done["exported"] == 1
    # a link put in its place meanwhile: refused, nothing written through it
    os.rename(elsewhere, tmp_path / "moved")
    (tmp_path / "moved2").mkdir()
    elsewhere.symlink_to(tmp_path / "moved2")
    r = c.post("/api/export", json={})
    assert r.status_code == 409 and "symbolic link" in r.json()["error"]
    assert c.get("/api/export").status_code == 409 and not list((tmp_path / "moved2").iterdir())


def test_review_with_an_export_folder_among_the_reports_stops_with_exit_2(tmp_path: Path) -> None:
    base = scan_report(tmp_path)
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "review", str(base / "report"), "--export-to",
                             str(base / "report" / "approved")], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 2 and "overlaps" in result.stderr + result.stdout


@pytest.mark.slow
def test_review_on_a_busy_port_says_the_port_is_in_use(review_copy: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "pipeline.cli", "review", str(review_copy / "report"), "--port",
                                 str(port)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr and "writable" not in result.stderr
