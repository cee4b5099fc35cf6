"""A fast, streaming PNG encoder for RGB and RGBA images.

Pillow's encoder tries every PNG filter on every row (adaptive filtering),
which is about half of a 1 MP render's time. Here every row uses the "up"
filter, computed in C by ``ImageChops.subtract_modulo`` against the image
shifted down by one row, and is deflated at level 1 in strips of rows, so a
4096x4096 output never holds a second full-size copy in memory.
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image, ImageChops

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPES = {"RGB": 2, "RGBA": 6}
UP_FILTER = b"\x02"
STRIP_ROWS = 128


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data)))


def encode_png(image: Image.Image, *, level: int = 1,
               text: dict[str, str] | None = None) -> bytes:
    """``image`` as PNG bytes (8-bit RGB or RGBA; other modes are converted).

    ``text`` adds ``tEXt`` chunks (Latin-1 keys and values).
    """
    if image.mode not in COLOUR_TYPES:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    width, height = image.size
    stride = width * len(image.getbands())
    header = struct.pack(">IIBBBBB", width, height, 8, COLOUR_TYPES[image.mode], 0, 0, 0)
    deflate = zlib.compressobj(level)
    parts = [SIGNATURE, _chunk(b"IHDR", header)]
    for key, value in (text or {}).items():
        parts.append(_chunk(b"tEXt", key.encode("latin-1") + b"\0"
                            + value.encode("latin-1", "replace")))
    compressed = []
    for top in range(0, height, STRIP_ROWS):
        bottom = min(height, top + STRIP_ROWS)
        rows = image.crop((0, top, width, bottom))
        above = image.crop((0, top - 1, width, bottom - 1))  # row -1 reads as zeros
        raw = ImageChops.subtract_modulo(rows, above).tobytes()
        compressed.append(deflate.compress(b"".join(
            UP_FILTER + raw[i:i + stride] for i in range(0, len(raw), stride))))
    compressed.append(deflate.flush())
    parts += [_chunk(b"IDAT", b"".join(compressed)), _chunk(b"IEND", b"")]
    return b"".join(parts)
