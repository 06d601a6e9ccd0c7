"""Redaction: paint over boxes, and find a crop that leaves faces and text out.

Pure functions on pixels and boxes: what to cover is decided from findings elsewhere
(``pipeline/redaction/copies.py``); these only paint. Nothing here reads or writes files.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..findings import Box

FACE_MODES = ("pixelate", "solid", "blur")

# Cells across the longer side of a pixelated face's box (the face and its margin). In every cell
# the mean colour is all that survives; the cells are then shuffled within the box, so the mosaic
# keeps the face's colours but not where they were (no dark-hair-over-skin head shape for a face
# detector, or a person, to find, and nothing for a de-pixelating model to reconstruct from), and
# dithered with noise so no smooth gradient hints at the face underneath.
PIXELATE_CELLS = 5


def grow(box: Box, margin: float, width: int, height: int) -> Box:
    """``box`` enlarged by ``margin`` of its size on every side, clipped to the image."""
    dx, dy = box.w * margin, box.h * margin
    return Box.from_xyxy(box.x - dx, box.y - dy, box.x + box.w + dx, box.y + box.h + dy, width, height)


def pixelate(pixels: np.ndarray, box: Box, rng: np.random.Generator, shuffle: bool = True) -> None:
    """Replace ``box`` by a coarse mosaic of the box's colours, its cells shuffled (in place).
    ``shuffle=False`` keeps the cells in place: a video's frames, where a new shuffle on every frame
    would make the mosaic flicker (small faces there are covered solid instead)."""
    region = pixels[box.y:box.y + box.h, box.x:box.x + box.w]
    cell = max(2, math.ceil(max(box.w, box.h) / PIXELATE_CELLS))
    cols, rows = max(1, math.ceil(box.w / cell)), max(1, math.ceil(box.h / cell))
    small = cv2.resize(region, (cols, rows), interpolation=cv2.INTER_AREA).astype(np.int16)
    if shuffle:
        small = small.reshape(rows * cols, -1)[rng.permutation(rows * cols)].reshape(small.shape)
    small += rng.integers(-12, 13, size=small.shape, dtype=np.int16)
    big = cv2.resize(np.clip(small, 0, 255).astype(np.uint8), (cols * cell, rows * cell),
                     interpolation=cv2.INTER_NEAREST)
    region[:] = big[:box.h, :box.w]


def solid(pixels: np.ndarray, box: Box, colour: tuple[int, int, int] = (40, 40, 40)) -> None:
    pixels[box.y:box.y + box.h, box.x:box.x + box.w] = colour


def blur(pixels: np.ndarray, box: Box) -> None:
    """A strong Gaussian blur (sigma a quarter of the box), applied twice. The weakest mode: a
    blurred face keeps its outline, skin and hair colour."""
    region = pixels[box.y:box.y + box.h, box.x:box.x + box.w]
    sigma = max(2.0, max(box.w, box.h) / 4)
    for _ in range(2):
        region[:] = cv2.GaussianBlur(region, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)


def cover(pixels: np.ndarray, box: Box, mode: str, rng: np.random.Generator, shuffle: bool = True) -> None:
    if box.w <= 0 or box.h <= 0 or box.x >= pixels.shape[1] or box.y >= pixels.shape[0]:
        return  # nothing of the photo under it
    if mode == "pixelate":
        pixelate(pixels, box, rng, shuffle)
    elif mode == "solid":
        solid(pixels, box)
    elif mode == "blur":
        blur(pixels, box)
    else:
        raise ValueError(f"unknown cover mode {mode!r}; expected one of {FACE_MODES}")


def best_crop(width: int, height: int, ratio: float, wanted: list[Box], forbidden: list[Box],
              min_share: float = 0.2, steps: int = 48, min_height: float | None = None, smallest: bool = False,
              min_subject: float = 0.0, margin: float = 0.0, max_subject: float = 1.0) -> Box | None:
    """The crop of aspect ``ratio`` (width/height) that holds the most of the ``wanted`` boxes whole
    and touches none of the ``forbidden`` ones; among equals, the largest (``smallest``: the
    smallest, placed with its centre nearest the centre of what it holds). None when no crop at least
    ``min_height`` tall (default ``min_share`` of the photo's shorter side) holds a wanted box.
    ``min_subject``: a wanted box counts only in a crop whose short side it spans this share of (and
    ``max_subject``: at most this share of);
    ``margin``: and whose edges its centre lies at least this share of the crop's size from.

    Searched on a grid: ``steps`` sizes from the largest crop that fits down to the minimum, and
    positions every 1/``steps`` of the photo; forbidden pixels are counted with an integral image.
    """
    if not wanted:
        return None
    grid = max(width, height) / 512  # work on a coarse mask: about 512 cells on the long side
    gw, gh = max(1, math.ceil(width / grid)), max(1, math.ceil(height / grid))
    mask = np.zeros((gh + 1, gw + 1), dtype=np.int32)
    for b in forbidden:
        x1, y1 = int(b.x / grid), int(b.y / grid)
        x2, y2 = math.ceil((b.x + b.w) / grid), math.ceil((b.y + b.h) / grid)
        mask[y1 + 1:y2 + 1, x1 + 1:x2 + 1] = 1
    integral = mask.cumsum(0).cumsum(1)

    wanted_xyxy = np.array([(b.x, b.y, b.x + b.w, b.y + b.h) for b in wanted], dtype=np.float64)
    max_h = min(float(height), width / ratio)
    min_h = max(1.0, min_share * min(width, height) if min_height is None else min_height)
    if min_h > max_h + 0.5:
        return None
    min_h = min(min_h, max_h)
    sides = np.maximum(wanted_xyxy[:, 2] - wanted_xyxy[:, 0], wanted_xyxy[:, 3] - wanted_xyxy[:, 1])
    centres = (wanted_xyxy[:, :2] + wanted_xyxy[:, 2:]) / 2
    best: tuple[int, float, Box] | None = None
    for i in range(steps):
        ch = max_h - (max_h - min_h) * i / max(1, steps - 1)
        cw = ch * ratio
        xs = np.linspace(0, max(0.0, width - cw), steps)
        ys = np.linspace(0, max(0.0, height - ch), steps)
        x, y = np.meshgrid(xs, ys)  # every position of a crop this size
        inside = ((wanted_xyxy[:, 0, None, None] >= x) & (wanted_xyxy[:, 1, None, None] >= y)
                  & (wanted_xyxy[:, 2, None, None] <= x + cw) & (wanted_xyxy[:, 3, None, None] <= y + ch)
                  & (sides[:, None, None] >= min_subject * min(cw, ch))
                  & (sides[:, None, None] <= max_subject * min(cw, ch))
                  & (centres[:, 0, None, None] >= x + margin * cw) & (centres[:, 0, None, None] <= x + (1 - margin) * cw)
                  & (centres[:, 1, None, None] >= y + margin * ch) & (centres[:, 1, None, None] <= y + (1 - margin) * ch))
        held = inside.sum(0)
        a, b = (x / grid).astype(int), (y / grid).astype(int)
        c = np.minimum(gw, np.ceil((x + cw) / grid)).astype(int)
        d = np.minimum(gh, np.ceil((y + ch) / grid)).astype(int)
        clean = integral[d, c] - integral[b, c] - integral[d, a] + integral[b, a] == 0
        held = np.where(clean, held, 0)
        k = np.unravel_index(int(np.argmax(held)), held.shape)
        size = -cw * ch if smallest else cw * ch
        if held[k] == 0 or (best is not None and (int(held[k]), size) <= best[:2]):
            continue
        if smallest:  # among the positions holding as many, the one centred nearest on them
            n = (inside * (held == held[k])[None]).sum((1, 2)) > 0
            cx, cy = centres[n].mean(0) if n.any() else centres.mean(0)
            far = np.where(held == held[k], np.hypot(x + cw / 2 - cx, y + ch / 2 - cy), np.inf)
            k = np.unravel_index(int(np.argmin(far)), far.shape)
        best = (int(held[k]), size, Box(int(x[k]), int(y[k]), max(1, int(cw)), max(1, int(ch))))
    return best[2] if best else None
