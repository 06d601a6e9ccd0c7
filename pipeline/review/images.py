"""The pictures the review page shows, made from the files a row names.

An original is shown upright (EXIF applied, HEIC and TIFF decoded), at most ``VIEW_SIDE`` pixels
across, with its sensitive text (IDs, grades, names, barcodes) painted over as in the contact sheet:
the page never shows that text. The boxes and their reasons are drawn by the page over it.
Safe copies are served as they are (JPEG, PNG or WebP: what we write).
"""

from __future__ import annotations

import io
from collections import OrderedDict
from pathlib import Path
from threading import Lock

from PIL import Image

from ..report.contact_sheet import TEXT_KINDS, photo_thumbnail
from ..findings import Box, Finding
from ..media.loader import load_image
from ..redaction.cover import solid
from .folder import Photo

VIEW_SIDE = 2400


class _Cache:
    """A small LRU of rendered pictures, keyed by file and content."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict(), Lock()

    def get(self, key, make):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


_views, _thumbs = _Cache(8), _Cache(2048)


def _key(path: Path) -> tuple:
    st = path.stat()
    return str(path), st.st_mtime_ns, st.st_size


def original_view(path: Path, photo: Photo, policy) -> bytes:
    """The original, upright, text covered, as a JPEG."""

    def make() -> bytes:
        image = load_image(path, policy.general.max_pixels, policy.general.max_file_bytes)
        pixels = image.pixels.copy()
        for f in photo.findings:
            if f["kind"] in TEXT_KINDS and f.get("box") and not f.get("frame"):
                solid(pixels, _clip(Box(*f["box"]), image.width, image.height), (20, 20, 20))
        picture = Image.fromarray(pixels)
        picture.thumbnail((VIEW_SIDE, VIEW_SIDE), Image.BILINEAR)
        buf = io.BytesIO()
        picture.save(buf, "JPEG", quality=88)
        return buf.getvalue()

    return _views.get(("view",) + _key(path), make)


def thumbnail(path: Path, photo: Photo, policy) -> bytes:
    """The contact sheet's thumbnail (faces outlined, text covered), for reports without thumbs/."""

    def make() -> bytes:
        image = load_image(path, policy.general.max_pixels, policy.general.max_file_bytes)
        return photo_thumbnail(image, [Finding.from_dict(f) for f in photo.findings])

    return _thumbs.get(("thumb",) + _key(path), make)


def _clip(box: Box, width: int, height: int) -> Box:
    return Box.from_xyxy(box.x, box.y, box.x + box.w, box.y + box.h, width, height)
