"""Open untrusted image bytes within bounds of memory and time.

- Only common raster formats are opened (``FORMATS``): no decoder that runs an
  external program (EPS) or that few people exercise.
- The header alone gives the size: an image of more than ``MAX_PIXELS`` is refused
  before a single pixel is decoded. The FASHN docs advise at most 6000 px on the
  longest edge, even for 4K endpoints, so 6000x6000 (36 MP) is the cap.
- Checking that an image is whole (``measure``) decodes as little as it can: PNG
  chunks are CRC-checked without inflating pixels, JPEG decodes at 1/8 scale; other
  formats decode in full (within the cap).
- At most ``MAX_PARALLEL_DECODES`` decodes run at once in the process (``slot``),
  so concurrent uploads cannot add up their peaks: memory is per process.
"""

from __future__ import annotations

import binascii
import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from PIL import Image, UnidentifiedImageError

from fashn_mock.catalog.rules import Size
from fashn_mock.media.orientation import oriented_size

MAX_SIDE = 6000
MAX_PIXELS = MAX_SIDE * MAX_SIDE
"""36 MP: the docs' largest advised input (6000 px on the longest edge, squared)."""
MAX_PARALLEL_DECODES = 1
"""One 36 MP decode holds up to 144 MB (RGBA); two renders may want one at once."""
FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF")
"""Opened when this Pillow has them (JPEG includes camera MPO files)."""
JPEG_FORMATS = ("JPEG", "MPO")
PIL_ERRORS = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
              Image.DecompressionBombError)
"""What Pillow raises on bytes that are not a whole image of a known format."""

DATA_URI = re.compile(r"data:image/[A-Za-z0-9.+-]+;base64,", re.IGNORECASE)
BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")
"""How Pillow states an image's pixel count when it refuses it."""

_decodes = threading.BoundedSemaphore(MAX_PARALLEL_DECODES)
"""Process-wide on purpose: decoded pixels are process memory, whichever engine asks."""


class ImageRefused(ValueError):
    """Bytes that are not a usable image; ``str(error)`` says why, for a person."""


class Undecodable(ImageRefused):
    def __init__(self) -> None:
        super().__init__("not a decodable image")


class TooLarge(ImageRefused):
    def __init__(self, pixels: int, size: Size | None = None) -> None:
        """``size`` is unknown when Pillow refused the header itself (its bomb limit)."""
        dims = f" ({size[0]}x{size[1]})" if size else ""
        super().__init__(f"The image has {pixels / 1e6:.1f} MP{dims}; fashn-mock accepts at "
                         f"most {MAX_PIXELS // 1_000_000} MP ({MAX_SIDE}x{MAX_SIDE}, the "
                         "docs' largest advised input)")
        self.size = size


def data_uri_bytes(value: str) -> bytes | None:
    """The bytes of a ``data:image/...;base64,`` URI (strict base64), or None.
    The text is copied once (to ASCII bytes), not twice as ``b64decode`` would."""
    match = DATA_URI.match(value)
    if not match:
        return None
    try:
        text = value.encode("ascii")
        return binascii.a2b_base64(memoryview(text)[match.end():], strict_mode=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None


@contextmanager
def slot() -> Iterator[None]:
    """Hold one of the process's decode slots (blocks while all are busy)."""
    with _decodes:
        yield


def open_header(raw: bytes) -> Image.Image:
    """The image in ``raw``, opened lazily (header read, no pixels), or ``Undecodable``."""
    try:
        return Image.open(io.BytesIO(raw), formats=_available())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # the warning is raised only where warnings are errors (as in tests)
        stated = BOMB_PIXELS.search(str(exc))
        raise TooLarge(int(stated.group(1)) if stated else MAX_PIXELS + 1) from exc
    except PIL_ERRORS as exc:
        raise Undecodable() from exc


@cache
def _available() -> tuple[str, ...]:
    Image.init()  # registers Pillow's plugins (idempotent)
    return tuple(name for name in FORMATS if name in Image.OPEN)


def check_pixels(size: Size) -> None:
    """``TooLarge`` when an image of ``size`` has more than ``MAX_PIXELS`` pixels."""
    if size[0] * size[1] > MAX_PIXELS:
        raise TooLarge(size[0] * size[1], size)


def measure(raw: bytes) -> Size:
    """The displayed size of the whole, decodable image in ``raw``.

    Raises ``TooLarge`` above the cap (known from the header) and ``Undecodable``
    when the bytes are not a complete image (truncated, corrupt, unknown format).
    """
    image = open_header(raw)
    check_pixels(image.size)
    try:
        size = oriented_size(image)
        with slot():
            if image.format == "PNG":
                image.verify()  # every chunk's CRC, up to IEND; pixels stay compressed
            else:
                if image.format in JPEG_FORMATS:
                    image.draft(None, (1, 1))  # the smallest DCT scale: 1/64 of the pixels
                image.load()
    except PIL_ERRORS as exc:
        raise Undecodable() from exc
    finally:
        image.close()
    return size
