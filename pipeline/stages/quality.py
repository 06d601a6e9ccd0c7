"""Quality stage: photos too blurry to post, and photos too dark or blown out.

Both are judged on a grey preview of ``quality.blur_long_side`` pixels, close to the size the photo
is seen at when posted: blur that vanishes at that size does not matter, blur that remains does.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..findings import Finding

DETECTOR = "quality"
# Second derivative along four directions: x, y and both diagonals.
_DIRECTIONAL_KERNELS = (
    np.array([[0, 0, 0], [1, -2, 1], [0, 0, 0]], np.float32),
    np.array([[0, 1, 0], [0, -2, 0], [0, 1, 0]], np.float32),
    np.array([[1, 0, 0], [0, -2, 0], [0, 0, 1]], np.float32) / 2,
    np.array([[0, 0, 1], [0, -2, 0], [1, 0, 0]], np.float32) / 2,
)
TILES_PER_SIDE = 24


@dataclass(frozen=True)
class Sharpness:
    """``detail``: fine detail in the sharpest part of the photo (the 99th percentile over tiles of
    each tile's weakest direction), so a sharp subject on a soft background counts as sharp.
    ``isotropy``: weakest over strongest direction in those sharp tiles; motion blur smears one
    direction and drives it towards 0. ``score``: detail, discounted when the detail all runs one way."""

    detail: float
    isotropy: float
    score: float


def measure_sharpness(grey: np.ndarray, isotropy_floor: float) -> Sharpness:
    g = grey.astype(np.float32)
    tile = max(8, max(g.shape) // TILES_PER_SIDE)
    h, w = (g.shape[0] // tile) * tile, (g.shape[1] // tile) * tile
    if h == 0 or w == 0:
        return Sharpness(0.0, 0.0, 0.0)
    energy = np.stack([
        np.abs(cv2.filter2D(g, -1, k))[:h, :w].reshape(h // tile, tile, w // tile, tile).mean(axis=(1, 3)).ravel()
        for k in _DIRECTIONAL_KERNELS
    ])
    weakest = energy.min(axis=0)
    detail = float(np.percentile(weakest, 99))
    strongest_tiles = np.argsort(energy.max(axis=0))[-max(3, energy.shape[1] // 20):]
    per_direction = energy[:, strongest_tiles].sum(axis=1)
    isotropy = float(per_direction.min() / max(per_direction.max(), 1e-6))
    return Sharpness(detail, isotropy, detail * min(1.0, isotropy / isotropy_floor))


def blur_findings(grey: np.ndarray, policy) -> list[Finding]:
    q = policy.quality
    sharp = measure_sharpness(grey, q.motion_isotropy)
    if sharp.score >= q.blur_threshold:
        return []
    kind = "motion blur" if sharp.isotropy < q.motion_isotropy else "out of focus"
    return [Finding("blur", None, float(np.clip(1 - sharp.score / (2 * q.blur_threshold), 0, 1)), DETECTOR,
                    why=f"{kind}: sharpness {sharp.score:.1f} < {q.blur_threshold:g} at {grey.shape[1]}x{grey.shape[0]}")]


def exposure_findings(grey: np.ndarray, policy) -> list[Finding]:
    q = policy.quality
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    cumulative = np.cumsum(hist / hist.sum())
    dark = float(np.searchsorted(cumulative, 0.05))  # 5th percentile grey level
    bright = float(np.searchsorted(cumulative, 0.95))  # 95th percentile grey level
    clipped = float(1.0 - cumulative[q.clip_level - 1])
    if bright < q.dark_p95:
        return [Finding("exposure", None, float(np.clip(1 - bright / (2 * q.dark_p95), 0, 1)), DETECTOR,
                        why=f"too dark: 95% of the picture is below grey level {bright:.0f} (< {q.dark_p95})")]
    if clipped > q.max_clipped and dark > q.blown_min_p5:
        return [Finding("exposure", None, float(np.clip(clipped, 0, 1)), DETECTOR,
                        why=f"blown out: {clipped:.0%} of the picture is white and nothing is dark")]
    return []


MIN_SIDE = 32  # smaller pictures (icons, thumbnails) are not judged for blur or exposure


def stage(image, policy) -> list[Finding]:
    """Stage entry point: ``(LoadedImage, Policy) -> findings``."""
    grey = image.preview(policy.quality.blur_long_side, grey=True)
    if min(grey.shape) < MIN_SIDE:
        return []
    return blur_findings(grey, policy) + exposure_findings(grey, policy)
