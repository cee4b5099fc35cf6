"""Output geometry: the pixel size each model produces for given inputs."""

from __future__ import annotations

from fashn_mock.catalog.rules import (
    REFRAME_SIZES_1K,
    SIZES_1K,
    VIDEO_SHORT_SIDE,
    Inputs,
    Size,
    nearest_ratio,
    ratio_size,
)
from fashn_mock.catalog.spec import Geometry, ImageSizes


def fixed(size: Size) -> Geometry:
    """A model with one output size regardless of inputs (try-on)."""

    def geometry(inputs: Inputs, images: ImageSizes) -> Size:
        return size

    return geometry


def by_ratio(*, source: tuple[str, ...] = (), default: str = "1:1",
             cap_tier_with: str | None = None) -> Geometry:
    """Size from ``aspect_ratio`` if given, else the ratio of the first decodable
    image in ``source``, else ``default``; scaled by the ``resolution`` tier.
    ``cap_tier_with``: an input whose presence caps the tier at 2k (model-create's
    face_reference, docs/api-facts.md#model-create)."""

    def geometry(inputs: Inputs, images: ImageSizes) -> Size:
        ratio = inputs.get("aspect_ratio")
        if ratio not in SIZES_1K:
            ratio = next((nearest_ratio(images[k]) for k in source if k in images), default)
        tier = inputs.get("resolution", "1k")
        if cap_tier_with and inputs.get(cap_tier_with) and tier == "4k":
            tier = "2k"
        return ratio_size(ratio, tier)

    return geometry


def reframe(inputs: Inputs, images: ImageSizes) -> Size:
    """New form: ``aspect_ratio`` (reframe's own size table). Old form:
    ``target_aspect_ratio`` in aspect_ratio mode; direction mode extends the
    source vertically (assumed: 2:3 when the source is unknown)."""
    ratio = inputs.get("aspect_ratio") or inputs.get("target_aspect_ratio")
    if ratio not in REFRAME_SIZES_1K:
        if "image" in images:
            width, height = images["image"]
            ratio = nearest_ratio((width, int(height * 1.5)), REFRAME_SIZES_1K)
        else:
            ratio = "2:3"
    return ratio_size(ratio, inputs.get("resolution", "1k"), REFRAME_SIZES_1K)


def same_as_input(input_name: str, default: Size, max_pixels: int) -> Geometry:
    """The input's own size, scaled down to ``max_pixels`` (background-remove: 4 MP)."""

    def geometry(inputs: Inputs, images: ImageSizes) -> Size:
        if input_name not in images:
            return default
        width, height = images[input_name]
        if width * height > max_pixels:
            factor = (max_pixels / (width * height)) ** 0.5
            width, height = max(1, int(width * factor)), max(1, int(height * factor))
        return width, height

    return geometry


def video(inputs: Inputs, images: ImageSizes) -> Size:
    """Short side from ``resolution``; orientation from the start frame (portrait
    when unknown, the common case for fashion). Even dimensions for H.264."""
    short = VIDEO_SHORT_SIDE[inputs.get("resolution", "1080p")]
    long = (short * 16 // 9 + 1) // 2 * 2
    if "image" in images and images["image"][0] > images["image"][1]:
        return long, short
    return short, long
