"""Text in a photo's metadata (comments, PNG text chunks, EXIF, XMP, IPTC, the ICC profile) goes
through the same recognizers as the text in its pixels: a student's name, ID or grade there blocks."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin
from typer.testing import CliRunner

from conftest import SAMPLES, TESTDATA
from pipeline.media import metadata_chunks, metadata_fields
from pipeline.stages import metadata, metadata_text
from pipeline.cli import app
from pipeline.media.loader import is_image_path, load_image, LoadError
from pipeline.policy import load_policy
from pipeline.screen.verdict import decide

LIMIT = 200_000_000
FIRST, LAST, ID = "Oliver", "Bennett", "48213977"
SECRET = f"{FIRST} {LAST}; Student ID: {ID}; Grade: B+"
SENSITIVE = {"student_id", "grade", "name"}


@pytest.fixture(scope="module")
def roster_policy(tmp_path_factory):
    path = tmp_path_factory.mktemp("roster") / "class.csv"
    path.write_text(f"first,last\n{FIRST},{LAST}\nAmira,Haddad\n", encoding="utf-8")
    return load_policy(overrides={"text": {"roster": str(path)}})


def _picture(size=(160, 120)) -> Image.Image:
    return Image.new("RGB", size, (180, 200, 220))


def _xmp(attributes: str = "", body: str = "") -> bytes:
    """An XMP packet with one rdf:Description holding ``attributes`` and the elements ``body``."""
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
            'xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" '
            f'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" {attributes}>'
            f'{body}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode("utf-8")


def _app13(datasets: dict[tuple[int, int], bytes]) -> bytes:
    """A JPEG APP13 segment: Photoshop image resources with an IPTC-IIM block (resource 0x0404)."""
    iim = b"".join(b"\x1c" + bytes([r, d]) + struct.pack(">H", len(v)) + v for (r, d), v in datasets.items())
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\0\0" + struct.pack(">I", len(iim)) + iim
    resource += b"\0" * (len(iim) % 2)
    body = b"Photoshop 3.0\0" + resource
    return b"\xff\xed" + struct.pack(">H", len(body) + 2) + body


def _with_segment(jpeg: bytes, segment: bytes) -> bytes:
    """The JPEG with ``segment`` inserted right after its APP0 (JFIF) segment."""
    assert jpeg[:4] == b"\xff\xd8\xff\xe0"
    end = 4 + struct.unpack(">H", jpeg[4:6])[0]
    return jpeg[:end] + segment + jpeg[end:]


def _icc_with_description(text: str, tag_type: str = "mluc") -> bytes:
    """Pillow's sRGB profile with its 'desc' tag replaced by ``text`` (a v4 'mluc' or a v2 'desc')."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    if tag_type == "mluc":
        utf16 = text.encode("utf-16-be")
        tag = b"mluc\0\0\0\0" + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", len(utf16), 28) + utf16
    else:
        ascii_ = text.encode("ascii") + b"\0"
        tag = b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_ + b"\0" * 8 + b"\0" * 3 + b"\0" * 67
    icc += b"\0" * (-len(icc) % 4)
    offset = len(icc)
    icc += tag
    count = struct.unpack(">I", icc[128:132])[0]
    for i in range(count):
        at = 132 + 12 * i
        if icc[at:at + 4] == b"desc":
            icc[at + 4:at + 12] = struct.pack(">II", offset, len(tag))
    icc[0:4] = struct.pack(">I", len(icc))
    return bytes(icc)


def _write(kind: str, folder: Path, text: str) -> Path:
    """A small picture carrying ``text`` in the metadata field ``kind``."""
    im = _picture()
    if kind == "jpeg_com":
        path = folder / "com.jpg"
        im.save(path, comment=text.encode("utf-8"))
    elif kind in ("png_text", "png_itxt", "png_ztxt"):
        path = folder / f"{kind}.png"
        info = PngImagePlugin.PngInfo()
        if kind == "png_text":
            info.add_text("Comment", text)
        elif kind == "png_ztxt":
            info.add_text("Description", text, zip=True)
        else:
            info.add_itxt("Description", text, lang="en", tkey="Description")
        im.save(path, pnginfo=info)
    elif kind == "gif_comment":
        path = folder / "comment.gif"
        im.convert("P").save(path, comment=text.encode("utf-8"))
    elif kind in ("exif_usercomment_ascii", "exif_usercomment_unicode"):
        path = folder / f"{kind}.jpg"
        exif = Image.Exif()
        body = b"ASCII\0\0\0" + text.encode("ascii") if kind.endswith("ascii") else \
            b"UNICODE\0" + text.encode("utf-16-le")  # in a big-endian EXIF block: a common mismatch
        exif.get_ifd(0x8769)[0x9286] = body
        im.save(path, exif=exif.tobytes())
    elif kind == "exif_description":
        path = folder / "description.jpg"
        exif = Image.Exif()
        exif[0x010E] = text
        im.save(path, exif=exif.tobytes())
    elif kind == "exif_xpcomment":
        path = folder / "xpcomment.jpg"
        exif = Image.Exif()
        exif[0x9C9C] = text.encode("utf-16-le") + b"\0\0"
        im.save(path, exif=exif.tobytes())
    elif kind == "xmp_description":
        path = folder / "xmp.jpg"
        items = "".join(f'<rdf:li xml:lang="x-default">{p.strip()}</rdf:li>' for p in text.split(";"))
        im.save(path, xmp=_xmp(body=f"<dc:description><rdf:Alt>{items}</rdf:Alt></dc:description>"))
    elif kind == "xmp_attribute":
        path = folder / "xmp_attr.jpg"
        im.save(path, xmp=_xmp(f'photoshop:Headline="{text.replace("+", "&#43;")}"'))
    elif kind == "iptc_caption":
        path = folder / "iptc.jpg"
        buf = io.BytesIO()
        im.save(buf, "JPEG")
        path.write_bytes(_with_segment(buf.getvalue(), _app13({(1, 90): b"\x1b%G", (2, 0): b"\0\4",
                                                               (2, 120): text.encode("utf-8")})))
    elif kind in ("icc_desc_mluc", "icc_desc_v2"):
        path = folder / f"{kind}.png"
        im.save(path, icc_profile=_icc_with_description(text, "mluc" if kind.endswith("mluc") else "desc"))
    else:
        raise AssertionError(kind)
    return path


KINDS = ["jpeg_com", "png_text", "png_ztxt", "png_itxt", "gif_comment", "exif_usercomment_ascii",
         "exif_usercomment_unicode", "exif_description", "exif_xpcomment", "xmp_description", "xmp_attribute",
         "iptc_caption", "icc_desc_mluc", "icc_desc_v2"]


def _no_secret(findings) -> None:
    for f in findings:
        for text in (f.hint or "", f.why or ""):
            assert ID not in text and FIRST not in text and LAST not in text, text


@pytest.mark.parametrize("kind", KINDS)
def test_name_id_and_grade_in_metadata_block(kind: str, tmp_path: Path, roster_policy) -> None:
    image = load_image(_write(kind, tmp_path, SECRET), LIMIT)
    found = metadata.stage(image, roster_policy)
    text = [f for f in found if f.detector == metadata_text.DETECTOR]
    assert {f.kind for f in text} == SENSITIVE, [(f.kind, f.why) for f in found]
    assert all(f.box is None and f.hint for f in text)
    _no_secret(found)
    verdict, reasons = decide(found, roster_policy)
    assert verdict.value == "block"
    assert {"student ID visible: a safe copy (photoscreen redact) covers it", "grade or score visible: a safe copy (photoscreen redact) covers it",
            "student name visible: a safe copy (photoscreen redact) covers it"} <= set(reasons)


def test_the_why_names_the_field(tmp_path: Path, roster_policy) -> None:
    found = metadata.stage(load_image(_write("jpeg_com", tmp_path, SECRET), LIMIT), roster_policy)
    assert "student ID in the JPEG comment" in {f.why for f in found}
    found = metadata.stage(load_image(_write("iptc_caption", tmp_path, SECRET), LIMIT), roster_policy)
    assert "student name in the IPTC caption" in {f.why for f in found}


@pytest.mark.slow
def test_through_the_screener(tmp_path: Path, roster_policy) -> None:
    """The whole pipeline: every file with the name and ID in its metadata is blocked, and a file
    with innocent metadata is not blocked for text."""
    from pipeline.screen.photo import Screener
    from pipeline.runs.scan import walk

    for kind in KINDS:
        _write(kind, tmp_path, f"{FIRST} {LAST}\nStudent ID: {ID}")
    innocent = tmp_path / "innocent.jpg"
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131], exif[0x0132] = "Canon", "Canon EOS 80D", "GIMP 2.10", "2024:05:01 10:00:00"
    _picture().save(innocent, exif=exif.tobytes(), comment=b"CREATOR: gd-jpeg v1.0 (using IJG JPEG v80), quality = 85")
    screener = Screener(roster_policy)
    reports = {Path(c.rel).name: screener.screen(c) for c in walk([tmp_path]).candidates}
    assert len(reports) == len(KINDS) + 1
    for name, report in reports.items():
        kinds = {f.kind for f in report.findings}
        row = json.dumps(report.to_dict())
        assert ID not in row and FIRST not in row and LAST not in row
        if name == "innocent.jpg":
            assert not kinds & SENSITIVE, report.findings
        else:
            assert report.verdict.value == "block", (name, report.reasons)
            assert {"student_id", "name"} <= kinds, (name, report.findings)


def test_without_roster_a_labelled_name_still_blocks(tmp_path: Path, policy) -> None:
    found = metadata.stage(load_image(_write("png_text", tmp_path, f"Name: {FIRST} {LAST}"), LIMIT), policy)
    assert [f.kind for f in found if f.detector == metadata_text.DETECTOR] == ["name"]
    _no_secret(found)


# --- innocent metadata ---------------------------------------------------------------------------

INNOCENT_XMP = _xmp(
    'xmp:CreatorTool="Adobe Photoshop CC 2019 (Windows)" xmp:CreateDate="2024-05-01T10:00:00+02:00" '
    'xmpMM:InstanceID="xmp.iid:4d2b9c61-1234-5678-9012-345678901234" '
    'xmpMM:DocumentID="xmp.did:0E90BC000C20681180839CF504E18B6D" exif:ExposureTime="1/10" '
    'exif:FNumber="28/10" exif:ISOSpeedRatings="100" GCamera:MicroVideoOffset="3425343" '
    'GCamera:MotionPhotoPresentationTimestampUs="968644"',
    '<photoshop:DocumentAncestors><rdf:Bag><rdf:li>1234567890</rdf:li><rdf:li>adobe:docid:photoshop:903dad88</rdf:li>'
    '</rdf:Bag></photoshop:DocumentAncestors><dc:format>image/jpeg</dc:format>'
    '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Science fair 2024, year 5 class</rdf:li></rdf:Alt>'
    '</dc:description><dc:subject><rdf:Bag><rdf:li>school</rdf:li><rdf:li>science</rdf:li></rdf:Bag></dc:subject>')


def test_innocent_metadata_gives_no_text_findings(tmp_path: Path, roster_policy) -> None:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = "Canon", "Canon EOS 80D", "GIMP 2.10"
    exif[0x0132], exif[0x013B], exif[0x8298] = "2024:05:01 10:00:00", "Jane Teacher", "(c) 2024 Lincoln School"
    exif.get_ifd(0x8769)[0xA431] = "123456789"  # a body serial number: a bare number in a technical field
    exif.get_ifd(0x8769)[0x9003] = "2024:05:01 10:00:00"
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\0\0\0" + b" " * 20
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    jpeg = tmp_path / "innocent.jpg"
    _picture().save(jpeg, exif=exif.tobytes(), xmp=INNOCENT_XMP, icc_profile=srgb,
                    comment=b"CREATOR: gd-jpeg v1.0 (using IJG JPEG v80), quality = 85")
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "GIMP 2.10.36")
    info.add_text("date:create", "2024-05-01T10:00:00+00:00")
    info.add_text("Comment", "Created with GIMP")
    png = tmp_path / "innocent.png"
    _picture().save(png, pnginfo=info, icc_profile=srgb)
    iptc = tmp_path / "iptc.jpg"
    buf = io.BytesIO()
    _picture().save(buf, "JPEG")
    iptc.write_bytes(_with_segment(buf.getvalue(), _app13({(2, 103): b"182452582", (2, 55): b"20240501",
                                                          (2, 120): b"Sports day at Lincoln School"})))
    for path in (jpeg, png, iptc):
        image = load_image(path, LIMIT)
        assert metadata_chunks.text_fields(image), path.name  # there is text to read
        found = metadata_text.find_metadata_text(image, roster_policy)
        assert found == [], (path.name, [(f.kind, f.why) for f in found])
    assert not metadata_text.revealing_icc(srgb, roster_policy)


def _images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and is_image_path(p)) if root.is_dir() else []


@pytest.mark.slow
def test_no_text_findings_in_the_metadata_of_the_sample_and_real_photos(roster_policy) -> None:
    """None of the sample photos nor the real test photos has a student's name, ID or grade in its
    metadata (checked by eye: captions of TV stills, photographers' names, camera and software
    names, colour profiles, dates)."""
    paths = _images(SAMPLES) + _images(TESTDATA)
    if len(paths) < 20:
        pytest.skip(f"shared test photos not found at {TESTDATA}")
    checked = fields = 0
    for path in paths:
        try:
            image = load_image(path, LIMIT)
        except LoadError:
            continue
        checked += 1
        fields += len(metadata_chunks.text_fields(image))
        found = metadata_text.find_metadata_text(image, roster_policy)
        assert found == [], (path.name, [(f.kind, f.why) for f in found])
    assert checked > 20 and fields > 50  # the check did read metadata


# --- decoding, parsing, robustness ---------------------------------------------------------------

def test_user_comment_charsets() -> None:
    uc = metadata_fields.user_comment
    assert uc(b"ASCII\0\0\0Hello") == "Hello"
    assert uc(b"UNICODE\0" + "Élodie".encode("utf-16-le")) == "Élodie"
    assert uc(b"UNICODE\0" + "Élodie".encode("utf-16-be")) == "Élodie"
    assert uc(b"UNICODE\0" + "Zoë".encode("utf-16-be"), big_endian=True) == "Zoë"
    assert uc(b"JIS\0\0\0\0\0" + "山田".encode("shift_jis")) == "山田"
    assert uc(b"\0" * 8 + b"plain") == "plain"
    assert uc("already text") == "already text"
    assert uc(b"\xff" * 3) == "ÿÿÿ"  # shorter than a charset code: read as it is


def test_utf8_read_as_latin1_is_repaired(tmp_path: Path) -> None:
    """Pillow reads EXIF ASCII values and PNG tEXt chunks as Latin-1; writers put UTF-8 there."""
    assert metadata_fields.unmangle("Maëlle Élodie".encode("utf-8").decode("latin-1")) == "Maëlle Élodie"
    assert metadata_fields.unmangle("Maëlle") == "Maëlle"  # real Latin-1 stays
    roster = tmp_path / "class.csv"
    roster.write_text("prenom,nom\nMaëlle,Dubois-Lefèvre\n", encoding="utf-8")
    policy = load_policy(overrides={"text": {"roster": str(roster)}})
    path = tmp_path / "accents.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Maëlle Dubois-Lefèvre".encode("utf-8").decode("latin-1"))  # UTF-8 in a tEXt chunk
    _picture().save(path, pnginfo=info)
    found = metadata_text.find_metadata_text(load_image(path, LIMIT), policy)
    assert [f.kind for f in found] == ["name"] and found[0].hint == "name M••• D•••"


def test_icc_texts_of_real_and_built_profiles() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert metadata_chunks.icc_texts(srgb) == ["sRGB built-in", "No copyright, use freely"]
    assert "Oliver Bennett" in metadata_chunks.icc_texts(_icc_with_description("Oliver Bennett"))
    assert "Oliver Bennett" in metadata_chunks.icc_texts(_icc_with_description("Oliver Bennett", "desc"))


def test_revealing_icc(roster_policy, policy) -> None:
    assert metadata_text.revealing_icc(_icc_with_description(f"{FIRST} {LAST}"), roster_policy)
    assert metadata_text.revealing_icc(_icc_with_description(f"Student ID: {ID}", "desc"), policy)
    assert not metadata_text.revealing_icc(_icc_with_description("sRGB IEC61966-2.1"), roster_policy)
    assert not metadata_text.revealing_icc(_icc_with_description("DELL U2415 1234567"), roster_policy)
    assert not metadata_text.revealing_icc(b"", roster_policy)


@pytest.mark.parametrize("icc", [b"", b"\0" * 10, b"\0" * 128 + b"\xff\xff\xff\xff",
                                 b"\0" * 128 + struct.pack(">I4sII", 1, b"desc", 10 ** 9, 10 ** 9),
                                 b"\0" * 128 + struct.pack(">I4sII", 1, b"desc", 144, 50) + b"mluc" + b"\xff" * 40,
                                 b"\0" * 128 + struct.pack(">I4sII", 1, b"desc", 144, 12) + b"desc\0\0\0\0\xff\xff\xff\xff"])
def test_malformed_icc_never_raises(icc: bytes, roster_policy) -> None:
    assert isinstance(metadata_chunks.icc_texts(icc), list)
    assert metadata_text.revealing_icc(icc, roster_policy) is False


@pytest.mark.parametrize("xmp", [b"<x:xmpmeta><rdf:RDF><dc:description>unclosed", b"\xff\xfe\x00garbage<<<>>>",
                                 b"<a:b c:d='1' e:f=\"2\"/></g:h></i:j>" * 100, b"<" * 5000, b""])
def test_malformed_xmp_never_raises(xmp: bytes) -> None:
    assert isinstance(metadata_fields.xmp_fields(xmp), list)


def test_xmp_items_read_element_text_and_attributes_not_ids() -> None:
    xmp = _xmp('photoshop:Headline="Head &amp; line" xmpMM:InstanceID="xmp.iid:1234567"',
               '<dc:subject><rdf:Bag><rdf:li>one</rdf:li><rdf:li>two</rdf:li></rdf:Bag></dc:subject>'
               '<Iptc4xmpExt:PersonInImageWDetails><rdf:Bag><rdf:li rdf:parseType="Resource">'
               '<Iptc4xmpExt:PersonName><rdf:Alt><rdf:li xml:lang="x-default">Ann Lee</rdf:li></rdf:Alt>'
               '</Iptc4xmpExt:PersonName></rdf:li></rdf:Bag></Iptc4xmpExt:PersonInImageWDetails>').decode()
    items = metadata_fields.xmp_items(xmp)
    assert ("photoshop:Headline", "Head & line") in items
    assert ("dc:subject", "one") in items and ("dc:subject", "two") in items
    assert ("Iptc4xmpExt:PersonName", "Ann Lee") in items
    assert not any("1234567" in text for _, text in items)


def test_face_region_and_person_names_in_xmp_block(tmp_path: Path, roster_policy) -> None:
    """Names tagged on faces (Lightroom, Picasa: mwg-rs regions) and IPTC's PersonInImage."""
    region = ('<mwg-rs:Regions xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
              'rdf:parseType="Resource"><mwg-rs:RegionList><rdf:Bag><rdf:li><rdf:Description '
              f'mwg-rs:Name="{FIRST} {LAST}" mwg-rs:Type="Face"/></rdf:li></rdf:Bag></mwg-rs:RegionList>'
              '</mwg-rs:Regions>')
    person = ('<Iptc4xmpExt:PersonInImage xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">'
              f'<rdf:Bag><rdf:li>Amira Haddad</rdf:li></rdf:Bag></Iptc4xmpExt:PersonInImage>')
    for body in (region, person):
        path = tmp_path / "people.jpg"
        _picture().save(path, xmp=_xmp(body=body))
        found = metadata.stage(load_image(path, LIMIT), roster_policy)
        assert [f.kind for f in found if f.detector == metadata_text.DETECTOR] == ["name"], found
        assert decide(found, roster_policy)[0].value == "block"
        _no_secret(found)
        assert not any("Amira" in (f.why + (f.hint or "")) for f in found)


def _raw_profile(name: str, data: bytes) -> str:
    hexed = data.hex()
    return f"\n{name}\n{len(data):8d}\n" + "\n".join(hexed[i:i + 72] for i in range(0, len(hexed), 72)) + "\n"


@pytest.mark.parametrize("name", ["exif", "xmp", "iptc", "8bim"])
def test_imagemagick_raw_profiles_are_decoded(name: str, tmp_path: Path, roster_policy) -> None:
    """ImageMagick keeps EXIF, XMP and IPTC in PNG text chunks as hex ("Raw profile type exif")."""
    if name == "exif":
        exif = Image.Exif()
        exif[0x010E] = SECRET
        data = exif.tobytes()
    elif name == "xmp":
        data = _xmp(f'photoshop:Headline="{SECRET}"')
    else:
        data = _app13({(2, 120): SECRET.encode()})[4 + len(b"Photoshop 3.0\0"):]  # the 8BIM resources
        data = data if name == "8bim" else data[12:]  # iptc: the IIM datasets alone
    info = PngImagePlugin.PngInfo()
    info.add_text(f"Raw profile type {name}", _raw_profile(name, data), zip=True)
    path = tmp_path / "raw.png"
    _picture().save(path, pnginfo=info)
    found = metadata_text.find_metadata_text(load_image(path, LIMIT), roster_policy)
    assert {f.kind for f in found} == SENSITIVE, [(f.kind, f.why) for f in found]
    if name != "exif":  # Pillow reads the raw EXIF profile itself: then it is read once, as EXIF
        assert all(f"Raw profile type {name}" in f.why for f in found)
    assert len(found) == 3
    _no_secret(found)


def test_long_fields_are_capped(tmp_path: Path, roster_policy) -> None:
    """A comment far over the cap is read up to it: a name near the start is found, quickly."""
    import time

    text = f"{FIRST} {LAST}\n" + ("lorem ipsum dolor sit amet " * 10 + "\n") * 2000  # ~0.5 MB (Pillow reads up to 1 MB)
    path = tmp_path / "long.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text, zip=True)
    _picture().save(path, pnginfo=info)
    image = load_image(path, LIMIT)
    start = time.perf_counter()
    fields = metadata_chunks.text_fields(image)
    found = metadata_text.find_metadata_text(image, roster_policy)
    assert max(len(f.text) for f in fields) <= metadata_fields.MAX_FIELD_CHARS
    assert [f.kind for f in found] == ["name"]
    assert time.perf_counter() - start < 20


# --- redacted copies ---------------------------------------------------------------------------

@pytest.mark.slow
def test_redacted_copies_drop_comments_and_text_chunks(tmp_path: Path) -> None:
    """A JPEG with a roster name in its COM segment and a PNG with a student ID in a tEXt chunk:
    the copies carry neither (copies hold the pixels and the colour profile only)."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    roster = tmp_path / "class.csv"
    roster.write_text(f"first,last\n{FIRST},{LAST}\n", encoding="utf-8")
    base = Image.open(SAMPLES / "landscape_coffee.jpg").convert("RGB")
    base.thumbnail((400, 400))
    base.save(src / "named.jpg", comment=f"{FIRST} {LAST}".encode())
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", f"Student ID: {ID}")
    base.save(src / "numbered.png", pnginfo=info)
    base.save(src / "profiled.jpg", icc_profile=_icc_with_description(f"{FIRST} {LAST}"))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    base.save(src / "srgb.jpg", icc_profile=srgb)
    result = CliRunner().invoke(app, ["redact", "--no-progress", str(src), "--out", str(out), "--roster", str(roster)])
    assert result.exit_code in (0, 1), result.output
    report = json.loads((out / "report.json").read_text())
    rows = {Path(r["path"]).name: r for r in report["images"]}
    with Image.open(out / rows["srgb.jpg"]["redaction"]["output"]) as im:  # an ordinary profile is kept
        assert im.info.get("icc_profile") == srgb
    for name in ("named.jpg", "numbered.png", "profiled.jpg"):
        assert rows[name]["redaction"]["output"], rows[name]
        copy = out / rows[name]["redaction"]["output"]
        data = copy.read_bytes()
        assert FIRST.encode() not in data and LAST.encode() not in data and ID.encode() not in data
        with Image.open(copy) as im:
            assert "comment" not in im.info
            assert not getattr(im, "text", {})
            assert name != "profiled.jpg" or not im.info.get("icc_profile")  # a profile naming a student goes
        assert load_image(copy, LIMIT).comments == ()
    # the originals' rows say why they were blocked, without the text
    assert ID not in json.dumps(report) and FIRST not in json.dumps(report)


def test_a_student_id_past_line_4000_of_a_field_is_still_found() -> None:
    """A comment of 4200 short lines and then an ID: the field is read whole, in windows (it was cut
    after 4000 lines, and the ID passed unseen)."""
    policy = load_policy()
    field = metadata_fields.TextField("the JPEG comment", "Sunny day at the park\n" * 4200 + "Student ID: 48213977")
    found = metadata_text.field_findings(field, policy)
    assert "student_id" in [f.kind for f in found], found
    assert metadata_text.field_findings(metadata_fields.TextField("the JPEG comment", "Sunny day at the park\n" * 4300), policy) == []
