"""The loader on every file under testdata/misc, on formats, orientation, and bad input."""

from __future__ import annotations

import io
import zlib
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import SAMPLES, TESTDATA, shared_files
from pipeline.media.loader import LoadError, LoadedImage, is_image_path, load_image

LIMIT = 100_000_000

# Files in misc/corrupt_or_odd that cannot be fully decoded (see testdata SOURCES.md).
UNDECODABLE = {
    "mmocr_broken.jpg",
    "pillow_broken.png",
    "pillow_broken_data_stream.png",
    "pillow_truncated_end_chunk.png",
    "pillow_truncated_image.png",
    "pillow_truncated_jpeg.jpg",
}


@pytest.mark.parametrize("path", shared_files("misc"), ids=lambda p: p.relative_to(TESTDATA / "misc").as_posix())
def test_every_misc_file_loads_or_fails_cleanly(path: Path) -> None:
    if path.name in UNDECODABLE:
        with pytest.raises(LoadError) as info:
            load_image(path, LIMIT)
        assert "corrupt" in str(info.value) or "not a readable image" in str(info.value)
        return
    image = load_image(path, LIMIT)
    assert isinstance(image, LoadedImage)
    assert image.pixels.dtype == np.uint8 and image.pixels.ndim == 3 and image.pixels.shape[2] == 3
    assert image.width > 0 and image.height > 0
    assert len(image.sha256) == 64


def test_misc_folder_present(testdata: Path) -> None:
    assert len(shared_files("misc")) >= 50


def test_exif_orientation_gives_one_upright_size_per_group(testdata: Path) -> None:
    folder = testdata / "misc" / "exif_orientation"
    sizes: dict[str, set[tuple[int, int]]] = {"Landscape": set(), "Portrait": set()}
    for path in sorted(folder.glob("*.jpg")):
        image = load_image(path, LIMIT)
        group, digit = path.stem.split("_")
        sizes[group].add((image.width, image.height))
        assert image.exif_orientation == (None if digit == "0" else int(digit))
    assert sizes["Landscape"] == {(1800, 1200)}
    assert sizes["Portrait"] == {(1200, 1800)}


def test_exif_orientation_pixels_match_upright_reference(testdata: Path) -> None:
    """Every orientation, once applied, gives the same picture as the untagged file."""
    folder = testdata / "misc" / "exif_orientation"
    for group in ("Landscape", "Portrait"):
        reference = load_image(folder / f"{group}_1.jpg", LIMIT).pixels.astype(np.int16)
        for digit in range(2, 9):
            pixels = load_image(folder / f"{group}_{digit}.jpg", LIMIT).pixels.astype(np.int16)
            assert np.abs(pixels - reference).mean() < 8, f"{group}_{digit} is not upright"


def test_heic_decodes(testdata: Path) -> None:
    for path in sorted((testdata / "misc" / "heic").iterdir()):
        image = load_image(path, LIMIT)
        assert image.format == "HEIF" and image.width > 100


def test_sample_heic_decodes() -> None:
    image = load_image(SAMPLES / "astronaut.heic", LIMIT)
    assert (image.width, image.height) == (512, 512)


def _png_header_only(width: int, height: int) -> bytes:
    """A valid PNG whose header claims a huge size (one compressed row of data, then truncated)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


def test_decompression_bomb_refused_before_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(50_000, 50_000))
    with pytest.raises(LoadError, match=r"2500 MP.*limit of 100 MP.*general.max_pixels"):
        load_image(bomb, LIMIT)


def test_pixel_limit_comes_from_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    Image.new("RGB", (2000, 1000)).save(path)
    with pytest.raises(LoadError, match="above the limit"):
        load_image(path, 1_000_000)
    assert load_image(path, 2_000_000).width == 2000


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"this is a text file, not a photo\n", "not a readable image"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 40, "not a readable image"),
    ("half a jpeg", "corrupt or truncated"),
])
def test_bad_bytes_are_load_errors(tmp_path: Path, content: bytes, message: str) -> None:
    if content == "half a jpeg":
        buf = io.BytesIO()
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)).save(buf, "JPEG")
        content = buf.getvalue()[: len(buf.getvalue()) // 2]
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=message):
        load_image(path, LIMIT)


def test_unreadable_and_missing_files_are_load_errors(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="cannot read"):
        load_image(tmp_path / "missing.jpg", LIMIT)
    with pytest.raises(LoadError, match="cannot read"):
        load_image(tmp_path, LIMIT)  # a folder named like a file


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK", "I;16", "1", "LA"])
def test_modes_become_rgb(tmp_path: Path, mode: str) -> None:
    fmt = "TIFF" if mode in ("CMYK", "I;16") else "PNG"
    path = tmp_path / f"x.{fmt.lower()}"
    Image.new(mode, (40, 30)).save(path, fmt)
    image = load_image(path, LIMIT)
    assert image.pixels.shape == (30, 40, 3)


@pytest.mark.parametrize("fmt, ext", [("WEBP", "webp"), ("BMP", "bmp"), ("TIFF", "tif"), ("PNG", "png"),
                                      ("JPEG", "jpg")])
def test_formats(tmp_path: Path, fmt: str, ext: str) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buf, fmt)
    path = tmp_path / f"x.{ext}"
    path.write_bytes(buf.getvalue())
    image = load_image(path, LIMIT)
    assert (image.width, image.height) == (64, 48)
    assert image.pixels[10, 10, 0] > 150


def test_image_extensions() -> None:
    assert is_image_path(Path("a/B.JPG")) and is_image_path(Path("x.heic"))
    assert not is_image_path(Path("notes.txt")) and not is_image_path(Path("Makefile"))


def test_original_file_is_not_modified(testdata: Path) -> None:
    path = testdata / "misc" / "exif_orientation" / "Landscape_6.jpg"
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load_image(path, LIMIT)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
