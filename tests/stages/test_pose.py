"""Body pose for `redact --crop hands`: a hand at rest on a body is no subject for a crop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import redact_with_crops
from pipeline.media.loader import load_image
from pipeline.stages.pose import Pose, at_rest


def standing(left_elbow: tuple[float, float], left_wrist: tuple[float, float], seen: float = 0.99) -> Pose:
    """A person facing the camera, shoulders at y=100, hips at y=300 (a torso of 200 px); the
    person's left arm (landmarks 11, 13, 15) as given, the right one hanging straight down."""
    points = np.zeros((39, 2))
    points[11], points[12] = (260, 100), (140, 100)  # the person's left shoulder is on the photo's right
    points[23], points[24] = (240, 300), (160, 300)
    points[13], points[15] = left_elbow, left_wrist
    points[14], points[16] = (130, 200), (125, 300)
    visibility = np.full(39, 0.99)
    visibility[[13, 15]] = seen
    return Pose(points, visibility)


def test_a_hand_at_the_hips_on_a_nearly_straight_arm_is_at_rest() -> None:
    assert at_rest(standing((270, 200), (275, 300)), 0)  # hanging at the side
    assert at_rest(standing((265, 200), (230, 290)), 0)  # on the hip, the forearm slanting in
    assert at_rest(standing((150, 200), (125, 300)), 1)  # the other arm, hanging too
    assert at_rest(standing((262, 195), (215, 360)), 0)  # on the thigh, below the hips
    # writing or holding something in front: the elbow bent, the wrist at the waist or above
    assert not at_rest(standing((280, 200), (200, 170)), 0)
    assert not at_rest(standing((300, 60), (330, -40)), 0)  # raised
    assert not at_rest(standing((320, 130), (420, 140)), 0)  # pointing sideways
    assert not at_rest(standing((270, 200), (480, 300)), 0)  # far from the body: reaching out
    assert not at_rest(standing((270, 200), (275, 300), seen=0.2), 0)  # the arm not seen: unknown
    # folded arms: the wrist past the middle line, towards the other arm, the forearm folded back
    assert at_rest(standing((275, 190), (140, 150)), 0)
    assert not at_rest(standing((275, 190), (190, 150)), 0)  # in front of the middle: holding, writing
    assert not at_rest(standing((230, 170), (150, 200)), 0)  # reaching across, the elbow barely bent


@pytest.mark.slow
def test_hands_at_rest_on_real_photos(testdata: Path) -> None:
    """A hand on a thigh, a row of men with their hands clasped in front, and a pointing hand and a
    raised one (shared test photos)."""
    from pipeline.stages.hands import find_hands
    from pipeline.stages.pose import hands_at_rest

    def rest(folder: str, name: str) -> list[bool]:
        path = testdata / folder / name
        if not path.is_file():
            pytest.skip(f"shared test photo {path} not found")
        image = load_image(path, 10**9)
        return hands_at_rest(image.pixels, find_hands(image.pixels, margin=0.05))

    assert rest("faces_annotated", "20_Family_Group_Family_Group_20_387.jpg") == [True]
    clasped = rest("faces_annotated", "11_Meeting_Meeting_11_Meeting_Meeting_11_250.jpg")
    assert len(clasped) >= 4 and sum(clasped) >= 0.75 * len(clasped), clasped
    assert rest("people_scenes", "zidane.jpg") == [False]
    raised = rest("people_scenes", "face_recognition_obama_and_biden.jpg")
    assert raised and not any(raised)


def test_a_head_seen_from_behind_sits_on_a_body(testdata: Path) -> None:
    """The person segmenter's regions without a face are heads seen from behind only with a body's
    shoulders under them: a curler seen from behind is; a building, a clock face and the ground that
    made crops of nothing are not (shared test photos)."""
    from pipeline.stages.people import heads_seen_from_behind
    from pipeline.stages.pose import heads_on_bodies

    def held(folder: str, name: str) -> list[tuple[int, bool]]:
        path = testdata / folder / name
        if not path.is_file():
            pytest.skip(f"shared test photo {path} not found")
        image = load_image(path, 10**9)
        heads = heads_seen_from_behind(image.pixels, [])
        assert heads, name
        return [(head.x, on_body) for head, on_body in zip(heads, heads_on_bodies(image.pixels, heads))]

    # the curler's head (his teammate beside him faces us; her face is not given here)
    assert [on_body for x, on_body in held("people_scenes", "mpii_005808361.jpg") if x < 600] == [True]
    for name in ("106_NIKON-D3400-35MM_S.JPG", "skimage_clock_motion.png", "180_HONOR-10_M.jpg"):
        assert not any(on_body for _x, on_body in held("misc/blur", name)), name


@pytest.mark.slow
def test_crop_hands_makes_no_crop_of_a_hand_resting_on_a_thigh(testdata: Path, tmp_path: Path) -> None:
    """With crops allowed down to 200 px, a hand on a girl's thigh made a crop of her lap; now no
    crop (the covered photo instead), and the row says why. A pointing hand in the same run still gets its crop."""
    thigh = testdata / "faces_annotated" / "20_Family_Group_Family_Group_20_387.jpg"
    pointing = testdata / "people_scenes" / "zidane.jpg"
    policy = tmp_path / "small_crops.toml"
    policy.write_text("[redact]\ncrop_min_short_side = 200\n")
    rows = redact_with_crops([thigh, pointing], tmp_path, "--policy", str(policy))
    row = rows[thigh.name]  # no crop of her lap: the covered photo instead, and the row says why
    assert row["redaction"]["crop"] is None and row["redaction"]["output"] == thigh.name, row["redaction"]
    assert "rest on a body" in row["redaction"]["no_crop"], row["redaction"]
    assert any("rest on a body" in r for r in row["reasons"]), row["reasons"]
    assert rows[pointing.name]["redaction"]["output"] == pointing.name, rows[pointing.name]["reasons"]


@pytest.mark.slow
def test_crop_hands_makes_no_crop_of_a_blurred_photo(testdata: Path, tmp_path: Path) -> None:
    """A motion-blurred street with two people walking made a crop of their blurred bodies (judged poor):
    a blurred photo gets the covered copy, and the row says why; a sharp hand in the same run keeps its crop."""
    blurred = testdata / "misc" / "blur" / "nafnet_blurry.jpg"
    hand = testdata / "hands" / "alexis-brown-omeaHbEFlN4-unsplash.jpg"  # hands writing at a picnic table
    rows = redact_with_crops([blurred, hand], tmp_path)
    row = rows[blurred.name]
    assert row["redaction"]["crop"] is None and row["redaction"]["output"] == blurred.name, row["redaction"]
    assert "blurred" in row["redaction"]["no_crop"] and row["verdict"] != "ok", row
    assert rows[hand.name]["redaction"]["crop"] is not None, rows[hand.name]["reasons"]
