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

What a prediction keeps of its inputs (``load_run``): a data-URI image longer than
``HELD_ABOVE`` characters, and any other string longer than ``KEPT_UP_TO``, is
stored as a stand-in naming its SHA-256 (``media.held``), so memory per prediction
stays small whatever a client sends. Data-URI images that load are held, within
``--input-cache-mb``, as rendering will use them; the prediction keeps the digest
of the inputs as sent, so its outputs are the pictures the full inputs give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fashn_mock.catalog import ModelSpec
from fashn_mock.catalog.rules import Size
from fashn_mock.media import decode
from fashn_mock.media.fetch import Fetcher, FetchError
from fashn_mock.media.held import HeldInputs, token
from fashn_mock.media.job import DicePrefix, draw_target
from fashn_mock.validation import RunRequest, canonical_json, canonical_pieces

URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
SAVED = re.compile(r"^saved:.+$")
INVALID_DATA = "Invalid base64 image data"
SAVED_INPUTS = {"model_image"}
"""``saved:<name>`` is documented for try-on model images (docs/api-facts.md#image-inputs)."""
HELD_ABOVE = 1024
"""Data-URI image inputs longer than this (characters) are stored as stand-ins."""
KEPT_UP_TO = 16 * 1024
"""Other input strings longer than this are stored as stand-ins (a long URL is then
no longer fetched at render time: its output shows the placeholder)."""
ALWAYS_KEPT = min(HELD_ABOVE, KEPT_UP_TO)
"""No string this short is ever a stand-in (checked first: the common case)."""


@dataclass
class LoadedImages:
    sizes: dict[str, Size] = field(default_factory=dict)
    error: str | None = None
    """The ImageLoadError message, when an input cannot be loaded."""
    stored_inputs: str | None = None
    """Canonical JSON of the inputs as the prediction keeps them (stand-ins for long
    strings); None when that is the request's own canonical JSON."""
    dice: DicePrefix | None = None
    """The digest of the inputs as sent, when ``stored_inputs`` differs from them."""


def label(input_name: str) -> str:
    return input_name.replace("_", " ")


def data_uri_size(value: str) -> Size:
    """The displayed size of the image in a ``data:image/...;base64,`` URI.

    Raises ``decode.ImageRefused`` (its message completes "Error loading ...")."""
    return _measured(decode.data_uri_bytes(value))


def _measured(raw: bytes | None) -> Size:
    if raw is None:
        raise decode.ImageRefused(INVALID_DATA)
    try:
        return decode.measure(raw)
    except decode.Undecodable:
        raise decode.ImageRefused(INVALID_DATA) from None


def load_images(spec: ModelSpec, inputs: dict[str, Any], fetcher: Fetcher | None = None,
                *, keep: dict[str, bytes] | None = None) -> LoadedImages:
    """Check every image input; ``fetcher`` (when fetching is on) loads URLs.
    ``keep`` receives the file bytes of the data-URI images that load."""
    loaded = LoadedImages()
    for name in spec.image_inputs:
        value = inputs.get(name)
        if not isinstance(value, str):
            continue
        problem = _problem(spec, name, value, loaded, fetcher, keep)
        if problem:
            loaded.error = f"Error loading {label(name)}: {problem}"
            break
    return loaded


def load_run(run: RunRequest, fetcher: Fetcher | None = None,
             held: HeldInputs | None = None) -> LoadedImages:
    """``load_images``, then what the prediction keeps: long strings as stand-ins,
    and (when every image loaded) the data-URI images held in ``held`` as drawn in
    the output. Slow (decoding, hashing): call it outside the engine's lock."""
    spec, inputs = run.spec, run.inputs
    text = run.kept_sent_json()
    # JSON escaping never shortens a string: a JSON text this short holds no long one
    # (and no default is long)
    long = {} if text is not None and len(text) <= ALWAYS_KEPT else stand_ins(spec, inputs)
    raws: dict[str, bytes] = {}
    loaded = load_images(spec, inputs, fetcher, keep=raws if long and held is not None else None)
    if not long:
        return loaded
    if held is not None and loaded.error is None:
        size = spec.geometry(inputs, loaded.sizes)
        for name in long.keys() & raws.keys():
            held.hold(long[name], raws[name], draw_target(spec.name, name, size))
    loaded.stored_inputs = canonical_json({**inputs, **long})
    # a data URI that decoded is plain base64 text: hashed as it is, not copied
    loaded.dice = DicePrefix(spec.name, *canonical_pieces(inputs, plain=raws.keys()))
    raws.clear()
    return loaded


def stand_ins(spec: ModelSpec, inputs: dict[str, Any]) -> dict[str, str]:
    """The stand-in of each input string too long to keep, by input name."""
    return {name: token(value) for name, value in inputs.items()
            if isinstance(value, str) and len(value) > ALWAYS_KEPT
            and len(value) > _kept(spec, name, value)}


def stored_inputs(run: RunRequest) -> str:
    """The canonical JSON a prediction that is never rendered keeps (playback)."""
    long = stand_ins(run.spec, run.inputs)
    return canonical_json({**run.inputs, **long}) if long else run.canonical_inputs()


def _kept(spec: ModelSpec, name: str, value: str) -> int:
    """The longest value of input ``name`` kept as it is."""
    image = name in spec.image_inputs and value.startswith("data:")
    return HELD_ABOVE if image else KEPT_UP_TO


def _problem(spec: ModelSpec, name: str, value: str, loaded: LoadedImages,
             fetcher: Fetcher | None, keep: dict[str, bytes] | None) -> str | None:
    if value.startswith("data:"):
        raw = decode.data_uri_bytes(value)
        try:
            loaded.sizes[name] = _measured(raw)
        except decode.ImageRefused as exc:
            return str(exc)
        if keep is not None and raw is not None:
            keep[name] = raw
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
