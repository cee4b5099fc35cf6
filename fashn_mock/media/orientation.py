"""Image size as displayed: EXIF orientation can swap width and height."""

from __future__ import annotations

from PIL import Image

from fashn_mock.catalog.rules import Size

ORIENTATION = 0x0112
"""The EXIF tag saying how a camera photo must be rotated."""
ROTATED_ORIENTATIONS = {5, 6, 7, 8}
"""EXIF orientations that swap width and height when applied."""


def orientation(image: Image.Image) -> int:
    """The image's EXIF orientation (1 when none), read without decoding pixels.

    Pillow reads a PNG's EXIF by decoding the whole image when the ``eXIf`` chunk
    was not met before the pixel data; such a late chunk is ignored here."""
    if image.format == "PNG" and "exif" not in image.info:
        return 1
    value = image.getexif().get(ORIENTATION, 1)
    return value if isinstance(value, int) else 1


def oriented_size(image: Image.Image) -> Size:
    """The size as displayed, after the EXIF orientation the renderer applies."""
    width, height = image.size
    return (height, width) if orientation(image) in ROTATED_ORIENTATIONS else (width, height)
