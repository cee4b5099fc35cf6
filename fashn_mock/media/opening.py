"""Decoding one input image to the size it will be drawn at: EXIF-rotated, RGB or
RGBA, reduced right after decoding, within the decode bounds (``media.decode``)."""

from __future__ import annotations

from PIL import Image, ImageOps

from fashn_mock.catalog.rules import Size
from fashn_mock.media import decode
from fashn_mock.media.orientation import orientation, oriented_size

KEEP_SCALE = 2
"""A decoded input larger than ``KEEP_SCALE`` times its drawn size is reduced at once."""
REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA")


def open_image(raw: bytes, target: Size | None = None) -> Image.Image | None:
    """Decode ``raw`` as RGB or RGBA (alpha kept when present), EXIF-rotated.

    ``target`` (the size it will be drawn at) lets JPEG decode at a reduced scale
    (DCT scaling) and other formats shrink right after decoding. More than
    ``decode.MAX_PIXELS`` decoded pixels are refused (None); decoding holds one
    of the process's decode slots.
    """
    try:
        opened = decode.open_header(raw)
        if target is not None and opened.format in decode.JPEG_FORMATS:
            opened.draft("RGB", target)
        decode.check_pixels(opened.size)
        with decode.slot():
            return _prepared(opened, target)
    except (decode.ImageRefused, *decode.PIL_ERRORS):
        return None


def _prepared(opened: Image.Image, target: Size | None) -> Image.Image:
    image: Image.Image = opened
    if orientation(opened) != 1:
        image = ImageOps.exif_transpose(image)
    image.load()
    mode = "RGBA" if _has_alpha(image) else "RGB"
    factor = reduction(image.size, target)
    if factor >= 2:
        if image.mode not in REDUCIBLE_MODES:
            image = image.convert(mode)
        image = image.reduce(factor)
    return image if image.mode == mode else image.convert(mode)


def reduction(size: Size, target: Size | None) -> int:
    """The whole factor by which an image of ``size`` shrinks right after decoding
    (``KEEP_SCALE``); 0 or 1: it is kept as decoded."""
    if target is None:
        return 1
    return min(size[0] // (KEEP_SCALE * max(1, target[0])),
               size[1] // (KEEP_SCALE * max(1, target[1])))


def prepared_bytes(raw: bytes, target: Size) -> int | None:
    """What ``open_image(raw, target)`` will occupy (width x height x bands), read
    off the header alone; None when the header does not open."""
    try:
        opened = decode.open_header(raw)
        if opened.format in decode.JPEG_FORMATS:
            opened.draft("RGB", target)
        width, height = oriented_size(opened)
        bands = 4 if _has_alpha(opened) else 3
    except (decode.ImageRefused, *decode.PIL_ERRORS):
        return None
    factor = reduction((width, height), target)
    if factor >= 2:
        width, height = -(-width // factor), -(-height // factor)
    return width * height * bands


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info
