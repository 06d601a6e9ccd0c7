"""How a safe copy's picture is made from the covered original, and back.

A copy ready to post is the covered original, cropped (``--crop hands``), turned upright when the
screen found the photo sideways or upside down, cut to the platform's shape (the largest centred
crop of the nearest accepted ratio) and scaled down to the platform's posting size. ``CopyFrame``
holds those steps; ``to_original`` maps a box the re-check finds in the copy back to the upright
original, where the covers are painted.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..stages.faces import unrotate_point
from ..findings import Box
from ..stages.platform_fit import PLATFORMS, largest_centred_crop


@dataclass(frozen=True)
class CopyFrame:
    width: int  # the upright original's size
    height: int
    crop: Box | None = None  # in the original
    rotate_cw: int = 0  # degrees clockwise, after the crop
    cut: Box | None = None  # in the turned picture: the platform's shape
    size: tuple[int, int] | None = None  # (width, height) of the copy when scaled down

    @property
    def _k(self) -> int:  # np.rot90 quarter turns (counter-clockwise)
        return (-(self.rotate_cw // 90)) % 4

    def _cropped_size(self) -> tuple[int, int]:
        return (self.crop.w, self.crop.h) if self.crop else (self.width, self.height)

    def apply(self, pixels: np.ndarray) -> np.ndarray:
        view = pixels if self.crop is None else pixels[self.crop.y:self.crop.y + self.crop.h,
                                                       self.crop.x:self.crop.x + self.crop.w]
        if self._k:
            view = np.rot90(view, self._k)
        if self.cut is not None:
            view = view[self.cut.y:self.cut.y + self.cut.h, self.cut.x:self.cut.x + self.cut.w]
        view = np.ascontiguousarray(view)
        if self.size is not None and self.size != (view.shape[1], view.shape[0]):
            view = cv2.resize(view, self.size, interpolation=cv2.INTER_AREA)
        return view

    def to_original(self, box: Box) -> Box:
        """A box in the copy, in the upright original's frame (rounded outwards)."""
        x1, y1, x2, y2 = float(box.x), float(box.y), float(box.x + box.w), float(box.y + box.h)
        if self.size is not None:
            turned_w, turned_h = self._turned_size()
            cut_w, cut_h = (self.cut.w, self.cut.h) if self.cut else (turned_w, turned_h)
            sx, sy = cut_w / self.size[0], cut_h / self.size[1]
            x1, x2, y1, y2 = x1 * sx, x2 * sx, y1 * sy, y2 * sy
        if self.cut is not None:
            x1, x2, y1, y2 = x1 + self.cut.x, x2 + self.cut.x, y1 + self.cut.y, y2 + self.cut.y
        w, h = self._cropped_size()
        corners = [unrotate_point(x, y, self._k, w, h) for x, y in ((x1, y1), (x2, y1), (x1, y2), (x2, y2))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        ox, oy = (self.crop.x, self.crop.y) if self.crop else (0, 0)
        return Box.from_xyxy(min(xs) + ox, min(ys) + oy, max(xs) + ox + 0.999, max(ys) + oy + 0.999,
                             self.width, self.height)

    def to_copy(self, box: Box) -> tuple[int, int, int, int] | None:
        """A box of the upright original, in the copy's pixels (clipped); None when it is cut away."""
        ox, oy = (self.crop.x, self.crop.y) if self.crop else (0, 0)
        w, h = self._cropped_size()
        k = self._k
        points = [(x - ox, y - oy) for x, y in ((box.x, box.y), (box.x + box.w, box.y + box.h))]
        turned = [(y, w - x) if k == 1 else (w - x, h - y) if k == 2 else (h - y, x) if k == 3 else (x, y)
                  for x, y in points]
        x1, x2 = sorted(p[0] for p in turned)
        y1, y2 = sorted(p[1] for p in turned)
        tw, th = self._turned_size()
        cut = self.cut or Box(0, 0, tw, th)
        x1, x2 = max(x1 - cut.x, 0), min(x2 - cut.x, cut.w)
        y1, y2 = max(y1 - cut.y, 0), min(y2 - cut.y, cut.h)
        if x2 <= x1 or y2 <= y1:
            return None
        out_w, out_h = self.copy_size()
        sx, sy = out_w / cut.w, out_h / cut.h
        return (int(x1 * sx), int(y1 * sy), max(1, round((x2 - x1) * sx)), max(1, round((y2 - y1) * sy)))

    def copy_size(self) -> tuple[int, int]:
        """(width, height) of the copy."""
        if self.size is not None:
            return self.size
        return (self.cut.w, self.cut.h) if self.cut else self._turned_size()

    def _turned_size(self) -> tuple[int, int]:
        w, h = self._cropped_size()
        return (h, w) if self._k % 2 else (w, h)

    @property
    def changed_shape(self) -> bool:
        return self.crop is not None or self._k % 2 == 1 or self.cut is not None

    def describe(self, platform: str) -> str:
        """What was done beyond covering, for the row's reason ("" when nothing)."""
        parts = []
        if self.rotate_cw:
            parts.append(f"turned {self.rotate_cw} degrees clockwise")
        rule = PLATFORMS.get(platform)
        if self.cut is not None and rule is not None:
            parts.append(f"cut to {rule.label}'s shape ({rule.advice})")
        if self.size is not None:
            parts.append(f"scaled to {self.size[0]}x{self.size[1]} for {rule.label if rule else 'posting'}")
        return ", ".join(parts)


def plan(width: int, height: int, crop: Box | None, rotate_cw: int, platform: str) -> CopyFrame:
    """The frame of a copy ready for ``platform``: turned ``rotate_cw``, cut to the platform's
    accepted shape when it is outside it, no larger than its posting size."""
    frame = CopyFrame(width, height, crop, rotate_cw)
    rule = PLATFORMS.get(platform)
    if rule is None:
        return frame
    tw, th = frame._turned_size()
    ratio = tw / th
    cut = None
    if not rule.min_ratio <= ratio <= rule.max_ratio:
        cut = largest_centred_crop(tw, th, rule.min_ratio if ratio < rule.min_ratio else rule.max_ratio)
    fw, fh = (cut.w, cut.h) if cut else (tw, th)
    scale = min(1.0, rule.posting_width / fw if rule.posting_width else 1.0,
                rule.posting_long_side / max(fw, fh) if rule.posting_long_side else 1.0)
    size = (max(1, round(fw * scale)), max(1, round(fh * scale))) if scale < 1 else None
    return CopyFrame(width, height, crop, rotate_cw, cut, size)
