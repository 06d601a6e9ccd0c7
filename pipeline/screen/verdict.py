"""From findings to a verdict with reasons, following docs/policy.md (the rules and where each is checked).

block: do not post (an identifiable student in a classroom photo; a student ID, grade or name;
       a GPS position; a caption that names, tags or singles out students).
review: a person should look (faces that are small, turned away or at a public event; barcodes;
        revealing metadata; quality and platform problems).
ok: nothing found. error is decided by the caller: a photo that could not be screened.

Each reason is a plain sentence saying what to do, in the language set by ``pipeline/i18n.py``;
the findings keep their machine-readable kinds, which the reasons never replace.
"""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction

from ..findings import KINDS, Finding, Verdict
from ..i18n import N_, _, ngettext
from ..stages.platform_fit import PLATFORMS
from ..stages.quality import too_blurry_to_post
from ..policy import Policy

_TURN = {90: N_("sideways: turn it 90 degrees clockwise"), 180: N_("upside down: turn it 180 degrees"),
         270: N_("sideways: turn it 90 degrees counter-clockwise")}
_SHAPES = {"portrait": N_("portrait"), "landscape": N_("landscape"), "square": N_("square")}

# caption findings (pipeline/stages/captions.py): category -> reason; all block, a tag as captions.tag_verdict says
CAPTION_REASONS = {
    "name": N_("the caption names a student: remove the name"),
    "tag": N_("the caption tags a person: remove the tag unless the family agreed"),
    "population": N_("the caption singles out a student population: reword it"),
    "student_id": N_("student ID in the caption: remove it"),
    "grade": N_("grade or score in the caption: remove it"),
}


def _caption_rules(findings, policy: Policy) -> list[tuple[Verdict, str]]:
    counts = Counter(f.category for f in findings if f.kind == "caption")
    out = []
    for category, count in counts.items():
        verdict = Verdict.REVIEW if category == "tag" and policy.captions.tag_verdict == "review" else Verdict.BLOCK
        out.append((verdict, _counted(_(CAPTION_REASONS[category]), count)))
    return out


def _counted(text: str, count: int) -> str:
    return text if count == 1 else f"{text} ({count})"


def _ratio(value: float) -> str:
    """0.75 -> "3:4", 1.5 -> "3:2"; a shape with no small fraction near it -> "2.13:1"."""
    near = Fraction(value).limit_denominator(20)
    return f"{near.numerator}:{near.denominator}" if abs(float(near) - value) < 0.01 * value else f"{value:.2f}:1"


def _aspect(finding: Finding, policy: Policy) -> str:
    rule = PLATFORMS.get(policy.platform.name)
    match = re.match(r"(portrait|landscape|square) ([0-9.]+):1", finding.why)
    if rule is None or match is None:
        return _("the shape does not suit the platform: crop suggested")
    return _("{shape} {ratio}; {platform} takes {accepted}: crop suggested").format(
        shape=_(_SHAPES[match.group(1)]), ratio=_ratio(float(match.group(2))), platform=rule.label,
        accepted=_(rule.advice))


def reason(kind: str, found: list[Finding], policy: Policy, video: bool = False) -> str:
    """The plain sentence, with what to do, for the findings of one kind (not faces); ``video``:
    the findings are a video's (quality advice speaks of the clip)."""
    n = len(found)
    if kind == "student_id":
        return _counted(_("student ID visible: a safe copy (photoscreen redact) covers it"), n)
    if kind == "grade":
        return _counted(_("grade or score visible: a safe copy (photoscreen redact) covers it"), n)
    if kind == "name":
        return _counted(_("student name visible: a safe copy (photoscreen redact) covers it"), n)
    if kind == "barcode":
        return _counted(_("barcode or QR code (an ID badge?): a safe copy (photoscreen redact) covers it"), n)
    if kind == "gps":
        if all(f.score < 0.5 for f in found):
            return _("empty GPS block in the metadata: a safe copy (photoscreen redact) removes it")
        return _("GPS position: a safe copy (photoscreen redact) removes it")
    if kind == "metadata":
        what = ", ".join(dict.fromkeys(_(f.why) for f in found if f.why))
        return _("in the metadata: {what}: a safe copy (photoscreen redact) removes it").format(what=what)
    if kind == "blur":
        motion = any(f.why.startswith("motion") for f in found)
        if video:
            return _("mostly too blurry (motion): film it again steadier, or cut the blurred part") if motion else \
                _("mostly too blurry (out of focus): film it again in focus")
        if too_blurry_to_post(found):
            return _("too blurry to tell what is happening (motion): do not post it, use a sharper photo") \
                if motion else _("too blurry to tell what is happening (out of focus): do not post it, use a sharper photo")
        return _("too blurry (motion): use a sharper photo") if motion else \
            _("too blurry (out of focus): use a sharper photo")
    if kind == "exposure":
        if any(f.why.startswith("too dark") for f in found):
            return _("mostly too dark: film it again with more light, or lighten it") if video else \
                _("too dark: use a brighter photo or lighten it")
        return _("mostly blown out (too bright): film it again with less light") if video else \
            _("blown out (too bright): use another photo")
    if kind == "orientation":
        turn = next((f.rotate_cw for f in found if f.rotate_cw), None)
        return _(_TURN[turn]) if turn else _("sideways or upside down: turn it upright")
    if kind == "aspect":
        return _aspect(found[0], policy)
    if kind == "frames":
        return _("more frames than screened: check the rest by eye, or post a still")
    raise ValueError(f"no reason for finding kind {kind!r}")


def decide(findings: list[Finding] | tuple[Finding, ...], policy: Policy,
           video: bool = False) -> tuple[Verdict, tuple[str, ...]]:
    blocks: list[str] = []
    reviews: list[str] = []
    faces = [f for f in findings if f.kind == "face"]
    identifiable = sum(1 for f in faces if f.identifiable)
    others = len(faces) - identifiable
    if identifiable and policy.general.setting == "classroom":
        blocks.append(ngettext(
            "{n} identifiable face, not allowed in the classroom setting: a safe copy (photoscreen redact) "
            "covers it",
            "{n} identifiable faces, not allowed in the classroom setting: a safe copy (photoscreen redact) "
            "covers them",
            identifiable).format(n=identifiable))
    elif identifiable:
        reviews.append(ngettext("{n} identifiable face at a public event: check that consent was given",
                                "{n} identifiable faces at a public event: check that consent was given",
                                identifiable).format(n=identifiable))
    if others:
        reviews.append(ngettext("{n} small or turned-away face: check that nobody could recognise it",
                                "{n} small or turned-away faces: check that nobody could recognise them",
                                others).format(n=others))
    kinds: dict[str, list[Finding]] = {}
    for f in findings:
        if f.kind not in ("face", "caption"):
            kinds.setdefault(f.kind, []).append(f)
    for kind, found in kinds.items():
        severity = KINDS[kind].severity
        if kind == "gps" and all(f.score < 0.5 for f in found):
            severity = Verdict.REVIEW
        if kind == "blur" and not video and too_blurry_to_post(found):
            severity = Verdict.BLOCK  # the policy's "do not post": nothing for a person to weigh
        (blocks if severity is Verdict.BLOCK else reviews).append(reason(kind, found, policy, video))
    for verdict, text in _caption_rules(findings, policy):
        (blocks if verdict is Verdict.BLOCK else reviews).append(text)
    if blocks:
        return Verdict.BLOCK, tuple(blocks + reviews)
    if reviews:
        return Verdict.REVIEW, tuple(reviews)
    return Verdict.OK, ()

def original_verdict(record: dict, policy: Policy) -> tuple[str, tuple[str, ...]]:
    """The verdict and reasons of the *original* photo behind a report row. A redaction row's own
    ``verdict`` is its safe copy's; the original's is decided again from the findings, so that no
    page ever shows "ok" over an original that still shows what the copy covers."""
    if record["verdict"] == "error":
        return "error", (record.get("error") or "could not be screened",)
    if record.get("redaction") is None:
        return record["verdict"], tuple(record["reasons"])
    findings = [Finding.from_dict(f) for f in record.get("findings") or []]
    if record.get("media") == "video":  # faces counted on the frame that shows the most, as the screen does
        verdict, reasons = decide_video(findings, policy)
    else:
        verdict, reasons = decide(findings, policy)
    return verdict.value, reasons


def decide_video(findings: list[Finding], policy) -> tuple[Verdict, tuple[str, ...]]:
    """The photo rules over a video's findings, with faces counted on the frame that shows the most
    identifiable ones (then the most faces), and text counted once per hint."""
    faces: dict[int | None, list[Finding]] = {}
    others: dict[tuple, Finding] = {}
    for f in findings:
        if f.kind == "face":
            faces.setdefault(f.frame, []).append(f)
        else:
            others.setdefault((f.kind, f.hint, f.why if f.hint is None else "", f.category), f)
    busiest = max(faces.values(), key=lambda fs: (sum(1 for f in fs if f.identifiable), len(fs)), default=[])
    return decide(busiest + list(others.values()), policy, video=True)
