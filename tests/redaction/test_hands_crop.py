"""`redact --crop hands`: crops a person would post (issue 38). No black box fills a crop or sits beside
its subject, and no face any detector found, a turned-away head's cheek included, is in one."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import redact_with_crops
from pipeline.findings import Box
from pipeline.redaction import hands_crop as module


def crop_with(monkeypatch, policy, hand: Box, text: list[Box], size=(1200, 900)):
    """``hands_crop`` on a blank photo whose only subject is ``hand`` and whose only text on people is
    ``text``, with no face anywhere (the models are stood in for)."""
    from pipeline.stages import faces, hands, people, pose

    w, h = size
    monkeypatch.setattr(people, "person_confidence", lambda rgb, *a: np.ones((90, 120), np.float32))
    monkeypatch.setattr(people, "heads_seen_from_behind", lambda *a, **k: [])
    monkeypatch.setattr(hands, "hands_and_waves", lambda rgb, **k: [(hand, False)])
    monkeypatch.setattr(pose, "hands_at_rest", lambda rgb, found: [False] * len(found))
    monkeypatch.setattr(pose, "heads_on_bodies", lambda rgb, heads: [False] * len(heads))
    monkeypatch.setattr(faces, "detect_at", lambda *a, **k: [])
    monkeypatch.setattr(faces, "blazeface_boxes", lambda *a, **k: [])
    monkeypatch.setattr(module, "text_on_people", lambda *a: list(text))
    image = SimpleNamespace(width=w, height=h, pixels=np.zeros((h, w, 3), np.uint8))
    return module.hands_crop(image, [], [], policy, lambda kind, b, w, h: b, 16)


def test_a_crop_keeps_names_on_clothing_out_or_is_not_made(monkeypatch, policy) -> None:
    """Judged by eye, a curler seen from behind whose jersey name and "CANADA" were covered by two black
    boxes filling the crop was borderline: a crop is placed away from such text when it can be, and is not
    made when the only crops would hold a cover beside the hand (the row says why)."""
    hand = Box(500, 400, 150, 150)
    crop, why, covers = crop_with(monkeypatch, policy, hand, [Box(60, 60, 120, 40)])  # a badge far off
    assert crop is not None and not why and covers == [], why
    assert crop.overlap(hand) == hand.w * hand.h and not crop.overlap(Box(60, 60, 120, 40))
    sleeve = Box(430, 560, 300, 120)  # a name on the sleeve right under the hand: every crop holds it
    crop, why, covers = crop_with(monkeypatch, policy, hand, [sleeve])
    assert crop is None and covers == [], crop
    assert why.startswith("no crop") and "names or numbers on clothing" in why, why


def test_a_crop_keeps_out_a_possible_face_with_a_margin(monkeypatch, policy) -> None:
    """A possible face ruled out (too small, or no face on a closer look) is kept out of a crop with
    redact.crop_ruled_out_margin round it, not only its own box."""
    from pipeline.stages import faces, hands, people, pose

    monkeypatch.setattr(people, "person_confidence", lambda rgb, *a: np.zeros((90, 120), np.float32))
    monkeypatch.setattr(people, "heads_seen_from_behind", lambda *a, **k: [])
    monkeypatch.setattr(hands, "hands_and_waves", lambda rgb, **k: [(Box(500, 400, 150, 150), False)])
    monkeypatch.setattr(pose, "hands_at_rest", lambda rgb, found: [False] * len(found))
    monkeypatch.setattr(pose, "heads_on_bodies", lambda rgb, heads: [])
    monkeypatch.setattr(faces, "detect_at", lambda *a, **k: [])
    monkeypatch.setattr(faces, "blazeface_boxes", lambda *a, **k: [])
    monkeypatch.setattr(module, "text_on_people", lambda *a: [])
    image = SimpleNamespace(width=1200, height=900, pixels=np.zeros((900, 1200, 3), np.uint8))
    ruled_out = Box(500, 105, 100, 100)  # the crop centred on the hand would start just under it
    crop, why, _ = module.hands_crop(image, [], [ruled_out], policy, lambda kind, b, w, h: b, 16)
    assert crop is not None, why
    assert crop.y >= ruled_out.y + ruled_out.h + policy.redact.crop_ruled_out_margin * ruled_out.h - 1, crop


# Shared test photos whose hands crop was judged by eye (issue 38): postable ones keep their crop.
POSTABLE = [
    ("hands", "alexis-brown-omeaHbEFlN4-unsplash.jpg"),  # hands writing in a notebook at a picnic table
    ("hands", "tim-marshall-cAtzHUz7Z8g-unsplash.jpg"),  # painted hands
]
# A wave is no hand at work: judged by eye once borderline, then not postable (a greeting in a corner
# of a crop of a suit sleeve, a building and a sign): the covered copy, and the row says why.
WAVES = [
    ("people_scenes", "face_recognition_obama_and_biden.jpg"),  # a waving hand in a suit sleeve
    ("faces_annotated", "29_Students_Schoolkids_Students_Schoolkids_29_81.jpg"),  # a waving hand by a sailing club
]
CURLER = ("people_scenes", "mpii_005808361.jpg")  # seen from behind, a name and CANADA on the jersey
TABLE = ("faces_annotated", "12_Group_Group_12_Group_Group_12_218.jpg")  # hands and books by a head turned away
# the head turned away at the table's lower left (its cheek showing), which no detector finds at the
# screen's scores: BlazeFace sees the cheek at 0.50 in the crop's own look
TURNED_AWAY = Box(60, 140, 140, 150)


@pytest.mark.slow
def test_hands_crops_on_real_photos_are_ones_a_person_would_post(testdata: Path, tmp_path: Path) -> None:
    photos = [testdata / folder / name for folder, name in POSTABLE + WAVES + [CURLER, TABLE]]
    rows = {name: row["redaction"] for name, row in redact_with_crops(photos, tmp_path).items()}
    for _folder, name in POSTABLE:
        assert rows[name]["crop"] is not None, (name, rows[name].get("no_crop"))
    for _folder, name in WAVES:
        assert rows[name]["crop"] is None and "wave" in rows[name]["no_crop"], (name, rows[name])
        assert rows[name]["output"] == name, rows[name]  # the covered copy instead
    # the curler: no crop with black boxes filling it or beside the head; the covered photo and why
    curler = rows[CURLER[1]]
    if curler["crop"] is not None:
        crop = Box(*curler["crop"])
        inside = [Box(*c["box"]) for c in curler["covered"] if c["kind"] == "clothing_text"]
        assert sum(b.overlap(crop) for b in inside) <= 0.02 * crop.w * crop.h, curler
    else:
        assert curler["no_crop"].startswith("no crop") and curler["output"] == CURLER[1], curler
        assert "names or numbers on clothing" in curler["no_crop"], curler
    # the table: no crop shows the head turned away
    table = rows[TABLE[1]]
    assert table["crop"] is None or not Box(*table["crop"]).overlap(TURNED_AWAY), table
    if table["crop"] is None:
        assert table["no_crop"].startswith("no crop"), table
