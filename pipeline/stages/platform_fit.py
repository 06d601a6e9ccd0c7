"""Platform fit: is the photo's shape right for where it will be posted? (``--platform``)

One table of each platform's display rules; docs/platforms.md gives the sources. A photo outside
its platform's range gets an ``aspect`` finding whose box is the largest centred crop that fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import Box, Finding
from ..i18n import N_

DETECTOR = "platform"


@dataclass(frozen=True)
class PlatformRule:
    """Accepted width/height ratios. Outside them, the suggested crop is the nearest accepted shape."""

    label: str
    min_ratio: float
    max_ratio: float
    advice: str
    # the size safe copies are scaled down to (larger uploads are scaled by the platform anyway):
    # a width, or a long side, in pixels; docs/platforms.md gives the sources
    posting_width: int | None = None
    posting_long_side: int | None = None


PLATFORMS: dict[str, PlatformRule | None] = {
    # Instagram feed: from 4:5 (portrait) to 1.91:1 (landscape); outside, Instagram crops it.
    "instagram": PlatformRule("Instagram feed", 4 / 5, 1.91, N_("between 4:5 and 1.91:1"), posting_width=1080),
    # Instagram stories fill a 9:16 screen; other shapes get bars or are cut.
    "instagram_story": PlatformRule("Instagram story", 9 / 16 * 0.95, 9 / 16 * 1.05, N_("9:16"), posting_width=1080),
    # Facebook, X and LinkedIn: horizontal photos display best (the guidance); portrait photos are
    # cut in the feed preview. Landscape from 1:1 up to 1.91:1 (2:1 for X) shows whole.
    "facebook": PlatformRule("Facebook", 1.0, 1.91, N_("landscape, up to 1.91:1"), posting_long_side=2048),
    "x": PlatformRule("X", 1.0, 2.0, N_("landscape, up to 2:1"), posting_long_side=4096),
    "linkedin": PlatformRule("LinkedIn", 1.0, 1.91, N_("landscape, up to 1.91:1"), posting_long_side=2048),
    "any": None,
}


def largest_centred_crop(width: int, height: int, ratio: float) -> Box:
    if width / height > ratio:
        w = max(1, round(height * ratio))
        return Box((width - w) // 2, 0, w, height)
    h = max(1, round(width / ratio))
    return Box(0, (height - h) // 2, width, h)


def aspect_findings(width: int, height: int, platform: str) -> list[Finding]:
    rule = PLATFORMS[platform]
    if rule is None:
        return []
    ratio = width / height
    if rule.min_ratio <= ratio <= rule.max_ratio:
        return []
    target = rule.min_ratio if ratio < rule.min_ratio else rule.max_ratio
    shape = "portrait" if ratio < 1 else "landscape" if ratio > 1 else "square"
    off = abs(ratio - target) / target
    return [Finding("aspect", largest_centred_crop(width, height, target), float(min(1.0, 0.5 + off)), DETECTOR,
                    why=f"{shape} {ratio:.2f}:1 does not suit {rule.label} ({rule.advice}); box: suggested crop")]


def stage(image, policy) -> list[Finding]:
    """Stage entry point: ``(LoadedImage, Policy) -> findings``."""
    return aspect_findings(image.width, image.height, policy.platform.name)
