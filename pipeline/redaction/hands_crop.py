"""The crop ``redact --crop hands`` makes: hands at work or heads seen from behind, at a shape the
platform accepts, with no face, no possible face and no head turned away in it, and no black box
filling it or sitting beside its subject (a crop a person would post, issue 38).

Pure choice of a box from the photo's pixels and what the redaction covers; the copy is made in
``pipeline/redaction/copies.py``.
"""

from __future__ import annotations

import math
from typing import Callable

from ..findings import Box, Covered
from ..i18n import _
from ..media.loader import LoadedImage
from ..policy import Policy
from ..stages import faces
from ..stages.platform_fit import PLATFORMS
from .clothing_text import text_on_people
from .cover import best_crop, grow

# The room kept round a hand's landmarks in a crop, as a share of the hand's size: the landmarks are
# the joints' and fingertips' centres, and the skin reaches about a finger's half-width beyond them
# (at 0.05 a pinch in front of a backpack, hands/onehand10k_784, was cropped through the thumb; at
# 0.15 it is not cropped, a possible face ruled out on the backpack's handle being kept out, and its
# copy is the whole photo, which has nothing to cover; hands writing at a picnic table,
# hands/alexis-brown, are cropped with both hands and the notebook instead of one hand).
SUBJECT_MARGIN = 0.15
# How many times a crop is looked at again for faces (each face seen is then kept out of the next)
CROP_LOOKS = 6
# The crop's own look for faces sees this share of the crop's size more on every side, so that a
# face cut by the crop's edge is seen whole (a cheek at the edge is a face to the detectors only
# with the rest of the head beside it).
CROP_LOOK_CONTEXT = 0.25
# A BlazeFace find in the crop's own look counts only where CenterFace, in the same look, finds
# something centred in it at this score or more: two models agreeing at low scores. A turned-away
# cheek at a table (faces_annotated/12_Group_Group_12_Group_Group_12_218) is 0.50 to BlazeFace and
# 0.05-0.11 to CenterFace there; a dark suit sleeve by a waving hand (people_scenes/
# face_recognition_obama_and_biden, a crop judged postable) 0.47 to BlazeFace and under 0.04 to CenterFace.
# CenterFace alone counts from redact.face_min_score (0.2) as before: from 0.1 it found a poster and a
# person's legs by a waving hand outside a sailing club (faces_annotated/29_Students_Schoolkids_
# Students_Schoolkids_29_81, a crop judged postable) and refused it.
AGREE_SCORE = 0.05
# A BlazeFace find in the crop's own look that lies this much on a hand the hand model found is the
# hand (a thumb scores 0.51 to BlazeFace), not a face.
ON_A_HAND = 0.5


def crop_minimum(r, width: int, height: int) -> int:
    """The smallest short side a hands crop may have (``r``: the policy's redact section): at least
    ``crop_min_short_side`` pixels and ``crop_min_share`` of the photo's short side, but never more than
    ``crop_min_small_share`` of it (a photo is posted no larger than it is), and never under
    ``crop_min_pixels`` (then more than a small photo has: no crop)."""
    short = min(width, height)
    return math.ceil(max(r.crop_min_pixels, r.crop_min_share * short,
                         min(r.crop_min_short_side, r.crop_min_small_share * short)))


def crop_ratios(platform: str, width: int, height: int) -> list[float]:
    """Shapes a crop may take: the platform's accepted range, or for ``any`` the photo's own shape
    and the common ones."""
    rule = PLATFORMS[platform]
    if rule is None:
        return sorted({round(width / height, 4), 1.0, 0.8, 1.5})
    return sorted({rule.min_ratio, rule.max_ratio, min(rule.max_ratio, max(rule.min_ratio, 1.0))})


def hands_crop(image: LoadedImage, covered: list[Covered], review: list[Box], policy: Policy,
               cover_box: Callable[[str, Box, int, int], Box],
               min_face_height: float) -> tuple[Box | None, str, list[Covered]]:
    """The crop at the platform's shapes, at least the policy's minimum size, that holds the most
    hands and heads seen from behind, each large enough in it to be its subject, and none of the
    faces and text to cover (``covered``, with their margins), of the possible faces ruled out
    (``review``, with ``redact.crop_ruled_out_margin``) or of the faces its own look finds at a low
    score. The smallest such crop, centred on what it holds; None and the reason when there is none.
    Also the covers of the text written on people (names and numbers on jerseys, bibs and badges)
    in it: a crop without any is looked for first, and one with them is made only when they fill
    little of it and lie away from its subject. ``cover_box``: the redaction's margin round a box
    of a kind; ``min_face_height``: a face smaller than this is too small to identify once posted."""
    from ..stages.hands import hands_and_waves
    from ..stages.people import PERSON_CONFIDENCE, heads_seen_from_behind, person_confidence
    from ..stages.pose import hands_at_rest, heads_on_bodies

    w, h = image.width, image.height
    r = policy.redact
    least = crop_minimum(r, w, h)
    if least > min(w, h):
        return None, _("no crop: the photo's short side is {side} px, below the smallest crop worth posting "
                       "({least} px, redact.crop_min_pixels)").format(side=min(w, h), least=least), []
    confidence = person_confidence(image.pixels)
    mask = confidence > PERSON_CONFIDENCE
    # a crop must hold the hand's landmarks (fingertips to wrist) and a little room around them;
    # a hand at rest on a body (hanging at the side, on a hip or a thigh, clasped in front, in
    # folded arms) is no subject: a crop centred on it shows a body, not hands at work
    # a raised open hand (a wave) is no hand at work either
    found = hands_and_waves(image.pixels, margin=SUBJECT_MARGIN)
    hands = [hand for hand, _raised in found]
    wanted = [hand for (hand, raised), rest in zip(found, hands_at_rest(image.pixels, hands)) if not rest and not raised]
    seen = [c.box for c in covered if c.kind == "face"] + review
    # a head seen from behind sits on a body: the segmenter alone also finds buildings, a clock, the ground
    heads = heads_seen_from_behind(image.pixels, seen, confidence)
    wanted += [head for head, held in zip(heads, heads_on_bodies(image.pixels, heads)) if held]
    if not wanted and hands:
        return None, _("no crop: the hands found rest on a body (hanging at the side, on a hip or a thigh, "
                       "clasped in front, in folded arms) or wave (raised, fingers stretched), and no head seen "
                       "from behind was found: a crop of them would show a body or a greeting, not hands at "
                       "work"), []
    if not wanted and heads:
        return None, _("no crop: no hand was found, and no body's shoulders are under what could be heads seen "
                       "from behind (a building, a clock or the ground, not a person)"), []
    if not wanted:
        if heads_seen_from_behind(image.pixels, seen, confidence, unsure=True):
            return None, _("no crop: no hand was found, and the regions without a face that could be people "
                           "seen from behind are ones the person segmenter is not sure of (a tablecloth, "
                           "clothing or a logo, not a head)"), []
        return None, _("no crop: no hand and no head seen from behind was found"), []
    clothing = [Covered("clothing_text", cover_box("clothing_text", b, w, h), "solid")
                for b in text_on_people(image, mask, policy)]
    # every face any detector found is kept out with a margin: a covered one with its cover's, a
    # possible face ruled out (too small, or no face on a closer look) with redact.crop_ruled_out_margin
    forbidden = [c.box for c in covered] + [grow(b, r.crop_ruled_out_margin, w, h) for b in review]
    look = _Look(image, wanted, hands, policy, min_face_height, least)
    if clothing:  # first a crop with no black box at all
        crop = look.crop(forbidden + [c.box for c in clothing])
        if crop is not None:
            return crop, "", []

    def covers_too_much(crop: Box) -> str:
        inside = [c for c in clothing if c.box.overlap(crop)]
        share = sum(c.box.overlap(crop) for c in inside) / (crop.w * crop.h)
        subjects = [b for b in wanted if b.overlap(crop) == b.w * b.h]
        beside = any(max(c.box.gap(s)) < r.crop_cover_gap * max(s.w, s.h) for c in inside for s in subjects)
        if share <= r.crop_max_cover_share and not beside:
            return ""
        return _("no crop: the only crops of a hand or a head seen from behind hold names or numbers on "
                 "clothing, whose black boxes would fill {share:.0%} of the crop or sit beside its subject "
                 "(redact.crop_max_cover_share, redact.crop_cover_gap)").format(share=share)

    crop = look.crop(forbidden, covers_too_much)
    if crop is None:
        return None, look.why_not, []
    return crop, "", [c for c in clothing if c.box.overlap(crop)]


class _Look:
    """The search for a crop round ``wanted`` that keeps out what is forbidden and what its own look
    for faces finds; ``why_not``: the reason when there is none."""

    def __init__(self, image: LoadedImage, wanted: list[Box], hands: list[Box], policy: Policy,
                 min_face_height: float, least: int) -> None:
        self.image, self.wanted, self.hands, self.policy = image, wanted, hands, policy
        self.min_face_height, self.least = min_face_height, least
        self.why_not = ""

    def crop(self, forbidden: list[Box], refuse: Callable[[Box], str] | None = None) -> Box | None:
        """The crop, or None (``why_not`` says why). ``refuse``: the reason a crop found is not
        made (checked before its look for faces), or an empty string."""
        image, r = self.image, self.policy.redact
        w, h = image.width, image.height
        forbidden = list(forbidden)
        for _look in range(CROP_LOOKS):
            best = None
            for ratio in crop_ratios(self.policy.platform.name, w, h):
                min_h = self.least if ratio >= 1 else self.least / ratio
                box = best_crop(w, h, ratio, self.wanted, forbidden, min_height=min_h, smallest=True,
                                min_subject=r.crop_min_subject, margin=r.crop_subject_margin,
                                max_subject=r.crop_max_subject)
                if box is not None and (best is None or box.w * box.h < best.w * best.h):
                    best = box
            if best is None:
                self.why_not = _("no crop of at least {least} px on its short side holds a hand or a head seen from "
                                 "behind large enough to be its subject ({share:.0%} of the crop's short side, "
                                 "redact.crop_min_subject) and towards its middle (redact.crop_subject_margin), "
                                 "without a face or a possible face").format(least=self.least, share=r.crop_min_subject)
                return None
            self.why_not = refuse(best) if refuse is not None else ""
            if self.why_not:
                return None
            seen = self.faces_near(best)
            if not seen:
                return best
            forbidden += [grow(b, r.face_margin, w, h) for b in seen]
        self.why_not = _("no crop: each crop tried shows a face on a closer look (upright, sideways or upside "
                         "down)")
        return None

    def faces_near(self, crop: Box) -> list[Box]:
        """Faces in and around the crop (``CROP_LOOK_CONTEXT`` of its size more on every side): what CenterFace
        sees at ``redact.face_min_score``, upright and turned a quarter, a half and three quarters (a head
        bent down, a child lying on the floor, a handstand), and what BlazeFace sees at
        ``redact.crop_blazeface_min_score`` where CenterFace agrees at ``AGREE_SCORE`` (a head turned away,
        a cheek showing). The screen looks at the whole photo upright, at higher scores. A BlazeFace find
        that lies on a hand is the hand (``ON_A_HAND``); faces too small to be identifiable when posted
        are left out. Boxes in the original's pixels that touch the crop."""
        image, r = self.image, self.policy.redact
        view = grow(crop, CROP_LOOK_CONTEXT, image.width, image.height)
        pixels = image.pixels[view.y:view.y + view.h, view.x:view.x + view.w]
        centerface = [d for k in range(4) for d in faces.detect_at(pixels, max(view.w, view.h), AGREE_SCORE, k)]
        found = [(d.x1, d.y1, d.x2, d.y2, True) for d in centerface if d.score >= r.face_min_score]
        # BlazeFace finds a thumb or a knuckle at 0.5 and more (a hand on a backpack strap), a dark suit
        # sleeve at 0.47: one of its finds counts only where CenterFace also sees something, and one on a
        # hand is the hand
        found += [(x1, y1, x2, y2, False)
                  for x1, y1, x2, y2, _score in faces.blazeface_boxes(pixels, r.crop_blazeface_min_score)
                  if any(x1 <= (d.x1 + d.x2) / 2 <= x2 and y1 <= (d.y1 + d.y2) / 2 <= y2 for d in centerface)]
        out = []
        for x1, y1, x2, y2, clear in found:
            box = Box.from_xyxy(x1 + view.x, y1 + view.y, x2 + view.x, y2 + view.y, image.width, image.height)
            if max(box.w, box.h) < self.min_face_height or not box.overlap(crop):
                continue
            if not clear and any(box.overlap(hand) >= ON_A_HAND * box.w * box.h for hand in self.hands):
                continue
            out.append(box)
        return out
