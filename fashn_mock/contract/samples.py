"""Bodies the suites submit: a tiny real image, and the native lifecycle templates
(each dialect has its own list, ``Dialect.templates``)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from fashn_mock.contract.budget import UNLOADABLE_IMAGE

SCRIPTED_POSE_ERROR = "https://example.com/m.jpg#fashn-mock-error=PoseError"
"""An image URL that makes fashn-mock fail the prediction with PoseError (a marker)."""


@cache
def tiny_png(colour: tuple[int, int, int] = (40, 120, 200)) -> str:
    """A real 64x96 PNG as a data URI: loads on any API, costs nothing to send."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 96), colour).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass(frozen=True)
class Template:
    """A body the lifecycle (and SSE) suites submit, and what must become of it."""

    label: str
    body: dict[str, Any]
    must_fail: bool = False
    emulator_only: bool = False


def edit_twice(image: str) -> Template:
    """The native lifecycle's second multi-output body."""
    return Template("edit x2", {"model_name": "edit", "inputs": {
        "image": image, "prompt": "make it red", "num_images": 2, "generation_mode": "fast"}})


def templates(multi: Callable[[str], Template] = edit_twice) -> list[Template]:
    """The lifecycle's bodies; ``multi`` makes the dialect's own multi-output body from
    the sample image (native: ``edit``; a gateway without it chooses another model)."""
    image = tiny_png()
    return [
        Template("background-remove", {"model_name": "background-remove",
                                       "inputs": {"image": image}}),
        Template("tryon-v1.6 x2", {"model_name": "tryon-v1.6", "inputs": {
            "model_image": image, "garment_image": tiny_png((200, 40, 40)),
            "num_samples": 2, "mode": "performance"}}),
        multi(image),
        Template("unloadable image", {"model_name": "background-remove",
                                      "inputs": {"image": UNLOADABLE_IMAGE}}, must_fail=True),
        Template("scripted PoseError", {"model_name": "tryon-v1.6", "inputs": {
            "model_image": SCRIPTED_POSE_ERROR,
            "garment_image": "https://example.com/g.jpg"}}, must_fail=True,
            emulator_only=True),
    ]
