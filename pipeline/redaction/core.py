"""The redaction's core, shared by photos (``copies.py``), videos (``video.py``) and hand fixes
(``pipeline/review/fixes.py``): what a re-check still finds (``Leftover``), whether it lies on our own
paint, the second look at a possible face, the copy's encoding with no metadata, and the first reason
of a row with a copy (``summary``)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..findings import Box, Covered, Redaction
from ..i18n import N_, Nn_, _, ngettext
from ..media.loader import LoadedImage
from ..policy import Policy
from ..stages import faces


KEPT_REASON = N_("safe copy kept from an earlier run (the original and the settings are unchanged; --overwrite "
                 "makes it again)")


def encode(pixels: np.ndarray, fmt: str, icc: bytes, quality: int) -> bytes:
    """The copy's file: pixels only (upright), the colour profile kept, no EXIF, XMP or IPTC."""
    buf = io.BytesIO()
    options: dict = {"icc_profile": icc} if icc else {}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = quality
    Image.fromarray(pixels).save(buf, fmt, **options)
    return buf.getvalue()


@dataclass(frozen=True)
class Leftover:
    """Something to cover: a face or sensitive text, where, and which detector(s) saw it. ``sure``:
    a primary detector saw it (the text stage, or CenterFace at the screen's own score); a face only
    low-score detectors saw is covered only when it is face-like on a second look."""

    kind: str
    box: Box
    detector: str = ""
    sure: bool = True

    @property
    def detectors(self) -> set[str]:
        return set(self.detector.split("+"))


def merge_overlapping(found: list[Leftover], min_iou: float = 0.3) -> list[Leftover]:
    """One box per face: detections of the same kind that overlap are replaced by their union,
    which names every detector that saw it and is sure when any of them was."""
    merged: list[Leftover] = []
    for item in found:
        for i, other in enumerate(merged):
            if other.kind == item.kind and other.box.iou(item.box) >= min_iou:
                a, b = other.box, item.box
                x1, y1 = min(a.x, b.x), min(a.y, b.y)
                x2, y2 = max(a.x + a.w, b.x + b.w), max(a.y + a.h, b.y + b.h)
                merged[i] = Leftover(other.kind, Box(x1, y1, x2 - x1, y2 - y1),
                                     "+".join(sorted(other.detectors | item.detectors)), other.sure or item.sure)
                break
        else:
            merged.append(item)
    return merged


def face_like(pixels: np.ndarray, found: Leftover) -> tuple[bool, str]:
    """The second look at a face only low-score detectors saw: two independent detectors agree, or
    BlazeFace's short-range model finds a face on the area enlarged (``pipeline/redaction/face_check.py``)."""
    from .face_check import second_look

    if found.detectors & {faces.DETECTOR_NAME, faces.NATIVE_NAME} and faces.BLAZEFACE_NAME in found.detectors:
        return True, "CenterFace and BlazeFace agree"
    return second_look(pixels, found.box)


def on_own_paint(found: Leftover, ox: int, oy: int, done: list[Covered], share: float = 0.9,
                 modes: tuple[str, ...] | None = None) -> bool:
    """A detection in a copy that lies (nine tenths or more) on one of our own patches: on a solid
    patch no pixel of the photo is left; on a mosaic, BlazeFace sees a face in the blocks of what
    CenterFace no longer finds (a head-shaped blob 5 cells across, nothing to recognise). Those are
    not faces left showing. CenterFace on a mosaic still counts: the mosaic is then covered solid.
    ``modes``: any detection on a patch of those modes (``share`` of it) counts, whichever detector."""
    box = Box(found.box.x + ox, found.box.y + oy, found.box.w, found.box.h)
    if modes is not None:
        return any(box.overlap(c.box) >= share * box.w * box.h for c in done if c.mode in modes)
    return any(box.overlap(c.box) >= share * box.w * box.h for c in done
               if c.mode == "solid" or (c.mode == "pixelate" and found.detectors == {faces.BLAZEFACE_NAME}))


def reuse_text_lines(original: LoadedImage, copy: LoadedImage, policy: Policy, covers: list[Covered]) -> None:
    """A copy that is the original's picture but for the covers holds the original's text lines (a
    cover removes text, it writes none). Those no cover touches were read on the original with
    everything around them and gave nothing to cover; the copy's text check reads the others again
    (is the cover over them whole?) instead of looking for lines again."""
    from ..text.detect import lines_in

    long_side = policy.text.detect_long_side
    lines = lines_in(original, long_side)
    boxes = text_line_boxes(original, policy)
    touched = [line for line, box in zip(lines, boxes) if any(box.overlap(c.box) for c in covers)]
    copy.cached(("text-lines", long_side), lambda: touched)


def text_line_boxes(image: LoadedImage, policy: Policy) -> list[Box]:
    """The text lines the text stage found (or finds now) on ``image``, in its own pixels."""
    from ..text.detect import lines_in

    long_side = policy.text.detect_long_side
    f = image.width / image.preview(long_side).shape[1]
    return [Box.from_xyxy(line.corners[:, 0].min() * f, line.corners[:, 1].min() * f, line.corners[:, 0].max() * f,
                          line.corners[:, 1].max() * f, image.width, image.height)
            for line in lines_in(image, long_side)]


# what a copy covers, singular and plural, for the reasons
KIND_COUNTS = {"face": Nn_("{n} face", "{n} faces"), "student_id": Nn_("{n} student ID", "{n} student IDs"),
               "grade": Nn_("{n} grade", "{n} grades"), "name": Nn_("{n} name", "{n} names"),
               "barcode": Nn_("{n} barcode", "{n} barcodes"), "clothing_text": Nn_("{n} clothing text", "{n} clothing texts")}


KIND_NAMES = {"face": N_("face"), "student_id": N_("student ID"), "grade": N_("grade"), "name": N_("name"),
              "barcode": N_("barcode"), "clothing_text": N_("clothing text")}


MODE_NAMES = {"pixelate": N_("pixelated"), "blur": N_("blurred"), "solid": N_("solid")}


def summary(redaction: Redaction, container: bool = False) -> str:
    """The first reason of a row with a copy: what it covers, how, what else was done."""
    counts: dict[str, int] = {}
    for c in redaction.covered:
        counts[c.kind] = counts.get(c.kind, 0) + 1
    parts = [ngettext(*KIND_COUNTS.get(kind, ("{n} " + kind, "{n} " + kind)), n).format(n=n) for kind, n in counts.items()]
    what = _("covered {what}").format(what=", ".join(parts)) if parts else _("nothing to cover")
    modes = {c.mode for c in redaction.covered if c.kind == "face"}
    failed = [c.box.as_list() for c in redaction.covered if c.kind == "face" and c.mode == "solid"]
    if len(modes) > 1 and failed:  # solid only where the chosen mode still looked like a face
        what += _(" (faces {modes}; solid at {where}, where the re-check still saw a face through it)").format(
            modes="/".join(_(MODE_NAMES.get(m, m)) for m in sorted(modes - {"solid"})),
            where=", ".join(map(str, failed)))
    crop = _("cropped to hands or heads seen from behind, ") if redaction.crop else ""
    ready = f"; {redaction.ready}" if redaction.ready else ""
    removed = _("container metadata removed") if container else _("metadata removed")
    return _("safe copy written ({crop}{what}{ready}; {removed}; checked {n}x)").format(
        crop=crop, what=what, ready=ready, removed=removed, n=redaction.passes)
