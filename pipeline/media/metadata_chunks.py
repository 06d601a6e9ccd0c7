"""Text in a file's other metadata: ICC profile descriptions, PNG text chunks (and the raw EXIF, XMP
and IPTC profiles ImageMagick writes into them), GIF and JPEG comments; and ``text_fields``, every
text field of a decoded photo (with ``metadata_fields.py``'s EXIF, XMP and IPTC). Decoding only."""

from __future__ import annotations

import re
import struct

from PIL import Image

from .metadata_fields import MAX_FIELD_CHARS, MAX_TOTAL_CHARS, TextField, unmangle, utf16, exif_fields, iim_datasets, iptc_fields, photoshop_iptc, xmp_fields


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
            texts.append(utf16(chunk, big_endian=True).split("\0", 1)[0])
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
        text = unmangle(text)
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
