"""What each model's output looks like: its input images composed the way the
model would use them, or a clear placeholder where an input is unavailable.

Each composer takes a ``Scene`` and returns an image of exactly ``scene.size``
(RGB, or RGBA for transparent outputs). Variation across seeds and output
indexes comes from ``scene.dice`` only: a colour grade, offsets and palettes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageStat

from fashn_mock.catalog.rules import Size
from fashn_mock.media import canvas as c
from fashn_mock.media.cutout import subject_mask

GRADE = 0.14
"""How much of a seeded colour is blended over input photos (visible, not garish)."""


@dataclass
class Scene:
    model: str
    size: Size
    inputs: dict[str, Any]
    images: dict[str, Image.Image]
    """Decoded image inputs, by input name."""
    dice: c.Dice
    transparent: bool = False
    missing: list[str] = field(default_factory=list)
    """Image inputs that were given but could not be loaded (URL, saved:...)."""

    def image(self, *names: str) -> Image.Image | None:
        """The first of ``names`` that was loaded, as decoded (RGB or RGBA)."""
        return next((self.images[n] for n in names if n in self.images), None)

    def photo(self, *names: str) -> Image.Image | None:
        """Like ``image``, flattened to RGB: for backgrounds and blends."""
        image = self.image(*names)
        return None if image is None else c.flatten(image)

    def backdrop(self) -> Image.Image:
        """The seeded placeholder background."""
        return c.gradient(self.size, self.dice.colour(0, 64, 160), self.dice.colour(3, 0, 96))

    def grade(self, image: Image.Image) -> Image.Image:
        """The seeded colour grade that makes each seed's output visibly its own."""
        return c.tint(image, self.dice.colour(10), GRADE)

    def graded_cover(self, image: Image.Image, zoom: float = 1.0) -> Image.Image:
        """``image`` cover-fitted to the output and graded. The grade is a per-channel
        affine map, so it commutes with resampling: apply it to whichever of the
        source and the output is smaller (a 4k output then needs one full-size
        buffer, not two)."""
        if image.width * image.height < self.size[0] * self.size[1]:
            return c.cover(self.grade(image), self.size, zoom=zoom)
        return self.grade(c.cover(image, self.size, zoom=zoom))


def placeholder(scene: Scene) -> Image.Image:
    """A seeded backdrop and figure: the output of a model whose inputs are unknown."""
    base = scene.backdrop()
    figure = c.Figure.place(scene.size, scene.dice)
    figure.draw(ImageDraw.Draw(base), scene.dice.colour(7))
    return base


def tryon(scene: Scene) -> Image.Image:
    """The garment (cut out) over the person's torso, legs or whole outfit."""
    person = scene.photo("model_image")
    garment = scene.image("garment_image", "product_image")
    if person is None:
        base = placeholder(scene)
        figure = c.Figure.place(scene.size, scene.dice)
    else:
        base = scene.graded_cover(person)
        figure = c.Figure.place(scene.size)
    category = scene.inputs.get("category", "auto")
    box = {"bottoms": figure.legs, "one-pieces": figure.outfit}.get(category, figure.torso)
    box = _jitter(box, scene.dice)
    if garment is None:
        c.garment_shape(ImageDraw.Draw(base), box, scene.dice.colour(13))
    else:
        _paste_cutout(base, garment, box)
    return base


def product_to_model(scene: Scene) -> Image.Image:
    """A generated model wearing the product, in the referenced scene."""
    if "model_image" in scene.images:
        return tryon(scene)
    scenery = scene.photo("background_reference", "image_prompt")
    if scenery is None:
        base = scene.backdrop()
    else:
        base = scene.graded_cover(scenery)
        if "background_reference" not in scene.images:
            base = Image.blend(base, scene.backdrop(), 0.5)
    return _model(scene, base, garment=scene.image("product_image"))


def face_to_model(scene: Scene) -> Image.Image:
    return _model(scene, scene.backdrop(), face=scene.image("face_image"))


def model_create(scene: Scene) -> Image.Image:
    base = scene.backdrop()
    reference = scene.photo("image_reference")
    if reference is not None:
        base = Image.blend(base, c.cover(reference, scene.size), 0.45)
    return _model(scene, base)


def model_swap(scene: Scene) -> Image.Image:
    """The same photo with another identity: the model image, regraded, and the
    face reference (when given) shown where a head usually is."""
    person = scene.photo("model_image")
    if person is None:
        return _model(scene, scene.backdrop())
    base = scene.graded_cover(person, zoom=scene.dice.between(20, 1.0, 1.06))
    face = scene.image("face_reference")
    if face is not None:
        c.paste_circle(base, face, c.Figure.place(scene.size).head)
    return base


def edit(scene: Scene) -> Image.Image:
    """The image with its masked area (or the whole image) changed."""
    source = scene.photo("image")
    if source is None:
        return placeholder(scene)
    base = c.cover(source, scene.size)
    context = scene.photo("image_context")
    edited = (Image.blend(base, c.cover(context, scene.size), 0.5) if context is not None
              else c.tint(base, scene.dice.colour(10), 0.35))
    mask = scene.image("mask", "mask_image")
    if mask is None:
        return Image.blend(base, edited, 0.5)
    return Image.composite(edited, base, mask.convert("L").resize(scene.size, c.BILINEAR))


def reframe(scene: Scene) -> Image.Image:
    """The source, whole, on a canvas of the new ratio; the new area is a blurred
    extension of it (outpainting, roughly)."""
    source = scene.photo("image")
    if source is None:
        return placeholder(scene)
    width, height = scene.size
    small = c.cover(source, (max(1, width // 16), max(1, height // 16)))
    base = scene.grade(small.filter(ImageFilter.GaussianBlur(2))).resize(scene.size, c.BILINEAR)
    photo, (x, y) = c.contain(source, (0, 0, width, height))
    direction = scene.inputs.get("target_direction")
    if not scene.inputs.get("aspect_ratio") and scene.inputs.get("mode") != "aspect_ratio":
        y = {"down": 0, "up": height - photo.height}.get(str(direction), y)
    base.paste(photo, (x, y))
    return base


def background_change(scene: Scene) -> Image.Image:
    """The subject, cut out, on a new seeded scene."""
    source = scene.image("image")
    if source is None:
        return placeholder(scene)
    base = _scenery(scene)
    subject = c.cover(source, scene.size)
    base.paste(subject, (0, 0), subject_mask(source, scene.size))
    return base


def background_remove(scene: Scene) -> Image.Image:
    """The subject on a fully transparent background (RGBA)."""
    source = scene.image("image")
    if source is None:
        figure = c.Figure.place(scene.size, scene.dice)
        base = placeholder(scene).convert("RGBA")
        alpha = Image.new("L", scene.size, 0)
        figure.draw(ImageDraw.Draw(alpha), 255)
    else:
        base = c.cover(source, scene.size).convert("RGBA")
        alpha = subject_mask(source, scene.size)
    base.putalpha(alpha)
    return base


def packshot(scene: Scene) -> Image.Image:
    """The product, cut out and centred, on a clean studio sweep with a shadow."""
    r, g, b = scene.dice.colour(0, 226, 30)
    context = scene.image("image_context")
    if context is not None:
        mr, mg, mb = ImageStat.Stat(context.convert("RGB").resize((16, 16))).mean
        r, g, b = int(0.6 * r + 0.4 * mr), int(0.6 * g + 0.4 * mg), int(0.6 * b + 0.4 * mb)
    width, height = scene.size
    base = c.gradient(scene.size, (252, 252, 252), (r, g, b))
    ImageDraw.Draw(base).ellipse((width * 0.25, height * 0.8, width * 0.75, height * 0.88),
                                 fill=(max(0, r - 40), max(0, g - 40), max(0, b - 40)))
    box = _jitter((width * 0.18, height * 0.1, width * 0.82, height * 0.84), scene.dice)
    product = scene.image("product_image")
    if product is None:
        c.garment_shape(ImageDraw.Draw(base), box, scene.dice.colour(13))
    else:
        _paste_cutout(base, product, box)
    return base


def _model(scene: Scene, base: Image.Image, *, garment: Image.Image | None = None,
           face: Image.Image | None = None) -> Image.Image:
    """A generated model (the figure) on ``base``, wearing ``garment``, with ``face``."""
    figure = c.Figure.place(scene.size, scene.dice)
    figure.draw(ImageDraw.Draw(base), scene.dice.colour(7))
    face = face or scene.image("face_reference")
    if face is not None:
        c.paste_circle(base, face, figure.head)
    if garment is not None:
        _paste_cutout(base, garment, figure.torso)
    return base


def _paste_cutout(base: Image.Image, image: Image.Image, box: c.Box) -> None:
    fitted, at = c.contain(image, box)
    mask = subject_mask(image, fitted.size)
    base.paste(fitted.convert(base.mode), at, mask)


def _jitter(box: c.Box, dice: c.Dice) -> c.Box:
    """``box`` moved and scaled a little by the seed."""
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    dx, dy = dice.between(16, -0.06, 0.06) * w, dice.between(17, -0.04, 0.04) * h
    grow = dice.between(18, -0.06, 0.06)
    return (left + dx - grow * w, top + dy - grow * h, right + dx + grow * w,
            bottom + dy + grow * h)


def _scenery(scene: Scene) -> Image.Image:
    """A seeded "new background": sky, horizon and a few soft shapes."""
    width, height = scene.size
    base = c.gradient(scene.size, scene.dice.colour(20, 120, 120), scene.dice.colour(23, 40, 120))
    draw = ImageDraw.Draw(base)
    horizon = height * scene.dice.between(26, 0.55, 0.75)
    draw.rectangle((0, horizon, width, height), fill=scene.dice.colour(27, 30, 90))
    for i in range(3):
        r = min(width, height) * scene.dice.between(29 + i, 0.06, 0.16)
        x, y = width * scene.dice.unit(2 + i), horizon * scene.dice.unit(5 + i)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=scene.dice.colour(11 + i, 150, 100))
    return base


Composer = Callable[[Scene], Image.Image]
COMPOSERS: dict[str, Composer] = {
    "tryon-max": tryon, "tryon-v1.6": tryon, "tryon-v1.5": tryon,
    "product-to-model": product_to_model, "face-to-model": face_to_model,
    "model-create": model_create, "model-swap": model_swap, "model-variation": model_swap,
    "edit": edit, "reframe": reframe, "background-change": background_change,
    "background-remove": background_remove, "packshot": packshot,
}
"""Composer per model; models not listed (and video frames) use the image's
cover-fit or the placeholder."""


def compose(scene: Scene) -> Image.Image:
    composer = COMPOSERS.get(scene.model)
    if composer is not None:
        return composer(scene)
    start = scene.photo("image")
    return scene.graded_cover(start) if start is not None else placeholder(scene)
