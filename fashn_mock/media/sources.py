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
from fashn_mock.media.orientation import orientation

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
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    factor = 1 if target is None else min(
        image.width // (KEEP_SCALE * max(1, target[0])),
        image.height // (KEEP_SCALE * max(1, target[1])))
    if factor >= 2:
        if image.mode not in REDUCIBLE_MODES:
            image = image.convert(mode)
        image = image.reduce(factor)
    return image if image.mode == mode else image.convert(mode)


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
