"""Fixes by hand: the reviewer adds boxes to cover, or removes covers; the safe copy is made again
from the original, screened again, and the report's row rewritten from what that screen found.

What a fix may do (``plan``): keep the covers the copy has, add boxes (whole pixels, inside the
photo, at least ``MIN_SIDE`` px each way, of a kind the redaction covers; covered solid), remove a
cover a person drew, and remove one of photoscreen's own covers only when the request names it in
``dismissed`` (the reviewer marks it as not a face, or not the text its kind says). A cover of
photoscreen's simply missing from the list is refused: a short or hostile list never uncovers a copy.

The painting and encoding are the redaction's own (``pipeline/redaction/cover.py``'s ``cover``,
``pipeline/redaction/copies.py``'s ``encode`` and ``output_name``, ``copy_frame``): a copy made here
is like one ``photoscreen redact`` makes (upright, no metadata, the colour profile kept unless it
names someone), only its covers come from the reviewer. Before it is published the copy is screened
with the checks any copy gets: the screen's stages (faces, text, metadata, quality, shape) and the
redaction's re-check (two more face detectors at a low score, and a second look at what only they
see). A face or sensitive text that check finds and no cover hides makes the copy ``block``, and its
reasons say what was found where: such a copy is never described as covered.

Then, in this order, so that a failure leaves no row rosier than its copy: report.json, report.csv
and report.html (each written to a temporary file and renamed), the batch's state row when the
report folder holds the state file, and the copy with its manifest entry (config ``HAND_FIX``: the
next ``batch --redact-to`` makes the copy again when its re-screen was not clean). If the copy cannot
be written, the report and the state row are put back.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass, replace

import numpy as np

from ..findings import Box, Covered, Finding, Verdict
from ..i18n import _, ngettext
from ..media.loader import load_image
from ..media.video import is_video_path
from ..models import sha256_file
from ..redaction import copy_frame
from ..findings import COVERED_KINDS, SENSITIVE_TEXT
from ..redaction.core import KIND_COUNTS, KIND_NAMES, Leftover, encode, face_like, on_own_paint
from ..redaction.copies import Redactor
from ..redaction.names import output_name
from ..redaction.cover import FACE_MODES, cover
from ..runs.batch import HAND_FIX, State, StateError
from ..owned import OwnedFolder
from ..screen.photo import Candidate, Screener
from ..stages.metadata_text import revealing_icc
from ..report.contact_sheet import render
from .folder import REPORT_NAME, STATE_NAME, Photo, ReportFolder
from ..report.document import summarize, write_reports
from .store import Fix
from ..screen.verdict import decide

MIN_SIDE = 8  # px: the smallest box a person may add (a 1-pixel box, or [true, true, true, true], covers nothing)
MAX_COVERS = 500

_screeners: dict[str, Screener] = {}
_redactors: dict[tuple[str, str], Redactor] = {}
_lock = threading.Lock()  # one fix at a time: each rewrites the whole report


class FixRefused(ValueError):
    """The copy cannot be made again (no original, a changed photo or report): the message says why."""


class BadFix(FixRefused):
    """The request itself is wrong (a box that is not whole pixels inside the photo, an unknown kind)."""


@dataclass(frozen=True)
class Remade:
    fix: Fix
    old_report_id: str  # the version of report.json the fix replaced


def _shown(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _box(value: object) -> list[int]:
    """[x, y, w, h] of whole pixels (true and false are not numbers here)."""
    if not (isinstance(value, list) and len(value) == 4 and all(type(v) is int for v in value)):
        raise BadFix(_("a box is [x, y, w, h] in whole pixels, got {box}").format(box=_shown(value)))
    return value


def _new_box(box: list[int], width: int, height: int) -> list[int]:
    x, y, w, h = box
    if x < 0 or y < 0 or w < MIN_SIDE or h < MIN_SIDE or x + w > width or y + h > height:
        raise BadFix(_("box {box} is not [x, y, w, h] inside the {width}x{height} photo, at least {side} px wide and "
                       "high").format(box=_shown(box), width=width, height=height, side=MIN_SIDE))
    return box


def _key(c: dict) -> tuple:
    return c["kind"], tuple(c["box"]), c["mode"]


def _where(c: dict) -> str:
    return _("{kind} at {box}").format(kind=_(KIND_NAMES.get(c["kind"], c["kind"])), box=c["box"])


def plan(covered: object, dismissed: object, photo: Photo, width: int,
         height: int) -> tuple[list[dict], list[dict], list[dict]]:
    """The covers of the copy to make, those of them a person drew, and photoscreen's covers the
    request dismisses. Raises BadFix for a malformed request, FixRefused for one that would take
    away one of photoscreen's covers without dismissing it."""
    if not isinstance(covered, list) or len(covered) > MAX_COVERS:
        raise BadFix(_("covered must be a list of at most {n} covers").format(n=MAX_COVERS))
    dismissed = [] if dismissed is None else dismissed
    if not isinstance(dismissed, list) or len(dismissed) > MAX_COVERS:
        raise BadFix(_("dismissed must be a list of at most {n} covers").format(n=MAX_COVERS))
    current = [{"kind": c["kind"], "box": list(c["box"]), "mode": c["mode"]} for c in photo.covered]
    drawn = {_key(c) for c in photo.hand_drawn}
    tool = [c for c in current if _key(c) not in drawn]
    out: list[dict] = []
    hand: list[dict] = []
    for c in covered:
        if not isinstance(c, dict) or set(c) - {"kind", "box", "mode"}:
            raise BadFix(_("each cover is an object with kind, box and mode"))
        kind, mode, box = c.get("kind", "face"), c.get("mode"), _box(c.get("box"))
        if mode is not None and mode not in FACE_MODES:
            raise BadFix(_("unknown cover mode {mode}").format(mode=_shown(mode)))
        existing = next((e for e in current if e["kind"] == kind and e["box"] == box and mode in (None, e["mode"])),
                        None)
        if existing is None:  # a box a person adds
            if kind not in COVERED_KINDS:
                raise BadFix(_("unknown cover kind {kind}: one of {kinds}").format(kind=_shown(kind),
                                                                                   kinds=", ".join(COVERED_KINDS)))
            if mode not in (None, "solid"):
                raise BadFix(_("a box added by hand is covered solid, not {mode}").format(mode=_shown(mode)))
            existing = {"kind": kind, "box": _new_box(box, width, height), "mode": "solid"}
        if _key(existing) in {_key(o) for o in out}:
            continue
        out.append(existing)
        if _key(existing) in drawn or existing not in current:
            hand.append(existing)
    gone: list[dict] = []
    for d in dismissed:
        if not isinstance(d, dict) or set(d) - {"kind", "box", "mode"}:
            raise BadFix(_("each dismissed cover is an object with kind and box"))
        box = _box(d.get("box"))
        match = next((c for c in tool if c["kind"] == d.get("kind") and c["box"] == box
                      and d.get("mode") in (None, c["mode"])), None)
        if match is None:
            raise BadFix(_("dismissed {kind} at {box} is not one of photoscreen's covers on this copy").format(
                kind=_shown(d.get("kind")), box=_shown(box)))
        if _key(match) in {_key(o) for o in out}:
            raise BadFix(_("{where} is both kept and dismissed").format(where=_where(match)))
        if match not in gone:
            gone.append(match)
    missing = [c for c in tool if _key(c) not in {_key(o) for o in out} and c not in gone]
    if missing:
        raise FixRefused(ngettext(
            "{n} of photoscreen's covers is missing from the list ({where}): a fix adds covers, or removes those a "
            "person drew; to remove one of photoscreen's, dismiss it as not a face. Nothing was changed",
            "{n} of photoscreen's covers are missing from the list ({where}): a fix adds covers, or removes those a "
            "person drew; to remove one of photoscreen's, dismiss it as not a face. Nothing was changed",
            len(missing)).format(n=len(missing), where="; ".join(_where(c) for c in missing[:5])))
    return out, hand, gone


def _screener(folder: ReportFolder) -> Screener:  # under _lock
    key = folder.policy.fingerprint()
    if key not in _screeners:
        _screeners[key] = Screener(folder.policy)
    return _screeners[key]


def _redactor(folder: ReportFolder, copies) -> Redactor:  # under _lock
    key = (folder.policy.fingerprint(), str(copies))
    if key not in _redactors:
        _redactors[key] = Redactor(folder.policy, copies)
    return _redactors[key]


def _counted(covers: list[dict]) -> str:
    counts: dict[str, int] = {}
    for c in covers:
        counts[c["kind"]] = counts.get(c["kind"], 0) + 1
    return ", ".join(ngettext(*KIND_COUNTS.get(kind, ("{n} " + kind, "{n} " + kind)), n).format(n=n)
                     for kind, n in counts.items())


def judge(folder: ReportFolder, redactor: Redactor, photo: Photo, pixels: np.ndarray, frame: copy_frame.CopyFrame,
          covers: list[dict], copy_report, copy_image, who: str, dismissed: int) -> tuple[Verdict, list[str], bool,
                                                                                          list[Box], Verdict]:
    """The copy's verdict and reasons from its re-screen, whether it is clean (no face or sensitive
    text left showing), the possible faces left for review (boxes in the original), and the verdict
    the copy would have without them (a reviewer who dismisses them all leaves that one)."""
    policy = folder.policy
    findings = list(copy_report.findings)
    painted = [Covered(c["kind"], Box(*c["box"]), c["mode"]) for c in covers]
    # what the redaction's re-check sees in the copy (the screen's identifiable faces and sensitive text,
    # and two more face detectors), placed in the original where the covers are; not what lies on a cover
    left = [lo for lo in (replace(lo, box=frame.to_original(lo.box))
                          for lo in redactor.found(copy_image, list(findings), recheck=True))
            if not on_own_paint(lo, 0, 0, painted)]
    showing = [lo for lo in left if lo.sure or lo.kind != "face" or face_like(pixels, lo)[0]]
    unsure = [lo.box for lo in left if lo not in showing]
    # the rest as the screen says it (small faces, quality, the copy's shape), and the post's text
    rest = [f for f in findings if f.kind not in SENSITIVE_TEXT and not (f.kind == "face" and f.identifiable)]
    rest = [f for f in rest if f.kind != "face" or not on_own_paint(
        Leftover(f.kind, frame.to_original(f.box), f.detector or ""), 0, 0, painted)]
    rest += [Finding.from_dict(f) for f in photo.findings if f["kind"] == "caption"]
    verdict, more = decide(rest, policy)
    if showing:
        shown = [{"kind": lo.kind, "box": lo.box.as_list()} for lo in showing]
        reasons = [_("the re-screen of this copy finds {what} not covered ({where}): this copy is not safe; add a box "
                     "over each, or make the copy again with the batch").format(
                         what=_counted(shown), where="; ".join(_where(s) for s in shown)),
                   _("copy made again by hand by {who}").format(who=who)]
        verdict = Verdict.BLOCK
    else:
        what = _("covered {what}").format(what=_counted(covers)) if covers else _("nothing to cover")
        reasons = [_("safe copy made again by hand by {who} ({what}; metadata removed; screened again, nothing left "
                     "showing)").format(who=who, what=what)]
    if dismissed:
        reasons.append(ngettext("{n} of photoscreen's covers removed: the reviewer marked it as not a face",
                                "{n} of photoscreen's covers removed: the reviewer marked them as not faces",
                                dismissed).format(n=dismissed))
    reasons += list(more)
    unless = verdict  # the copy's verdict but for the possible faces left to a person (``unsure``)
    if unsure:
        if verdict is Verdict.OK:
            verdict = Verdict.REVIEW
        # said in words: the review app draws each on the copy (``redaction.review`` keeps the boxes)
        reasons.append(ngettext(
            "{n} possible face left uncovered: only a low-score detector saw it; it is drawn on the copy in the "
            "review app: cover it (c) if it is a face, else mark it not a face (n)",
            "{n} possible faces left uncovered: only a low-score detector saw them; each is drawn on the copy in the "
            "review app: cover it (c) if it is a face, else mark it not a face (n)", len(unsure)).format(n=len(unsure)))
    return verdict, reasons, not showing, unsure, unless


def remake(folder: ReportFolder, photo: Photo, covered: object, who: str, dismissed: object = None,
           report_id: str | None = None) -> Remade:
    """Make ``photo``'s safe copy again with the covers asked for, screen it, rewrite its row in the
    report (``report_id``: the version of report.json ``photo`` was read from) and publish the copy."""
    if photo.error or photo.sha256 is None:
        raise FixRefused(_("this photo could not be screened ({why}), so it has no safe copy to fix: make the file "
                           "readable and run the batch again").format(why=photo.error or _("no content")))
    copies = folder.copies_root()
    if not photo.redacted or copies is None:
        raise FixRefused(_("this report has no safe copies: run `photoscreen redact` or `batch "
                           "--redact-to`"))
    if is_video_path(photo.path):
        raise FixRefused(_("a video's safe copy cannot be made again by hand here: run `photoscreen redact` or the "
                           "batch again"))
    source = folder.original_file(photo)
    if source is None:
        raise FixRefused(_("the original is not where the report says (moved, or an older report "
                           "without its input folders): run the batch again"))
    report_id = report_id or folder.report_id
    policy = folder.policy
    with _lock:
        image = load_image(source, policy.general.max_pixels, policy.general.max_file_bytes)
        if image.sha256 != photo.sha256:
            raise FixRefused(_("the original changed since the report was written: run the batch again "
                               "first"))
        covers, hand, gone = plan(covered, dismissed, photo, image.width, image.height)
        rel, fmt = output_name(photo.path)
        rel = photo.copy or rel
        out = OwnedFolder(copies)
        try:
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
            # screened before it is published: from its bytes, as any copy is
            copy_report, copy_image = _screener(folder).screen_keep_image(Candidate(out.path(rel), rel), data=data)
            if copy_report.verdict is Verdict.ERROR or copy_image is None:
                raise FixRefused(_("the copy made again could not be screened ({why}): it was not written").format(
                    why=copy_report.error))
            if len(copy_image.exif) or copy_image.xmp or copy_image.iptc or copy_image.comments:
                raise FixRefused(_("metadata survived in the copy made again: it was not written"))
            dismissed_all = [d for d in ((photo.fixed or {}).get("dismissed") or [])] + gone
            verdict, reasons, clean, unsure, unless = judge(folder, _redactor(folder, copies), photo, pixels, frame, covers,
                                                    copy_report, copy_image, who, len(dismissed_all))
            sha256 = hashlib.sha256(data).hexdigest()
            now = time.time()
            fixed = {"by": who, "at": round(now, 3), "hand": hand, "dismissed": dismissed_all, "clean": clean,
                     "copy_sha256": sha256}
            if unsure:  # what the copy is once a person dismissed each of them (the review app's items)
                fixed["verdict_unless_review"] = unless.value
            _publish(folder, out, photo, rel, data, report_id, lambda row: _fixed_row(
                row, verdict, reasons, rel, covers, frame, (copy_image.width, copy_image.height), unsure, fixed))
        finally:
            out.close()
    folder.note_copy(rel, sha256)
    return Remade(Fix(covers, sha256, verdict.value, reasons, who, now), report_id)


def _fixed_row(row: dict, verdict: Verdict, reasons: list[str], rel: str, covers: list[dict],
               frame: copy_frame.CopyFrame, size: tuple[int, int], unsure: list[Box], fixed: dict) -> dict:
    """The report row of a copy made again by hand: the copy's verdict and reasons from its re-screen,
    its covers; the original's findings as they were."""
    redaction = dict(row.get("redaction") or {})
    redaction.update(output=rel, covered=covers, withheld=None, passes=1, turned=frame.rotate_cw, size=list(size),
                     fixed=fixed)
    redaction.pop("review", None)
    if unsure:
        redaction["review"] = [b.as_list() for b in unsure]
    return dict(row, verdict=verdict.value, reasons=reasons, redaction=redaction)


def _write_report(folder: ReportFolder, document: dict, dialect: str) -> None:
    html = render(document, folder.thumbs(), folder.root) if (folder.root / "report.html").is_file() else None
    write_reports(folder.out, document, html, dialect=dialect)


def _state_row(folder: ReportFolder, photo: Photo, row: dict) -> bool:
    """Put ``row`` in the batch's state file in the report folder (the next batch reuses it); False when
    there is none, or it has no row for this photo."""
    path = folder.root / STATE_NAME
    if not path.is_file():
        return False
    try:
        state = State(path)
    except StateError:
        return False
    try:
        return state.replace_record(photo.path, photo.sha256, row)
    except sqlite3.Error:
        return False
    finally:
        state.close()


def _publish(folder: ReportFolder, out: OwnedFolder, photo: Photo, rel: str, data: bytes, report_id: str,
             fixed_row) -> None:
    raw = (folder.root / REPORT_NAME).read_bytes()
    changed = FixRefused(_("the report changed while the copy was made (did a batch run?): open the photo again and "
                           "redo the fix"))
    if hashlib.sha256(raw).hexdigest() != report_id:
        raise changed
    document = json.loads(raw)
    images = document["images"]
    index = next((i for i, r in enumerate(images) if r.get("path") == photo.path and r.get("sha256") == photo.sha256),
                 None)
    if index is None:
        raise changed
    old_row = images[index]
    images[index] = fixed_row(old_row)
    document["summary"] = summarize(images, int((document.get("summary") or {}).get("skipped", 0)))
    csv_path = folder.root / "report.csv"
    dialect = "excel" if csv_path.is_file() and csv_path.read_bytes()[:3] == b"\xef\xbb\xbf" else "standard"
    in_state = False
    try:
        _write_report(folder, document, dialect)
        in_state = _state_row(folder, photo, images[index])
        out.write_copy(rel, data)
        out.note_source(rel, photo.sha256, HAND_FIX, json.dumps({"verdict": images[index]["verdict"],
                                                                 "reasons": images[index]["reasons"]}))
    except BaseException:
        try:
            target = out.path(rel)
            if not (target.is_file() and sha256_file(target) == hashlib.sha256(data).hexdigest()):
                # the copy was not written: the report and the state row go back to the copy still there
                _write_report(folder, json.loads(raw), dialect)
                folder.out.write(REPORT_NAME, raw)
                if in_state:
                    _state_row(folder, photo, old_row)
        except Exception:
            pass
        raise
