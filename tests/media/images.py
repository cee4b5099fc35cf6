"""Input pictures for media tests: simple "photos" whose content is easy to find
again in an output (a dark figure on a grey sweep, a blue shirt on white)."""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageChops, ImageDraw, ImageStat

from fashn_mock.media import canvas

BLUE = (20, 60, 220)
GREY = (190, 190, 190)
DARK = (40, 30, 30)


def encode(image: Image.Image, fmt: str = "png") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt.upper())
    return buffer.getvalue()


def uri(image: Image.Image, fmt: str = "png") -> str:
    return f"data:image/{fmt};base64," + base64.b64encode(encode(image, fmt)).decode()


def person(size: tuple[int, int] = (300, 450)) -> Image.Image:
    """A dark standing figure on a plain grey backdrop."""
    image = Image.new("RGB", size, GREY)
    canvas.Figure.place(size).draw(ImageDraw.Draw(image), DARK)
    return image


def shirt(size: tuple[int, int] = (200, 200)) -> Image.Image:
    """A blue T-shirt on white."""
    image = Image.new("RGB", size, (255, 255, 255))
    w, h = size
    canvas.garment_shape(ImageDraw.Draw(image), (w * 0.1, h * 0.1, w * 0.9, h * 0.9), BLUE)
    return image


def mean_colour(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[float, ...]:
    return tuple(ImageStat.Stat(image.convert("RGB").crop(box)).mean)


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel (0-255) between two same-size images."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    return sum(ImageStat.Stat(diff).mean) / 3
