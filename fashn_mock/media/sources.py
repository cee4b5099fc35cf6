"""Input images at render time: data URIs always, URLs when a ``Fetcher`` is given,
stand-ins of held inputs (``media.held``) while the store still holds them.

An input that does not load (a URL while fetching is off, ``saved:<name>``, a
fetch that fails after submit, a held input since released) is simply absent: the
renderer draws a placeholder in its place and says why in the caption.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PIL import Image, ImageOps

from fashn_mock.catalog.rules import Size
from fashn_mock.media import decode
from fashn_mock.media.fetch import Fetcher, FetchError
from fashn_mock.media.orientation import orientation, oriented_size

if TYPE_CHECKING:
    from fashn_mock.media.held import HeldInputs

DATA_URI = decode.DATA_URI
URL = re.compile(r"^https?://", re.IGNORECASE)
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


class ImageLoader:
    """Resolves an input value (data URI, URL, held stand-in) to a decoded image, or None."""

    def __init__(self, fetcher: Fetcher | None = None, held: HeldInputs | None = None) -> None:
        self.fetcher = fetcher
        self.held = held

    def can_load(self, value: str) -> bool:
        """Whether ``value`` is a kind of reference this loader resolves."""
        return bool(DATA_URI.match(value)) or (self.fetcher is not None
                                               and bool(URL.match(value))) \
            or (self.held is not None and self.held.owns(value))

    def __call__(self, value: str, target: Size | None = None) -> Image.Image | None:
        if self.held is not None and self.held.owns(value):
            return self.held.get(value, target)
        raw = self._bytes(value)
        return None if raw is None else open_image(raw, target)

    def _bytes(self, value: str) -> bytes | None:
        if DATA_URI.match(value):
            return decode.data_uri_bytes(value)
        if self.fetcher is not None and URL.match(value):
            try:
                return self.fetcher.fetch(value)
            except FetchError:
                return None
        return None
