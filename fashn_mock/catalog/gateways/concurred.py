"""The Concurred gateway as data: its 10 models in the forms its page documents, its
own credit prices and its rate windows (docs/api-facts.md#concurred,
docs/api-facts.md#concurred-dialect).

Each model is a variant of the native catalog entry (``dataclasses.replace``): the
inputs Concurred documents (older forms than the native docs today: the LoRA-era
fields, the old reframe form, ``prompt`` required by background-change, ...), its
prices as the entry's ``credits`` and its documented speeds as ``seconds``.

Choices where the page is silent or disagrees with itself (all "assumed"):
- its credits table prices ``face_reference`` and ``num_images`` for product-to-model,
  model-create and model-swap (and ``num_images`` for reframe) although their parameter
  tables omit them: both are accepted, so the documented prices can apply;
- "~12 s" is 11-13 s; try-on keeps the native mode timings (the page gives the same
  5 / 8 / 12-17 s) and image-to-video the native 1-3 minute cells;
- defaults the page does not state are the native ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from fashn_mock.catalog import fields as f
from fashn_mock.catalog.models import BY_NAME as NATIVE
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.catalog.rules import Inputs, Seconds, outputs
from fashn_mock.catalog.spec import Check, ModelSpec

DIALECT = "concurred"
PREFIX = "/api/v1/fashion/"
"""Where its routes live on the emulator (and on the gateway)."""

RATES: dict[str, RateRule] = {
    "concurred.run": RateRule(30, 60),
    "concurred.subscribe": RateRule(30, 60),
    "concurred.status": RateRule(40, 10),
}
"""Its rate windows per key, named for ``Engine.admit`` (docs/api-facts.md#concurred)."""
ROUTE_PATHS = {"concurred.run": "/api/v1/fashion/run",
               "concurred.subscribe": "/api/v1/fashion/subscribe",
               "concurred.status": "/api/v1/fashion/status/:id"}

SSE_TIMEOUT = 120.0
"""The subscribe stream's documented timeout, in seconds (docs/api-facts.md#concurred-sse)."""

RATIOS = ("1:1", "2:3", "3:4", "4:5", "5:4", "4:3", "3:2", "16:9", "9:16")
"""The 9 ratios of product-to-model and model-create (no 21:9)."""
REFRAME_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9")
FACE_RATIOS = ("1:1", "4:5", "3:4", "2:3", "9:16")


def _per_output(credits: int, *, with_face_reference: int | None = None
                ) -> Callable[[Inputs], int]:
    """``credits`` per output (``with_face_reference`` when a face reference is given)."""
    def price(inputs: Inputs) -> int:
        each = with_face_reference if with_face_reference and inputs.get("face_reference") \
            else credits
        return each * outputs(inputs)
    return price


def _flat(credits: int) -> Callable[[Inputs], int]:
    return lambda inputs: credits


def _about(low: float, high: float) -> Callable[[Inputs], Seconds]:
    return lambda inputs: (low, high)


ABOUT_12S = _about(11, 13)  # assumed: the page says "~12s"


def _take(model: str, *names: str) -> dict[str, f.Schema]:
    """The native schemas of ``names`` (in that order) from ``model``'s entry."""
    properties = NATIVE[model].properties
    return {name: properties[name] for name in names}


def _face_reference() -> dict[str, f.Schema]:
    return {"face_reference": f.image("Face identity reference (5 credits per output "
                                      "instead of 3)."),
            "num_images": f.count("Number of images to generate.")}


def _variant(name: str, properties: Mapping[str, f.Schema], *, required: tuple[str, ...],
             credits: Callable[[Inputs], int], seconds: Callable[[Inputs], Seconds] | None,
             notes: str, checks: tuple[Check, ...] | None = None) -> ModelSpec:
    native = NATIVE[name]
    return dataclasses.replace(
        native, properties=dict(properties), required=required, any_of_required=(),
        credits=credits, seconds=seconds or native.seconds, notes=notes, legacy=False,
        checks=native.checks if checks is None else checks)


OUTPUT = ("seed", "output_format", "return_base64")

MODELS: tuple[ModelSpec, ...] = (
    _variant(
        "tryon-v1.6", NATIVE["tryon-v1.6"].properties,
        required=("model_image", "garment_image"), credits=_per_output(3), seconds=None,
        notes="As native; 3 Concurred credits per sample."),
    _variant(
        "product-to-model",
        {**_take("product-to-model", "product_image"),
         "model_image": f.image("Person image (enables try-on mode)."),
         "image_prompt": f.image("Inspiration image for pose and environment."),
         "prompt": f.text("Styling instructions, e.g. 'athletic man, studio background'."),
         "aspect_ratio": f.aspect_ratio(values=RATIOS),
         "resolution": f.enum(("1k", "4k"), "1k (precise) or 4k (creative).", "1k"),
         **_face_reference(),
         **_take("product-to-model", *OUTPUT)},
        required=("product_image",), credits=_per_output(3, with_face_reference=5),
        seconds=ABOUT_12S, checks=(),
        notes="Concurred's form: try-on mode through model_image (combinable), 9 ratios, "
              "resolution 1k|4k; face_reference and num_images from its credits table."),
    _variant(
        "face-to-model",
        {**_take("face-to-model", "face_image", "prompt"),
         "aspect_ratio": f.aspect_ratio(values=FACE_RATIOS, default="2:3"),
         **_take("face-to-model", "seed"),
         "output_format": f.output_format("jpeg"),
         **_take("face-to-model", "return_base64")},
        required=("face_image",), credits=_flat(3), seconds=ABOUT_12S,
        notes="5 vertical ratios (default 2:3); JPEG by default."),
    _variant(
        "model-create",
        {**_take("model-create", "prompt", "image_reference", "reference_type"),
         "aspect_ratio": f.aspect_ratio(values=RATIOS),
         **_take("model-create", "lora_url", "disable_prompt_enhancement"),
         **_face_reference(),
         **_take("model-create", *OUTPUT)},
        required=("prompt",), credits=_per_output(3, with_face_reference=5),
        seconds=ABOUT_12S,
        notes="LoRA-era form (image_reference, reference_type, lora_url, "
              "disable_prompt_enhancement); face_reference and num_images from its "
              "credits table."),
    _variant(
        "model-variation",
        _take("model-variation", "model_image", "variation_strength", "lora_url", *OUTPUT),
        required=("model_image",), credits=_flat(3), seconds=_about(8, 10),
        notes="variation_strength subtle|strong (default subtle), lora_url."),
    _variant(
        "model-swap",
        {**_take("model-swap", "model_image", "prompt", "background_change",
                 "disable_prompt_enhancement", "lora_url"),
         **_face_reference(),
         **_take("model-swap", *OUTPUT)},
        required=("model_image",), credits=_per_output(3, with_face_reference=5),
        seconds=_about(10, 12),
        notes="LoRA-era form (background_change, disable_prompt_enhancement, lora_url); "
              "face_reference and num_images from its credits table."),
    _variant(
        "reframe",
        {**_take("reframe", "image", "mode"),
         "target_aspect_ratio": f.aspect_ratio(
             "Target ratio in aspect_ratio mode.", values=REFRAME_RATIOS),
         **_take("reframe", "target_direction", *OUTPUT),
         "num_images": f.count("Number of images to generate.")},
        required=("image",), credits=_per_output(2), seconds=ABOUT_12S,
        notes="The old form only: mode direction|aspect_ratio, target_aspect_ratio (9 "
              "values), target_direction both|down|up; num_images from its credits table."),
    _variant(
        "background-change",
        {**_take("background-change", "image"),
         "prompt": f.text("Description of the new background, e.g. 'beach sunset'."),
         **_take("background-change", "disable_prompt_enhancement", *OUTPUT)},
        required=("image", "prompt"), credits=_flat(2), seconds=ABOUT_12S,
        notes="prompt is required (no background_prompt)."),
    _variant(
        "background-remove", NATIVE["background-remove"].properties,
        required=("image",), credits=_flat(2), seconds=None,
        notes="As native; 2 Concurred credits."),
    _variant(
        "image-to-video",
        _take("image-to-video", "image", "prompt", "negative_prompt", "duration",
              "resolution"),
        required=("image",), credits=_flat(5), seconds=None,
        notes="duration 5|10 (default 5), resolution 480p|720p|1080p (default 1080p); "
              "no end_image or seed. Takes 1-3 minutes: longer than subscribe's timeout."),
)

BY_NAME: dict[str, ModelSpec] = {spec.name: spec for spec in MODELS}


def price(model: str, inputs: Inputs) -> int:
    """What Concurred charges, in its own credits, for ``model`` with these inputs."""
    return BY_NAME[model].credits(inputs)
