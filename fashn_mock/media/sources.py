"""Input images at render time: data URIs always, URLs when a ``Fetcher`` is given,
stand-ins of held inputs (``media.held``) while the store still holds them.

An input that does not load (a URL while fetching is off, ``saved:<name>``, a
fetch that fails after submit, a held input since released) is simply absent: the
renderer draws a placeholder in its place and says why in the caption.
"""

from __future__ import annotations

import re

from PIL import Image

from fashn_mock.catalog.rules import Size
from fashn_mock.media import decode
from fashn_mock.media.fetch import Fetcher, FetchError
from fashn_mock.media.held import HeldInputs
from fashn_mock.media.opening import open_image

DATA_URI = decode.DATA_URI
URL = re.compile(r"^https?://", re.IGNORECASE)


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
