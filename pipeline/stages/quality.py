"""Quality stage: photos too blurry to post, and photos too dark or blown out.

Both are judged on a grey preview of ``quality.blur_long_side`` pixels, close to the size the photo
is seen at when posted: blur that vanishes at that size does not matter, blur that remains does.

Blur takes two measures that fail in different places, and a photo is blurry only when both say so:
fine detail (low on smooth subjects such as a whiteboard, a soft upscaled portrait or a dim scene, however
sharp) and the steepness of its edges against their own contrast (blind to how much texture there is, but
fooled by noise on tiny pictures). A photo far below both limits is too blurry to tell what is happening
(the policy's rule: do not post it), which the finding's score of 1 says; between the two limits a person
judges.
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
EDGE_MIN_CONTRAST = 24  # grey levels across an edge (in a 7 px window) for it to count: no noise, no texture
EDGE_MIN_PER_DIRECTION = 30  # edges a direction needs before its steepness counts
SEVERE = 1.0  # a blur finding's score when the photo is too blurry to tell what is happening


@dataclass(frozen=True)
class Sharpness:
    """``detail``: fine detail in the sharpest part of the photo (the 99th percentile over tiles of
    each tile's weakest direction), so a sharp subject on a soft background counts as sharp.
    ``isotropy``: weakest over strongest direction in those sharp tiles; motion blur smears one
    direction and drives it towards 0. ``score``: detail, discounted when the detail all runs one way.
    ``edge``: how steep the steepest edges are for their contrast (the 90th percentile of gradient over
    the grey range around it, at edge pixels, in the weakest of four directions): about 0.45 for a sharp
    step, 1 / (2.5 sigma) for an edge blurred by a Gaussian of sigma pixels, whatever the contrast; None
    when the picture has too few edges to judge (a plain wall), where detail alone decides."""

    detail: float
    isotropy: float
    score: float
    edge: float | None = None


def measure_sharpness(grey: np.ndarray, isotropy_floor: float) -> Sharpness:
    g = grey.astype(np.float32)
    tile = max(8, max(g.shape) // TILES_PER_SIDE)
    h, w = (g.shape[0] // tile) * tile, (g.shape[1] // tile) * tile
    if h == 0 or w == 0:
        return Sharpness(0.0, 0.0, 0.0, None)
    energy = np.stack([
        np.abs(cv2.filter2D(g, -1, k))[:h, :w].reshape(h // tile, tile, w // tile, tile).mean(axis=(1, 3)).ravel()
        for k in _DIRECTIONAL_KERNELS
    ])
    weakest = energy.min(axis=0)
    detail = float(np.percentile(weakest, 99))
    strongest_tiles = np.argsort(energy.max(axis=0))[-max(3, energy.shape[1] // 20):]
    per_direction = energy[:, strongest_tiles].sum(axis=1)
    isotropy = float(per_direction.min() / max(per_direction.max(), 1e-6))
    return Sharpness(detail, isotropy, detail * min(1.0, isotropy / isotropy_floor), edge_steepness(g))


def edge_steepness(g: np.ndarray) -> float | None:
    """Gradient over local contrast at the steepest pixels of edges, in the weakest direction that has
    enough edges (motion blur leaves edges along the motion sharp and smears the others); None when the
    picture has too few edges to judge."""
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) / 8
    magnitude = np.hypot(gx, gy)
    window = np.ones((7, 7), np.uint8)
    contrast = cv2.dilate(g, window) - cv2.erode(g, window)
    peak = magnitude >= cv2.dilate(magnitude, np.ones((3, 3), np.uint8)) - 1e-6
    at = peak & (contrast >= EDGE_MIN_CONTRAST) & (magnitude > EDGE_MIN_CONTRAST / 6)
    if at.sum() < EDGE_MIN_PER_DIRECTION:
        return None
    steepness = magnitude[at] / contrast[at]
    direction = (((np.degrees(np.arctan2(gy[at], gx[at])) % 180) + 22.5) % 180 // 45).astype(int)
    per_direction = [float(np.percentile(steepness[direction == d], 90)) for d in range(4)
                     if (direction == d).sum() >= EDGE_MIN_PER_DIRECTION]
    return min(per_direction) if per_direction else float(np.percentile(steepness, 90))


def blur_findings(grey: np.ndarray, policy) -> list[Finding]:
    q = policy.quality
    sharp = measure_sharpness(grey, q.motion_isotropy)
    edge = sharp.edge
    if sharp.score >= q.blur_threshold or (edge is not None and edge >= q.blur_edge_threshold):
        return []
    kind = "motion blur" if sharp.isotropy < q.motion_isotropy else "out of focus"
    severe = edge is not None and sharp.score < q.blur_severe and edge < q.blur_edge_severe
    score = SEVERE if severe else float(np.clip(1 - sharp.score / (2 * q.blur_threshold), 0, 0.99))
    edges = "too few edges to judge" if edge is None else f"edges {edge:.2f} < {q.blur_edge_threshold:g}"
    return [Finding("blur", None, score, DETECTOR,
                    why=f"{kind}: sharpness {sharp.score:.1f} < {q.blur_threshold:g}, {edges} at "
                        f"{grey.shape[1]}x{grey.shape[0]}" + (" (too blurry to tell what is happening)" if severe else ""))]


def too_blurry_to_post(found: list[Finding]) -> bool:
    """Blur findings of a photo so blurred that nobody can tell what is happening (the policy: do not post)."""
    return any(f.kind == "blur" and f.score >= SEVERE for f in found)


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
