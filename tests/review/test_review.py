"""The review app's API (Starlette's TestClient), its token, its binding, hostile names, decisions that
outlive the app, fixes that make the copy again, and `photoscreen export`."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import REPO, XSS_NAME
from pipeline.review.app import COOKIE, create_app

TOKEN = "test-token-123"
XSS_PATH = f"day2/{XSS_NAME}"


def client(base: Path, token: str | None = TOKEN) -> TestClient:
    c = TestClient(create_app(base / "report", TOKEN, who="tester"), base_url="http://127.0.0.1")
    if token:
        c.cookies.set(COOKIE, token)
    return c


def rows(c: TestClient, **params) -> dict[str, dict]:
    data = c.get("/api/photos", params={"per_page": 500, **params}).json()
    return {r["path"]: r for r in data["rows"]}


def test_every_request_without_the_token_is_refused(review_copy: Path) -> None:
    c = client(review_copy, token=None)
    for url in ("/", "/api/photos", "/api/photo?path=portrait_cat.jpg", "/img/copy?path=portrait_cat.jpg",
                "/img/original?path=portrait_cat.jpg", "/img/thumb?path=portrait_cat.jpg", "/static/review.js"):
        assert c.get(url).status_code == 403, url
        assert c.get(url + ("&" if "?" in url else "?") + "token=wrong").status_code == 403, url
    assert c.post("/api/decisions", json={"path": "portrait_cat.jpg", "decision": "approve"}).status_code == 403
    # the first page with the token sets the cookie (HttpOnly, SameSite=Strict); the rest then needs only it
    first = c.get("/", params={"token": TOKEN})
    assert first.status_code == 200
    cookie = first.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert c.get("/api/photos").status_code == 200
    # another Host (DNS rebinding) is refused even with the token
    assert c.get("/api/photos", headers={"host": "evil.example"}).status_code == 400


def test_rows_carry_both_verdicts_and_filters_work(review_copy: Path) -> None:
    c = client(review_copy)
    all_rows = rows(c)
    assert sorted(all_rows) == sorted(["classroom_composite.jpg", "landscape_coffee.jpg", "portrait_cat.jpg",
                                       "sideways_notice.jpg", "truncated.jpg", XSS_PATH])
    classroom = all_rows["classroom_composite.jpg"]
    # the original still shows the faces the copy covers: never "ok" for it
    assert classroom["verdict"] == "block" and classroom["copy_verdict"] in ("ok", "review")
    assert classroom["copy"] == "classroom_composite.jpg" and classroom["covered"]
    assert any(f["kind"] == "face" and f["label"] for f in classroom["findings"])
    assert all_rows["truncated.jpg"]["verdict"] == "error" and all_rows["truncated.jpg"]["copy_verdict"] is None
    assert all(r["decision"] is None and r["new"] for r in all_rows.values())

    assert set(rows(c, verdict="block")) == {"classroom_composite.jpg"}
    assert set(rows(c, reason="orientation")) == {"sideways_notice.jpg"}
    assert set(rows(c, folder="day2")) == {XSS_PATH}
    assert set(rows(c, q="COFFEE")) == {"landscape_coffee.jpg"}
    page = c.get("/api/photos", params={"per_page": 2, "page": 2, "sort": "-path"}).json()
    assert page["total"] == 6 and page["pages"] == 3 and [r["path"] for r in page["rows"]] == \
        ["portrait_cat.jpg", "landscape_coffee.jpg"]
    assert c.get("/api/photos", params={"sort": "nonsense"}).status_code == 400


def test_pictures_are_served_only_for_rows_and_hide_text(review_copy: Path) -> None:
    c = client(review_copy)
    copy = c.get("/img/copy", params={"path": "classroom_composite.jpg"})
    assert copy.status_code == 200 and copy.headers["content-type"] == "image/jpeg"
    assert copy.content == (review_copy / "copies" / "classroom_composite.jpg").read_bytes()
    original = c.get("/img/original", params={"path": "classroom_composite.jpg"})
    assert original.status_code == 200 and original.content[:2] == b"\xff\xd8"
    assert original.content != (review_copy / "photos" / "classroom_composite.jpg").read_bytes()  # text painted over
    assert c.get("/img/thumb", params={"path": "classroom_composite.jpg"}).status_code == 200
    for path in ("../photos/portrait_cat.jpg", "/etc/passwd", "report.json", "nothing.jpg"):
        for kind in ("copy", "original", "thumb"):
            assert c.get(f"/img/{kind}", params={"path": path}).status_code == 404
    # a link planted in the copies folder in place of a copy is never followed
    planted = review_copy / "copies" / "portrait_cat.jpg"
    planted.unlink()
    planted.symlink_to("/etc/passwd")
    assert c.get("/img/copy", params={"path": "portrait_cat.jpg"}).status_code == 404


def test_hostile_file_name_reaches_the_page_only_as_data(review_copy: Path) -> None:
    c = client(review_copy)
    page = c.get("/").text
    assert "onerror" not in page  # the page itself holds no file name; the script puts them in as text
    assert "&lt;" in c.get("/", params={"token": TOKEN}).text or "<img src=x" not in page
    row = rows(c)[XSS_PATH]
    assert row["path"] == XSS_PATH and c.get("/img/copy", params={"path": XSS_PATH}).status_code == 200
    script = "".join(p.read_text() for p in (REPO / "pipeline" / "review" / "static").glob("*.js"))
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script


def test_decisions_survive_a_restart_and_follow_the_copy(review_copy: Path) -> None:
    c = client(review_copy)
    r = c.post("/api/decisions", json={"path": "portrait_cat.jpg", "decision": "approve", "note": "fine"})
    assert r.status_code == 200 and r.json()["decision"] == "approve" and r.json()["who"] == "tester"
    c.post("/api/decisions", json={"path": "landscape_coffee.jpg", "decision": "reject"})
    assert c.post("/api/decisions", json={"path": "portrait_cat.jpg", "decision": "maybe"}).status_code == 400
    assert c.post("/api/decisions", json={"path": "nope.jpg", "decision": "approve"}).status_code == 404
    assert c.post("/api/decisions", json={"path": "truncated.jpg", "decision": "approve"}).status_code == 409
    assert c.post("/api/decisions", content=b"path=x", headers={"content-type": "text/plain"}).status_code == 400
    again = rows(client(review_copy))  # a new app on the same folder: a restart
    assert again["portrait_cat.jpg"]["decision"] == "approve" and again["portrait_cat.jpg"]["note"] == "fine"
    assert again["landscape_coffee.jpg"]["decision"] == "reject"
    # the next run's report has one more photo: it alone is new since the last run
    report = review_copy / "report" / "report.json"
    document = json.loads(report.read_text())
    added = dict(next(r for r in document["images"] if r["path"] == "portrait_cat.jpg"), path="day3/new.jpg")
    document["images"].append(added)
    report.write_text(json.dumps(document))
    assert set(rows(client(review_copy), new=1)) == {"day3/new.jpg"}
    document["images"].pop()
    report.write_text(json.dumps(document))
    assert set(rows(client(review_copy), undecided=1)) == set(again) - {"portrait_cat.jpg", "landscape_coffee.jpg"}
    # a copy that changed (the next batch made it again) needs a new decision
    copies = review_copy / "copies"
    from pipeline.owned import OwnedFolder

    folder = OwnedFolder(copies)
    folder.write_copy("portrait_cat.jpg", (copies / "landscape_coffee.jpg").read_bytes())
    folder.close()
    later = rows(client(review_copy))["portrait_cat.jpg"]
    assert later["decision"] is None and later["previous_decision"] == "approve"


@pytest.mark.slow
def test_a_fix_makes_the_copy_again_and_screens_it(review_copy: Path) -> None:
    c = client(review_copy)
    before = rows(c)["landscape_coffee.jpg"]
    c.post("/api/decisions", json={"path": "landscape_coffee.jpg", "decision": "approve"})
    box = [10, 10, 120, 80]
    r = c.post("/api/fixes", json={"path": "landscape_coffee.jpg", "covered": [{"kind": "face", "box": box}]})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["covered"] == [{"kind": "face", "box": box, "mode": "solid"}] and after["fixed_by"] == "tester"
    assert after["copy_verdict"] in ("ok", "review") and after["decision"] is None  # a new copy: decide again
    copy = (review_copy / "copies" / "landscape_coffee.jpg").read_bytes()
    from PIL import Image
    import io
    import numpy as np

    pixels = np.asarray(Image.open(io.BytesIO(copy)).convert("RGB"))
    assert pixels[20:80, 20:120].std() < 3 and pixels[200:, 200:].std() > 10  # covered there, and only there
    assert before["covered"] == []
    kept = rows(client(review_copy))["landscape_coffee.jpg"]  # the fix outlives a restart
    assert kept["covered"] == after["covered"]
    bad = c.post("/api/fixes", json={"path": "landscape_coffee.jpg", "covered": [{"kind": "face", "box": [0, 0, 99999, 5]}]})
    assert bad.status_code == 400 or bad.status_code == 409
    assert c.post("/api/fixes", json={"path": "truncated.jpg", "covered": []}).status_code == 409


def _export(base: Path, to: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "export", str(base / "report"), "--to", str(to)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.mark.slow
def test_export_copies_exactly_the_approved_copies(review_copy: Path, tmp_path: Path) -> None:
    c = client(review_copy)
    for path in ("classroom_composite.jpg", XSS_PATH):
        c.post("/api/decisions", json={"path": path, "decision": "approve"})
    c.post("/api/decisions", json={"path": "portrait_cat.jpg", "decision": "reject"})
    to = tmp_path / "approved"
    result = _export(review_copy, to)
    assert result.returncode == 1, result.stderr  # some photos were left out
    exported = sorted(p.relative_to(to).as_posix() for p in to.rglob("*") if p.is_file())
    assert exported == sorted(["classroom_composite.jpg", XSS_PATH])
    for name in exported:  # the safe copies, not the originals
        assert (to / name).read_bytes() == (review_copy / "copies" / name).read_bytes()
    assert "left out  portrait_cat.jpg: rejected" in result.stdout
    assert "left out  sideways_notice.jpg: never decided" in result.stdout
    assert "2 photos exported" in result.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no half-made folder left
    again = _export(review_copy, to)  # the folder now holds files: refused, nothing changed
    assert again.returncode == 2 and "not an empty folder" in again.stderr
    inside = _export(review_copy, review_copy / "report" / "out")
    assert inside.returncode == 2
    # a copy changed after it was approved is not exported
    (review_copy / "copies" / "classroom_composite.jpg").write_bytes(b"changed")
    third = _export(review_copy, tmp_path / "third")
    assert "classroom_composite.jpg" not in [p.name for p in (tmp_path / "third").iterdir()]


@pytest.mark.slow
def test_server_listens_on_127_0_0_1_only(review_copy: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "review", str(review_copy / "report")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        line = proc.stdout.readline()
        assert line.startswith("photoscreen review: open http://127.0.0.1:"), line + proc.stderr.read(2000)
        url = line.split("open ", 1)[1].strip()
        port = int(url.split(":")[2].split("/")[0])
        import httpx2 as httpx

        for _ in range(50):
            try:
                assert httpx.get(url, timeout=5).status_code == 200
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert httpx.get(url.split("?")[0], timeout=5).status_code == 403
        others = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
        others |= {_outward_address()} - {None, "127.0.0.1"}
        for address in others:
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=2).close()
        listening = [l.split() for l in Path("/proc/net/tcp").read_text().splitlines()[1:]]
        ours = [l for l in listening if l[3] == "0A" and int(l[1].split(":")[1], 16) == port]
        assert ours and all(l[1].split(":")[0] == "0100007F" for l in ours)  # bound to 127.0.0.1 alone
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _outward_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
            return s.getsockname()[0]
    except OSError:
        return None


def test_contact_sheet_shows_the_originals_verdict_and_the_copys(review_copy: Path) -> None:
    page = (review_copy / "report" / "report.html").read_text()
    card = next(c for c in page.split('<div class="card"')[1:] if "classroom_composite.jpg</span>" in c)
    assert 'data-original="block"' in card and "original block" in card  # never OK over the original
    assert "copy ok" in card or "copy review" in card
    # the filter buttons of a report of copies count and filter the copies' verdicts (issue 40)
    assert 'data-verdict="ok"' in card or 'data-verdict="review"' in card
    assert '<button data-filter="block">Block (0)</button>' in page
    assert 'href="../copies/classroom_composite.jpg"' in card
    assert "4 identifiable faces, not allowed in the classroom setting: a safe copy (photoscreen redact) covers them" in card
    assert "folder <code>" in page and "setting classroom" in page and "platform any" in page and "run 20" in page
    assert "1 block, 1 review, 3 ok, 1 error; their safe copies:" in page
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in page and "<img src=x" not in page


@pytest.mark.slow
def test_a_scan_report_has_no_copies_and_exports_the_approved_originals(tmp_path: Path) -> None:
    import shutil

    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("landscape_coffee.jpg", "portrait_cat.jpg"):
        shutil.copy(REPO / "sample_images" / name, photos / name)
    scan = subprocess.run([sys.executable, "-m", "pipeline.cli", "scan", str(photos), "--out", str(tmp_path / "report"),
                           "--quiet"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert scan.returncode == 0, scan.stderr
    c = client(tmp_path)
    listed = rows(c)
    assert {r["copy_verdict"] for r in listed.values()} == {None} and not any(r["fixable"] for r in listed.values())
    assert c.get("/img/thumb", params={"path": "portrait_cat.jpg"}).content[:2] == b"\xff\xd8"  # made from the original
    assert c.post("/api/fixes", json={"path": "portrait_cat.jpg", "covered": []}).status_code == 409
    c.post("/api/decisions", json={"path": "portrait_cat.jpg", "decision": "approve"})
    result = _export(tmp_path, tmp_path / "approved")
    assert result.returncode == 1 and "left out  landscape_coffee.jpg: never decided" in result.stdout
    assert [p.name for p in (tmp_path / "approved").iterdir()] == ["portrait_cat.jpg"]
    # the original's pixels written anew, never its bytes
    exported = tmp_path / "approved" / "portrait_cat.jpg"
    assert exported.read_bytes() != (photos / "portrait_cat.jpg").read_bytes()
    assert _mean_difference(exported, photos / "portrait_cat.jpg") < 3


def _mean_difference(a: Path, b: Path) -> float:
    """Mean absolute difference of two pictures' upright pixels (grey levels)."""
    import numpy as np

    from pipeline.media.loader import load_image

    pa, pb = load_image(a, 10**9).pixels, load_image(b, 10**9).pixels
    assert pa.shape == pb.shape
    return float(np.abs(pa.astype(int) - pb.astype(int)).mean())


def _report_row(base: Path, path: str) -> dict:
    return next(r for r in json.loads((base / "report" / "report.json").read_text())["images"] if r["path"] == path)


# --- issue 36: the last fail-open paths ---------------------------------------------------------------

def test_a_fix_takes_only_whole_boxes_inside_the_photo_and_never_drops_the_tools_covers(review_copy: Path) -> None:
    c = client(review_copy)
    copy = review_copy / "copies" / "classroom_composite.jpg"
    report = review_copy / "report" / "report.json"
    before, report_before = copy.read_bytes(), report.read_bytes()
    row = rows(c)["classroom_composite.jpg"]
    assert len(row["covered"]) == 7 and row.get("hand_drawn", [False] * 7) == [False] * 7
    for added in ([True, True, True, True],  # True is an int in Python: not a box here
                  [0, 0, 1, 1], [10.0, 10, 50, 50], [1590, 990, 20, 20], [-5, 10, 50, 50], "10,10,50,50"):
        r = c.post("/api/fixes", json={"path": "classroom_composite.jpg",
                                       "covered": row["covered"] + [{"kind": "face", "box": added}]})
        assert r.status_code == 400, (added, r.text)
    for cover in ({"kind": "selfie", "box": [10, 10, 50, 50]}, {"kind": "face", "box": [10, 10, 50, 50], "mode": "pixelate"},
                  {"kind": "face", "box": [10, 10, 50, 50], "mode": "invisible"}):
        assert c.post("/api/fixes", json={"path": "classroom_composite.jpg",
                                          "covered": row["covered"] + [cover]}).status_code == 400, cover
    # photoscreen's covers left out of the list (all of them, or all but a tiny box) are refused, not dropped
    for covered in ([], [{"kind": "face", "box": [0, 0, 8, 8]}], row["covered"][1:]):
        r = c.post("/api/fixes", json={"path": "classroom_composite.jpg", "covered": covered})
        assert r.status_code == 409 and "missing from the list" in r.json()["error"], r.text
    # a dismissal names one of photoscreen's covers, exactly
    r = c.post("/api/fixes", json={"path": "classroom_composite.jpg", "covered": row["covered"][1:],
                                   "dismissed": [{"kind": "face", "box": [1, 2, 30, 30]}]})
    assert r.status_code == 400
    assert copy.read_bytes() == before and report.read_bytes() == report_before


def test_a_fix_on_an_error_row_names_the_real_cause(review_copy: Path) -> None:
    r = client(review_copy).post("/api/fixes", json={"path": "truncated.jpg", "covered": []})
    assert r.status_code == 409
    assert "could not be screened" in r.json()["error"] and "no safe copies" not in r.json()["error"]


@pytest.mark.slow
def test_a_fix_that_uncovers_faces_is_reported_as_what_its_rescreen_found(review_copy: Path, tmp_path: Path) -> None:
    import jsonschema

    from pipeline.report.document import SCHEMA_PATH

    c = client(review_copy)
    row = rows(c)["classroom_composite.jpg"]
    assert row["copy_verdict"] == "ok" and not row.get("needs_override")
    # every cover of photoscreen's dismissed as "not a face": the copy is made, but never called covered
    r = c.post("/api/fixes", json={"path": "classroom_composite.jpg", "covered": [], "dismissed": row["covered"]})
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["covered"] == [] and after["copy_verdict"] == "block"
    assert _report_row(review_copy, "classroom_composite.jpg")["verdict"] == "block" and after.get("needs_override")
    assert "finds 4 faces, 1 student ID, 1 grade, 1 name not covered" in after["copy_reasons"][0]
    assert not any("safe copy written" in why or "covered 4 faces" in why for why in after["copy_reasons"])
    # report.json, report.csv and report.html say the same, in one rewrite
    document = json.loads((review_copy / "report" / "report.json").read_text())
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text()))
    record = next(r for r in document["images"] if r["path"] == "classroom_composite.jpg")
    assert record["verdict"] == "block" and record["reasons"] == after["copy_reasons"]
    assert record["redaction"]["covered"] == [] and record["redaction"]["fixed"]["clean"] is False
    assert record["redaction"]["fixed"]["copy_sha256"] == hashlib.sha256(
        (review_copy / "copies" / "classroom_composite.jpg").read_bytes()).hexdigest()
    assert document["summary"]["block"] == 1
    csv_row = next(l for l in (review_copy / "report" / "report.csv").read_text().splitlines()
                   if l.startswith("classroom_composite.jpg,"))
    assert csv_row.startswith("classroom_composite.jpg,block,") and "not covered" in csv_row
    page = (review_copy / "report" / "report.html").read_text()
    card = next(c for c in page.split('<div class="card"')[1:] if "classroom_composite.jpg</span>" in c)
    assert "copy block" in card and "not covered" in card and "covered 4 faces" not in card
    # approving a blocked copy takes an override and a reason
    assert c.post("/api/decisions", json={"path": "classroom_composite.jpg", "decision": "approve"}).status_code == 409
    assert c.post("/api/decisions", json={"path": "classroom_composite.jpg", "decision": "approve", "override": True,
                                          "note": "  "}).status_code == 409
    r = c.post("/api/decisions", json={"path": "classroom_composite.jpg", "decision": "approve", "override": True,
                                       "note": "the families agreed"})
    assert r.status_code == 200 and r.json()["override"] is True
    left = _export(review_copy, tmp_path / "without")
    assert "left out  classroom_composite.jpg: blocked, approved anyway: export with --include-blocked" in left.stdout
    assert not (tmp_path / "without" / "classroom_composite.jpg").exists()
    included = subprocess.run([sys.executable, "-m", "pipeline.cli", "export", str(review_copy / "report"), "--to",
                               str(tmp_path / "with"), "--include-blocked"], capture_output=True, text=True, cwd=REPO,
                              timeout=120)
    assert (tmp_path / "with" / "classroom_composite.jpg").is_file(), included.stdout + included.stderr
    assert "(blocked, approved anyway: the families agreed)" in included.stdout
    assert "1 of them blocked and approved anyway" in included.stdout


@pytest.mark.slow
def test_the_next_batch_makes_a_hand_fixed_copy_again_unless_its_rescreen_was_clean(tmp_path: Path, policy) -> None:
    import shutil

    from pipeline.runs.batch import run_batch

    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("classroom_composite.jpg", "portrait_cat.jpg"):
        shutil.copy(REPO / "sample_images" / name, photos / name)

    def batch():
        return run_batch(photos, tmp_path / "report", policy, workers=1, redact_to=tmp_path / "copies")

    batch()
    copy = tmp_path / "copies" / "classroom_composite.jpg"
    made = copy.read_bytes()
    c = client(tmp_path)
    row = rows(c)["classroom_composite.jpg"]
    # a clean fix (one more box) is kept by the next batch, and so is its row
    box = {"kind": "face", "box": [20, 20, 100, 80], "mode": "solid"}
    r = c.post("/api/fixes", json={"path": "classroom_composite.jpg", "covered": row["covered"] + [box]})
    assert r.status_code == 200 and r.json()["copy_verdict"] != "block"
    clean = copy.read_bytes()
    assert batch().screened == 0
    assert copy.read_bytes() == clean
    assert _report_row(tmp_path, "classroom_composite.jpg")["redaction"].get("fixed") == {
        "by": "tester", "at": pytest.approx(time.time(), abs=600), "hand": [box], "dismissed": [], "clean": True,
        "copy_sha256": hashlib.sha256(clean).hexdigest()}
    assert rows(client(tmp_path))["classroom_composite.jpg"]["hand_drawn"] == [False] * 7 + [True]
    # a fix whose re-screen finds faces is made again by the next batch: photoscreen's covers come back
    row = rows(client(tmp_path))["classroom_composite.jpg"]
    r = c.post("/api/fixes", json={"path": "classroom_composite.jpg", "covered": [],
                                   "dismissed": [x for x in row["covered"] if x != box]})
    assert r.status_code == 200 and r.json()["copy_verdict"] == "block"
    assert batch().screened == 1
    record = _report_row(tmp_path, "classroom_composite.jpg")
    assert record["verdict"] != "block" and len(record["redaction"]["covered"]) == 7
    assert "fixed" not in record["redaction"] and copy.read_bytes() == made


def test_the_api_refuses_oversized_and_too_deep_bodies(review_copy: Path) -> None:
    c = client(review_copy)
    json_type = {"content-type": "application/json"}
    deep = b'{"path": "portrait_cat.jpg", "covered": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for url in ("/api/fixes", "/api/decisions"):
        r = c.post(url, content=deep, headers=json_type)
        assert r.status_code == 400 and "JSON" in r.json()["error"]
    big = b'{"path": "portrait_cat.jpg", "decision": "approve", "note": "' + b"x" * (2 << 20) + b'"}'
    assert c.post("/api/decisions", content=big, headers=json_type).status_code == 413
    # the same body sent in chunks, with no Content-Length
    chunks = (big[i:i + 65536] for i in range(0, len(big), 65536))
    assert c.post("/api/decisions", content=chunks, headers=json_type).status_code == 413
    assert rows(c)["portrait_cat.jpg"]["decision"] is None


@pytest.mark.slow
def test_export_of_a_scan_report_writes_pixels_without_metadata_and_blocked_photos_only_overridden(tmp_path: Path) -> None:
    import shutil

    if not shutil.which("exiftool"):
        pytest.skip("exiftool not installed (make system-deps installs it)")
    photos = tmp_path / "photos"
    photos.mkdir()
    photo = photos / "portrait.jpg"
    shutil.copy(REPO / "sample_images" / "exif_rotated_portrait.jpg", photo)  # a face, turned by its EXIF
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-GPSLatitude=45.5017", "-GPSLatitudeRef=N",
                    "-GPSLongitude=73.5673", "-GPSLongitudeRef=W", "-Artist=Jane Doe", "-SerialNumber=SN12345678",
                    "-XMP-dc:Creator=Jane Doe", str(photo)], check=True)
    scan = subprocess.run([sys.executable, "-m", "pipeline.cli", "scan", str(photos), "--out", str(tmp_path / "report"),
                           "--quiet"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert scan.returncode == 1, scan.stderr
    c = client(tmp_path)
    assert rows(c)["portrait.jpg"]["verdict"] == "block"
    assert c.post("/api/decisions", json={"path": "portrait.jpg", "decision": "approve"}).status_code == 409
    r = c.post("/api/decisions", json={"path": "portrait.jpg", "decision": "approve", "override": True,
                                       "note": "cropped by hand before posting"})
    assert r.status_code == 200 and r.json()["override"] is True and r.json()["needs_override"]
    without = _export(tmp_path, tmp_path / "without")
    assert without.returncode == 1 and not (tmp_path / "without" / "portrait.jpg").exists()
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "export", str(tmp_path / "report"), "--to",
                             str(tmp_path / "approved"), "--include-blocked"], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 of them blocked and approved anyway" in result.stdout
    exported = tmp_path / "approved" / "portrait.jpg"
    tags = json.loads(subprocess.run(["exiftool", "-j", "-a", "-G0", str(exported)], capture_output=True, text=True,
                                     check=True).stdout)[0]
    assert not {k.split(":")[0] for k in tags if ":" in k} & {"EXIF", "XMP", "IPTC", "MakerNotes", "ICC_Profile",
                                                              "Photoshop", "Comment"}, tags
    text = json.dumps(tags)
    assert "Jane Doe" not in text and "SN12345678" not in text and "GPS" not in text
    assert _mean_difference(exported, photo) < 3  # the upright picture (its EXIF orientation applied)
    from PIL import Image
    import numpy as np

    with Image.open(photo) as raw, Image.open(exported) as out:  # not the stored, unturned one
        assert np.abs(np.asarray(raw.convert("RGB"), int) - np.asarray(out.convert("RGB"), int)).mean() > 10


@pytest.mark.slow
def test_export_to_a_link_or_an_unwritable_place_says_so(review_copy: Path, tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    result = _export(review_copy, link)
    assert result.returncode == 2 and "is a symbolic link" in result.stderr and "writable" not in result.stderr
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    result = _export(review_copy, dangling)
    assert result.returncode == 2 and "symbolic link" in result.stderr and "does not exist" in result.stderr
    assert not (tmp_path / "nowhere").exists() and not any(target.iterdir())
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    # root may write anywhere but in sysfs
    result = _export(review_copy, locked / "out" if os.geteuid() else Path("/sys/photoscreen-export-test"))
    assert result.returncode == 4 and "no permission to write in" in result.stderr, result.stderr
    assert "disk" not in result.stderr
