"""Deterministic synthetic images (Pillow).

The pixels depend only on a ``RenderJob`` (model, canonical inputs, seed, output
index, size, format): the same request and seed give identical bytes whatever
the prediction id; another seed or index gives a visibly different image.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from fashn_mock.catalog.rules import Size

MARK = "fashn-mock"


@dataclass(frozen=True)
class RenderJob:
    model: str
    inputs_json: str
    seed: int
    index: int
    size: Size
    output_format: str
    transparent: bool = False

    def digest(self) -> bytes:
        key = f"{self.model}\0{self.inputs_json}\0{self.seed}\0{self.index}"
        return hashlib.sha256(key.encode()).digest()


def _palette(digest: bytes) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    top = (64 + digest[0] % 160, 64 + digest[1] % 160, 64 + digest[2] % 160)
    bottom = (digest[3] % 96, digest[4] % 96, digest[5] % 96)
    return top, bottom


def draw(job: RenderJob) -> Image.Image:
    """The placeholder picture: a seeded gradient, a figure, and the mock's mark."""
    width, height = job.size
    digest = job.digest()
    top, bottom = _palette(digest)
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(Image.new("RGB", (width, height), bottom),
                            Image.new("RGB", (width, height), top), gradient)
    canvas = ImageDraw.Draw(image)
    _figure(canvas, width, height, digest)
    _label(canvas, width, height, job)
    if job.transparent:
        alpha = Image.new("L", (width, height), 0)
        _figure(ImageDraw.Draw(alpha), width, height, digest, fill=255)
        image.putalpha(alpha)
    return image


def encode(image: Image.Image, output_format: str) -> bytes:
    buffer = io.BytesIO()
    if output_format == "jpeg":
        image.convert("RGB").save(buffer, "JPEG", quality=90)
    else:
        image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def render(job: RenderJob) -> bytes:
    return encode(draw(job), job.output_format)


def _figure(canvas: ImageDraw.ImageDraw, width: int, height: int, digest: bytes,
            fill: int | tuple[int, int, int] | None = None) -> None:
    """A simple standing silhouette, shifted by the digest so seeds differ."""
    shift = (digest[6] / 255 - 0.5) * width * 0.3
    cx, unit = width / 2 + shift, min(width, height) / 10
    colour = fill if fill is not None else (digest[7], digest[8], digest[9])
    head_top = height * 0.12
    canvas.ellipse((cx - unit, head_top, cx + unit, head_top + 2 * unit), fill=colour)
    canvas.rounded_rectangle((cx - 2 * unit, head_top + 2.3 * unit, cx + 2 * unit,
                              height * 0.9), radius=int(unit), fill=colour)


def _label(canvas: ImageDraw.ImageDraw, width: int, height: int, job: RenderJob) -> None:
    size = max(10, min(width, height) // 40)
    font = ImageFont.load_default(size=size)
    text = f"{MARK} · {job.model} · seed {job.seed} · #{job.index}"
    canvas.text((size, height - 2 * size), text, fill=(255, 255, 255), font=font,
                stroke_width=1, stroke_fill=(0, 0, 0))
