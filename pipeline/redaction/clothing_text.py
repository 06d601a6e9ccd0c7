"""Text on people, for ``redact --crop hands``: the names and numbers on jerseys, bibs and badges
that a crop covers, and not the patterns of a knitted jumper or a palm that the line detector also
frames."""

from __future__ import annotations

import numpy as np

from ..findings import Box
from ..media.loader import LoadedImage
from ..policy import Policy
from .core import text_line_boxes

# A text line on a person is covered in a crop when it is at least this many times as long as it
# is thick: the detector also frames square blobs (a palm, a face in a crowd) as lines; a name or a
# two-digit number is longer than it is tall.
CLOTHING_TEXT_ELONGATION = 1.25
# ... and when the recogniser reads it with at least this mean confidence: a knitted jumper, a lace
# collar or a palm is framed as a line too, and read as one or two characters at 0.1-0.3 (names and
# numbers on jerseys and bibs read at 0.6-1.0). A solid box for such a pattern filled half a hands crop.
CLOTHING_TEXT_MIN_CONFIDENCE = 0.4


def text_on_people(image: LoadedImage, mask: np.ndarray, policy: Policy) -> list[Box]:
    """Text lines (the screen's) that lie on a person: names and numbers on jerseys, bibs and
    badges, which a crop covers."""
    from ..text.detect import line_crop, lines_in, recognise

    mh, mw = mask.shape
    long_side = policy.text.detect_long_side
    lines = lines_in(image, long_side)
    on_people = [(line, b) for line, b in zip(lines, text_line_boxes(image, policy))
                 if line.length >= CLOTHING_TEXT_ELONGATION * line.thickness
                 and mask[min(mh - 1, int((b.y + b.h / 2) * mh / image.height)), min(mw - 1, int((b.x + b.w / 2) * mw / image.width))]]
    if not on_people:
        return []
    preview = image.preview(long_side)
    readings = recognise([line_crop(preview, line) for line, _b in on_people])
    return [b for (_line, b), reading in zip(on_people, readings) if reading.confidence >= CLOTHING_TEXT_MIN_CONFIDENCE]


