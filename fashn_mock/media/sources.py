"""Input images at render time: data URIs always, URLs when a ``Fetcher`` is given.

An input that does not load (a URL while fetching is off, ``saved:<name>``, a
fetch that fails after submit) is simply absent: the renderer draws a
placeholder in its place and says why in the caption.
"""

from __future__ import annotations

import base64
import binascii
import io
import re

from PIL import Image, ImageOps, UnidentifiedImageError

from fashn_mock.catalog.rules import Size
from fashn_mock.media.fetch import Fetcher, FetchError

DATA_URI = re.compile(r"^data:image/[A-Za-z0-9.+-]+;base64,", re.IGNORECASE)
URL = re.compile(r"^https?://", re.IGNORECASE)
MAX_INPUT_PIXELS = 50_000_000
"""Larger inputs (after JPEG draft scaling) are not decoded: a placeholder stands
in. The docs' guidance tops out at 6000 px on the longest edge (36 MP)."""
ORIENTATION = 0x0112
"""The EXIF tag saying how a camera photo must be rotated."""


def open_image(raw: bytes, target: Size | None = None) -> Image.Image | None:
    """Decode ``raw`` as RGB or RGBA (alpha kept when present), EXIF-rotated.

    ``target`` lets JPEG decode at a reduced scale (DCT scaling) when the image
    is much larger than what it will be drawn at.
    """
    try:
        opened = Image.open(io.BytesIO(raw))
        if target is not None and opened.format == "JPEG":
            opened.draft("RGB", target)
        if opened.width * opened.height > MAX_INPUT_PIXELS:
            return None
        image: Image.Image = opened
        if opened.getexif().get(ORIENTATION, 1) != 1:
            image = ImageOps.exif_transpose(image)
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        mode = "RGBA" if has_alpha else "RGB"
        if image.mode != mode:
            return image.convert(mode)
        image.load()
        return image
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError):
        return None


class ImageLoader:
    """Resolves an input value (data URI or URL) to a decoded image, or None."""

    def __init__(self, fetcher: Fetcher | None = None) -> None:
        self.fetcher = fetcher

    def can_load(self, value: str) -> bool:
        """Whether ``value`` is a kind of reference this loader resolves."""
        return bool(DATA_URI.match(value)) or (self.fetcher is not None
                                               and bool(URL.match(value)))

    def __call__(self, value: str, target: Size | None = None) -> Image.Image | None:
        raw = self._bytes(value)
        return None if raw is None else open_image(raw, target)

    def _bytes(self, value: str) -> bytes | None:
        match = DATA_URI.match(value)
        if match:
            try:
                return base64.b64decode(value[match.end():], validate=True)
            except (binascii.Error, ValueError):
                return None
        if self.fetcher is not None and URL.match(value):
            try:
                return self.fetcher.fetch(value)
            except FetchError:
                return None
        return None
