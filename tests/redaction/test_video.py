"""Videos: scan and redact on clips made at test time by scripts/samples/test_clip.py from sample_images/
(public-domain and CC0 photos): timed findings, GPS in the container, every frame covered, sound kept,
metadata stripped, corrupt clips as error rows."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import SAMPLES
from pipeline.cli import app
from pipeline.report.document import SCHEMA_PATH
from scripts.samples.test_clip import make_clip

runner = CliRunner()
SCHEMA = json.loads(SCHEMA_PATH.read_text())
SECONDS, FPS, SIZE = 2.0, 8, (480, 270)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    people = folder / "people" / "class.mp4"
    empty = folder / "empty" / "coffee.mov"
    bad = folder / "bad"
    for d in (people.parent, empty.parent, bad):
        d.mkdir()
    make_clip(SAMPLES / "classroom_composite.jpg", people, SECONDS, FPS, SIZE, gps=True, comment="Filmed by Ms Smith")
    make_clip(SAMPLES / "landscape_coffee.jpg", empty, 1.5, 6, (480, 270), device=True)
    data = people.read_bytes()
    (bad / "truncated.mp4").write_bytes(data[: len(data) * 2 // 3])  # the index (moov) is at the end: gone
    (bad / "garbage.webm").write_bytes(b"\x1aE\xdf\xa3" + bytes(range(256)) * 20)
    return {"people": people, "empty": empty, "bad": bad}


def scan(path: Path, out: Path) -> tuple[int, dict]:
    result = runner.invoke(app, ["scan", "--no-progress", str(path), "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    return result.exit_code, report


@pytest.mark.slow
def test_clip_with_faces_blocks_with_timed_face_findings_and_gps(clips, tmp_path) -> None:
    code, report = scan(clips["people"].parent, tmp_path / "r")
    [row] = report["images"]
    assert code == 1 and row["verdict"] == "block"
    assert row["media"] == "video" and (row["width"], row["height"]) == SIZE
    assert row["fps"] == FPS and row["frames"] == SECONDS * FPS and abs(row["duration"] - SECONDS) < 0.1
    faces = [f for f in row["findings"] if f["kind"] == "face"]
    assert len({f["frame"] for f in faces}) >= 3  # sampled frames at 2 a second, each with faces
    for f in faces:
        assert f["t"] == pytest.approx(f["frame"] / FPS, abs=1e-3) and 0 <= f["t"] < SECONDS
    assert any("identifiable face" in r for r in row["reasons"])
    assert [f for f in row["findings"] if f["kind"] == "gps"]
    assert any(f["kind"] == "metadata" and "comment" in f["why"] for f in row["findings"])
    assert "Smith" not in json.dumps(report)  # the tag's text never reaches the report


@pytest.mark.slow
def test_clip_with_no_people_has_no_face_finding(clips, tmp_path) -> None:
    code, report = scan(clips["empty"], tmp_path / "r")
    [row] = report["images"]
    assert row["media"] == "video" and row["verdict"] != "error"
    assert not [f for f in row["findings"] if f["kind"] == "face"]
    assert any(f["kind"] == "metadata" and "device" in f["why"] for f in row["findings"])  # make and model tags


def test_corrupt_and_truncated_clips_are_error_rows(clips, tmp_path) -> None:
    code, report = scan(clips["bad"], tmp_path / "r")
    rows = {r["path"]: r for r in report["images"]}
    assert code == 3 and set(rows) == {"truncated.mp4", "garbage.webm"}
    for row in rows.values():
        assert row["verdict"] == "error" and row["media"] == "video" and row["error"]


def test_truncated_clip_with_its_index_first_is_an_error_row(clips, tmp_path) -> None:
    """A clip whose index comes first (faststart) still opens when cut: the frames missing at the end
    were never screened, so it is an error, not a shorter clip."""
    whole = tmp_path / "fast.mp4"
    with av.open(str(clips["people"])) as src, av.open(str(whole), "w", options={"movflags": "faststart"}) as dst:
        stream = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    data = whole.read_bytes()
    cut = tmp_path / "in" / "cut.mp4"
    cut.parent.mkdir()
    cut.write_bytes(data[: len(data) // 2])
    code, report = scan(cut, tmp_path / "r")
    [row] = report["images"]
    assert row["verdict"] == "error" and "truncated" in row["error"]


def _streams(path: Path) -> tuple[int, float, bool, dict]:
    with av.open(str(path)) as c:
        frames = sum(1 for _ in c.decode(c.streams.video[0]))
        tags = dict(c.metadata)
        for s in c.streams:
            tags.update(s.metadata)
        return frames, c.duration / 1e6, bool(c.streams.audio), tags


def test_redacted_copy_covers_every_frame_keeps_length_and_sound_and_drops_metadata(clips, tmp_path) -> None:
    out = tmp_path / "safe"
    result = runner.invoke(app, ["redact", "--no-progress", str(clips["people"].parent), "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    [row] = report["images"]
    assert result.exit_code in (0, 1), result.output
    assert row["redaction"]["output"] == "class.mp4", row["reasons"]
    faces = [c for c in row["redaction"]["covered"] if c["kind"] == "face"]
    assert faces and all(len(c["frames"]) == 2 for c in faces)
    # every frame has a face covered: the covers' frame ranges together span the clip
    spanned = set()
    for c in faces:
        spanned |= set(range(c["frames"][0], c["frames"][1] + 1))
    assert set(range(int(SECONDS * FPS))) <= spanned
    copy = out / "class.mp4"
    frames, duration, audio, tags = _streams(copy)
    assert abs(frames - SECONDS * FPS) <= 2 and abs(duration - SECONDS) <= 2 / FPS + 0.05 and audio
    assert not {k for k in tags if "location" in k or "comment" in k}
    if shutil.which("exiftool"):
        seen = subprocess.run(["exiftool", "-j", "-a", "-G1", str(copy)], capture_output=True, text=True, check=True)
        found = json.loads(seen.stdout)[0]
        assert not [k for k in found if "GPS" in k or "Location" in k or "Comment" in k], found
    assert not list(out.glob(".photoscreen-*.tmp"))
    assert clips["people"].read_bytes()[:8] and (clips["people"].stat().st_size > 0)  # original untouched

    # the independent check on the copy's frames: no face left that the detectors see
    from pipeline.stages import faces as face_stage
    with av.open(str(copy)) as c:
        for i, frame in enumerate(c.decode(c.streams.video[0])):
            if i % 3 == 0:
                rgb = frame.to_ndarray(format="rgb24")
                found = face_stage.detect_at(rgb, 960, 0.5)
                assert not found, f"frame {i}: a face shows in the copy"


@pytest.mark.slow
def test_no_audio_drops_the_sound(clips, tmp_path) -> None:
    out = tmp_path / "safe"
    result = runner.invoke(app, ["redact", "--no-progress", "--no-audio", str(clips["empty"]), "--out", str(out)])
    report = json.loads((out / "report.json").read_text())
    [row] = report["images"]
    assert result.exit_code in (0, 1), result.output
    assert row["redaction"]["output"] == "coffee.mov"
    frames, duration, audio, tags = _streams(out / "coffee.mov")
    assert frames == 9 and not audio
    assert not {k for k in tags if k in ("make", "model") or "apple" in k}



@pytest.mark.slow
def test_crop_hands_on_a_clip_covers_every_frame_and_says_so(clips, tmp_path) -> None:
    """--crop hands crops photos: a clip given it gets its covered copy, and the row says no crop was made."""
    out = tmp_path / "safe"
    result = runner.invoke(app, ["redact", "--no-progress", "--crop", "hands", str(clips["empty"]), "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    [row] = json.loads((out / "report.json").read_text())["images"]
    assert row["redaction"]["output"] == "coffee.mov" and (out / "coffee.mov").is_file()
    assert any(r.startswith("no crop: --crop hands crops photos, not videos") for r in row["reasons"]), row["reasons"]


# --- pieces, without decoding -------------------------------------------------------------------

def test_container_tags_go_through_the_metadata_checks_and_recognizers(policy) -> None:
    from pipeline.screen.video import metadata_findings

    tags = [("container", "com.apple.quicktime.location.ISO6709", "+48.8584+002.2945+035.000/"),
            ("container", "com.apple.quicktime.make", "Apple"),
            ("container", "artist", "Ms Smith"),
            ("container", "comment", "Student ID: 20481937"),
            ("container", "encoder", "Lavf62"), ("video stream", "handler_name", "VideoHandler")]
    found = metadata_findings(tags, b"", policy)
    kinds = [f.kind for f in found]
    assert kinds.count("gps") == 1 and "student_id" in kinds
    whys = " ".join(f.why for f in found if f.kind == "metadata")
    assert "device" in whys and "artist" in whys and "handler" not in whys and "encoder" not in whys
    assert "20481937" not in json.dumps([f.to_dict() for f in found])
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.5N" '
           b'exif:GPSLongitude="2,17.7E"/></rdf:RDF></x:xmpmeta>')
    assert [f.kind for f in metadata_findings([], xmp, policy)] == ["gps"]
    assert metadata_findings([("container", "encoder", "Lavf62")], b"", policy) == []


def test_tracking_covers_the_frames_between_detections_before_and_after(policy) -> None:
    """A face seen on frames 0 and 3 is covered on 1 and 2 where it is; one not found again stays
    covered for keep_frames; one that appears is covered from the frame after the detection before."""
    from pipeline.findings import Box
    from pipeline.redaction.video_tracks import FacePlan

    v = policy.video
    walking = {0: Box(100, 100, 40, 50), 3: Box(130, 100, 40, 50)}  # 10 px a frame
    cache = {0: [walking[0]], 3: [walking[3]], 6: [Box(300, 50, 40, 50)], 9: []}
    plan = FacePlan(policy, 640, 360, None, cache)
    blank = np.zeros((360, 640, 3), np.uint8)
    covered = {}
    for frame in (0, 3, 6, 9):
        plan.detect(frame, blank, [])
        for f in range(max(0, frame - 2), frame + 1):
            covered[f] = [b for _, b in plan.boxes(f, frame)]
    for f in (1, 2):  # the walking face, where it is on the frames between
        truth = Box(100 + 10 * f, 100, 40, 50)
        assert any(b.overlap(truth) == truth.w * truth.h for b in covered[f]), (f, covered[f])
    assert any(b.overlap(Box(300, 50, 40, 50)) for b in covered[5])  # appearing at 6: covered at 4-5
    assert any(b.overlap(Box(300, 50, 40, 50)) for b in covered[4])
    later = [b for _, b in plan.boxes(6 + v.keep_frames, 6 + v.keep_frames)]
    assert any(b.overlap(Box(300, 50, 40, 50)) for b in later)  # held after the last sighting
    gone = [b for _, b in plan.boxes(6 + v.keep_frames + 1, 6 + v.keep_frames + 1)]
    assert not any(b.overlap(Box(300, 50, 40, 50)) for b in gone)


def test_video_reasons_speak_of_the_clip_and_count_faces_on_one_frame() -> None:
    from pipeline.findings import Box, Finding
    from pipeline.policy import load_policy
    from pipeline.screen.verdict import decide, original_verdict

    policy = load_policy()
    blur = Finding("blur", None, 0.8, why="motion blur (on 5 of 6 frames screened)")
    assert decide([blur], policy)[1] == ("too blurry (motion): use a sharper photo",)
    assert "film it again" in decide([blur], policy, video=True)[1][0]
    # three sampled frames with two identifiable faces each: the clip shows 2 faces, not 6
    faces = [Finding("face", Box(10 + 40 * k, 10, 30, 30), 0.9, identifiable=True, frame=f, t=f / 30)
             for f in (0, 15, 30) for k in range(2)]
    record = {"verdict": "ok", "media": "video", "redaction": {"output": "clip.mp4"},
              "findings": [f.to_dict() for f in faces]}
    verdict, reasons = original_verdict(record, policy)
    assert verdict == "block" and reasons[0].startswith("2 identifiable faces")
