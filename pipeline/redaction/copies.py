"""``photoscreen redact``: write safe copies of photos, each checked again before it is published.

For each photo: screen it (the usual stages, faces at the lower ``redact.face_min_score``), cover
faces and sensitive text (``pipeline/redaction/cover.py`` paints), or crop to the hands (``--crop hands``),
encode the copy with no metadata but the colour profile, decode it again and screen the decoded
copy: the same stages plus two other face detectors at a low score. What they still find is covered
and the copy checked again, up to ``redact.max_passes``; a copy that is still not clean is not
written, and its row says why. Originals are only ever read.
"""

from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import copy_frame, face_check
from ..stages import faces
from ..text import stage as text
from ..findings import KEPT_KINDS, SENSITIVE_TEXT, Box, Covered, Finding, ImageReport, Redaction, Verdict, VideoInfo
from ..media.loader import LoadedImage, LoadError, decode_image
from ..stages.platform_fit import PLATFORMS, aspect_findings
from ..policy import Policy
from .cover import cover, grow
from ..stages.metadata_text import revealing_icc
from ..models import sha256_file
from ..owned import OwnedFolder
from ..screen.photo import Candidate, Screener
from ..screen.verdict import decide
from ..media.video import is_video_path
from ..i18n import _
from .core import (KEPT_REASON, KIND_NAMES, Leftover, encode, face_like, merge_overlapping, on_own_paint, reuse_text_lines,
                   summary, text_line_boxes)
from .names import copy_names, output_name, renamed_reason
from .hands_crop import hands_crop
from .deferred import copy_config, not_ours, place_refused



# A copy checked again after more covers is looked at only around them, this many times their size
# on every side: the detectors' view of the rest is the pixels they saw in the pass before.
NEAR_CONTEXT = 1.5
# ... unless those views add up to this share of the picture: then it is looked at whole, which costs less.
NEAR_MAX_SHARE = 0.6
# A view around a cover is read at most this many pixels on its long side (the cover, a quarter of it,
# then stays 256 px or more, large for the detector): around the large covers of a 12-MP photo it is
# scaled down, where it cost a whole second pass at the photo's own size.
NEAR_VIEW_SIDE = 1024


# On a copy's re-check, a lone detection of CenterFace at the copy's own size is settled like one on
# the original (``unsure_when_alone``) only from this many times the height of a face recognisable once
# posted; a smaller one is covered, as covering it costs nothing. Measured with scripts.eval.redact
# --only faces (issue 38): 29 of the 45 lone detections the re-check covered as sure touched no
# labelled face. All settled: covers touching no labelled face 165/1649 -> 133/1607, labelled faces
# left 2 -> 3 of 628, but on the photos enlarged 3.5 times (--scale 3.5 --limit 24) faces left doubled,
# 9 -> 18 of 986 (small blurred faces found only by the re-check, ruled out on a closer look or as too
# small once posted). From 1x: 135/1614 and 3/628, 13/986. From 1.5x: 145/1627 = 0.089 and 3/628,
# 10/986 = 0.010 (stray covers there 84/1109 -> 79/1112): both within issue 38's goals (<= 10%, <= 1%).
RECHECK_SETTLE_FROM = 1.5


def unsure_when_alone(found: list[Leftover], from_height: float = 0.0) -> list[Leftover]:
    """CenterFace at the photo's own size (up to verify_long_side) is sure only where another
    detector also saw something; alone, it is a possible face that ``Redactor.decide`` settles (a
    second look, a closer look, or a cover it lies on). On the original, four in five of its lone
    detections on faces_annotated touch no labelled face. ``from_height``: only those at least this
    tall (``RECHECK_SETTLE_FROM``, a copy's re-check)."""
    return [replace(lo, sure=False) if lo.detectors == {faces.NATIVE_NAME} and lo.box.h >= from_height else lo
            for lo in found]


class Redactor:
    """Holds the policy and the models; redacts one photo at a time into ``out``."""

    def __init__(self, policy: Policy, out: Path, crop: str | None = None, overwrite: bool = False,
                 captions: dict[str, str] | None = None, folder: OwnedFolder | None = None,
                 config: str | None = None) -> None:
        self.policy = policy
        # screening for redaction covers faces down to the lower redact.face_min_score
        self.screen_policy = replace(policy, faces=replace(policy.faces, min_score=policy.redact.face_min_score))
        self.screener = Screener(self.screen_policy, captions=captions)
        # every copy is written (and removed) only inside it; ``folder``: one that stands for it (a Dask
        # worker's DeferredCopies, whose writes the coordinator makes: pipeline/redaction/deferred.py)
        self.out = folder if folder is not None else OwnedFolder(out)
        self.crop = crop
        self.overwrite = overwrite
        # ``config``: the coordinator's ``copy_config`` on a Dask worker (there the roster lies elsewhere)
        self._config: str | None = config
        faces.blazeface()
        face_check.warm_up()
        if crop == "hands":
            from ..stages import hands, people, pose

            hands.warm_up()
            people.warm_up()
            pose.warm_up()  # a missing model stops the run here, before any photo

    # --- what to cover -------------------------------------------------------------------------
    def _wanted(self, finding: Finding) -> bool:
        if finding.kind in SENSITIVE_TEXT:
            return True
        return finding.kind == "face" and (self.policy.redact.faces == "all" or bool(finding.identifiable))

    def cover_box(self, kind: str, box: Box, width: int, height: int) -> Box:
        if kind == "face":
            return grow(box, self.policy.redact.face_margin, width, height)
        # text: the margin is a share of the line height, on every side
        m = self.policy.redact.text_margin * box.h
        return Box.from_xyxy(box.x - m, box.y - m, box.x + box.w + m, box.y + box.h + m, width, height)

    def recognisable_once_posted(self, width: int, height: int) -> float:
        """The height, in the pixels of a ``width`` x ``height`` photo, of the smallest face anyone could
        recognise once the photo is posted: at the platform's posting size, or with no platform at
        ``redact.posted_long_side`` (a smaller photo is posted as it is)."""
        rule = PLATFORMS.get(self.policy.platform.name)
        if rule is not None and rule.posting_width:
            scale = rule.posting_width / width
        else:
            long_side = rule.posting_long_side if rule is not None and rule.posting_long_side else \
                self.policy.redact.posted_long_side
            scale = min(1.0, long_side / max(width, height))
        return self.policy.faces.identifiable_min_height / scale

    def identifiable_height(self, width: int) -> float:
        """The height, in the pixels of a photo ``width`` pixels wide, of a face just large enough to
        identify once posted."""
        return self.policy.faces.identifiable_min_height * width / self.policy.faces.posting_width

    def found(self, image: LoadedImage, findings: list[Finding] | None = None, recheck: bool = False,
              near: list[Box] | None = None) -> list[Leftover]:
        """Faces and sensitive text in a photo, as the redaction sees them: the screening findings
        (computed when not given) plus the faces the two other detectors see. ``recheck`` (a copy):
        the text stage and the two other detectors only; the screen's CenterFace already ran on the
        original, and what it found there is covered. ``near`` (a copy checked again after more
        covers): only around those boxes, where the pixels changed; the text stage only when one
        of them touches a text line."""
        if findings is None:
            findings = [] if recheck else faces.stage(image, self.screen_policy)
            if near is None or any(b.overlap(t) for b in near for t in text_line_boxes(image, self.policy)):
                findings += text.stage(image, self.policy)
        sure_score = self.policy.faces.min_score
        out = [Leftover(f.kind, f.box, f.detector, f.kind != "face" or f.score >= sure_score)
               for f in findings if f.box is not None and self._wanted(f)]
        r = self.policy.redact
        min_height = self.identifiable_height(image.width)
        # the whole photo at its own size, or scaled down to verify_long_side: a face too small to be
        # found there is too small to recognise once posted (the policy's reason)
        views: list[tuple[Box, int | None]] = [(Box(0, 0, image.width, image.height), r.verify_long_side)]
        if near is not None:
            around = [grow(b, NEAR_CONTEXT, image.width, image.height) for b in near]
            read = sum(v.w * v.h * min(1.0, NEAR_VIEW_SIDE / max(v.w, v.h)) ** 2 for v in around)
            if read < NEAR_MAX_SHARE * image.width * image.height:
                views = [(v, NEAR_VIEW_SIDE) for v in around]
        for v, side in views:
            pixels = image.pixels[v.y:v.y + v.h, v.x:v.x + v.w]
            for box, detector, score in faces.second_opinion(pixels, r.verify_min_score, r.verify_blazeface_min_score, side):
                if r.faces == "all" or box.h >= min_height:
                    out.append(Leftover("face", Box(box.x + v.x, box.y + v.y, box.w, box.h), detector,
                                        detector == faces.NATIVE_NAME and score >= sure_score))
        merged = merge_overlapping(out)
        return merged if recheck else unsure_when_alone(merged)

    def decide(self, pixels: np.ndarray, found: list[Leftover],
               covers: list[Box]) -> tuple[list[Leftover], list[tuple[Leftover, str]]]:
        """What to cover and what to rule out, never what to leave to a person: sure detections, text and
        faces face-like on a second look are covered; every other possible face is settled by
        ``face_check.settle`` (on a cover already placed: covered; too small to recognise once posted, or
        no face on a closer look: ruled out, with why). ``covers``: the boxes covered already."""
        cover_now, unsure = [], []
        for lo in found:
            (cover_now if lo.sure or lo.kind != "face" or face_like(pixels, lo)[0] else unsure).append(lo)
        if not unsure:
            return cover_now, []
        height, width = pixels.shape[:2]
        placed = list(covers) + [self.covering(lo, width, height).box for lo in cover_now]
        min_height = self.recognisable_once_posted(width, height)
        ruled_out = []
        for lo in unsure:
            covered, why = face_check.settle(pixels, lo.box, placed, min_height)
            if covered:
                cover_now.append(lo)
                placed.append(self.covering(lo, width, height).box)
            else:
                ruled_out.append((lo, why))
        return cover_now, ruled_out

    # --- one photo -----------------------------------------------------------------------------
    def redact(self, candidate: Candidate) -> ImageReport:
        return self.redact_keep_image(candidate)[0]

    def redact_keep_image(self, candidate: Candidate, data: bytes | None = None) -> tuple[ImageReport, LoadedImage | None]:
        """The row for one photo (its copy written when it is safe), and the decoded original. The copy
        is called ``candidate.copy`` (the run's ``copy_names``), or ``copy_names`` of this photo alone.
        ``data``: the photo's content when it was read elsewhere (``batch --send-files``)."""
        start = time.perf_counter()
        name_max = self.out.name_max()
        out_rel = candidate.copy or copy_names([candidate.rel], name_max)[candidate.rel]
        report, image = self._redact(candidate, out_rel, output_name(out_rel)[1], start, data)
        if report.redaction is not None and report.redaction.output:
            self.out.note_copy_of(report.redaction.output, candidate.rel)  # the manifest says whose copy it is
            why = renamed_reason(candidate.rel, report.redaction.output, name_max)
            if why:
                report = replace(report, reasons=report.reasons + (why,))
        return report, image

    def _redact(self, candidate: Candidate, out_rel: str, fmt: str, start: float,
                data: bytes | None = None) -> tuple[ImageReport, LoadedImage | None]:
        refused = place_refused(self.out, candidate, out_rel)
        if refused:
            return ImageReport(candidate.rel, Verdict.ERROR, error=refused), None
        dest = self.out.path(out_rel)
        if dest.exists() and not self.overwrite:
            kept = self._kept_copy(candidate, out_rel)
            if kept is not None:
                return replace(kept, seconds=time.perf_counter() - start), None
        refused = not_ours(self.out, out_rel)
        if refused:
            return ImageReport(candidate.rel, Verdict.ERROR, seconds=time.perf_counter() - start, error=refused), None
        if is_video_path(candidate.path):  # every frame covered (pipeline/redaction/video.py)
            from .video import redact_video

            report, first = redact_video(self, candidate, out_rel, dest, start)
            if self.crop and report.redaction is not None and report.redaction.output:
                report = replace(report, reasons=report.reasons + (
                    _("no crop: --crop hands crops photos, not videos; every frame of this copy is covered "
                      "instead"),))
            return report, first
        report, image = self.screener.screen_keep_image(candidate, data=data)
        if image is None or report.verdict is Verdict.ERROR:
            return self.without_copy(report, out_rel), image
        try:
            # a multi-frame original becomes a copy of its first frame: only that frame's findings
            # place covers (frame None: a still photo, or the file's metadata)
            first = tuple(f for f in report.findings if f.frame in (None, image.frame))
            redaction = self._make_copy(image, first, out_rel, fmt, dest)
        except (LoadError, OSError, ValueError) as exc:
            return self.without_copy(replace(
                report, verdict=Verdict.ERROR, reasons=(), seconds=time.perf_counter() - start,
                error=_("the redacted copy could not be made ({what})").format(
                    what=f"{type(exc).__name__}: {exc}")), out_rel), image
        if redaction.output is None:
            report = self.without_copy(report, out_rel)
        kept = [f for f in first if f.kind in KEPT_KINDS and not (f.kind == "orientation" and redaction.turned)
                and not (f.kind == "aspect" and (redaction.crop or redaction.size))]
        if redaction.size:  # the copy's own shape, as it will be posted
            kept += [replace(f, box=None) for f in aspect_findings(*redaction.size, self.policy.platform.name)]
        if redaction.output is None:
            verdict, reasons = Verdict.BLOCK, (_("no copy written: {why}").format(why=redaction.withheld),)
        else:
            verdict, reasons = decide(kept, self.policy)
            reasons = (summary(redaction),) + reasons
            if redaction.no_crop:
                reasons += (_("{why}: the copy covers the faces instead").format(why=redaction.no_crop),)
            if image.frame_count > 1:
                reasons += ((_("copy holds the first of {n} frames only") if image.frame == 0 else
                             _("copy holds the primary image of {n} frames only")).format(n=image.frame_count),)
        report = replace(report, verdict=verdict, reasons=reasons, redaction=redaction,
                         seconds=time.perf_counter() - start)
        if redaction.output is not None:
            outcome = {"verdict": verdict.value, "reasons": list(reasons), "redaction": redaction.to_dict(),
                       "width": report.width, "height": report.height, "exif_orientation": report.exif_orientation}
            self.out.note_source(out_rel, image.sha256, self.config, json.dumps(outcome))
        return report, image

    @property
    def config(self) -> str:
        """What a copy depends on (``copy_config``), as the manifest records it."""
        if self._config is None:
            self._config = copy_config(self.policy, self.crop)
        return self._config

    def _kept_copy(self, candidate: Candidate, out_rel: str) -> ImageReport | None:
        """The row for a copy an earlier run made from this very original with these settings
        (it is kept as it is, not made again), or None."""
        try:
            st = os.stat(candidate.path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > self.policy.general.max_file_bytes:
                return None  # screening says what is wrong with it
            source = sha256_file(candidate.path)
        except OSError:
            return None
        outcome = self.out.kept_outcome(out_rel, source, self.config)
        if outcome is None:
            return None
        try:
            o = json.loads(outcome)
            r = o["redaction"]
            redaction = Redaction(r["output"], tuple(Covered(c["kind"], Box(*c["box"]), c["mode"],
                                                             tuple(c["frames"]) if c.get("frames") else None)
                                                     for c in r["covered"]),
                                  Box(*r["crop"]) if r["crop"] else None, r["passes"], turned=r.get("turned", 0),
                                  size=tuple(r["size"]) if r.get("size") else None,
                                  ruled_out=tuple((Box(*o["box"]), o["why"]) for o in r.get("ruled_out", ())))
            return ImageReport(candidate.rel, Verdict(o["verdict"]), sha256=source, width=o["width"],
                               height=o["height"], exif_orientation=o["exif_orientation"],
                               reasons=(_(KEPT_REASON),) + tuple(o["reasons"]), redaction=redaction,
                               video=VideoInfo(**{k: v for k, v in o["video"].items() if k != "media"})
                               if o.get("video") else None)
        except (ValueError, KeyError, TypeError):  # a damaged record: the copy is made again
            return None

    def without_copy(self, report: ImageReport, out_rel: str) -> ImageReport:
        """No copy is written this time: an older copy of ours at that place must not stay (it shows
        what a new screen would now cover). A file there that is not ours is left, and the row says so."""
        left = self.out.remove_copy(out_rel)
        if left is None:
            return report
        if report.verdict is Verdict.ERROR:
            return replace(report, error=f"{report.error}; {left}")
        return replace(report, reasons=report.reasons + (left,))

    def _make_copy(self, image: LoadedImage, findings: tuple[Finding, ...], out_rel: str, fmt: str,
                   dest: Path) -> Redaction:
        w, h = image.width, image.height
        r = self.policy.redact
        # privacy first: cover what any of the three face detectors sees with a clear score, what they
        # see at a low score when it is face-like on a second look, and every other possible face that
        # is on a cover or a face on a closer look; the rest is ruled out, with why (``decide``)
        sure, unsure = self.decide(image.pixels, self.found(image, list(findings)), [])
        todo = [self.covering(lo, w, h) for lo in sure]
        ruled_out = [(lo.box, why) for lo, why in unsure]
        review = [lo.box for lo, _why in unsure]  # kept out of a hands crop all the same
        crop, no_crop = None, None
        if self.crop == "hands" and any(f.kind == "blur" for f in findings):
            # a crop enlarges the blur, and a person must judge the photo's blur all the same (judged by eye:
            # the one crop of a motion-blurred street, two people walking, was called poor)
            no_crop = _("no crop: the photo is blurred, and a crop would only enlarge the blur")
        elif self.crop == "hands":
            crop, why_not, clothing = self._hands_crop(image, todo, review)
            if crop is None:  # no crop worth posting: the covered copy instead, and the row says why
                no_crop = why_not
            else:
                todo += [c for c in clothing if c.box.overlap(crop)]
        pixels = image.pixels.copy()
        # ready to post: upright when the screen found the photo turned, at the platform's shape and size
        turn = next((f.rotate_cw for f in findings if f.kind == "orientation" and f.rotate_cw), 0)
        frame = copy_frame.plan(w, h, crop, turn, self.policy.platform.name)
        # the colour profile is kept for the colours, unless its own text names a student or an ID
        icc = b"" if revealing_icc(image.icc_profile, self.policy) else image.icc_profile
        rng = np.random.default_rng(int(image.sha256[:8], 16))
        done: list[Covered] = []
        identity = frame == copy_frame.CopyFrame(w, h)  # the copy holds the original's pixels but the covers
        for passes in range(1, r.max_passes + 1):
            for c in todo:
                cover(pixels, c.box, c.mode, rng)
            done += todo
            data = encode(frame.apply(pixels), fmt, icc, r.jpeg_quality)
            copy = decode_image(data, self.policy.general.max_pixels)
            if len(copy.exif) or copy.xmp or copy.iptc or copy.comments:  # cannot happen with encode(); checked all the same
                raise ValueError("metadata survived in the copy")
            if identity:  # its text lines are the original's
                reuse_text_lines(image, copy, self.policy, done)
            # what the re-check sees in the copy, where it lies in the original (where covers are painted);
            # a possible face ruled out before is judged again (a cover placed since may touch it). A copy in the original's frame
            # is looked at around the new covers only: elsewhere its pixels are those the look before
            # (the original's, or the last pass's) saw, and what was seen there is covered or listed
            near = [c.box for c in todo] if identity else None
            left = [lo for lo in (replace(lo, box=frame.to_original(lo.box))
                                  for lo in unsure_when_alone(self.found(copy, recheck=True, near=near),
                                                              RECHECK_SETTLE_FROM * self.recognisable_once_posted(w, h)))
                    if not on_own_paint(lo, 0, 0, done)]
            # a face the re-check still finds on a mosaic or blur: the mode failed there, a solid box instead
            failed = [lo for lo in left if lo.kind == "face" and on_own_paint(lo, 0, 0, done, share=0.5, modes=("pixelate", "blur"))]
            more, unsure = self.decide(pixels, [lo for lo in left if lo not in failed], [c.box for c in done])
            ruled_out = [(b, why) for b, why in ruled_out if not any(b.iou(lo.box) >= 0.5 for lo in more)]
            ruled_out += [(lo.box, why) for lo, why in unsure if not any(lo.box.iou(b) >= 0.5 for b, _w in ruled_out)]
            todo = [replace(self.covering(lo, w, h), mode="solid") for lo in failed] + \
                [self.covering(lo, w, h) for lo in more]
            if not todo:
                self.out.write_copy(out_rel, data)
                return Redaction(out_rel, tuple(done), crop, passes, turned=frame.rotate_cw,
                                 size=(copy.width, copy.height), ready=frame.describe(self.policy.platform.name),
                                 ruled_out=tuple(ruled_out), no_crop=no_crop)
        where = "; ".join(_("{kind} at {box} ({detector})").format(kind=_(KIND_NAMES.get(lo.kind, lo.kind)),
                                                                  box=lo.box.as_list(), detector=lo.detector)
                          for lo in failed + more)
        return Redaction(None, tuple(done), crop, r.max_passes, ruled_out=tuple(ruled_out),
                         withheld=_("still found after {n} passes of covering: {where}; try --mode solid (a dark "
                                    "box), --crop hands, or cover it by hand").format(n=r.max_passes, where=where))

    def covering(self, lo: Leftover, width: int, height: int) -> Covered:
        mode = self.policy.redact.face_mode if lo.kind == "face" else "solid"
        return Covered(lo.kind, self.cover_box(lo.kind, lo.box, width, height), mode)

    def _hands_crop(self, image: LoadedImage, covered: list[Covered],
                    review: list[Box]) -> tuple[Box | None, str, list[Covered]]:
        """The hands crop (``pipeline/redaction/hands_crop.py``): the crop, or None and why there is
        none; the covers of the text on people in it."""
        return hands_crop(image, covered, review, self.policy, self.cover_box, self.identifiable_height(image.width))
