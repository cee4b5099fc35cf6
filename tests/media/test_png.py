from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageDraw

from fashn_mock.media.png import STRIP_ROWS, encode_png


def _noisy(mode: str, size: tuple[int, int]) -> Image.Image:
    bands = [Image.effect_noise(size, 80).point(lambda v, k=k: (v * (k + 3)) % 256)
             for k in range(len(mode))]
    image = Image.merge(mode, bands)
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2, size[1] // 3), fill=(9,) * len(mode))
    return image


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
@pytest.mark.parametrize("size", [(1, 1), (37, STRIP_ROWS + 3), (300, 2 * STRIP_ROWS)])
def test_pixels_survive_a_round_trip(mode: str, size: tuple[int, int]) -> None:
    original = _noisy(mode, size)
    decoded = Image.open(io.BytesIO(encode_png(original)))
    decoded.load()
    assert (decoded.format, decoded.mode, decoded.size) == ("PNG", mode, size)
    assert ImageChops.difference(decoded, original).getbbox() is None


def test_text_chunks_and_other_modes() -> None:
    data = encode_png(Image.new("L", (8, 8), 128), text={"Software": "fashn-mock"})
    decoded = Image.open(io.BytesIO(data))
    assert decoded.mode == "RGB"
    assert decoded.info["Software"] == "fashn-mock"
    assert decoded.getpixel((3, 3)) == (128, 128, 128)
