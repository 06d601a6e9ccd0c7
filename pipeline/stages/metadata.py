"""Metadata stage: GPS positions and other revealing metadata (EXIF, XMP, IPTC).

Reports *that* something is present, never its value: a report names "camera serial number",
not the serial. Whole-image findings (box null). Text written in the metadata (comments, captions,
keywords, EXIF descriptions, the ICC profile's names) also goes through the text recognizers
(``pipeline/stages/metadata_text.py``): a student's name, ID or grade there blocks the photo as it would
written in the picture. Captions, keywords and person fields are also checked for tags and
special-population terms (``pipeline/stages/captions.py``).
"""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
from PIL import ExifTags, Image

from .captions import embedded_findings
from ..i18n import N_
from ..findings import Finding
from ..media.metadata_chunks import text_fields
from .metadata_text import findings_for

DETECTOR = "metadata"
GPS_POSITION_TAGS = {1: "latitude", 2: "latitude", 3: "longitude", 4: "longitude", 5: "altitude",
                     6: "altitude", 20: "destination", 22: "destination", 27: "processing method",
                     28: "area name"}
# EXIF tags that name or single out a person or a device: (IFD, tag) -> what it is
EXIF_REVEALING = {
    (0, 0x013B): N_("artist name"),
    (0, 0x8298): N_("copyright holder"),
    (0, 0x010E): N_("image description"),
    (0, 0x9C9B): N_("Windows title"),
    (0, 0x9C9C): N_("Windows comment"),
    (0, 0x9C9D): N_("Windows author"),
    (0, 0x9C9E): N_("Windows keywords"),
    (0, 0x9C9F): N_("Windows subject"),
    (ExifTags.IFD.Exif, 0xA430): N_("camera owner name"),
    (ExifTags.IFD.Exif, 0xA431): N_("camera serial number"),
    (ExifTags.IFD.Exif, 0xA435): N_("lens serial number"),
    (ExifTags.IFD.Exif, 0x9286): N_("user comment"),
    (ExifTags.IFD.Exif, 0xA420): N_("unique image ID"),
}
# XMP properties: (pattern matched against the packet) -> what it is
XMP_REVEALING = {
    "mwg-rs:Regions": N_("XMP face regions"),
    "MP:RegionInfo": N_("XMP face regions (Microsoft)"),
    "MPRI:Regions": N_("XMP face regions (Microsoft)"),
    "Iptc4xmpExt:PersonInImage": N_("XMP person names"),
    "dc:description": N_("XMP caption"),
    "dc:subject": N_("XMP keywords"),
    "dc:title": N_("XMP title"),
    "dc:creator": N_("XMP creator name"),
    "photoshop:Headline": N_("XMP headline"),
    "lr:hierarchicalSubject": N_("XMP keywords (Lightroom)"),
    "aux:SerialNumber": N_("camera serial number (XMP)"),
    "exifEX:BodySerialNumber": N_("camera serial number (XMP)"),
}
IPTC_REVEALING = {
    (2, 5): N_("IPTC title"),
    (2, 25): N_("IPTC keywords"),
    (2, 80): N_("IPTC creator name"),
    (2, 105): N_("IPTC headline"),
    (2, 120): N_("IPTC caption"),
    (2, 122): N_("IPTC caption writer"),
    (2, 90): N_("IPTC city"),
    (2, 92): N_("IPTC sub-location"),
    (2, 95): N_("IPTC state or province"),
    (2, 101): N_("IPTC country"),
    (0, 0): N_("unreadable IPTC block"),
}
THUMBNAIL_DIFF = 30.0  # mean grey-level difference (0-255) above which the thumbnail shows another picture


def _meaningful(value) -> bool:
    """True when a metadata value carries something (not empty, blank or zero-filled)."""
    if value is None:
        return False
    if isinstance(value, (list, tuple)):
        return any(_meaningful(v) for v in value)
    if isinstance(value, bytes):
        body = value[8:] if value[:8] in (b"ASCII\0\0\0", b"UNICODE\0", b"\0" * 8) else value
        return bool(body.strip(b"\0 \t\r\n"))
    if isinstance(value, str):
        return bool(value.strip("\0 \t\r\n"))
    return True


def xmp_has(xmp: str, prop: str) -> bool:
    """The property is present with some content (element text, list items or an attribute)."""
    attr = re.search(re.escape(prop) + r'\s*=\s*"([^"]*)"', xmp)
    if attr and attr.group(1).strip():
        return True
    element = re.search(r"<" + re.escape(prop) + r"\b[^>]*>(.*?)</" + re.escape(prop) + ">", xmp, re.S)
    if element:
        inner = re.sub(r"<[^>]+>", "", element.group(1))
        return bool(inner.strip()) or ("Region" in prop and "<" in element.group(1))
    return False


XMP_GPS = ("exif:GPSLatitude", "exif:GPSLongitude", "exifEX:GPSLatitude", "Iptc4xmpExt:LocationCreated",
           "Iptc4xmpExt:LocationShown")


def gps_findings(exif: Image.Exif, xmp: bytes = b"") -> list[Finding]:
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        gps = {}
    pointer = ExifTags.IFD.GPSInfo in exif
    present = sorted({name for tag, name in GPS_POSITION_TAGS.items() if _meaningful(gps.get(tag))})
    if present:
        return [Finding("gps", None, 1.0, DETECTOR, why="GPS " + ", ".join(present) + " in EXIF")]
    text = xmp.decode("utf-8", "replace") if xmp else ""
    in_xmp = [prop for prop in XMP_GPS if xmp_has(text, prop)]
    if in_xmp:
        return [Finding("gps", None, 1.0, DETECTOR, why="GPS position or location in XMP")]
    if gps or pointer:
        return [Finding("gps", None, 0.3, DETECTOR, why="GPS block in EXIF without a position")]
    return []


def _embedded_thumbnail(exif: Image.Exif, exif_bytes: bytes) -> Image.Image | None:
    try:
        ifd1 = exif.get_ifd(ExifTags.IFD.IFD1)
        offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
    except Exception:
        return None
    if not offset or not length or not exif_bytes.startswith(b"Exif\0\0"):
        return None
    data = exif_bytes[6 + offset: 6 + offset + length]
    try:
        thumb = Image.open(io.BytesIO(data))
        thumb.load()
        return thumb.convert("L")
    except Exception:
        return None


def thumbnail_differs(pixels: np.ndarray, exif: Image.Exif, exif_bytes: bytes, orientation: int | None) -> bool:
    """The EXIF thumbnail shows another picture (an uncropped or unedited original, say)."""
    thumb = _embedded_thumbnail(exif, exif_bytes)
    if thumb is None:
        return False
    from ..media.loader import orient

    thumb = orient(thumb, orientation)
    h, w = pixels.shape[:2]
    if abs(thumb.width / thumb.height - w / h) > 0.05 * (w / h):
        return True  # another framing: the picture was cropped after the thumbnail was made
    grey = Image.fromarray(pixels).convert("L").resize((64, 64), Image.BILINEAR)
    small = thumb.resize((64, 64), Image.BILINEAR)
    diff = np.abs(np.asarray(grey, dtype=np.float32) - np.asarray(small, dtype=np.float32)).mean()
    return bool(diff > THUMBNAIL_DIFF)


def metadata_findings(image) -> list[Finding]:
    found: list[str] = []
    for (ifd, tag), what in EXIF_REVEALING.items():
        try:
            value = image.exif.get(tag) if ifd == 0 else image.exif.get_ifd(ifd).get(tag)
        except Exception:
            value = None
        if _meaningful(value):
            found.append(what)
    if image.xmp:
        text = image.xmp.decode("utf-8", "replace")
        found.extend(what for prop, what in XMP_REVEALING.items() if xmp_has(text, prop))
    found.extend(what for key, what in IPTC_REVEALING.items() if _meaningful(image.iptc.get(key)))
    if thumbnail_differs(image.pixels, image.exif, image.exif_bytes, image.exif_orientation):
        found.append(N_("EXIF thumbnail shows a different picture"))
    return [Finding("metadata", None, 1.0, DETECTOR, why=what) for what in dict.fromkeys(found)]


def stage(image, policy) -> list[Finding]:
    """Stage entry point: ``(LoadedImage, Policy) -> findings``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about malformed EXIF it reads past
        fields = text_fields(image)  # names, IDs and grades there; tags and populations in its captions
        return gps_findings(image.exif, image.xmp) + metadata_findings(image) + findings_for(fields, policy) + \
            embedded_findings(fields, policy)
