"""Fixes by hand: the reviewer adds a box to cover or removes a wrong cover; the safe copy is made
again from the original and screened again.

The painting and encoding are the redaction's own (``pipeline/redaction/cover.py``'s ``cover``,
``pipeline/redaction/copies.py``'s ``encode`` and ``output_name``): a copy made here is like one
``photoscreen redact`` makes (upright, no metadata, the colour profile kept unless it names
someone), only its covers come from the reviewer. Then the written copy is screened like any photo
and its verdict replaces the copy's. Boxes a person adds are covered solid.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from ..redaction import copy_frame
from ..findings import Box
from ..media.loader import load_image
from ..stages.metadata_text import revealing_icc
from ..runs.owned import OwnedFolder
from ..redaction.cover import FACE_MODES, cover
from ..redaction.copies import COVERED_KINDS, encode, output_name
from ..runs.scan import Candidate, Screener
from ..models import sha256_file
from .folder import Photo, ReportFolder
from .store import Fix
from ..i18n import _

_screeners: dict[str, Screener] = {}
_lock = threading.Lock()


class FixRefused(ValueError):
    """The copy cannot be made again (no original, a changed photo, a bad box): the message says why."""


def check_covers(covered: object, width: int, height: int) -> list[dict]:
    """The cover list a client sent, validated: kinds and modes we know, boxes inside the photo."""
    if not isinstance(covered, list) or len(covered) > 500:
        raise FixRefused(_("covered must be a list of at most 500 boxes"))
    out = []
    for c in covered:
        if not isinstance(c, dict):
            raise FixRefused(_("each cover is an object with kind, box and mode"))
        kind, mode, box = c.get("kind", "face"), c.get("mode", "solid"), c.get("box")
        if kind not in COVERED_KINDS or mode not in FACE_MODES:
            raise FixRefused(_("unknown cover kind {kind!r} or mode {mode!r}").format(kind=kind, mode=mode))
        if (not isinstance(box, list) or len(box) != 4 or not all(isinstance(v, int) and v >= 0 for v in box)
                or box[2] < 1 or box[3] < 1 or box[0] + box[2] > width or box[1] + box[3] > height):
            raise FixRefused(_("box {box!r} is not [x, y, w, h] inside the {width}x{height} photo").format(
                                 box=box, width=width, height=height))
        out.append({"kind": kind, "box": box, "mode": mode})
    return out


def _screener(folder: ReportFolder) -> Screener:
    key = folder.policy.fingerprint()
    with _lock:
        if key not in _screeners:
            _screeners[key] = Screener(folder.policy)
        return _screeners[key]


def remake(folder: ReportFolder, photo: Photo, covered: object, who: str) -> Fix:
    """Make ``photo``'s safe copy again with exactly ``covered``, write it, screen it; the Fix."""
    copies = folder.copies_root()
    source = folder.original_file(photo)
    if not photo.redacted or copies is None:
        raise FixRefused(_("this report has no safe copies: run `photoscreen redact` or `batch "
                           "--redact-to`"))
    if source is None:
        raise FixRefused(_("the original is not where the report says (moved, or an older report "
                           "without its input folders): run the batch again"))
    policy = folder.policy
    image = load_image(source, policy.general.max_pixels, policy.general.max_file_bytes)
    if image.sha256 != photo.sha256:
        raise FixRefused(_("the original changed since the report was written: run the batch again "
                           "first"))
    covers = check_covers(covered, image.width, image.height)
    rel, fmt = output_name(photo.path)
    rel = photo.copy or rel
    out = OwnedFolder(copies)
    if not out.is_ours(rel):
        raise FixRefused(_("{rel} in {copies} was not written by photoscreen (or was changed since): "
                           "not replaced").format(rel=rel, copies=copies))
    pixels = image.pixels.copy()
    rng = np.random.default_rng(int(image.sha256[:8], 16))
    for c in covers:
        cover(pixels, Box(*c["box"]), c["mode"], rng)
    # the same crop, turn, platform cut and posting size as the copy the redaction made
    frame = copy_frame.plan(image.width, image.height, Box(*photo.crop) if photo.crop else None, photo.turned,
                            policy.platform.name)
    icc = b"" if revealing_icc(image.icc_profile, policy) else image.icc_profile
    data = encode(frame.apply(pixels), fmt, icc, policy.redact.jpeg_quality)
    dest = out.write_copy(rel, data)
    out.close()
    report = _screener(folder).screen(Candidate(dest, rel))
    fix = Fix(covers, sha256_file(dest), report.verdict.value, list(report.reasons), who, time.time())
    folder.note_copy(rel, fix.copy_sha256)
    return fix
