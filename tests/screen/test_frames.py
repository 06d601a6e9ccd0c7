"""Multi-frame files (every frame screened, identical frames skipped, a cap on frames) and paths
that are not regular files (FIFO, device, socket) or too large: never a hang, never a silent ok.

The multi-frame files are built here, in tmp_path, from the astronaut photo in the shared test
data (public domain) and a drawn scene with no people, at 400x300 so each test takes seconds.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline.media import loader
from pipeline.findings import Verdict
from pipeline.media.loader import LoadedImage, LoadError, load_image, other_frames, practically_identical
from pipeline.policy import load_policy
from pipeline.report.document import SCHEMA_PATH, build_report
from pipeline.screen.photo import STAGES, Candidate, Screener

SCHEMA = json.loads(SCHEMA_PATH.read_text())
LIMIT = 100_000_000
SIZE = (400, 300)

# (Pillow format, file suffix, extra save options) of every multi-frame format we decode
FORMATS = {
    "GIF": ("GIF", ".gif", {}),
    "APNG": ("PNG", ".png", {}),
    "WebP": ("WEBP", ".webp", {"quality": 90}),
    "TIFF": ("TIFF", ".tif", {}),
    "MPO": ("MPO", ".jpg", {"quality": 95}),
    "HEIC": ("HEIF", ".heic", {"quality": 90}),
    "AVIF": ("AVIF", ".avif", {"quality": 90}),
}


@pytest.fixture
def no_hang():
    """Fails the test (instead of hanging the run) when it takes more than 20 seconds."""
    def expired(signum, frame):
        raise TimeoutError("took more than 20 s: the loader is waiting on something")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def scene(seed: int = 0) -> Image.Image:
    """A drawn landscape with no people: a sky gradient with a little grain, a hill, a sun, a field."""
    w, h = SIZE
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    sky = np.stack([80 + 100 * x / w, 120 + 60 * y / h, 200 - 80 * x / w], -1) + rng.normal(0, 6, (h, w, 3))
    image = Image.fromarray(np.clip(sky, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.rectangle([40 + 20 * seed, 180, 160 + 20 * seed, 280], fill=(60, 120, 40))
    draw.ellipse([250, 40, 330, 120], fill=(240, 220, 90))
    draw.polygon([(180, 280), (260, 150), (340, 280)], fill=(110, 90, 80))
    return image


@pytest.fixture(scope="module")
def astronaut(testdata: Path) -> Image.Image:
    with Image.open(testdata / "people_scenes" / "skimage_astronaut.png") as im:
        return im.convert("RGB")


@pytest.fixture(scope="module")
def portrait(astronaut: Image.Image) -> Image.Image:
    """A photo with one clear, large face (the astronaut, 300 px tall) on a plain background."""
    canvas = Image.new("RGB", SIZE, (90, 110, 130))
    canvas.paste(astronaut.resize((300, 300)), (50, 0))
    return canvas


def with_small_face(base: Image.Image, astronaut: Image.Image, height: int, at=(300, 200)) -> Image.Image:
    """``base`` with the astronaut's head, ``height`` px tall, pasted in."""
    head = astronaut.crop((140, 40, 260, 200))  # her face with hair, 120x160
    out = base.copy()
    out.paste(head.resize((round(height * 0.75), height)), at)
    return out


def save_frames(path: Path, fmt: str, frames: list[Image.Image], **options) -> Path:
    frames = [f.copy() for f in frames]  # saving leaves encoder settings on the images (JPEG's break TIFF)
    if fmt == "GIF":  # Pillow's own palette for a GIF (median cut) takes a third of a second a frame
        frames = [f.quantize(256, Image.Quantize.FASTOCTREE) for f in frames]
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:], **options)
    return path


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(load_policy())


# For speed, most tests screen with the faces stage only, upright faces only (no turned copies):
# what they check is which frames reach the stages and how the findings come back.
FAST = {"faces": {"search_rotated": False}}


def fast_screener(**general) -> Screener:
    policy = load_policy(overrides={**FAST, "general": general})
    return Screener(policy, stages=tuple((n, s) for n, s in STAGES if n == "faces"))


@pytest.fixture(scope="module")
def face_screener() -> Screener:
    return fast_screener()


def row_dict(report) -> dict:
    """The report row, checked against the report's JSON Schema."""
    jsonschema.validate(build_report([report.to_dict()], 0), SCHEMA)
    return report.to_dict()


# --- a face on the second frame or page ---------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", list(FORMATS))
def test_face_on_the_second_frame_blocks(name: str, portrait, tmp_path: Path, face_screener) -> None:
    fmt, suffix, options = FORMATS[name]
    path = tmp_path / f"anim{suffix}"
    try:
        save_frames(path, fmt, [scene(), portrait], **options)
    except (KeyError, OSError, ValueError) as exc:  # pragma: no cover - a Pillow build without the encoder
        pytest.skip(f"this Pillow cannot write a two-frame {name} ({exc})")
    image = load_image(path, LIMIT)
    assert image.frame_count == 2 and image.frame == 0
    assert image.format == ("MPO" if name == "MPO" else "HEIF" if name == "HEIC" else fmt)
    report = face_screener.screen(Candidate(path, path.name))
    faces = [f for f in report.findings if f.kind == "face"]
    assert report.verdict is Verdict.BLOCK, report.reasons
    assert faces and all(f.frame == 1 for f in faces) and any(f.identifiable for f in faces)
    # the row describes the first frame, and validates against the schema with its frame numbers
    assert (report.width, report.height) == SIZE
    assert row_dict(report)["findings"][0]["frame"] == 1


@pytest.mark.slow
def test_every_stage_on_a_gif_and_findings_of_the_first_frame_carry_frame_0(portrait, tmp_path, screener) -> None:
    path = save_frames(tmp_path / "anim.gif", "GIF", [scene(), portrait])
    report = screener.screen(Candidate(path, path.name))
    assert report.verdict is Verdict.BLOCK
    assert [(f.kind, f.frame) for f in report.findings if f.kind == "face"] == [("face", 1)]
    # the other way round: the face on the first frame is frame 0 (not None: the file has frames)
    path = save_frames(tmp_path / "other.gif", "GIF", [portrait, scene()])
    report = fast_screener().screen(Candidate(path, path.name))
    assert report.verdict is Verdict.BLOCK
    assert {f.frame for f in report.findings if f.kind == "face"} == {0}
    # a still photo keeps frame None, and the key is left out of its row
    path = tmp_path / "still.png"
    portrait.save(path)
    report = fast_screener().screen(Candidate(path, path.name))
    assert report.verdict is Verdict.BLOCK and all(f.frame is None for f in report.findings)
    assert all("frame" not in f for f in row_dict(report)["findings"])


def test_later_frames_keep_only_face_and_text_findings(tmp_path) -> None:
    """A dark or blurry later frame is no reason to review: only faces and text count there."""
    from pipeline.stages import quality

    dark = Image.fromarray((np.asarray(scene(), dtype=np.float64) * 0.08).astype(np.uint8))
    screener = Screener(load_policy(), stages=(("quality", quality.stage),))
    alone = screener.screen(Candidate(_png(tmp_path / "dark.png", dark), "dark.png"))
    assert "exposure" in {f.kind for f in alone.findings}  # the dark frame on its own is flagged
    path = save_frames(tmp_path / "anim.png", "PNG", [scene(), dark])
    report = screener.screen(Candidate(path, path.name))
    assert report.findings == () and report.verdict is Verdict.OK
    path = save_frames(tmp_path / "dark_first.png", "PNG", [dark, scene()])
    found = screener.screen(Candidate(path, path.name)).findings
    assert "exposure" in {f.kind for f in found} and {f.frame for f in found} == {0}


def test_metadata_is_screened_once_with_no_frame(tmp_path, portrait) -> None:
    """GPS in an APNG: one finding, about the file (frame None)."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    path = save_frames(tmp_path / "anim.png", "PNG", [scene(), scene(1)], exif=exif)
    from pipeline.stages import metadata

    image = load_image(path, LIMIT)
    found = [f for f in metadata.stage(image, load_policy()) if f.kind == "gps"]
    assert image.frame_count == 2 and found
    screener = Screener(load_policy(), stages=(("metadata", metadata.stage),))
    report = screener.screen(Candidate(path, path.name))
    gps = [f for f in report.findings if f.kind == "gps"]
    assert len(gps) == 1 and gps[0].frame is None


# --- more frames than the cap ------------------------------------------------------------------

def test_more_frames_than_the_cap_goes_to_review(portrait, tmp_path) -> None:
    screener = fast_screener(max_frames=2)
    path = save_frames(tmp_path / "long.gif", "GIF", [scene(0), scene(1), scene(2), portrait])
    report = screener.screen(Candidate(path, path.name))
    frames = [f for f in report.findings if f.kind == "frames"]
    assert len(frames) == 1 and "4 frames" in frames[0].why and "first 2" in frames[0].why
    assert report.verdict in (Verdict.REVIEW, Verdict.BLOCK)
    assert "more frames than screened: check the rest by eye, or post a still" in report.reasons
    assert not [f for f in report.findings if f.kind == "face"]  # frame 4 was beyond the cap
    row_dict(report)
    # within the cap: no "frames" finding, the face on frame 4 is found
    report = fast_screener(max_frames=4).screen(Candidate(path, path.name))
    assert not [f for f in report.findings if f.kind == "frames"]
    assert [f.frame for f in report.findings if f.kind == "face"] == [3]
    assert report.verdict is Verdict.BLOCK


def test_max_frames_of_one_screens_only_the_first(portrait, tmp_path) -> None:
    image = load_image(save_frames(tmp_path / "a.webp", "WEBP", [scene(), portrait]), LIMIT)
    assert list(other_frames(image, 1, LIMIT)) == []


# --- identical frames --------------------------------------------------------------------------

def test_repeated_frames_are_skipped(tmp_path, portrait) -> None:
    """A B A B ...: each picture is screened once (the lossy WebP re-encodes each repeat)."""
    for fmt, suffix in (("GIF", ".gif"), ("WEBP", ".webp"), ("PNG", ".png")):
        # no two equal frames side by side: Pillow's GIF and WebP writers would merge them
        frames = [scene(0), portrait, scene(0), portrait, scene(0)]
        path = save_frames(tmp_path / f"loop{suffix}", fmt, frames, **({"quality": 80} if fmt == "WEBP" else {}))
        image = load_image(path, LIMIT)
        assert image.frame_count == len(frames)
        screened = [f.frame for f in other_frames(image, 50, LIMIT)]
        assert screened == [1], (fmt, screened)  # the portrait, once
        assert len(list(other_frames(image, 50, LIMIT, skip_repeats=False))) == image.frame_count - 1


@pytest.mark.parametrize("height", [10, 16, 24, 40])
@pytest.mark.parametrize("at", [(20, 20), (300, 200), (200, 100)])
def test_a_small_face_added_to_a_frame_is_never_skipped(height: int, at, astronaut, tmp_path) -> None:
    """The comparison uses the largest local difference: a face a few pixels across changes a
    handful of preview pixels a lot, and the mean hardly at all."""
    base = scene()
    changed = with_small_face(base, astronaut, height, at)
    a = load_image(_png(tmp_path / "a.png", base), LIMIT).preview(loader.REPEAT_SIDE, grey=True)
    b = load_image(_png(tmp_path / "b.png", changed), LIMIT).preview(loader.REPEAT_SIDE, grey=True)
    assert not practically_identical(a, b)
    assert np.abs(a.astype(int) - b.astype(int)).mean() < loader.REPEAT_TOLERANCE  # a mean would skip it
    for fmt, suffix in (("PNG", ".png"), ("WEBP", ".webp"), ("GIF", ".gif")):
        # frame 2 repeats frame 0 and is skipped; frame 3 is frame 0 with the face, and is not
        path = save_frames(tmp_path / f"added{suffix}", fmt, [base, scene(1), base, changed])
        screened = [f.frame for f in other_frames(load_image(path, LIMIT), 50, LIMIT)]
        assert screened == [1, 3], (fmt, screened)


def test_a_small_face_on_a_large_frame_is_never_skipped(astronaut) -> None:
    """On a 4000 px frame the preview is a quarter of the size: a face 24 px tall (about what
    CenterFace finds at its 1536 px working size) is still far above the tolerance."""
    base = scene().resize((4000, 3000), Image.Resampling.BICUBIC)
    a = LoadedImage(np.asarray(base), "", "PNG", None, Image.Exif()).preview(loader.REPEAT_SIDE, grey=True)
    for at in ((200, 200), (3000, 2000), (2000, 1000)):
        changed = np.asarray(with_small_face(base, astronaut, 24, at))
        b = LoadedImage(changed, "", "PNG", None, Image.Exif()).preview(loader.REPEAT_SIDE, grey=True)
        assert not practically_identical(a, b), at


def test_a_small_face_on_a_repeated_frame_is_found(astronaut, tmp_path, face_screener) -> None:
    """End to end: frame 2 repeats frame 0 and is skipped; frame 3 adds a face 60 px tall."""
    base = scene()
    path = save_frames(tmp_path / "added.png", "PNG", [base, scene(1), base, with_small_face(base, astronaut, 60)])
    assert [f.frame for f in other_frames(load_image(path, LIMIT), 50, LIMIT)] == [1, 3]
    report = face_screener.screen(Candidate(path, path.name))
    assert [f.frame for f in report.findings if f.kind == "face"] == [3]
    assert report.verdict in (Verdict.BLOCK, Verdict.REVIEW)


def _png(path: Path, image: Image.Image) -> Path:
    image.save(path)
    return path


# --- frames that do not decode, and frames over the pixel limit --------------------------------

def test_a_frame_that_does_not_decode_makes_the_file_an_error(tmp_path, portrait, face_screener) -> None:
    buf = io.BytesIO()
    scene().save(buf, "TIFF", save_all=True, append_images=[portrait.copy()])
    data = buf.getvalue()
    # the second page's pixels are the last bytes of the file: damage them, keep both pages' headers
    with Image.open(io.BytesIO(data)) as im:
        im.seek(1)
        offset = im.tag_v2[273][0]  # StripOffsets of page 2
    path = tmp_path / "pages.tif"
    path.write_bytes(data[:offset + 1000])
    image = load_image(path, LIMIT)  # the first page is whole
    assert image.frame_count == 2
    with pytest.raises(LoadError, match="frame 2 of 2"):
        list(other_frames(image, 50, LIMIT))
    report = face_screener.screen(Candidate(path, path.name))
    assert report.verdict is Verdict.ERROR and "frame 2 of 2" in report.error and "corrupt" in report.error


def test_every_frame_is_held_to_the_pixel_limit(tmp_path) -> None:
    path = tmp_path / "pages.tif"
    Image.new("RGB", (100, 100)).save(path, "TIFF", save_all=True, append_images=[Image.new("RGB", (2000, 1000))])
    image = load_image(path, 1_000_000)  # the first page is small
    with pytest.raises(LoadError, match="frame 2 of 2.*above the limit.*general.max_pixels"):
        list(other_frames(image, 50, 1_000_000))


# --- paths that are not regular files, and files over the size cap -----------------------------

def test_a_fifo_named_like_a_photo_is_an_error_not_a_hang(tmp_path, no_hang, face_screener) -> None:
    fifo = tmp_path / "x.jpg"
    os.mkfifo(fifo)
    with pytest.raises(LoadError, match=r"not a regular file but a FIFO \(named pipe\)"):
        load_image(fifo, LIMIT)
    report = face_screener.screen(Candidate(fifo, "x.jpg"))
    assert report.verdict is Verdict.ERROR and "FIFO" in report.error


def test_a_link_to_dev_zero_is_an_error_not_endless_reading(tmp_path, no_hang, face_screener) -> None:
    link = tmp_path / "z.jpg"
    link.symlink_to("/dev/zero")
    report = face_screener.screen(Candidate(link, "z.jpg"))
    assert report.verdict is Verdict.ERROR
    assert "not a regular file but a character device (reached through a symbolic link)" in report.error


def test_a_socket_and_a_folder_are_errors(tmp_path, no_hang) -> None:
    folder = tmp_path / "album.jpg"
    folder.mkdir()
    with pytest.raises(LoadError, match="not a regular file but a folder"):
        load_image(folder, LIMIT)
    short = Path(os.path.relpath(tmp_path / "s.jpg"))  # a socket path must be short (108 bytes)
    if len(os.fsencode(short)) > 100:
        pytest.skip("no short path for a socket here")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(os.fspath(short))
        with pytest.raises(LoadError, match="not a regular file but a socket"):
            load_image(short, LIMIT)


def test_a_file_over_max_file_bytes_is_an_error_row(tmp_path, portrait) -> None:
    path = tmp_path / "big.png"
    portrait.save(path)
    size = path.stat().st_size
    policy = load_policy(overrides={"general": {"max_file_bytes": size - 1}})
    report = Screener(policy, stages=()).screen(Candidate(path, path.name))
    assert report.verdict is Verdict.ERROR
    assert f"file is {size:,} bytes, above the limit of {size - 1:,} bytes (policy general.max_file_bytes)" \
        in report.error
    # exactly at the cap it is read
    assert load_image(path, LIMIT, max_file_bytes=size).width == SIZE[0]


def test_loader_default_file_cap_is_the_policy_default() -> None:
    assert loader.MAX_FILE_BYTES == load_policy().general.max_file_bytes


# --- redaction: the copy is of the first frame -------------------------------------------------

@pytest.mark.slow
def test_redacted_copy_of_an_animation_is_its_first_frame(tmp_path, portrait) -> None:
    from pipeline.redaction.copies import Redactor

    path = save_frames(tmp_path / "anim.gif", "GIF", [scene(), portrait])
    out = tmp_path / "safe"
    report = Redactor(load_policy(), out).redact(Candidate(path, path.name))
    assert report.redaction is not None and report.redaction.output == "anim.gif.png", report
    # the face is on frame 1, which the copy does not hold: nothing is painted on the first frame
    assert report.redaction.covered == ()
    assert any(f.kind == "face" and f.frame == 1 for f in report.findings)  # the row still says so
    assert "copy holds the first of 2 frames only" in report.reasons
    with Image.open(out / "anim.gif.png") as copy:
        assert getattr(copy, "n_frames", 1) == 1 and copy.size == SIZE
