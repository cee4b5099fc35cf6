"""Deterministic synthetic outputs.

The bytes depend only on a ``RenderJob`` (model, canonical inputs, seed, output
index, size, format) and on the content behind its input images: the same
request and seed give identical bytes whatever the prediction id; another seed
or index gives a visibly different picture. Images are composed by
``media.compose``; ``mp4`` jobs are handed to ``media.video``.

A prediction's stored inputs may name data-URI images by stand-ins (``media.held``);
its job then carries ``dice``, the digest of the request as sent, so the picture is
the one the full inputs give, as long as the held image is still there.
"""

from __future__ import annotations

import io

from PIL import Image

from fashn_mock.media import canvas
from fashn_mock.media.compose import Scene, compose
from fashn_mock.media.job import RELEASED, RenderJob, explain, released, scene_for
from fashn_mock.media.png import encode_png
from fashn_mock.media.sources import ImageLoader
from fashn_mock.media.video import render_video

MARK = canvas.MARK
JPEG_QUALITY = 90


def draw(job: RenderJob, loader: ImageLoader | None = None) -> Image.Image:
    """The output picture, before encoding."""
    return _drawn(job, loader or ImageLoader())[0]


def _drawn(job: RenderJob, loader: ImageLoader) -> tuple[Image.Image, Scene]:
    scene = scene_for(job, loader)
    image = compose(scene)
    mode = "RGBA" if job.transparent else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    explain(image, job, scene, loader)
    canvas.mark(image, job.model, job.seed, job.index)
    return image, scene


def encode(image: Image.Image, output_format: str, comment: str = "",
           jpeg_comment: str | None = None) -> bytes:
    """PNG (``Software`` and ``Comment`` text chunks) or JPEG (a COM segment only
    when ``jpeg_comment`` is given)."""
    if output_format == "jpeg":
        buffer = io.BytesIO()
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        extra = {"comment": jpeg_comment} if jpeg_comment else {}
        rgb.save(buffer, "JPEG", quality=JPEG_QUALITY, **extra)
        return buffer.getvalue()
    return encode_png(image, text={"Software": MARK, "Comment": comment})


def render(job: RenderJob, loader: ImageLoader | None = None) -> bytes:
    """The bytes of one output: PNG/JPEG, or MP4 for video jobs."""
    if job.output_format == "mp4":
        return render_video(job, loader or ImageLoader())
    image, scene = _drawn(job, loader or ImageLoader())
    comment = f"{job.model} seed {job.seed} output {job.index}"
    gone = released(scene)
    note = (f"placeholder: {', '.join(n.replace('_', ' ') for n in gone)} {RELEASED}"
            if gone else None)
    return encode(image, job.output_format, f"{comment}; {note}" if note else comment,
                  jpeg_comment=f"{MARK}: {comment}; {note}" if note else None)
