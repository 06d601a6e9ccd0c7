"""What the tool left to a person on a row (its ``items``): the one rule, shared by report.html (numbered on
the thumbnail, "to check") and the review app (drawn on the copy, one key each). Boxes are in the upright
original's pixels, as the report writes them.

- In a report with safe copies: the possible faces a hand fix left uncovered (``redaction.review``), each
  to cover or to mark not a face.
- In a report without copies: the photo's boxed findings whose own severity is review (small or turned-away
  faces, any face in the ``public_event`` setting, barcodes, the suggested crop): not a face, or fine. What
  blocks a photo was decided by the tool and is not left to a person.
- None for a video (its findings are per frame), an error row, or a row whose copy was withheld.

More items of one label than a person can look at one by one (a crowd of 265 small faces in a scan of a
large group photo) are one item, drawn round them all, with one key for them all: ``boxes`` holds theirs.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..findings import KINDS, Verdict, kind_label
from ..i18n import N_, _

# what a person can say of an item (the API's names); ``cover`` only where a copy is made
ITEM_ACTIONS = ("cover", "not_a_face", "fine")

# more items than this with the same label on a row are one item (their numbered labels piled up on the
# picture into a block nobody could read, and each needed its own key)
MAX_ITEMS_APART = 12

# where a box says more than its kind's label (findings.KINDS)
BOX_LABELS = {"barcode": N_("barcode or QR code"), "aspect": N_("suggested crop")}


def box_label(f: dict) -> str:
    """What a box drawn on a page is, in a few words, in the language in use."""
    if f["kind"] == "face":
        return _("identifiable face") if f.get("identifiable") else _("small or turned-away face")
    return _(BOX_LABELS[f["kind"]]) if f["kind"] in BOX_LABELS else kind_label(f["kind"])


def left_to_a_person(f: dict, setting: str) -> bool:
    """A finding whose own severity is review (``screen/verdict.py``): a face that is small or turned away,
    or any face in the public_event setting; a barcode; the suggested crop."""
    if f["kind"] == "face":
        return not (f.get("identifiable") and setting == "classroom")
    return f["kind"] in KINDS and KINDS[f["kind"]].severity is Verdict.REVIEW


def items(findings: list[dict], review: list | None, setting: str, *, redacted: bool, has_copy: bool,
          video: bool, screened: bool) -> list[dict[str, Any]]:
    """The items of a row: ``{"id", "kind", "box", "label", "actions"}``, the ``id`` stable for its copy.
    ``review``: the row's ``redaction.review`` (possible faces left uncovered); ``redacted``: the row comes
    from a redaction; ``has_copy``: a copy was written; ``screened``: the row is not an error."""
    if video or not screened or (redacted and not has_copy):
        return []
    out: dict[str, dict[str, Any]] = {}
    if redacted:
        for b in review or []:
            item = f"review:face:{','.join(map(str, b))}"
            out[item] = {"id": item, "kind": "face", "box": list(b), "label": _("possible face"),
                         "actions": ["cover", "not_a_face"]}
        return grouped(list(out.values()))
    for f in findings:
        if f.get("box") and not f.get("frame") and left_to_a_person(f, setting):
            item = f"finding:{f['kind']}:{','.join(map(str, f['box']))}"
            out[item] = {"id": item, "kind": f["kind"], "box": list(f["box"]), "label": box_label(f),
                         "actions": ["not_a_face"] if f["kind"] == "face" else ["fine"]}
    return grouped(list(out.values()))


def grouped(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``found`` with the items of each label beyond ``MAX_ITEMS_APART`` made one: its box round them all,
    their boxes in ``boxes``, its id stable for the same items."""
    by_label: dict[tuple, list[dict[str, Any]]] = {}
    for item in found:
        by_label.setdefault((item["kind"], item["label"], tuple(item["actions"])), []).append(item)
    out = []
    for (kind, label, actions), members in by_label.items():
        if len(members) <= MAX_ITEMS_APART:
            out += members
            continue
        boxes = [m["box"] for m in members]
        x1, y1 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x2, y2 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
        digest = hashlib.sha256("|".join(sorted(m["id"] for m in members)).encode()).hexdigest()[:16]
        out.append({"id": f"group:{kind}:{digest}", "kind": kind, "box": [x1, y1, x2 - x1, y2 - y1], "boxes": boxes,
                    "label": _("{label}: {count} of them, one key for all").format(label=label, count=len(members)),
                    "actions": list(actions)})
    return out


def row_items(image: dict, setting: str) -> list[dict[str, Any]]:
    """``items`` of a row of report.json as it is written."""
    redaction = image.get("redaction")
    return items(image.get("findings") or [], (redaction or {}).get("review"), setting,
                 redacted=redaction is not None, has_copy=bool((redaction or {}).get("output")),
                 video=image.get("media") == "video", screened=not image.get("error") and image.get("sha256") is not None)
