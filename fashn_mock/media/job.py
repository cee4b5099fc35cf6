"""A render job (what one output is drawn from) and the scene it becomes: its inputs
with every loadable image decoded at the size it is drawn, and the caption a
placeholder carries when inputs are missing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from PIL import Image

from fashn_mock import catalog
from fashn_mock.catalog.rules import Size
from fashn_mock.media import canvas
from fashn_mock.media.compose import Scene
from fashn_mock.media.held import HASH_CHUNK, is_token
from fashn_mock.media.sources import URL, ImageLoader

DRAW_SCALE = {"garment_image": 0.35, "product_image": 0.35, "face_image": 0.25,
              "face_reference": 0.25, "image_context": 0.25}
"""Inputs drawn smaller than the output (a garment on a torso, a face on a head):
JPEGs at least twice that size decode at 1/2-1/8 scale, which is much faster."""
DRAW_SCALE_BY_MODEL = {"packshot": {"product_image": 0.7}}
"""Where a model draws an input larger than usual (the packshot's product)."""
RELEASED = "released from memory (over --input-cache-mb)"


class DicePrefix:
    """The digest of ``model`` and the inputs JSON (given whole, or in pieces that join
    to it) so far; each output's dice adds its seed and index. Long text is hashed a
    slice at a time (no copy of it)."""

    def __init__(self, model: str, *inputs_json: str) -> None:
        self._hash = hashlib.sha256(f"{model}\0".encode())
        for piece in inputs_json:
            for start in range(0, len(piece), HASH_CHUNK):
                self._hash.update(piece[start:start + HASH_CHUNK].encode())
        self._hash.update(b"\0")

    def dice(self, seed: int, index: int) -> bytes:
        digest = self._hash.copy()
        digest.update(f"{seed}\0{index}".encode())
        return digest.digest()


@dataclass(frozen=True)
class RenderJob:
    model: str
    inputs_json: str
    seed: int
    index: int
    size: Size
    output_format: str
    transparent: bool = False
    dice: bytes | None = None
    """The digest of the inputs as sent, when ``inputs_json`` holds stand-ins."""

    def digest(self) -> bytes:
        if self.dice is not None:
            return self.dice
        return DicePrefix(self.model, self.inputs_json).dice(self.seed, self.index)


def draw_target(model: str, input_name: str, size: Size) -> Size:
    """The size an input image is drawn at in an output of ``size`` (its decode target)."""
    scale = DRAW_SCALE_BY_MODEL.get(model, {}).get(input_name, DRAW_SCALE.get(input_name, 1.0))
    return max(1, int(size[0] * scale)), max(1, int(size[1] * scale))


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
        target = draw_target(job.model, name, job.size)
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
        if released(scene):
            lines.append(f"input images {RELEASED}")
    else:
        lines.append("placeholder: no image inputs")
    canvas.caption(image, lines)


def released(scene: Scene) -> list[str]:
    """Image inputs given as held stand-ins that the store no longer holds."""
    return [n for n in scene.missing if is_token(scene.inputs.get(n))]
