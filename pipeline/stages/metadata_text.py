"""Text written in a photo's metadata, read by the same recognizers as the text in its pixels.

A student's name, ID or grade typed into a JPEG comment, a PNG text chunk, a GIF comment, an EXIF
description or user comment, an XMP caption or keyword, an IPTC caption or an ICC profile's
description travels with the file as surely as the same words painted on the picture. Each such
value becomes a few pseudo OCR lines (one per line or ``;``-separated piece, a dummy box per word)
and goes through ``pipeline/text/recognizers/`` exactly as ``text.find_text`` feeds it OCR lines. A match
is a whole-image finding (box null) of its kind (student_id, grade, name), with the recognizer's
masked hint and the field's name: never the text itself.

Two tiers keep ordinary metadata quiet:
- descriptive fields (comments, captions, titles, keywords, person names, artist, copyright) are read
  with ``text.min_score``, as OCR text is;
- technical fields (camera make and model, software, serial numbers, XMP properties outside the
  descriptive namespaces, IPTC references, the ICC profile's names) need ``STRICT_SCORE``: a roster
  name or a label ("Student ID:", "Grade:", "Name:") flags them, a bare number does not. An
  exposure time of "1/10" is not a score out of ten, nor a serial number a student's.

Malformed values are skipped, never raised on; each field is read up to ``MAX_FIELD_CHARS``.
"""

from __future__ import annotations

import html
import re
import struct
from dataclasses import dataclass

import numpy as np
from PIL import ExifTags, Image

from ..findings import Box, Finding
from ..text.ocr import OcrLine, Word
from ..text.recognizers import REGISTRY, Page
from ..text.roster import load_roster

DETECTOR = "metadata:text"
MAX_FIELD_CHARS = 64 * 1024  # characters read from one field
MAX_TOTAL_CHARS = 256 * 1024  # characters read from one file, all fields together
# an XMP packet is scanned this far (a caption can follow megabytes of photoshop:DocumentAncestors)
MAX_XMP_CHARS = 2 * 1024 * 1024
MAX_LINES = 4000  # pseudo lines per field
MAX_WORD_CHARS = 100  # longer "words" are hex or base64 blobs, never a name, an ID or a grade
# Score a match in a technical field needs: roster names (0.9), labelled names (0.8) and IDs or
# grades after a label (0.8-0.9) pass; bare numbers (0.55) and unlabelled "n/10" (0.7) do not.
STRICT_SCORE = 0.8
KIND_LABEL = {"student_id": "student ID", "grade": "grade", "name": "student name"}
_DUMMY = 1  # px: the pseudo boxes' size


@dataclass(frozen=True)
class TextField:
    """One text-bearing metadata value. ``where`` names the field for a report ("the JPEG comment"):
    it is made from fixed labels, never from the file's text."""

    where: str
    text: str
    strict: bool = False


# ---------------------------------------------------------------------------------------------
# Decoding helpers

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


def _unmangle(text: str) -> str:
    """UTF-8 that was read as Latin-1 (Pillow reads EXIF ASCII and PNG tEXt that way; writers put
    UTF-8 there all the same): "MaÃ«lle" back to "Maëlle". Other text is left as it is."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _utf16(data: bytes, big_endian: bool | None = None) -> str:
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
        return _utf16(body, big_endian)
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


# ---------------------------------------------------------------------------------------------
# EXIF

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
        out.append(TextField(where + prefix, _unmangle(text), strict))
    return out


# ---------------------------------------------------------------------------------------------
# XMP

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


# ---------------------------------------------------------------------------------------------
# IPTC

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


# ---------------------------------------------------------------------------------------------
# ICC profile

ICC_TEXT_TAGS = {b"desc": "the colour profile's description", b"cprt": "the colour profile's copyright",
                 b"dmnd": "the colour profile's device maker", b"dmdd": "the colour profile's device model",
                 b"vued": "the colour profile's viewing conditions"}


def _icc_tag_text(data: bytes) -> str:
    """Text of one ICC tag of type 'desc' (v2), 'mluc' (v4) or 'text'; '' for other types."""
    kind = data[:4]
    if kind == b"desc" and len(data) >= 12:
        count = struct.unpack(">I", data[8:12])[0]
        return data[12:12 + min(count, MAX_FIELD_CHARS)].split(b"\0", 1)[0].decode("latin-1")
    if kind == b"text":
        return data[8:8 + MAX_FIELD_CHARS].split(b"\0", 1)[0].decode("latin-1")
    if kind == b"mluc" and len(data) >= 16:
        count, size = struct.unpack(">II", data[8:16])
        texts = []
        for i in range(min(count, 64)):
            at = 16 + i * max(size, 12)
            if at + 12 > len(data):
                break
            length, offset = struct.unpack(">II", data[at + 4:at + 12])
            chunk = data[offset:offset + min(length, 2 * MAX_FIELD_CHARS)]
            texts.append(_utf16(chunk, big_endian=True).split("\0", 1)[0])
        return "\n".join(dict.fromkeys(t for t in texts if t.strip()))
    return ""


def icc_tag_texts(icc: bytes) -> list[tuple[bytes, str]]:
    """``(tag signature, text)`` for the profile's text tags (desc, cprt, dmnd, dmdd, vued)."""
    out: list[tuple[bytes, str]] = []
    if not isinstance(icc, (bytes, bytearray)) or len(icc) < 132:
        return out
    icc = bytes(icc)
    try:
        count = struct.unpack(">I", icc[128:132])[0]
        for i in range(min(count, 256)):
            at = 132 + 12 * i
            if at + 12 > len(icc):
                break
            signature, offset, size = struct.unpack(">4sII", icc[at:at + 12])
            if signature not in ICC_TEXT_TAGS or offset >= len(icc):
                continue
            try:
                text = _icc_tag_text(icc[offset:offset + min(size, 4 * MAX_FIELD_CHARS)])
            except Exception:
                continue
            if text.strip("\0 \t\r\n"):
                out.append((signature, text))
    except Exception:
        pass
    return out


def icc_texts(icc: bytes) -> list[str]:
    """The texts of an ICC profile's text tags (description, copyright, device maker and model,
    viewing conditions). Malformed profiles give what could be read, never an exception."""
    return [text for _, text in icc_tag_texts(icc)]


def icc_fields(icc: bytes, prefix: str = "") -> list[TextField]:
    # a profile's texts are chosen by whoever made it (a vendor, a calibration tool): technical
    return [TextField(ICC_TEXT_TAGS[sig] + prefix, text, strict=True) for sig, text in icc_tag_texts(icc)]


def revealing_icc(icc: bytes, policy) -> bool:
    """The profile's text tags hold something a recognizer flags (a roster name, a labelled ID,
    grade or name): such a profile must not be carried into a redacted copy."""
    return bool(findings_for(icc_fields(icc), policy))


# ---------------------------------------------------------------------------------------------
# Free-text blocks (JPEG COM, GIF comment, PNG text chunks)

PNG_KEYWORDS = {"title", "author", "description", "copyright", "creation time", "software", "disclaimer",
                "warning", "source", "comment", "date:create", "date:modify", "date:timestamp", "label",
                "caption", "keywords", "subject"}
PNG_TECHNICAL = {"software", "creation time", "date:create", "date:modify", "date:timestamp"}
RAW_PROFILE = re.compile(r"raw profile type (\w+)", re.I)
RAW_PROFILE_KINDS = {"exif", "app1", "xmp", "iptc", "8bim", "icc", "icm"}  # the ones decoded


def _raw_profile(text: str) -> bytes:
    """ImageMagick's "Raw profile type NAME" chunk: "\\nNAME\\n   LENGTH\\nHEX..." as bytes."""
    parts = text.strip().split("\n", 2)
    if len(parts) < 3:
        return b""
    try:
        length = int(parts[1].strip())
    except ValueError:
        return b""
    digits = re.sub(r"[^0-9a-fA-F]", "", parts[2][: 2 * 4 * MAX_FIELD_CHARS + 4096])
    digits = digits[: 2 * min(length, 4 * MAX_FIELD_CHARS)]
    try:
        return bytes.fromhex(digits[: len(digits) // 2 * 2])
    except ValueError:
        return b""


def _embedded_fields(kind: str, data: bytes, where: str) -> list[TextField]:
    """Metadata carried inside a text block (ImageMagick raw profiles): EXIF, XMP, IPTC, ICC."""
    kind = kind.lower()
    suffix = f" ({where})"
    try:
        if kind in ("exif", "app1") and data:
            if data.lstrip().startswith((b"<?xpacket", b"<x:xmpmeta")) or b"adobe:ns:meta" in data[:200]:
                return xmp_fields(data, suffix)
            exif = Image.Exif()
            exif.load(data)  # with or without the "Exif\0\0" prefix
            return exif_fields(exif, data, suffix)
        if kind == "xmp":
            return xmp_fields(data, suffix)
        if kind in ("iptc", "8bim"):
            datasets = photoshop_iptc(data) if b"8BIM" in data[:64] else iim_datasets(data)
            return iptc_fields(datasets, suffix)
        if kind in ("icc", "icm"):
            return icc_fields(data, suffix)
    except Exception:
        return []
    return []


def comment_fields(comments, xmp: bytes = b"") -> list[TextField]:
    out = []
    for where, text in comments or ():
        if not isinstance(where, str) or not isinstance(text, str):
            continue
        text = _unmangle(text)
        if where.startswith("PNG text "):
            key = where[len("PNG text "):]
            folded = key.strip().lower()
            raw = RAW_PROFILE.fullmatch(key.strip())
            if raw:
                kind = raw.group(1).lower()
                where = f"PNG text chunk 'Raw profile type {kind}'" if kind in RAW_PROFILE_KINDS else "a PNG raw profile"
                out += _embedded_fields(kind, _raw_profile(text), where)
                continue
            if folded == "xml:com.adobe.xmp":  # XMP in an iTXt chunk: read as XMP
                if not xmp or text.encode("utf-8", "replace").strip() != xmp.strip():
                    out += xmp_fields(text, " (PNG iTXt chunk)")
                continue
            if folded in PNG_KEYWORDS:
                out.append(TextField(f"the PNG text chunk '{key.strip()}'", text, folded in PNG_TECHNICAL))
            else:  # a keyword of the file's own: it is the file's text too, read with the value
                out.append(TextField("a PNG text chunk", key + "\n" + text))
            continue
        label = where if where in ("JPEG comment", "GIF comment") or re.fullmatch(r"[A-Z0-9]{2,5} comment", where) \
            else "comment"
        out.append(TextField(f"the {label}", text))
    return out


# ---------------------------------------------------------------------------------------------
# All fields, and their findings

def text_fields(image) -> list[TextField]:
    """Every text-bearing metadata value of a LoadedImage, each cut to ``MAX_FIELD_CHARS`` and all
    together to ``MAX_TOTAL_CHARS``."""
    xmp = image.xmp if isinstance(image.xmp, (bytes, bytearray)) else b""
    fields: list[TextField] = []
    for collect in (lambda: exif_fields(image.exif, image.exif_bytes),
                    lambda: xmp_fields(xmp) if xmp else [],
                    lambda: iptc_fields(image.iptc),
                    lambda: icc_fields(image.icc_profile),
                    lambda: comment_fields(image.comments, xmp)):
        try:
            fields += collect()
        except Exception:  # a block we cannot read holds no text we can check
            continue
    out, total, seen = [], 0, set()
    for f in fields:
        text = f.text.replace("\0", "\n")[:MAX_FIELD_CHARS]
        # the same block read twice (Pillow also reads ImageMagick's raw EXIF profile): once
        key = (f.where.split(" (")[0], text)
        if not text.strip() or total >= MAX_TOTAL_CHARS or key in seen:
            continue
        seen.add(key)
        text = text[: MAX_TOTAL_CHARS - total]
        total += len(text)
        out.append(TextField(f.where, text, f.strict))
    return out


_PIECES = re.compile(r"[\r\n;|\x00-\x08\x0b\x0c\x0e-\x1f\u2028\u2029]+")


def pseudo_lines(text: str) -> list[OcrLine]:
    """The text as OCR lines: one per line or ``;``/``|``-separated piece, a word per
    whitespace-separated token, each line a dummy box one step below the last (so "beside" means
    the piece before or after)."""
    lines = []
    for piece in _PIECES.split(text):
        tokens = [t for t in piece.split() if len(t) <= MAX_WORD_CHARS]
        if not tokens:
            continue
        y = 2 * len(lines)
        box = Box(0, y, _DUMMY, _DUMMY)
        lines.append(OcrLine(tuple(Word(t, box, 100.0) for t in tokens), box))
        if len(lines) >= MAX_LINES:
            break
    return lines


def field_findings(field: TextField, policy) -> list[Finding]:
    t = policy.text
    lines = pseudo_lines(field.text)
    if not lines:
        return []
    matches = REGISTRY.find(lines, Page([False] * len(lines), load_roster(t.roster), t.name_min_similarity),
                            layout=("beside_student",))
    need = max(t.min_score, STRICT_SCORE) if field.strict else t.min_score
    out: list[Finding] = []
    seen = set()
    for match in sorted(matches, key=lambda m: -m.score):
        if match.score < need or (match.kind, match.hint) in seen:
            continue
        seen.add((match.kind, match.hint))
        out.append(Finding(match.kind, None, float(np.clip(match.score, 0, 1)), DETECTOR, hint=match.hint,
                           why=f"{KIND_LABEL.get(match.kind, match.kind)} in {field.where}"))
    return out


def findings_for(fields: list[TextField], policy) -> list[Finding]:
    out: list[Finding] = []
    for field in fields:
        out += field_findings(field, policy)
    return out


def find_metadata_text(image, policy) -> list[Finding]:
    """Student IDs, grades and names written in the photo's metadata (whole-image findings)."""
    return findings_for(text_fields(image), policy)
