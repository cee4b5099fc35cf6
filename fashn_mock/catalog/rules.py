"""Pricing, timing and geometry rules shared by catalog entries.

Numbers and their public sources are in ``docs/api-facts.md`` (the current
official docs win unless noted). Where no source gives a number the choice is
marked ``# assumed`` and listed in docs/api-facts.md#unknowns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Inputs = Mapping[str, Any]
Size = tuple[int, int]
Seconds = tuple[float, float]

# Credits per output by generation_mode x resolution (docs/api-facts.md#generation-pricing).
SHARED_CREDITS = {
    "fast": {"1k": 1, "2k": 2, "4k": 3},
    "balanced": {"1k": 2, "2k": 3, "4k": 4},
    "quality": {"1k": 3, "2k": 4, "4k": 5},
}
FACE_REFERENCE_SURCHARGE = 3

# Processing time per generation_mode x resolution. The docs only bound it
# (about 20 s at fast 1k up to 120 s at quality 4k); the cells are assumed
# (docs/api-facts.md#generation-timing).
SHARED_SECONDS: dict[str, dict[str, Seconds]] = {
    "fast": {"1k": (12, 20), "2k": (20, 35), "4k": (35, 60)},
    "balanced": {"1k": (20, 30), "2k": (35, 55), "4k": (60, 90)},
    "quality": {"1k": (30, 45), "2k": (50, 75), "4k": (80, 120)},
}
FACE_REFERENCE_SECONDS: Seconds = (20, 30)

# tryon-v1.6: performance 5 s, balanced 8 s, quality 12-17 s (docs/api-facts.md#tryon-v1-6).
TRYON_SECONDS: dict[str, Seconds] = {
    "performance": (4.5, 5.5), "balanced": (7.5, 8.5), "quality": (12, 17),
}
TRYON_V15_SPEEDUP = 0.85  # assumed: "slightly faster than v1.6" (docs/api-facts.md#tryon-v1-5)

# image-to-video credits per video and time (1-3 min, cells assumed):
# docs/api-facts.md#image-to-video.
VIDEO_CREDITS = {5: {"480p": 1, "720p": 3, "1080p": 6}, 10: {"480p": 2, "720p": 6, "1080p": 12}}
VIDEO_SECONDS: dict[int, dict[str, Seconds]] = {
    5: {"480p": (60, 80), "720p": (80, 110), "1080p": (100, 140)},
    10: {"480p": (90, 120), "720p": (120, 150), "1080p": (150, 180)},
}

# ~1 MP output sizes per aspect ratio (docs/api-facts.md#output-sizes). model-create's
# table is the general one; reframe differs at 3:2 and 16:9.
SIZES_1K: dict[str, Size] = {
    "21:9": (1568, 672), "1:1": (1024, 1024), "2:3": (832, 1248), "3:4": (880, 1176),
    "4:5": (912, 1144), "5:4": (1144, 912), "4:3": (1176, 880), "3:2": (1176, 784),
    "16:9": (1360, 768), "9:16": (760, 1360),
}
REFRAME_SIZES_1K: dict[str, Size] = {**SIZES_1K, "3:2": (1248, 832), "16:9": (1360, 760)}
TIER_SCALE = {"1k": 1, "2k": 2, "4k": 4}  # ~1, ~4, ~16 MP: linear factor 1, 2, 4
VIDEO_SHORT_SIDE = {"480p": 480, "720p": 720, "1080p": 1080}


def effective_mode(inputs: Inputs, fallback_at_1k: str = "fast") -> str:
    """The billed generation_mode: the requested one, else the documented fallback
    (``fast`` at 1k, ``balanced`` at 2k/4k; docs/api-facts.md#generation-pricing)."""
    mode = inputs.get("generation_mode")
    if isinstance(mode, str):
        return mode
    return fallback_at_1k if inputs.get("resolution", "1k") == "1k" else "balanced"


def outputs(inputs: Inputs) -> int:
    """Number of outputs a prediction produces."""
    return int(inputs.get("num_images", inputs.get("num_samples", 1)))


def shared_credits(inputs: Inputs, *, face_reference: bool = False) -> int:
    per_output = SHARED_CREDITS[effective_mode(inputs)][inputs.get("resolution", "1k")]
    if face_reference and inputs.get("face_reference"):
        per_output += FACE_REFERENCE_SURCHARGE
    return per_output * outputs(inputs)


def shared_seconds(inputs: Inputs, *, face_reference: bool = False) -> Seconds:
    low, high = SHARED_SECONDS[effective_mode(inputs)][inputs.get("resolution", "1k")]
    if face_reference and inputs.get("face_reference"):
        low, high = low + FACE_REFERENCE_SECONDS[0], high + FACE_REFERENCE_SECONDS[1]
    return low, high


def ratio_size(ratio: str, tier: str = "1k", table: Mapping[str, Size] = SIZES_1K) -> Size:
    width, height = table[ratio]
    scale = TIER_SCALE[tier]
    return width * scale, height * scale


def nearest_ratio(size: Size, ratios: Mapping[str, Size] = SIZES_1K) -> str:
    """The supported aspect ratio closest to ``size`` (log-ratio distance)."""
    import math

    target = math.log(size[0] / size[1])
    return min(ratios, key=lambda r: abs(math.log(ratios[r][0] / ratios[r][1]) - target))


def ratio_value(ratio: str) -> float:
    width, height = (int(part) for part in ratio.split(":"))
    return width / height
