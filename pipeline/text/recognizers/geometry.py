"""Where words stand: one row, right of a label, near a student's name, a page's slant."""

from __future__ import annotations

import numpy as np

from ...findings import Box
from ..ocr import OcrLine, Word


def right_of(box: Box, label: Box, reach: float = 8.0, slant: float = 0.0) -> bool:
    """``box`` starts right of ``label``, within ``reach`` of the label's heights, and the two are on
    one row (their centres at most the taller one's height apart up or down, once the row's ``slant``,
    degrees clockwise, is taken off: a card turned in the photo)."""
    gap = box.x - (label.x + label.w)
    run = (box.x + box.w / 2) - (label.x + label.w / 2)
    rise = abs((box.y + box.h / 2) - (label.y + label.h / 2) - run * np.tan(np.radians(slant)))
    return -0.5 * label.h <= gap <= reach * label.h and rise <= max(box.h, label.h)


def page_slant(lines: list[OcrLine]) -> float:
    """The slant of the page's text (degrees clockwise): the median of its lines of two words or more
    (a short crop's own slant is often not known)."""
    slants = [line.angle for line in lines if len(line.words) >= 2 and not line.short]
    return float(np.median(slants)) if slants else 0.0


def near_any(box, anchors: list[tuple[Word, ...]], reach: float, shortest: float = 0.5) -> bool:
    """``box`` lies within ``reach`` line heights of one of the anchors, and is about as tall (at
    least ``shortest`` of its height, at most twice)."""
    for words in anchors:
        height = max(w.box.h for w in words)
        if shortest * height <= box.h <= 2 * height and max(box.gap(Box.enclosing([w.box for w in words]))) < reach * height:
            return True
    return False


def x_overlap(a: Box, b: Box) -> int:
    return max(0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))


def same_row(a: Box, b: Box) -> bool:
    """At the same height and about as tall: two cells of one table row."""
    overlap = max(0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    return overlap >= 0.5 * min(a.h, b.h) and 0.5 <= a.h / b.h <= 2


def centre(box: Box) -> tuple[float, float]:
    return box.x + box.w / 2, box.y + box.h / 2
