"""Deterministic synthetic outputs.

The bytes depend only on a ``RenderJob`` (model, canonical inputs, seed, output
index, size, format) and on the content behind its input images: the same
request and seed give identical bytes whatever the prediction id; another seed
or index gives a visibly different picture. Images are composed by
``media.compose``; ``mp4`` jobs are handed to ``media.video``.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass

from PIL import Image

from fashn_mock import catalog
from fashn_mock.catalog.rules import Size
from fashn_mock.media import canvas
from fashn_mock.media.compose import Scene, compose
from fashn_mock.media.png import encode_png
from fashn_mock.media.sources import URL, ImageLoader

MARK = canvas.MARK
JPEG_QUALITY = 90
DRAW_SCALE = {"garment_image": 0.35, "product_image": 0.35, "face_image": 0.25,
              "face_reference": 0.25, "image_context": 0.25}
"""Inputs drawn smaller than the output (a garment on a torso, a face on a head):
JPEGs at least twice that size decode at 1/2-1/8 scale, which is much faster."""
DRAW_SCALE_BY_MODEL = {"packshot": {"product_image": 0.7}}
"""Where a model draws an input larger than usual (the packshot's product)."""


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


def scene_for(job: RenderJob, loader: ImageLoader) -> Scene:
    """The job's inputs, with every loadable image input decoded."""
    inputs = json.loads(job.inputs_json) if job.inputs_json else {}
    spec = catalog.BY_NAME.get(job.model)
    images: dict[str, Image.Image] = {}
    missing: list[str] = []
    for name in spec.image_inputs if spec else ():
        value = inputs.get(name)
        if not isinstance(value, str) or not value:
            continue
        scale = DRAW_SCALE_BY_MODEL.get(job.model, {}).get(name, DRAW_SCALE.get(name, 1.0))
        target = (max(1, int(job.size[0] * scale)), max(1, int(job.size[1] * scale)))
        image = loader(value, target) if loader.can_load(value) else None
        if image is None:
            missing.append(name)
        else:
            images[name] = image
    return Scene(model=job.model, size=job.size, inputs=inputs, images=images,
                 dice=canvas.Dice(job.digest()), transparent=job.transparent,
                 missing=missing)


def explain(image: Image.Image, job: RenderJob, scene: Scene, loader: ImageLoader) -> None:
    """Caption a placeholder: which model, what size, and why inputs are missing."""
    if scene.images and not scene.missing:
        return
    width, height = job.size
    lines = [f"{job.model} · {width}x{height} · output #{job.index}"]
    if scene.missing:
        lines.append("not loaded: " + ", ".join(n.replace("_", " ") for n in scene.missing))
        urls = [n for n in scene.missing if URL.match(str(scene.inputs.get(n)))]
        if urls and loader.fetcher is None:
            lines.append("URL inputs are fetched only with --fetch-inputs")
    else:
        lines.append("placeholder: no image inputs")
    canvas.caption(image, lines)


def draw(job: RenderJob, loader: ImageLoader | None = None) -> Image.Image:
    """The output picture, before encoding."""
    loader = loader or ImageLoader()
    scene = scene_for(job, loader)
    image = compose(scene)
    mode = "RGBA" if job.transparent else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    explain(image, job, scene, loader)
    canvas.mark(image, job.model, job.seed, job.index)
    return image


def encode(image: Image.Image, output_format: str, comment: str = "") -> bytes:
    if output_format == "jpeg":
        buffer = io.BytesIO()
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        rgb.save(buffer, "JPEG", quality=JPEG_QUALITY)
        return buffer.getvalue()
    return encode_png(image, text={"Software": MARK, "Comment": comment})


def render(job: RenderJob, loader: ImageLoader | None = None) -> bytes:
    """The bytes of one output: PNG/JPEG, or MP4 for video jobs."""
    if job.output_format == "mp4":
        from fashn_mock.media.video import render_video

        return render_video(job, loader or ImageLoader())
    comment = f"{job.model} seed {job.seed} output {job.index}"
    return encode(draw(job, loader), job.output_format, comment)
