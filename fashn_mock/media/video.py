"""image-to-video outputs: an H.264 MP4 that plays in any browser
(docs/api-facts.md#image-to-video).

The start frame (the input image, cover-fitted, or the placeholder) is animated
with a slow, eased zoom and a seeded pan; with ``end_image`` the clip dissolves
into it and ends on it. Encoding uses PyAV (the ``video`` extra), imported
lazily: without it ``render_video`` raises ``VideoUnavailable``.

Settings aim at "plays everywhere, encodes fast": yuv420p, x264 ``ultrafast``
(Constrained Baseline profile), 12 fps, ``+faststart`` so the index comes first.
Frames are drawn on two worker threads while x264 encodes. x264 runs with a
fixed thread count, so the bytes do not depend on the machine's core count (for
a given PyAV/FFmpeg build).
"""

from __future__ import annotations

import os
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PIL import Image

from fashn_mock.media import canvas
from fashn_mock.media.compose import compose
from fashn_mock.media.job import RenderJob, explain, scene_for
from fashn_mock.media.sources import ImageLoader

FPS = 12
ZOOM = 0.12
"""How far the camera zooms in over the clip (1.0 -> 1.12)."""
DISSOLVE_FROM = 0.6
"""Fraction of the clip after which it dissolves into ``end_image``."""
FRAME_WORKERS = 2
X264_OPTIONS = {"preset": "ultrafast", "tune": "stillimage", "crf": "23", "threads": "2"}
INSTALL_HINT = ("image-to-video outputs need PyAV: install fashn-mock[video] "
                "(pip install 'fashn-mock[video]')")


class VideoUnavailable(RuntimeError):
    """PyAV is not installed, so MP4 outputs cannot be rendered."""


def _av() -> Any:
    try:
        import av
    except ImportError as exc:
        raise VideoUnavailable(INSTALL_HINT) from exc
    return av


def _ease(t: float) -> float:
    return t * t * (3 - 2 * t)


def camera(start: Image.Image, progress: float, pan: tuple[float, float]) -> Image.Image:
    """``start`` seen through a camera that has zoomed in by ``progress`` and
    drifted towards ``pan`` (each in -1..1, a fraction of the free margin)."""
    width, height = start.size
    zoom = 1 + ZOOM * _ease(progress)
    crop_w, crop_h = width / zoom, height / zoom
    left = (width - crop_w) / 2 * (1 + pan[0] * _ease(progress))
    top = (height - crop_h) / 2 * (1 + pan[1] * _ease(progress))
    return start.resize(start.size, canvas.BILINEAR, box=(left, top, left + crop_w, top + crop_h))


def _mark_strip(job: RenderJob) -> tuple[Image.Image, int]:
    """The mark on a transparent strip, pasted on every frame; and its y offset."""
    size = canvas.mark_size(job.size)
    strip = Image.new("RGBA", (job.size[0], 3 * size), (0, 0, 0, 0))
    canvas.mark(strip, job.model, job.seed, job.index, size=size)
    return strip, job.size[1] - strip.height


def progress_marks(duration: float) -> list[float]:
    """Progress (0..1) of each frame: ``duration * FPS`` frames."""
    count = max(2, round(duration * FPS))
    return [i / (count - 1) for i in range(count)]


def _frames(job: RenderJob, start: Image.Image, end: Image.Image | None,
            pan: tuple[float, float], duration: float) -> Iterator[Image.Image]:
    """The clip's frames in order, drawn a few ahead on worker threads (Pillow's
    resize releases the GIL), at most ``FRAME_WORKERS + 1`` held at once."""
    strip, strip_y = _mark_strip(job)

    def draw(progress: float) -> Image.Image:
        frame = camera(start, progress, pan)
        if end is not None and progress > DISSOLVE_FROM:
            frame = Image.blend(frame, end, (progress - DISSOLVE_FROM) / (1 - DISSOLVE_FROM))
        frame.paste(strip, (0, strip_y), strip)
        return frame

    with ThreadPoolExecutor(FRAME_WORKERS, thread_name_prefix="fashn-mock-frames") as pool:
        ahead: deque[Future[Image.Image]] = deque()
        for progress in progress_marks(duration):
            ahead.append(pool.submit(draw, progress))
            if len(ahead) > FRAME_WORKERS:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def render_video(job: RenderJob, loader: ImageLoader) -> bytes:
    """The MP4 bytes for an image-to-video job."""
    av = _av()
    scene = scene_for(job, loader)
    start = compose(scene).convert("RGB")
    explain(start, job, scene, loader)
    end_source = scene.photo("end_image")
    end = canvas.cover(end_source, job.size) if end_source is not None else None
    pan = (scene.dice.between(24, -1, 1), scene.dice.between(25, -1, 1))
    duration = float(scene.inputs.get("duration", 5))
    with tempfile.TemporaryDirectory(prefix="fashn-mock-") as folder:
        path = os.path.join(folder, "output.mp4")
        with av.open(path, "w", format="mp4", options={"movflags": "+faststart"}) as out:
            stream = out.add_stream("libx264", rate=FPS, options=X264_OPTIONS)
            stream.width, stream.height = job.size
            stream.pix_fmt = "yuv420p"
            for frame in _frames(job, start, end, pan, duration):
                for packet in stream.encode(av.VideoFrame.from_image(frame)):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        with open(path, "rb") as file:
            return file.read()
