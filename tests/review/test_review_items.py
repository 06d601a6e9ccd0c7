"""Issue 40: what the tool left to a person, one key per item (cover / not a face / fine), checked on the
server; and videos: a strip of frames made on the server, the copy played in the page, no Fix panel.
Reports written by hand (no model run), except the cover test, which makes a copy again as a hand fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from starlette.testclient import TestClient

from conftest import SAMPLES, STUDENT_ID, hand_report, leave_for_review
from pipeline.review.app import COOKIE, create_app

TOKEN = "test-token-items"
SMALL_FACE = {"kind": "face", "box": [20, 30, 16, 18], "score": 0.5, "detector": "centerface", "identifiable": False,
              "why": "small"}
OTHER_FACE = {"kind": "face", "box": [120, 40, 14, 16], "score": 0.4, "detector": "centerface", "identifiable": False,
              "why": "small"}
BIG_FACE = {"kind": "face", "box": [60, 10, 60, 70], "score": 0.9, "detector": "centerface", "identifiable": True,
            "why": "identifiable"}
BARCODE = {"kind": "barcode", "box": [150, 60, 30, 30], "score": 0.9, "detector": "zxing"}
BLUR = {"kind": "blur", "box": None, "score": 0.8, "detector": "quality", "why": "out of focus"}


def client(base: Path) -> TestClient:
    c = TestClient(create_app(base / "report", TOKEN, who="tester"), base_url="http://127.0.0.1")
    c.cookies.set(COOKIE, TOKEN)
    return c


def row(c: TestClient, path: str) -> dict:
    r = c.get("/api/photo", params={"path": path})
    assert r.status_code == 200, r.text
    return r.json()


def act(c: TestClient, path: str, item: str, action: str):
    return c.post("/api/items", json={"path": path, "item": item, "action": action})


def test_items_of_a_scan_report_are_dismissed_one_by_one_until_the_row_is_ok(tmp_path: Path) -> None:
    base = hand_report(tmp_path, {"a.jpg": ("review", [SMALL_FACE, OTHER_FACE, BARCODE]),
                                  "b.jpg": ("review", [SMALL_FACE, BLUR]), "c.jpg": ("ok", [])})
    c = client(base)
    assert row(c, "c.jpg")["items"] == []
    a = row(c, "a.jpg")
    assert [(i["kind"], i["box"], i["actions"], i["dismissed"]) for i in a["items"]] == [
        ("face", [20, 30, 16, 18], ["not_a_face"], None), ("face", [120, 40, 14, 16], ["not_a_face"], None),
        ("barcode", [150, 60, 30, 30], ["fine"], None)]
    assert a["items"][0]["label"] == "small or turned-away face" and not a["settled"]
    assert c.get("/api/decisions/bulk").json()["paths"] == ["c.jpg"]
    face, other, code = (i["id"] for i in a["items"])

    # each checked on the server: a known item, an action it offers; a scan report has no copy to cover with
    assert act(c, "a.jpg", code, "not_a_face").status_code == 409
    r = act(c, "a.jpg", face, "cover")
    assert r.status_code == 409 and "safe copy" in r.json()["error"]
    assert act(c, "a.jpg", "finding:face:1,2,3,4", "not_a_face").status_code == 409
    r = act(c, "a.jpg", face, "maybe")
    assert r.status_code == 400 and r.json()["error"].startswith('send {"path": ...')
    assert act(c, "nope.jpg", face, "fine").status_code == 404
    assert c.post("/api/items", json={"path": "a.jpg", "item": 5, "action": "fine"}).status_code == 400

    r = act(c, "a.jpg", face, "not_a_face")
    assert r.status_code == 200 and [i["dismissed"] for i in r.json()["items"]] == ["not_a_face", None, None]
    assert not r.json()["settled"]
    act(c, "a.jpg", other, "not_a_face")
    r = act(c, "a.jpg", code, "fine")
    assert [i["dismissed"] for i in r.json()["items"]] == ["not_a_face", "not_a_face", "fine"]
    # nothing else to review: it is approved as an ok one, by the bulk approval too
    assert r.json()["settled"] and r.json()["verdict"] == "review" and not r.json()["needs_override"]
    assert c.get("/api/decisions/bulk").json()["paths"] == ["a.jpg", "c.jpg"]
    # b.jpg is blurry besides its face: dismissing the face leaves it to review, out of the bulk approval
    (b_face,) = (i["id"] for i in row(c, "b.jpg")["items"])
    assert not act(c, "b.jpg", b_face, "not_a_face").json()["settled"]
    assert c.get("/api/decisions/bulk").json()["paths"] == ["a.jpg", "c.jpg"]
    # kept in review.sqlite: a new app on the folder sees them
    again = row(client(base), "a.jpg")
    assert again["settled"] and all(i["dismissed"] for i in again["items"])
    done = c.post("/api/decisions/bulk", json={"decision": "approve", "paths": ["a.jpg", "b.jpg", "c.jpg"]}).json()
    assert done["approved"] == ["a.jpg", "c.jpg"] and [s["path"] for s in done["skipped"]] == ["b.jpg"]


def test_a_crowd_of_small_faces_is_one_item_with_one_key(tmp_path: Path) -> None:
    """A scan of a large group photo left 265 small faces to a person, numbered one by one: the labels piled
    up into an unreadable block and each needed its key. Beyond MAX_ITEMS_APART of one label they are one
    item round them all, and one key settles them all."""
    from pipeline.report.left_to_check import MAX_ITEMS_APART

    crowd = [dict(SMALL_FACE, box=[10 + 6 * i, 20 + (i % 3) * 20, 5, 6]) for i in range(MAX_ITEMS_APART + 18)]
    few = [dict(SMALL_FACE, box=[10 + 6 * i, 20, 5, 6]) for i in range(MAX_ITEMS_APART)]
    base = hand_report(tmp_path, {"crowd.jpg": ("review", crowd + [BARCODE]), "few.jpg": ("review", few)})
    c = client(base)
    assert len(row(c, "few.jpg")["items"]) == MAX_ITEMS_APART  # at the limit: one by one, as before
    group, code = row(c, "crowd.jpg")["items"]
    assert group["id"].startswith("group:face:") and len(group["boxes"]) == len(crowd)
    assert group["box"] == [10, 20, 6 * (len(crowd) - 1) + 5, 46] and group["actions"] == ["not_a_face"]
    assert group["label"] == f"small or turned-away face: {len(crowd)} of them, one key for all"
    assert code["kind"] == "barcode"
    assert row(client(base), "crowd.jpg")["items"][0]["id"] == group["id"]  # the same id on the next look
    act(c, "crowd.jpg", group["id"], "not_a_face")
    r = act(c, "crowd.jpg", code["id"], "fine")
    assert r.json()["settled"], r.json()["items"]  # every face of the crowd dismissed by the one key


def test_a_dismissed_item_never_lowers_a_block(tmp_path: Path) -> None:
    base = hand_report(tmp_path, {"a.jpg": ("block", [BIG_FACE, STUDENT_ID, SMALL_FACE])})
    c = client(base)
    # what blocks the photo was decided by the tool: only the small face is left to a person
    assert [(i["kind"], i["box"]) for i in row(c, "a.jpg")["items"]] == [("face", SMALL_FACE["box"])]
    for item in row(c, "a.jpg")["items"]:
        assert act(c, "a.jpg", item["id"], item["actions"][0]).status_code == 200
    a = row(c, "a.jpg")
    assert all(i["dismissed"] for i in a["items"]) and a["needs_override"] and not a["settled"]
    assert c.post("/api/decisions", json={"path": "a.jpg", "decision": "approve"}).status_code == 409
    assert c.get("/api/decisions/bulk").json()["count"] == 0
    r = c.post("/api/decisions", json={"path": "a.jpg", "decision": "approve", "override": True, "note": "agreed"})
    assert r.status_code == 200 and r.json()["override"]


def test_at_a_public_event_an_identifiable_face_is_left_to_a_person(tmp_path: Path) -> None:
    base = hand_report(tmp_path, {"a.jpg": ("review", [BIG_FACE])}, setting="public_event")
    c = client(base)
    (item,) = row(c, "a.jpg")["items"]
    assert item["label"] == "identifiable face" and item["actions"] == ["not_a_face"]
    assert act(c, "a.jpg", item["id"], "not_a_face").json()["settled"]


def _copies_report(tmp_path: Path, rows: dict[str, dict]) -> Path:
    """A report with safe copies written by hand: ``rows`` path -> fields over a copy row of verdict ok."""
    base = hand_report(tmp_path, {p: ("ok", []) for p in rows})
    report = base / "report" / "report.json"
    document = json.loads(report.read_text())
    (base / "copies").mkdir()
    document["run"]["copies"] = str(base / "copies")
    for image in document["images"]:
        image["redaction"] = {"output": image["path"], "covered": [], "crop": None, "passes": 1, "withheld": None}
        extra = rows[image["path"]]
        image["redaction"].update(extra.pop("redaction", {}))
        image.update(extra)
    report.write_text(json.dumps(document))
    return base


def test_a_possible_face_left_by_a_hand_fix_is_an_item_of_the_copy(tmp_path: Path) -> None:
    fixed = {"by": "x", "at": 1.0, "hand": [], "dismissed": [], "clean": True, "copy_sha256": "0" * 64,
             "verdict_unless_review": "ok"}
    base = _copies_report(tmp_path, {"a.jpg": {"verdict": "review", "reasons": ["1 possible face left"],
                                               "redaction": {"review": [[40, 20, 20, 24]], "fixed": fixed}}})
    c = client(base)
    a = row(c, "a.jpg")
    (item,) = a["items"]
    assert item["actions"] == ["cover", "not_a_face"] and item["label"] == "possible face"
    assert item["box_in_copy"] == [40, 20, 20, 24]  # the copy is the whole photo here, at its size
    # the copy in the folder is not the one the fix made (its hash is unknown): dismissing it leaves it to review
    r = act(c, "a.jpg", item["id"], "not_a_face")
    assert r.status_code == 200 and r.json()["items"][0]["dismissed"] == "not_a_face" and not r.json()["settled"]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    from scripts.samples.test_clip import make_clip

    out = tmp_path_factory.mktemp("clip") / "clip.mp4"
    make_clip(SAMPLES / "landscape_coffee.jpg", out, 2.0, 6, (320, 180), audio=False)
    return out


def test_a_video_copy_is_played_and_shown_as_a_strip_of_frames(tmp_path: Path, clip: Path) -> None:
    face = dict(SMALL_FACE, frame=6, t=1.0)
    base = _copies_report(tmp_path, {"v.mp4": {"media": "video", "duration": 2.0, "fps": 6.0, "frames": 12,
                                               "width": 320, "height": 180, "findings": [face]}})
    (base / "copies" / "v.mp4").write_bytes(clip.read_bytes())
    c = client(base)
    v = row(c, "v.mp4")
    assert v["media"] == "video" and not v["fixable"] and v["items"] == []
    times = [f["t"] for f in v["strip"]]
    assert len(times) >= 5 and times == sorted(times) and [f["t"] for f in v["strip"] if f["found"]] == [1.0]
    # the copy, with its content type, and the parts a player asks for
    whole = c.get("/img/copy", params={"path": "v.mp4"})
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    part = c.get("/img/copy", params={"path": "v.mp4"}, headers={"range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == whole.content[:100]
    # a frame of the strip: made once, kept in the report folder's thumbs/
    frame = c.get("/img/frame", params={"path": "v.mp4", "t": 1.0})
    assert frame.status_code == 200 and frame.headers["content-type"] == "image/jpeg"
    with Image.open(__import__("io").BytesIO(frame.content)) as picture:
        assert picture.size == (320, 180)
    kept = list((base / "report" / "thumbs").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == frame.content
    assert c.get("/img/frame", params={"path": "v.mp4", "t": 1.0}).content == frame.content
    assert c.get("/img/frame", params={"path": "v.mp4", "t": 99}).status_code == 200  # past the end: the last frame
    for bad in ({"t": "soon"}, {"t": -1}, {"t": "nan"}):
        assert c.get("/img/frame", params={"path": "v.mp4", **bad}).status_code in (400, 404)
    assert c.get("/img/frame", params={"path": "nope.mp4", "t": 0}).status_code == 404
    # its thumbnail in the list and the grid: the strip's first frame
    thumb = c.get("/img/thumb", params={"path": "v.mp4"})
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    # a hand fix is for photos
    r = c.post("/api/fixes", json={"path": "v.mp4", "covered": []})
    assert r.status_code == 409
    page = c.get("/").text
    assert "Fixes by hand are for photos" in json.dumps(json.loads(page.split('id="messages" type="application/json">')[1]
                                                                   .split("</script>")[0]))


def test_a_video_without_a_copy_shows_its_frames_with_the_text_painted_over(tmp_path: Path, clip: Path) -> None:
    text = dict(STUDENT_ID, box=[0, 0, 320, 180], frame=0, t=0.0)  # the whole frame, to see the paint
    base = hand_report(tmp_path, {"v.mp4": ("block", [text])})
    (base / "photos").mkdir()
    (base / "photos" / "v.mp4").write_bytes(clip.read_bytes())
    document = json.loads((base / "report" / "report.json").read_text())
    document["images"][0].update(media="video", duration=2.0, width=320, height=180)
    (base / "report" / "report.json").write_text(json.dumps(document))
    c = client(base)
    assert row(c, "v.mp4")["strip"]
    frame = c.get("/img/frame", params={"path": "v.mp4", "t": 1.5})
    assert frame.status_code == 200
    with Image.open(__import__("io").BytesIO(frame.content)) as picture:
        assert max(picture.convert("L").getextrema()) < 40  # painted over, as the original's picture is


@pytest.mark.slow
def test_cover_makes_the_copy_again_as_a_hand_fix(review_copy: Path) -> None:
    """The cover key on a possible face left for review: the copy is made again with its box covered solid,
    screened again, its row rewritten; the item is gone with the copy it was seen on."""
    leave_for_review(review_copy, "landscape_coffee.jpg", [30, 40, 60, 50])
    c = client(review_copy)
    before = (review_copy / "copies" / "landscape_coffee.jpg").read_bytes()
    (item,) = row(c, "landscape_coffee.jpg")["items"]
    r = act(c, "landscape_coffee.jpg", item["id"], "cover")
    assert r.status_code == 200, r.text
    after = r.json()
    assert {"kind": "face", "box": [30, 40, 60, 50], "mode": "solid"} in after["covered"]
    assert after["fixed_by"] == "tester" and after["copy_verdict"] in ("ok", "review")
    assert all(i["id"] != item["id"] for i in after["items"])
    assert (review_copy / "copies" / "landscape_coffee.jpg").read_bytes() != before
    fixed = json.loads((review_copy / "report" / "report.json").read_text())
    assert next(i for i in fixed["images"] if i["path"] == "landscape_coffee.jpg")["redaction"]["fixed"]["hand"] == [
        {"kind": "face", "box": [30, 40, 60, 50], "mode": "solid"}]
