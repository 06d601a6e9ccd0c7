"""Quality, orientation, platform and metadata stages on real photos."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from conftest import SAMPLES, shared_files
from pipeline.stages import metadata, orientation, platform_fit, quality
from pipeline.media.loader import load_image
from pipeline.screen.verdict import decide

LIMIT = 100_000_000


def kinds(findings) -> list[str]:
    return [f.kind for f in findings]


def with_pixels(image, pixels):
    return replace(image, pixels=np.ascontiguousarray(pixels), _previews={})


@pytest.mark.parametrize("path", shared_files("misc/blur"), ids=lambda p: p.name)
def test_blur_on_real_sharp_defocused_and_motion_blurred_photos(path: Path, policy) -> None:
    blurry = not path.stem.endswith("_S")
    findings = quality.stage(load_image(path, LIMIT), policy)
    assert ("blur" in kinds(findings)) == blurry


def test_sharp_subject_on_soft_background_is_not_blurry(testdata: Path, policy) -> None:
    image = load_image(testdata / "misc" / "blur" / "176_HONOR-7X_S.jpg", LIMIT)
    soft = cv2.GaussianBlur(image.pixels, (0, 0), 8)
    h, w = soft.shape[:2]
    soft[h // 3: 2 * h // 3, w // 3: 2 * w // 3] = image.pixels[h // 3: 2 * h // 3, w // 3: 2 * w // 3]
    assert "blur" not in kinds(quality.stage(with_pixels(image, soft), policy))
    everything_soft = cv2.GaussianBlur(image.pixels, (0, 0), 8)
    assert "blur" in kinds(quality.stage(with_pixels(image, everything_soft), policy))


@pytest.mark.parametrize("name", ["text_scenes/whiteboard_1.jpeg", "text_scenes/icdar2015_img_4.jpg"])
def test_little_detail_with_sharp_edges_is_not_blurry(testdata: Path, policy, name: str) -> None:
    """A whiteboard's thin pen lines and a dim platform hold little fine detail, but their edges are
    sharp: the detail measure alone called them blurry and sent them to a person."""
    found = quality.stage(load_image(testdata / name, LIMIT), policy)
    assert "blur" not in kinds(found)


@pytest.mark.parametrize("name, verdict", [
    ("176_HONOR-7X_F.jpg", "block"), ("180_HONOR-10_F.jpg", "block"), ("176_HONOR-7X_M.jpg", "block"),
    ("180_HONOR-10_M.jpg", "review"), ("nafnet_blurry.jpg", "review"), ("176_HONOR-7X_S.jpg", "ok")])
def test_too_blurry_to_tell_what_is_happening_is_blocked_not_reviewed(testdata: Path, policy, name: str,
                                                                      verdict: str) -> None:
    """The policy says do not post what is too blurry to tell what is happening: the tool settles the photos
    far below both limits itself; a person judges only those in between."""
    found = quality.stage(load_image(testdata / "misc" / "blur" / name, LIMIT), policy)
    got, reasons = decide(found, policy)
    assert got.value == verdict
    if verdict == "block":
        assert quality.too_blurry_to_post(found) and "do not post it" in reasons[0]
    # a video's blur is judged over the clip and stays a person's call
    assert decide(found, policy, video=True)[0].value == ("ok" if verdict == "ok" else "review")


def test_strong_blur_of_a_sharp_photo_is_blocked(testdata: Path, policy) -> None:
    image = load_image(testdata / "misc" / "blur" / "106_NIKON-D3400-35MM_S.JPG", LIMIT)
    assert decide(quality.stage(image, policy), policy)[0].value == "ok"
    sigma = 0.006 * max(image.pixels.shape[:2])  # 4.6 px at the 768 px preview
    blurred = with_pixels(image, cv2.GaussianBlur(image.pixels, (0, 0), sigma))
    assert decide(quality.stage(blurred, policy), policy)[0].value == "block"

def test_exposure_dark_and_blown_out(policy) -> None:
    image = load_image(SAMPLES / "landscape_coffee.jpg", LIMIT)
    assert "exposure" not in kinds(quality.stage(image, policy))
    dark = (image.pixels.astype(np.float32) * 0.12).astype(np.uint8)
    found = quality.stage(with_pixels(image, dark), policy)
    assert "exposure" in kinds(found) and "too dark" in found[-1].why
    blown = np.clip(image.pixels.astype(np.float32) * 3 + 90, 0, 255).astype(np.uint8)
    found = quality.stage(with_pixels(image, blown), policy)
    assert "exposure" in kinds(found) and "blown out" in found[-1].why


def test_white_document_is_not_blown_out(testdata: Path, policy) -> None:
    page = load_image(testdata / "text_scenes" / "tesseract_phototest.tif", LIMIT)
    assert "exposure" not in kinds(quality.stage(page, policy))


@pytest.mark.parametrize("photo, detector", [
    ("people_scenes/face_recognition_two_people.jpg", "orientation:faces"),
    ("text_scenes/wildreceipt_1.jpeg", "orientation:text-lines"),  # no faces: text read the right way up
])
@pytest.mark.parametrize("turn, rotate_cw", [(cv2.ROTATE_90_COUNTERCLOCKWISE, 90), (cv2.ROTATE_180, 180),
                                             (cv2.ROTATE_90_CLOCKWISE, 270)])
@pytest.mark.slow
def test_orientation_of_turned_photos(testdata: Path, policy, photo: str, detector: str, turn, rotate_cw) -> None:
    image = load_image(testdata / photo, LIMIT)
    assert orientation.stage(image, policy) == []
    found = orientation.stage(with_pixels(image, cv2.rotate(image.pixels, turn)), policy)
    assert [(f.rotate_cw, f.detector) for f in found] == [(rotate_cw, detector)]
    assert np.array_equal(orientation.upright(cv2.rotate(image.pixels, turn), rotate_cw), image.pixels)


@pytest.mark.parametrize("name, rotate_cw", [("tesseract_phototest-rotated-R.png", 270),
                                             ("tesseract_phototest-rotated-L.png", 90),
                                             ("tesseract_phototest-rotated-180.png", 180),
                                             ("tesseract_devatest-rotated-270.png", 90)])
@pytest.mark.slow
def test_orientation_of_rotated_documents(testdata: Path, policy, name: str, rotate_cw: int) -> None:
    found = orientation.stage(load_image(testdata / "misc" / "rotated_content_no_exif" / name, LIMIT), policy)
    assert [f.rotate_cw for f in found] == [rotate_cw]
    assert found[0].detector in ("orientation:text-lines", "orientation:tesseract-osd")


@pytest.mark.slow
def test_exif_tagged_photos_are_not_flagged_as_turned(testdata: Path, policy) -> None:
    for path in sorted((testdata / "misc" / "exif_orientation").glob("*.jpg")):
        assert orientation.stage(load_image(path, LIMIT), policy) == [], path.name


@pytest.mark.slow
def test_sideways_sample_is_flagged(policy) -> None:
    found = orientation.stage(load_image(SAMPLES / "sideways_notice.jpg", LIMIT), policy)
    assert [f.rotate_cw for f in found] == [90]


@pytest.mark.parametrize("size, platform, flagged", [
    ((1080, 1350), "instagram", False), ((1000, 1500), "instagram", True), ((3000, 1000), "instagram", True),
    ((1080, 1920), "instagram_story", False), ((1920, 1080), "instagram_story", True),
    ((1200, 1600), "facebook", True), ((1600, 1200), "facebook", False), ((1200, 1600), "x", True),
    ((1200, 1600), "linkedin", True), ((1200, 1600), "any", False), ((4000, 1000), "any", False),
])
def test_aspect_by_platform(size, platform: str, flagged: bool) -> None:
    found = platform_fit.aspect_findings(*size, platform)
    assert bool(found) == flagged
    if found:
        box = found[0].box
        rule = platform_fit.PLATFORMS[platform]
        assert box.x >= 0 and box.y >= 0 and box.x + box.w <= size[0] and box.y + box.h <= size[1]
        assert rule.min_ratio - 0.01 <= box.w / box.h <= rule.max_ratio + 0.01


@pytest.mark.parametrize("path", shared_files("misc/exif_gps") + [p for p in shared_files("misc/heic") if p.name != "libheif_example.heic"],
                         ids=lambda p: p.name)
def test_every_gps_sample_is_reported(path: Path, policy) -> None:
    found = metadata.stage(load_image(path, LIMIT), policy)
    gps = [f for f in found if f.kind == "gps"]
    assert len(gps) == 1 and gps[0].box is None
    verdict, _ = decide(found, policy)
    assert verdict.value == ("review" if path.name == "pillow_empty_gps_ifd.jpg" else "block")


def test_revealing_metadata_is_reported_without_values(tmp_path: Path, policy) -> None:
    exif = Image.Exif()
    exif[0x013B] = "Jane Teacher"  # artist
    exif.get_ifd(0x8769)[0xA431] = "SN-99887766"  # body serial number
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">'
           b'<Iptc4xmpExt:PersonInImage><rdf:Bag><rdf:li>Alex Martin</rdf:li></rdf:Bag></Iptc4xmpExt:PersonInImage>'
           b'</rdf:Description></rdf:RDF></x:xmpmeta>')
    path = tmp_path / "tagged.jpg"
    Image.open(SAMPLES / "landscape_coffee.jpg").save(path, exif=exif.tobytes(), xmp=xmp)
    found = metadata.stage(load_image(path, LIMIT), policy)
    whys = {f.why for f in found}
    assert {"artist name", "camera serial number", "XMP person names"} <= whys
    text = " ".join(whys)
    assert "Jane" not in text and "99887766" not in text and "Alex" not in text


def test_gps_in_xmp_is_reported(tmp_path: Path, policy) -> None:
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.5N" '
           b'exif:GPSLongitude="2,17.3E"/></rdf:RDF></x:xmpmeta>')
    path = tmp_path / "xmp_gps.jpg"
    Image.open(SAMPLES / "landscape_coffee.jpg").save(path, xmp=xmp)
    found = [f for f in metadata.stage(load_image(path, LIMIT), policy) if f.kind == "gps"]
    assert len(found) == 1 and found[0].score == 1.0 and "48" not in found[0].why


def test_thumbnail_that_shows_another_picture_is_reported(tmp_path: Path, policy) -> None:
    import io

    original = Image.open(SAMPLES / "landscape_coffee.jpg")
    other = Image.open(SAMPLES / "portrait_cat.jpg").resize((160, 120))
    buf = io.BytesIO()
    other.save(buf, "JPEG")
    exif = Image.Exif()
    exif[0x010F] = "Camera"
    path = tmp_path / "thumb.jpg"
    # Pillow writes no IFD1 thumbnail, so splice one in: the EXIF block with IFD1 pointing at the JPEG
    exif_bytes = _exif_with_thumbnail(buf.getvalue())
    original.save(path, exif=exif_bytes)
    found = metadata.stage(load_image(path, LIMIT), policy)
    assert "EXIF thumbnail shows a different picture" in {f.why for f in found}
    same = io.BytesIO()
    original.resize((160, 107)).save(same, "JPEG")
    original.save(path, exif=_exif_with_thumbnail(same.getvalue()))
    assert "EXIF thumbnail shows a different picture" not in {f.why for f in metadata.stage(load_image(path, LIMIT), policy)}


def _exif_with_thumbnail(jpeg: bytes) -> bytes:
    """A little-endian TIFF block: an empty IFD0 that links to IFD1, which holds the thumbnail."""
    import struct

    ifd0_offset = 8
    ifd1_offset = ifd0_offset + 2 + 0 + 4
    ifd1_entries = 2
    data_offset = ifd1_offset + 2 + ifd1_entries * 12 + 4
    tiff = b"II*\x00" + struct.pack("<I", ifd0_offset)
    tiff += struct.pack("<H", 0) + struct.pack("<I", ifd1_offset)
    tiff += struct.pack("<H", ifd1_entries)
    tiff += struct.pack("<HHII", 0x0201, 4, 1, data_offset)
    tiff += struct.pack("<HHII", 0x0202, 4, 1, len(jpeg))
    tiff += struct.pack("<I", 0)
    return b"Exif\x00\x00" + tiff + jpeg

