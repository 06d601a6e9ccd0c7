"""The one image loader: file bytes in, upright RGB pixels out, or a LoadError a person can read.

It reads regular files only (a FIFO, a device or a socket named like a photo is refused, never
waited on) and at most ``general.max_file_bytes`` of them, decodes JPEG, PNG, WebP, TIFF, BMP, GIF,
AVIF and HEIC/HEIF, refuses decompression bombs before decoding, applies the EXIF orientation exactly
once and records which orientation it applied. Truncated files are errors, never silently padded: a
missing half of a photo could hide a face.

A file with several frames or pages (GIF, APNG, animated WebP or AVIF, multipage TIFF, MPO, a HEIC
holding several images) loads as its first frame (HEIC: its primary image); ``other_frames`` decodes
the rest one at a time, leaving out frames that repeat one already seen.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image, IptcImagePlugin, UnidentifiedImageError

import pillow_heif

from ..i18n import N_, _
from ..textfile import NOT_REGULAR

pillow_heif.register_heif_opener()
# We check the pixel count ourselves against the policy before decoding; Pillow's own guard would
# otherwise warn (or raise with a less helpful message) at its fixed 89 MP / 179 MP limits.
Image.MAX_IMAGE_PIXELS = None

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif",
     ".heic", ".heif", ".hif", ".avif"}
)
EXIF_ORIENTATION_TAG = 0x0112
# The default of policy general.max_file_bytes, for callers without a policy (scripts); the tests
# check that the two agree.
MAX_FILE_BYTES = 500_000_000
# A later frame is left out when its greyscale preview, REPEAT_SIDE px on the longer side, differs
# from that of a frame already screened by at most REPEAT_TOLERANCE grey levels at EVERY pixel (the
# largest local difference, not the mean: a small face added to one frame is a large difference on
# a few preview pixels, which a mean would dilute away). At 1024 px, a face 8 px tall pasted into a
# 4000 px photo (too small for CenterFace even at its 1536 px working size) still differs by more
# than the tolerance, larger faces by 60 grey levels and more. 8 grey levels absorb the noise of a
# repeat in a GIF, HEIC or AVIF (0 to 7); a repeat re-encoded more coarsely (lossy WebP) is
# screened again, which costs time, not safety.
REPEAT_SIDE = 1024
REPEAT_TOLERANCE = 8


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
    # which frame or page of the file this is (Pillow's seek index: 0 = first; a HEIC file's primary
    # image may have another index), and how many the file holds (1 for a still photo)
    frame: int = 0
    frame_count: int = 1
    # the file's bytes, kept for multi-frame files only, from which other_frames decodes the rest
    _data: bytes = field(default=b"", repr=False, compare=False)
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
            source = min(sources, key=lambda p: p.shape[0], default=None)
            if source is None:
                # a large photo is first halved (each pixel the mean of 2 x 2, OpenCV's fast path,
                # a tenth of the cost of an odd factor), and previews down to half its size are
                # made from that half: the faces' and the text's previews of a 12 MP photo in half
                # the time, within a grey level or so of scaling the original directly
                source = self._half() if scale <= 0.5 else self.pixels
            small = source if scale == 1.0 else cv2.resize(source, size, interpolation=cv2.INTER_AREA)
            self._previews[key] = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if grey else small
        return self._previews[key]

    def _half(self) -> np.ndarray:
        """The picture at half its size (even sides: each pixel the mean of a 2 x 2 block), made once."""
        if ("half", False) not in self._previews:
            import cv2

            h, w = self.pixels.shape[:2]
            self._previews["half", False] = cv2.resize(self.pixels[:h - h % 2, :w - w % 2], (w // 2, h // 2),
                                                interpolation=cv2.INTER_AREA)
        return self._previews["half", False]

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])


def is_image_path(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS


def load_image(path: Path, max_pixels: int, max_file_bytes: int = MAX_FILE_BYTES) -> LoadedImage:
    """Read and decode ``path`` (a regular file of at most ``max_file_bytes``). Raises LoadError
    with a readable message on any failure."""
    return load_bytes(read_regular_file(path, max_file_bytes), max_pixels)


def load_bytes(data: bytes, max_pixels: int) -> LoadedImage:
    """A photo's file content, read elsewhere (``batch --send-files``), decoded as ``load_image`` does."""
    if not data:
        raise LoadError(_("file is empty (0 bytes)"))
    return decode_image(data, max_pixels)


def human_size(n: int) -> str:
    return f"{n:,} bytes" if n < 10_000_000 else f"{n / 1e6:,.0f} MB"


def refuse_unless_regular(mode: int, path: Path) -> None:
    if stat.S_ISREG(mode):
        return
    what = _(next((name for test, name in NOT_REGULAR if test(mode)), N_("an unknown kind of file")))
    if os.path.islink(path):
        what += _(" (reached through a symbolic link)")
    raise LoadError(_("cannot read: not a regular file but {what}; only regular files are screened").format(what=what))


def read_regular_file(path: Path, max_file_bytes: int) -> bytes:
    """The bytes of ``path`` when it is a regular file of at most ``max_file_bytes``, else LoadError.

    A FIFO, device or socket is refused without reading from it (a FIFO named ``x.jpg`` would block
    for ever, ``/dev/zero`` would fill the memory); it is checked before opening (opening some
    devices has effects) and again on the open descriptor (the path may change in between). At most
    ``max_file_bytes + 1`` bytes are ever read, so a file growing while it is read is caught too."""
    try:
        refuse_unless_regular(os.stat(path).st_mode, path)
        # O_NONBLOCK: should the path become a FIFO after the check, opening it does not wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise LoadError(_("cannot read file: {why}").format(why=exc.strerror or exc)) from exc
    try:
        info = os.fstat(fd)
        refuse_unless_regular(info.st_mode, path)
        too_big = _("above the limit of {limit} (policy general.max_file_bytes); refused "
                    "(raise the limit in a policy file to screen it)").format(limit=human_size(max_file_bytes))
        if info.st_size > max_file_bytes:
            raise LoadError(_("file is {size}, {too_big}").format(size=human_size(info.st_size), too_big=too_big))
        chunks: list[bytes] = []
        total = 0
        while total <= max_file_bytes:
            # the whole file in one read as a rule; 1 MB at a time past its stated size
            want = max(info.st_size + 1 - total, 1 << 20)
            chunk = os.read(fd, min(want, max_file_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_file_bytes:
            raise LoadError(_("file grew while it was read, {too_big}").format(too_big=too_big))
        return b"".join(chunks)
    except OSError as exc:
        raise LoadError(_("cannot read file: {why}").format(why=exc.strerror or exc)) from exc
    finally:
        os.close(fd)


@contextmanager
def _decoding(where: str = ""):
    """Turn what Pillow and the codecs raise on a bad file into a LoadError (``where``: "frame 3 of
    5: " for a later frame)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns on odd EXIF; we report what matters
            yield
    except LoadError as exc:
        raise LoadError(f"{where}{exc}") from None
    except UnidentifiedImageError:
        raise LoadError(where + _("not a readable image: the file's content matches no known image format")) from None
    except Image.DecompressionBombError as exc:  # pragma: no cover - our own check comes first
        raise LoadError(where + _("refused as a possible decompression bomb: {why}").format(why=exc)) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise LoadError(where + _("image data is corrupt or truncated ({why})").format(why=_short(exc))) from None
    except MemoryError:
        raise LoadError(where + _("not enough memory to decode this image")) from None


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise LoadError(_(
            "image is {width}x{height} = {mp:.0f} MP, above the limit of {limit:.0f} MP (policy "
            "general.max_pixels); refused as a possible decompression bomb"
        ).format(width=width, height=height, mp=width * height / 1e6, limit=max_pixels / 1e6))


def _upright_pixels(image: Image.Image, orientation: int | None) -> np.ndarray:
    pixels = np.asarray(_to_rgb(orient(image, orientation)), dtype=np.uint8)
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.size == 0:
        raise LoadError(_("decoded to an unexpected pixel layout {shape}").format(shape=pixels.shape))
    return np.ascontiguousarray(pixels)


def decode_image(data: bytes, max_pixels: int) -> LoadedImage:
    """The first frame of the image in ``data`` (its primary image for HEIC), upright, with the
    file's metadata and its number of frames."""
    sha256 = hashlib.sha256(data).hexdigest()
    with _decoding():
        image = Image.open(io.BytesIO(data))
        _check_pixels(*image.size, max_pixels)
        fmt = image.format or "unknown"
        image.load()
        exif = _read_exif(image)
        exif_bytes, xmp, iptc = _read_metadata_blocks(image)
        icc = image.info.get("icc_profile") or b""
        comments = _read_comments(image, fmt)
        orientation = exif.get(EXIF_ORIENTATION_TAG)
        orientation = int(orientation) if isinstance(orientation, int) and 1 <= orientation <= 8 else None
        pixels = _upright_pixels(image, orientation)
        # counted after the pixels are taken: counting seeks through the file (GIF, TIFF)
        frame, frame_count = image.tell(), int(getattr(image, "n_frames", 1) or 1)
    return LoadedImage(pixels=pixels, sha256=sha256, format=fmt,
                       exif_orientation=orientation, exif=exif, exif_bytes=exif_bytes, xmp=xmp, iptc=iptc,
                       icc_profile=icc if isinstance(icc, bytes) else b"", comments=comments,
                       frame=frame, frame_count=frame_count, _data=data if frame_count > 1 else b"")


def practically_identical(a: np.ndarray, b: np.ndarray, tolerance: int = REPEAT_TOLERANCE) -> bool:
    """True when two greyscale previews differ by at most ``tolerance`` grey levels at every pixel
    (the largest difference decides, never the mean)."""
    if a.shape != b.shape:
        return False
    return int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max()) <= tolerance


def other_frames(image: LoadedImage, max_frames: int, max_pixels: int,
                 skip_repeats: bool = True) -> Iterator[LoadedImage]:
    """The frames or pages of ``image``'s file after its first, up to ``max_frames`` frames in all,
    each an upright LoadedImage (the first frame's EXIF orientation applied, the file's sha256 and
    metadata, its own ``pixels`` and ``frame`` index), decoded one at a time as the caller asks.

    With ``skip_repeats``, a frame practically identical to one already given (or to the first) is
    left out. Each frame is checked against ``max_pixels`` before decoding; a frame that does not
    decode raises LoadError (the file must then not count as screened)."""
    total = image.frame_count
    if total <= 1 or max_frames <= 1:
        return
    order = [k for k in range(total) if k != image.frame][: max_frames - 1]
    seen = [image.preview(REPEAT_SIDE, grey=True)] if skip_repeats else []
    with _decoding():
        source = Image.open(io.BytesIO(image._data))
    for k in order:
        with _decoding(_("frame {k} of {total}: ").format(k=k + 1, total=total)):
            source.seek(k)
            _check_pixels(*source.size, max_pixels)
            source.load()
            pixels = _upright_pixels(source, image.exif_orientation)
        frame = replace(image, pixels=pixels, frame=k, _previews={})
        if skip_repeats:
            small = frame.preview(REPEAT_SIDE, grey=True)
            if any(practically_identical(small, other) for other in seen):
                continue
            seen.append(small)
        yield frame


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
