"""Drawing primitives shared by every synthetic output: seeded colours, gradients,
a standing figure, fitting input photos into boxes, and the ``fashn-mock`` mark.

Everything is drawn in C by Pillow with at most one full-size temporary, so a
4096x4096 output stays cheap in time and memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from fashn_mock.catalog.rules import Size

RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]
MARK = "fashn-mock"
BILINEAR = Image.Resampling.BILINEAR
REDUCING_GAP = 1.0
"""Large downscales first shrink by a whole factor (a fast box filter), then resample."""


class Dice:
    """Deterministic choices read off a digest: same digest, same picture."""

    def __init__(self, digest: bytes) -> None:
        self.digest = digest

    def unit(self, i: int) -> float:
        return self.digest[i % len(self.digest)] / 255

    def between(self, i: int, low: float, high: float) -> float:
        return low + (high - low) * self.unit(i)

    def colour(self, i: int, low: int = 0, span: int = 256) -> RGB:
        d = self.digest
        n = len(d)
        return (low + d[i % n] % span, low + d[(i + 1) % n] % span, low + d[(i + 2) % n] % span)


@lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def gradient(size: Size, top: RGB, bottom: RGB) -> Image.Image:
    """A vertical gradient: one column interpolated, then repeated sideways."""
    width, height = size
    ramp = Image.linear_gradient("L").resize((1, 256))
    bands = [ramp.point(lambda v, a=a, b=b: a + (b - a) * v // 255)
             for a, b in zip(top, bottom, strict=True)]
    column = Image.merge("RGB", bands).resize((1, height), BILINEAR)
    return column.resize((width, height), Image.Resampling.NEAREST)


def cover(image: Image.Image, size: Size, *, zoom: float = 1.0,
          pan: tuple[float, float] = (0.5, 0.5)) -> Image.Image:
    """``image`` scaled to fill ``size`` and cropped (``pan`` picks the crop).
    May return ``image`` itself when it already fits: treat the result as read-only."""
    width, height = size
    if image.size == size and zoom == 1:
        return image
    scale = max(width / image.width, height / image.height) * zoom
    crop_w, crop_h = width / scale, height / scale
    left = max(0.0, (image.width - crop_w) * pan[0])
    top = max(0.0, (image.height - crop_h) * pan[1])
    box = (left, top, min(image.width, left + crop_w), min(image.height, top + crop_h))
    return image.resize(size, BILINEAR, box=box, reducing_gap=REDUCING_GAP)


def flatten(image: Image.Image) -> Image.Image:
    """An RGB version of ``image``: transparent areas become white (as on a page)."""
    if image.mode == "RGB":
        return image
    if image.mode != "RGBA":
        return image.convert("RGB")
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, (0, 0), image.getchannel("A"))
    return flat


def contain(image: Image.Image, box: Box) -> tuple[Image.Image, tuple[int, int]]:
    """``image`` scaled to fit inside ``box``, and where to paste it (centred)."""
    left, top, right, bottom = box
    scale = min((right - left) / image.width, (bottom - top) / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    x = round(left + (right - left - size[0]) / 2)
    y = round(top + (bottom - top - size[1]) / 2)
    return image.resize(size, BILINEAR, reducing_gap=REDUCING_GAP), (x, y)


def tint(image: Image.Image, colour: RGB, amount: float) -> Image.Image:
    """Blend ``amount`` of a flat colour over ``image``, as a per-channel lookup
    table (no full-size temporary); alpha is kept."""
    table: list[int] = []
    for value in colour:
        table += [round(v * (1 - amount) + value * amount) for v in range(256)]
    if image.mode == "RGBA":
        table += list(range(256))
    return image.point(table)


@dataclass(frozen=True)
class Figure:
    """A standing figure's proportions in an output of ``size``: where the head,
    torso and legs are, for drawing it and for placing garments and faces."""

    cx: float
    top: float
    height: float

    @classmethod
    def place(cls, size: Size, dice: Dice | None = None) -> Figure:
        width, height = size
        tall = min(0.84 * height, 2.4 * width)
        shift = (dice.unit(6) - 0.5) * min(width * 0.3, tall * 0.6) if dice else 0.0
        return cls(width / 2 + shift, (height - tall) / 2 + 0.02 * tall, tall)

    def box(self, left: float, top: float, right: float, bottom: float) -> Box:
        h = self.height
        return self.cx + left * h, self.top + top * h, self.cx + right * h, self.top + bottom * h

    @property
    def head(self) -> Box:
        return self.box(-0.075, 0.0, 0.075, 0.15)

    @property
    def torso(self) -> Box:
        return self.box(-0.16, 0.17, 0.16, 0.56)

    @property
    def legs(self) -> Box:
        return self.box(-0.13, 0.5, 0.13, 0.98)

    @property
    def outfit(self) -> Box:
        return self.box(-0.16, 0.17, 0.16, 0.9)

    def draw(self, canvas: ImageDraw.ImageDraw, fill: int | RGB | tuple[int, ...]) -> None:
        h = self.height
        radius = max(1, int(0.04 * h))
        canvas.ellipse(self.head, fill=fill)
        canvas.rectangle(self.box(-0.025, 0.13, 0.025, 0.19), fill=fill)
        canvas.rounded_rectangle(self.box(-0.13, 0.17, 0.13, 0.56), radius=radius, fill=fill)
        for side in (-1, 1):
            arm = (0.14, 0.19) if side > 0 else (-0.19, -0.14)
            canvas.rounded_rectangle(self.box(arm[0], 0.18, arm[1], 0.55),
                                     radius=radius // 2, fill=fill)
            leg = (0.01, 0.11) if side > 0 else (-0.11, -0.01)
            canvas.rounded_rectangle(self.box(leg[0], 0.52, leg[1], 0.98),
                                     radius=radius // 2, fill=fill)


def garment_shape(canvas: ImageDraw.ImageDraw, box: Box, fill: RGB) -> None:
    """A simple T-shirt outline filling ``box``: the stand-in for an unloaded garment."""
    left, top, right, bottom = box
    w, h = right - left, bottom - top

    def at(x: float, y: float) -> tuple[float, float]:
        return left + x * w, top + y * h

    canvas.polygon([at(0.3, 0), at(0.42, 0.06), at(0.58, 0.06), at(0.7, 0), at(1, 0.18),
                    at(0.88, 0.34), at(0.8, 0.28), at(0.8, 1), at(0.2, 1), at(0.2, 0.28),
                    at(0.12, 0.34), at(0, 0.18)], fill=fill)


def paste_circle(base: Image.Image, image: Image.Image, box: Box) -> None:
    """Paste the centre of ``image`` as a disc filling ``box`` (a face on a head)."""
    left, top, right, bottom = (round(v) for v in box)
    size = (max(1, right - left), max(1, bottom - top))
    face = cover(flatten(image), size)
    disc = Image.new("L", size, 0)
    ImageDraw.Draw(disc).ellipse((0, 0, size[0] - 1, size[1] - 1), fill=255)
    base.paste(face, (left, top), disc)


def caption(image: Image.Image, lines: list[str]) -> None:
    """A clear, centred label on a translucent panel at the top: what this
    placeholder stands for."""
    width, height = image.size
    size = max(11, min(width, height) // 40)
    face = font(size)
    draw = ImageDraw.Draw(image, "RGBA")
    boxes = [draw.textbbox((0, 0), line, font=face) for line in lines]
    line_h = int(size * 1.35)
    panel_w = max(b[2] - b[0] for b in boxes) + 2 * size
    panel_h = line_h * len(lines) + size
    x0, y0 = (width - panel_w) / 2, max(4, height * 0.015)
    draw.rounded_rectangle((x0, y0, x0 + panel_w, y0 + panel_h), radius=size // 2,
                           fill=(16, 16, 20, 190))
    for i, (line, bbox) in enumerate(zip(lines, boxes, strict=True)):
        x = (width - (bbox[2] - bbox[0])) / 2
        draw.text((x, y0 + size / 2 + i * line_h), line, font=face, fill=(255, 255, 255, 255))


def mark_size(size: Size) -> int:
    """The mark's font size for an output of ``size``."""
    return max(10, min(size) // 64)


def mark(image: Image.Image, model: str, seed: int, index: int,
         size: int | None = None) -> None:
    """The small, unobtrusive signature every output carries (bottom-left)."""
    size = size or mark_size(image.size)
    text = f"{MARK} · {model} · seed {seed} · #{index}"
    white, black = ((255, 255, 255, 255), (0, 0, 0, 255)) if image.mode == "RGBA" else \
        ((255, 255, 255), (0, 0, 0))
    ImageDraw.Draw(image).text((size, image.height - 2 * size), text, font=font(size),
                               fill=white, stroke_width=max(1, size // 12), stroke_fill=black)
