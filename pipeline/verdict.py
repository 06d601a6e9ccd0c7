"""From findings to a verdict with reasons, following docs/policy.md.

block: do not post (an identifiable student in a classroom photo; a student ID, grade or name;
       a GPS position).
review: a person should look (faces that are small, turned away or at a public event; barcodes;
        revealing metadata; quality and platform problems).
ok: nothing found. error is decided by the caller: a photo that could not be screened.
"""

from __future__ import annotations

from collections import Counter

from .findings import Finding, Verdict
from .policy import Policy

# kind -> (verdict, reason) for kinds whose severity does not depend on the setting
_FIXED_RULES = {
    "student_id": (Verdict.BLOCK, "student ID visible"),
    "grade": (Verdict.BLOCK, "grade or score visible"),
    "name": (Verdict.BLOCK, "student name visible"),
    "gps": (Verdict.BLOCK, "GPS position in the photo's metadata"),
    "barcode": (Verdict.REVIEW, "barcode or QR code (ID badge?)"),
    "metadata": (Verdict.REVIEW, "revealing metadata (names, captions, serial numbers)"),
    "blur": (Verdict.REVIEW, "too blurry"),
    "exposure": (Verdict.REVIEW, "badly exposed"),
    "orientation": (Verdict.REVIEW, "sideways or upside down"),
    "aspect": (Verdict.REVIEW, "orientation or aspect does not suit the platform"),
    "frames": (Verdict.REVIEW, "more frames than screened: check the rest by eye, or post a still"),
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def decide(findings: list[Finding] | tuple[Finding, ...], policy: Policy) -> tuple[Verdict, tuple[str, ...]]:
    blocks: list[str] = []
    reviews: list[str] = []
    faces = [f for f in findings if f.kind == "face"]
    identifiable = sum(1 for f in faces if f.identifiable)
    others = len(faces) - identifiable
    if identifiable and policy.general.setting == "classroom":
        blocks.append(f"identifiable face in a classroom photo ({_plural(identifiable, 'face')})")
    elif identifiable:
        reviews.append(f"{_plural(identifiable, 'identifiable face')} at a public event: check consent")
    if others:
        reviews.append(f"{_plural(others, 'small or turned-away face')}: check")
    counts = Counter(f.kind for f in findings if f.kind != "face")
    for kind, count in counts.items():
        verdict, reason = _FIXED_RULES[kind]
        if kind == "gps" and all(f.score < 0.5 for f in findings if f.kind == "gps"):
            verdict, reason = Verdict.REVIEW, "empty GPS block in the metadata"
        text = reason if count == 1 else f"{reason} ({count})"
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
    verdict, reasons = decide([Finding.from_dict(f) for f in record.get("findings") or []], policy)
    return verdict.value, reasons
