"""Image size as displayed: EXIF orientation can swap width and height."""

from __future__ import annotations

from PIL import Image

from fashn_mock.catalog.rules import Size

ROTATED_ORIENTATIONS = {5, 6, 7, 8}
"""EXIF orientations that swap width and height when applied."""


def oriented_size(image: Image.Image) -> Size:
    """The size as displayed, after the EXIF orientation the renderer applies."""
    width, height = image.size
    orientation = image.getexif().get(0x0112)  # Orientation
    return (height, width) if orientation in ROTATED_ORIENTATIONS else (width, height)
