"""Load image inputs the way the real API does, deciding whether a prediction
will fail with ``ImageLoadError`` and learning each decodable image's size.

Data URIs are measured without decoding their pixels in full (see
``fashn_mock.media.decode``): an image above the pixel cap fails the prediction
with a message saying so; a truncated or corrupt one with ``Invalid base64 image
data``.

URL inputs are fetched only when a ``Fetcher`` is given (``--fetch-inputs``):
then a URL that does not answer with an image fails the prediction with the
API's message (e.g. ``Error loading model image: The URL's Content-Type is not
an image. Content-Type: text/plain;charset=UTF-8``). Without one, a well-formed
http(s) URL loads, with an unknown size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fashn_mock.catalog import ModelSpec
from fashn_mock.catalog.rules import Size
from fashn_mock.media import decode
from fashn_mock.media.fetch import Fetcher, FetchError

URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
SAVED = re.compile(r"^saved:.+$")
INVALID_DATA = "Invalid base64 image data"
SAVED_INPUTS = {"model_image"}
"""``saved:<name>`` is documented for try-on model images (docs/api-facts.md#image-inputs)."""


@dataclass
class LoadedImages:
    sizes: dict[str, Size] = field(default_factory=dict)
    error: str | None = None
    """The ImageLoadError message, when an input cannot be loaded."""


def label(input_name: str) -> str:
    return input_name.replace("_", " ")


def data_uri_size(value: str) -> Size:
    """The displayed size of the image in a ``data:image/...;base64,`` URI.

    Raises ``decode.ImageRefused`` (its message completes "Error loading ...")."""
    raw = decode.data_uri_bytes(value)
    if raw is None:
        raise decode.ImageRefused(INVALID_DATA)
    try:
        return decode.measure(raw)
    except decode.Undecodable:
        raise decode.ImageRefused(INVALID_DATA) from None


def load_images(spec: ModelSpec, inputs: dict[str, Any],
                fetcher: Fetcher | None = None) -> LoadedImages:
    """Check every image input; ``fetcher`` (when fetching is on) loads URLs."""
    loaded = LoadedImages()
    for name in spec.image_inputs:
        value = inputs.get(name)
        if not isinstance(value, str):
            continue
        problem = _problem(spec, name, value, loaded, fetcher)
        if problem:
            loaded.error = f"Error loading {label(name)}: {problem}"
            break
    return loaded


def _problem(spec: ModelSpec, name: str, value: str, loaded: LoadedImages,
             fetcher: Fetcher | None) -> str | None:
    if value.startswith("data:"):
        try:
            loaded.sizes[name] = data_uri_size(value)
        except decode.ImageRefused as exc:
            return str(exc)
        return None
    if URL.match(value):
        if fetcher is None:
            return None
        try:
            loaded.sizes[name] = fetcher.image_size(value)
        except FetchError as exc:
            return str(exc)
        return None
    if SAVED.match(value) and name in SAVED_INPUTS and spec.name.startswith("tryon"):
        return None
    return "Invalid URL format"
