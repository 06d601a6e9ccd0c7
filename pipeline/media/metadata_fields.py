"""The text a photo's metadata holds, read as named fields (``TextField``): EXIF text tags, XMP
properties, IPTC datasets (also inside Photoshop's resources), ICC profile descriptions, PNG text
chunks, GIF and JPEG comments, and the raw profiles ImageMagick writes into PNG chunks. Decoding only:
``pipeline/stages/metadata_text.py`` puts these fields through the text recognizers.

Malformed values are skipped, never raised on; each field is read up to ``MAX_FIELD_CHARS``.
"""

from __future__ import annotations

import html
import re
import struct
from dataclasses import dataclass

from PIL import ExifTags, Image


MAX_FIELD_CHARS = 64 * 1024  # characters read from one field


MAX_TOTAL_CHARS = 256 * 1024  # characters read from one file, all fields together


# an XMP packet is scanned this far (a caption can follow megabytes of photoshop:DocumentAncestors)
MAX_XMP_CHARS = 2 * 1024 * 1024


@dataclass(frozen=True)
class TextField:
    """One text-bearing metadata value. ``where`` names the field for a report ("the JPEG comment"):
    it is made from fixed labels, never from the file's text."""

    where: str
    text: str
    strict: bool = False


def _decode(value, limit: int = 4 * MAX_FIELD_CHARS) -> str:
    """Bytes (UTF-8, else Latin-1; the first ``limit``), str, or a sequence of them, as text;
    anything else ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value[:limit])
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":  # cut mid-character
                return data[:exc.start].decode("utf-8", "replace")
            return data.decode("latin-1")
    if isinstance(value, (list, tuple)):
        return "\n".join(_decode(v) for v in value if isinstance(v, (str, bytes, bytearray, list, tuple)))
    return ""


def unmangle(text: str) -> str:
    """UTF-8 that was read as Latin-1 (Pillow reads EXIF ASCII and PNG tEXt that way; writers put
    UTF-8 there all the same): "MaÃ«lle" back to "Maëlle". Other text is left as it is."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def utf16(data: bytes, big_endian: bool | None = None) -> str:
    """UTF-16 text: a BOM decides, else the byte order whose high bytes are mostly zero (Latin
    text; writers often ignore the file's byte order), else ``big_endian``, else little-endian."""
    data = bytes(data[: 4 * MAX_FIELD_CHARS])
    if len(data) % 2:
        data = data[:-1]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace")
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if even != odd:
        big_endian = even > odd
    return data.decode("utf-16-be" if big_endian else "utf-16-le", "replace")


def user_comment(value, big_endian: bool | None = None) -> str:
    """EXIF UserComment: an 8-byte character code (ASCII, UNICODE = UTF-16, JIS, or undefined)
    and the text."""
    if isinstance(value, str):
        return value
    if not isinstance(value, (bytes, bytearray)):
        return _decode(value)
    code, body = bytes(value[:8]), bytes(value[8:])
    if code.startswith(b"UNICODE"):
        return utf16(body, big_endian)
    if code.startswith(b"JIS"):
        for codec in ("iso2022_jp", "shift_jis", "euc_jp"):
            try:
                return body.decode(codec)
            except UnicodeDecodeError:
                continue
        return body.decode("latin-1")
    if code.startswith(b"ASCII") or code == b"\0" * 8:
        return _decode(body)
    return _decode(bytes(value))  # no character code: the whole value is the text


def _xp(value) -> str:
    """Windows XP* tags: UTF-16LE bytes (Pillow gives bytes, older versions a tuple of ints)."""
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        value = bytes(v & 0xFF for v in value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value[: 4 * MAX_FIELD_CHARS]).decode("utf-16-le", "replace")
    return _decode(value)


# (IFD, tag) -> (where, strict, decoder)
EXIF_TEXT = {
    (0, 0x010E): ("the EXIF image description", False, _decode),
    (0, 0x013B): ("the EXIF artist", False, _decode),
    (0, 0x8298): ("the EXIF copyright", False, _decode),
    (0, 0x010D): ("the EXIF document name", False, _decode),
    (0, 0x011D): ("the EXIF page name", False, _decode),
    (0, 0x9C9B): ("the Windows title (EXIF XPTitle)", False, _xp),
    (0, 0x9C9C): ("the Windows comment (EXIF XPComment)", False, _xp),
    (0, 0x9C9D): ("the Windows author (EXIF XPAuthor)", False, _xp),
    (0, 0x9C9E): ("the Windows keywords (EXIF XPKeywords)", False, _xp),
    (0, 0x9C9F): ("the Windows subject (EXIF XPSubject)", False, _xp),
    (ExifTags.IFD.Exif, 0x9286): ("the EXIF user comment", False, None),  # user_comment, byte order known
    (ExifTags.IFD.Exif, 0xA430): ("the EXIF camera owner name", False, _decode),
    (0, 0x010F): ("the EXIF camera make", True, _decode),
    (0, 0x0110): ("the EXIF camera model", True, _decode),
    (0, 0x0131): ("the EXIF software", True, _decode),
    (0, 0x013C): ("the EXIF host computer", True, _decode),
    (ExifTags.IFD.Exif, 0xA431): ("the EXIF camera serial number", True, _decode),
    (ExifTags.IFD.Exif, 0xA433): ("the EXIF lens make", True, _decode),
    (ExifTags.IFD.Exif, 0xA434): ("the EXIF lens model", True, _decode),
    (ExifTags.IFD.Exif, 0xA435): ("the EXIF lens serial number", True, _decode),
    (ExifTags.IFD.Exif, 0xA420): ("the EXIF unique image ID", True, _decode),
}


def exif_fields(exif: Image.Exif, exif_bytes: bytes = b"", prefix: str = "") -> list[TextField]:
    big_endian = None
    tiff = exif_bytes[6:] if exif_bytes.startswith(b"Exif\0\0") else exif_bytes
    if tiff[:2] in (b"MM", b"II"):
        big_endian = tiff[:2] == b"MM"
    out = []
    ifds: dict = {}
    for (ifd, tag), (where, strict, decoder) in EXIF_TEXT.items():
        try:
            if ifd not in ifds:
                ifds[ifd] = exif if ifd == 0 else exif.get_ifd(ifd)
            value = ifds[ifd].get(tag)
            if value is None:
                continue
            text = user_comment(value, big_endian) if decoder is None else decoder(value)
        except Exception:  # a malformed IFD or value: nothing readable there
            continue
        out.append(TextField(where + prefix, unmangle(text), strict))
    return out


# Namespaces whose properties are descriptive text (captions, keywords, people, places)
XMP_DESCRIPTIVE_NAMESPACES = {"dc", "Iptc4xmpCore", "Iptc4xmpExt", "lr", "digiKam", "mediapro", "acdsee",
                              "MP", "MPReg", "mwg-kw", "prism"}


XMP_DESCRIPTIVE = {
    "photoshop:Headline", "photoshop:CaptionWriter", "photoshop:Credit", "photoshop:Source",
    "photoshop:Instructions", "photoshop:AuthorsPosition", "photoshop:City", "photoshop:State",
    "photoshop:Country", "photoshop:Category", "photoshop:SupplementalCategories", "photoshop:LayerName",
    "photoshop:LayerText", "photoshop:History", "mwg-rs:Name", "mwg-rs:Description",
    "MicrosoftPhoto:LastKeywordXMP", "MicrosoftPhoto:LastKeywordIPTC", "xmp:Label", "xmp:Nickname",
    "xmp:Title", "xmpRights:Owner", "xmpRights:UsageTerms", "tiff:ImageDescription", "tiff:Artist",
    "tiff:Copyright", "exif:UserComment", "exifEX:CameraOwnerName", "pdf:Keywords", "xmpDM:comment",
    "xmpDM:artist",
}


XMP_NOT_DESCRIPTIVE = {"dc:format", "dc:identifier", "dc:type", "dc:language", "dc:date",
                       "Iptc4xmpCore:CountryCode", "Iptc4xmpCore:IntellectualGenre", "Iptc4xmpCore:Scene",
                       "Iptc4xmpCore:SubjectCode"}


# Never text: namespace plumbing, identifiers and binary payloads (base64 depth maps, thumbnails)
XMP_SKIP_PREFIXES = ("xmlns", "rdf", "xml", "x", "xmpMM", "stRef", "stEvt", "xmpNote", "xmpGImg", "GImage",
                     "GDepth", "stDim", "stFnt", "xmpTPg", "xmpG", "crs")


XMP_SKIP = {"photoshop:DocumentAncestors", "photoshop:ICCProfile", "photoshop:ColorMode", "photoshop:DateCreated",
            "photoshop:TransmissionReference", "xmp:Thumbnails", "xmp:CreateDate", "xmp:ModifyDate",
            "xmp:MetadataDate", "xmp:CreatorTool"}


# a start or end tag; neither it nor its quoted values run past the next "<", so a scan stays linear
_XML_TAG = re.compile(r"<(/?)([\w.:-]+)((?:[^<>\"']|\"[^\"<]*\"|'[^'<]*')*)>")


MAX_XMP_DEPTH = 64  # elements nested deeper are read as part of the 64th


_XML_ATTR = re.compile(r"([\w.-]+(?::[\w.-]+)?)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


XMP_PREFIX_ALIASES = {"xap": "xmp", "xapMM": "xmpMM", "xapRights": "xmpRights"}  # the names before XMP 2004


def _canonical(prop: str) -> str:
    prefix, _, name = prop.partition(":")
    return f"{XMP_PREFIX_ALIASES[prefix]}:{name}" if prefix in XMP_PREFIX_ALIASES else prop


def _xmp_skip(prop: str) -> bool:
    prop = _canonical(prop)
    prefix = prop.split(":", 1)[0] if ":" in prop else ""
    return not prefix or prefix in XMP_SKIP_PREFIXES or prop in XMP_SKIP


def _xmp_descriptive(prop: str) -> bool:
    prop = _canonical(prop)
    if prop in XMP_NOT_DESCRIPTIVE:
        return False
    return prop in XMP_DESCRIPTIVE or prop.split(":", 1)[0] in XMP_DESCRIPTIVE_NAMESPACES


def xmp_items(xmp: str) -> list[tuple[str, str]]:
    """``(property, text)`` for each piece of element text and each attribute value in an XMP packet,
    in document order; the property is the innermost element that is not RDF plumbing. Tolerant
    of malformed packets: a linear scan for tags, no XML parser (no entity expansion either)."""
    out: list[tuple[str, str]] = []
    stack: list[str] = []

    def owner() -> str:
        return next((name for name in reversed(stack) if not name.startswith("rdf:")), "")

    def add(prop: str, text: str) -> None:
        if text.strip() and not _xmp_skip(prop):
            text = html.unescape(text).strip()
            if text:
                out.append((prop, text))

    pos = scan = 0  # pos: start of the text not yet added; scan: where to look for the next "<"
    while (lt := xmp.find("<", scan)) >= 0:
        # comments, processing instructions, CDATA and declarations: skipped (CDATA is text)
        for opening, closing in (("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>"), ("<!", ">")):
            if xmp.startswith(opening, lt):
                add(owner(), xmp[pos:lt])
                end = xmp.find(closing, lt + len(opening))
                end = len(xmp) if end < 0 else end
                if opening == "<![CDATA[":
                    add(owner(), xmp[lt + len(opening):end])
                pos = scan = min(len(xmp), end + len(closing))
                break
        else:
            m = _XML_TAG.match(xmp, lt)
            if m is None:  # a stray "<": part of the text
                scan = lt + 1
                continue
            add(owner(), xmp[pos:lt])
            pos = scan = m.end()
            slash, name, attrs = m.groups()
            if slash:  # end tag: close up to the matching start tag
                if name in stack:
                    while stack and stack.pop() != name:
                        pass
                continue
            for a in _XML_ATTR.finditer(attrs):
                add(a.group(1), a.group(2) if a.group(2) is not None else a.group(3))
            if not attrs.rstrip().endswith("/") and len(stack) < MAX_XMP_DEPTH:
                stack.append(name)
    add(owner(), xmp[pos:])
    return out


def xmp_fields(xmp: bytes | str, prefix: str = "") -> list[TextField]:
    try:
        text = xmp if isinstance(xmp, str) else _decode(xmp, MAX_XMP_CHARS)
        items = xmp_items(text[:MAX_XMP_CHARS])
    except Exception:
        return []
    grouped: dict[str, list[str]] = {}
    for prop, value in items:
        grouped.setdefault(prop, []).append(value)
    out = []
    for prop, values in grouped.items():
        descriptive = _xmp_descriptive(prop)
        # the property's name is the file's text too: shown only when it is a well-known one
        known = descriptive or _canonical(prop).split(":", 1)[0] in KNOWN_XMP_PREFIXES
        where = f"the XMP {prop}" if known else "an XMP property"
        out.append(TextField(where + prefix, "\n".join(values), strict=not descriptive))
    return out


KNOWN_XMP_PREFIXES = {"dc", "xmp", "xap", "photoshop", "tiff", "exif", "exifEX", "aux", "Iptc4xmpCore",
                      "Iptc4xmpExt", "mwg-rs", "MP", "MPReg", "MicrosoftPhoto", "lr", "xmpRights", "pdf",
                      "xmpDM", "GCamera", "GPano", "Camera", "hdrgm", "apple-fi", "plus", "digiKam"}


IPTC_DESCRIPTIVE = {
    (2, 5): "the IPTC title", (2, 15): "the IPTC category", (2, 20): "the IPTC supplemental categories",
    (2, 25): "the IPTC keywords", (2, 40): "the IPTC special instructions", (2, 80): "the IPTC creator name",
    (2, 85): "the IPTC creator title", (2, 90): "the IPTC city", (2, 92): "the IPTC sub-location",
    (2, 95): "the IPTC state or province", (2, 101): "the IPTC country", (2, 105): "the IPTC headline",
    (2, 110): "the IPTC credit", (2, 115): "the IPTC source", (2, 116): "the IPTC copyright notice",
    (2, 118): "the IPTC contact", (2, 120): "the IPTC caption", (2, 122): "the IPTC caption writer",
    (2, 230): "the IPTC document notes",
}


# binary, dates, times and versions: never person text
IPTC_SKIP = {(1, 0), (1, 20), (1, 22), (1, 70), (1, 80), (1, 90), (1, 100), (1, 120), (1, 122), (2, 0), (2, 10),
             (2, 30), (2, 35), (2, 37), (2, 38), (2, 47), (2, 55), (2, 60), (2, 62), (2, 63), (2, 70), (2, 75),
             (2, 125), (2, 130), (2, 131), (2, 150), (2, 151), (2, 152), (2, 153), (2, 154), (2, 200), (2, 201),
             (2, 202)}


def iptc_fields(iptc: dict, prefix: str = "") -> list[TextField]:
    out = []
    for key, value in (iptc or {}).items():
        try:
            record, dataset = key
            if key in IPTC_SKIP or record not in (1, 2):
                continue
            values = value if isinstance(value, (list, tuple)) else [value]
            text = "\n".join(_decode(v) for v in values)
        except Exception:
            continue
        where = IPTC_DESCRIPTIVE.get(key, "an IPTC dataset")
        out.append(TextField(where + prefix, text, strict=key not in IPTC_DESCRIPTIVE))
    return out


def iim_datasets(data: bytes) -> dict:
    """IPTC-IIM datasets from raw bytes (0x1C record dataset length data ...), as Pillow's
    getiptcinfo gives them: ``{(record, dataset): bytes or [bytes, ...]}``. Stops at the first
    malformed one."""
    out: dict = {}
    pos = data.find(b"\x1c")
    while 0 <= pos and pos + 5 <= len(data) and data[pos] == 0x1C:
        record, dataset, size = data[pos + 1], data[pos + 2], struct.unpack(">H", data[pos + 3:pos + 5])[0]
        pos += 5
        if size & 0x8000:  # extended length: the next (size & 0x7FFF) bytes hold it
            n = size & 0x7FFF
            if n > 4 or pos + n > len(data):
                break
            size = int.from_bytes(data[pos:pos + n], "big")
            pos += n
        value = data[pos:pos + size]
        pos += size
        key = (record, dataset)
        if key in out:
            out[key] = (out[key] if isinstance(out[key], list) else [out[key]]) + [value]
        else:
            out[key] = value
    return out


def photoshop_iptc(data: bytes) -> dict:
    """The IPTC block (resource 0x0404) of Photoshop image resources ("8BIM" ...)."""
    pos = data.find(b"8BIM")
    while 0 <= pos and pos + 12 <= len(data):
        if data[pos:pos + 4] != b"8BIM":
            break
        resource = struct.unpack(">H", data[pos + 4:pos + 6])[0]
        name_len = data[pos + 6]
        pos += 6 + 1 + name_len + ((1 + name_len) % 2)  # Pascal string padded to an even length
        if pos + 4 > len(data):
            break
        size = struct.unpack(">I", data[pos:pos + 4])[0]
        pos += 4
        if resource == 0x0404:
            return iim_datasets(data[pos:pos + size])
        pos += size + (size % 2)
    return {}


