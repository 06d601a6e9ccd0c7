"""The one image loader: file bytes in, upright RGB pixels out, or a LoadError a person can read.

It decodes JPEG, PNG, WebP, TIFF, BMP, GIF, AVIF and HEIC/HEIF, refuses decompression bombs before
decoding, applies the EXIF orientation exactly once and records which orientation it applied.
Truncated files are errors, never silently padded: a missing half of a photo could hide a face.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, IptcImagePlugin, UnidentifiedImageError

import pillow_heif

pillow_heif.register_heif_opener()
# We check the pixel count ourselves against the policy before decoding; Pillow's own guard would
# otherwise warn (or raise with a less helpful message) at its fixed 89 MP / 179 MP limits.
Image.MAX_IMAGE_PIXELS = None

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif",
     ".heic", ".heif", ".hif", ".avif"}
)
EXIF_ORIENTATION_TAG = 0x0112


class LoadError(Exception):
    """A file that could not be turned into pixels. The message is meant for a person."""


@dataclass(frozen=True)
class LoadedImage:
    """An upright RGB photo. ``pixels`` is HxWx3 uint8; ``width``/``height`` are upright."""

    pixels: np.ndarray
    sha256: str
    format: str
    exif_orientation: int | None  # the EXIF Orientation tag found (1-8), None when absent
    exif: Image.Exif
    exif_bytes: bytes = b""  # the raw EXIF block ("Exif\0\0" + TIFF), for the embedded thumbnail
    xmp: bytes = b""
    iptc: dict = field(default_factory=dict)  # IPTC datasets {(record, dataset): value}
    icc_profile: bytes = b""  # the colour profile, kept in redacted copies so colours stay right
    # free text stored in the file beside the pixels: (where, text), e.g. ("JPEG comment", ...),
    # ("PNG text Comment", ...), ("GIF comment", ...). Never reported as such: the metadata stage
    # runs it through the text recognizers.
    comments: tuple[tuple[str, str], ...] = ()
    _previews: dict = field(default_factory=dict, repr=False, compare=False)

    def cached(self, key, compute):
        """A value computed once per photo and shared by the stages (text lines, say)."""
        if key not in self._previews:
            self._previews[key] = compute()
        return self._previews[key]

    def preview(self, long_side: int, grey: bool = False) -> np.ndarray:
        """The picture scaled down (never up) so its longer side is at most ``long_side``; made
        once per size and shared by the stages that need it."""
        key = (long_side, grey)
        if key not in self._previews:
            import cv2

            scale = min(1.0, long_side / max(self.width, self.height))
            size = (max(1, round(self.width * scale)), max(1, round(self.height * scale)))
            # scale down from the smallest colour preview made so far that is at least 1.5 times as
            # large (area averaging from there gives the same picture at a fraction of the cost of
            # going back to the 12 MP original), else from the original
            sources = [p for (side, is_grey), p in self._previews.items()
                       if isinstance(side, int) and not is_grey and max(p.shape[:2]) >= 1.5 * max(size)]
            source = min(sources, key=lambda p: p.shape[0], default=self.pixels)
            small = source if scale == 1.0 else cv2.resize(source, size, interpolation=cv2.INTER_AREA)
            self._previews[key] = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if grey else small
        return self._previews[key]

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])


def is_image_path(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS


def load_image(path: Path, max_pixels: int) -> LoadedImage:
    """Read and decode ``path``. Raises LoadError with a readable message on any failure."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise LoadError("file is empty (0 bytes)")
    return decode_image(data, max_pixels)


def decode_image(data: bytes, max_pixels: int) -> LoadedImage:
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns on odd EXIF; we report what matters
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise LoadError(
                    f"image is {width}x{height} = {width * height / 1e6:.0f} MP, above the limit of "
                    f"{max_pixels / 1e6:.0f} MP (policy general.max_pixels); refused as a possible "
                    "decompression bomb"
                )
            fmt = image.format or "unknown"
            image.load()
            exif = _read_exif(image)
            exif_bytes, xmp, iptc = _read_metadata_blocks(image)
            icc = image.info.get("icc_profile") or b""
            comments = _read_comments(image, fmt)
            orientation = exif.get(EXIF_ORIENTATION_TAG)
            orientation = int(orientation) if isinstance(orientation, int) and 1 <= orientation <= 8 else None
            upright = orient(image, orientation)
            rgb = _to_rgb(upright)
            pixels = np.asarray(rgb, dtype=np.uint8)
    except LoadError:
        raise
    except UnidentifiedImageError:
        raise LoadError("not a readable image: the file's content matches no known image format") from None
    except Image.DecompressionBombError as exc:  # pragma: no cover - our own check comes first
        raise LoadError(f"refused as a possible decompression bomb: {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise LoadError(f"image data is corrupt or truncated ({_short(exc)})") from None
    except MemoryError:
        raise LoadError("not enough memory to decode this image") from None
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.size == 0:
        raise LoadError(f"decoded to an unexpected pixel layout {pixels.shape}")
    return LoadedImage(pixels=np.ascontiguousarray(pixels), sha256=sha256, format=fmt,
                       exif_orientation=orientation, exif=exif, exif_bytes=exif_bytes, xmp=xmp, iptc=iptc,
                       icc_profile=icc if isinstance(icc, bytes) else b"", comments=comments)


def _short(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _read_exif(image: Image.Image) -> Image.Exif:
    try:
        return image.getexif()
    except Exception:  # malformed EXIF must not make the pixels unreadable
        return Image.Exif()


def _text(value) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")
    return str(value)


def _read_comments(image: Image.Image, fmt: str) -> tuple[tuple[str, str], ...]:
    """Free-text blocks: JPEG COM segments, GIF comment extensions, PNG tEXt/zTXt/iTXt chunks."""
    out: list[tuple[str, str]] = []
    comment = image.info.get("comment")
    if comment:
        out.append((f"{'GIF' if fmt == 'GIF' else 'JPEG' if fmt in ('JPEG', 'MPO') else fmt} comment", _text(comment)))
    if fmt == "PNG":
        try:
            chunks = dict(getattr(image, "text", {}) or {})
        except Exception:  # a damaged text chunk must not make the pixels unreadable
            chunks = {}
        for key, value in chunks.items():
            out.append((f"PNG text {_text(key)[:40]}", _text(value)))
    return tuple((where, text) for where, text in out if text.strip("\0 \t\r\n"))


def _read_metadata_blocks(image: Image.Image) -> tuple[bytes, bytes, dict]:
    exif_bytes = image.info.get("exif") or b""
    xmp = image.info.get("xmp") or b""
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", "replace")
    try:
        iptc = IptcImagePlugin.getiptcinfo(image) or {}
    except Exception:  # a malformed IPTC block: treat as present but unreadable
        iptc = {(0, 0): b"unreadable"}
    return (exif_bytes if isinstance(exif_bytes, bytes) else b""), xmp, iptc


def orient(image: Image.Image, orientation: int | None) -> Image.Image:
    """Turn/flip a picture as stored into the upright picture, for an EXIF Orientation value."""
    if orientation in (None, 1):
        return image
    method = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_270,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_90,
    }[orientation]
    return image.transpose(method)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit or 32-bit greyscale: scale to 8 bits by the real range, not by clipping.
        arr = np.asarray(image, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        return Image.fromarray(arr.astype(np.uint8)).convert("RGB")
    return image.convert("RGB")
