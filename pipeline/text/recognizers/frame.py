"""A table turned in the photo (a card photographed askew): its slant, and its lines in its own frame,
where its columns run straight down again."""

from __future__ import annotations

import math

from ...findings import Box
from ..ocr import OcrLine, Word
from .base import Match
from .headers import header_line

TABLE_SLANT = 1.0  # degrees: a table turned more than this (a card photographed askew) is read in its own frame
SLANT_REACH = 10.0  # line heights: the long lines this close to a table's header give its slant


def slant_of(lines: list[OcrLine]) -> float:
    """The slant (degrees) of a table, from the detector's line directions (``OcrLine.angle``): the
    median slant of the long lines (at least 4 line heights: a short cell's direction is a rough one)
    near its header lines, else of the header lines, else of all lines."""
    measured = [line for line in lines if line.thickness > 0]
    headers = [line for line in measured if header_line(line)]
    long = [line for line in measured if max(line.box.w, line.box.h) >= 4 * line.thickness and any(
        max(line.box.gap(h.box)) <= SLANT_REACH * h.thickness for h in headers)]
    angles = sorted(line.angle for line in long or headers or measured)
    return angles[len(angles) // 2] if angles else 0.0


def in_frame(lines: list[OcrLine], slant: float) -> tuple[list[OcrLine], tuple[float, float]]:
    """The lines with every word's box as it lies on a card turned back by ``slant`` degrees: a
    column of a turned table runs straight down again, a row straight across. A word's box in the
    image holds its slanted extent: along the line ``(w - t |sin a|) / |cos a|`` for a line of
    thickness t at slant a, across it t. Boxes are shifted so none lies at negative coordinates: the
    frame's top-left corner (in the turned image) is returned with the lines."""
    turn = math.radians(slant)
    cos_t, sin_t = math.cos(turn), math.sin(turn)
    placed = []
    for line in lines:
        a = math.radians(line.angle)
        ca, sa = abs(math.cos(a)), abs(math.sin(a))
        # a lone letter's line is often laid the other way (its box is taller than wide): its box as it is
        measured = line.thickness > 0 and abs((line.angle - slant + 90) % 180 - 90) <= 20
        words = []
        for w in line.words:
            thick = line.thickness if measured else w.box.h
            along = max(0.3 * thick, (w.box.w - thick * sa) / max(ca, 0.2)) if measured else w.box.w
            cx, cy = w.box.x + w.box.w / 2, w.box.y + w.box.h / 2
            words.append((w, cx * cos_t + cy * sin_t, -cx * sin_t + cy * cos_t, along, thick))
        placed.append((line, words))
    x0, y0 = frame_origin(placed)
    out = []
    for line, words in placed:
        turned = tuple(Word(w.text, Box(int(x - l / 2 - x0), int(y - t / 2 - y0), max(1, int(l)), max(1, int(t))),
                            w.confidence) for w, x, y, l, t in words)
        out.append(OcrLine(turned, Box.enclosing([w.box for w in turned]), line.engine, line.short) if turned else line)
    return out, (x0, y0)


def frame_origin(placed) -> tuple[float, float]:
    """The top-left corner of the turned frame: its boxes are shifted by it (see ``in_frame``)."""
    x0 = min((x - l / 2 for _, ws in placed for _, x, _, l, _ in ws), default=0)
    y0 = min((y - t / 2 for _, ws in placed for _, _, y, _, t in ws), default=0)
    return x0, y0


def to_image(box: Box, origin: tuple[float, float], slant: float) -> Box:
    """A box of the turned frame (``in_frame``, whose top-left corner is ``origin``) back in the
    image: the box holding its corners turned back, clipped at 0."""
    turn = math.radians(slant)
    cos_t, sin_t = math.cos(turn), math.sin(turn)
    xs, ys = [], []
    for u, v in ((box.x, box.y), (box.x + box.w, box.y), (box.x + box.w, box.y + box.h), (box.x, box.y + box.h)):
        u, v = u + origin[0], v + origin[1]
        xs.append(u * cos_t - v * sin_t)
        ys.append(u * sin_t + v * cos_t)
    x, y = max(0, int(min(xs))), max(0, int(min(ys)))
    return Box(x, y, max(1, int(max(xs)) + 1 - x), max(1, int(max(ys)) + 1 - y))


def with_words(match: Match, mapping: dict[int, Word]) -> Match:
    return Match(match.kind, tuple(mapping.get(id(w), w) for w in match.words), match.score, match.hint, match.why)
