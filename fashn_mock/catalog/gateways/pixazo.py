"""Pixazo's FASHN gateway, as data beside the catalog (docs/api-facts.md#pixazo).

Pixazo resells one model, try-on v1.6, with a **flat** body (no ``model_name`` or
``inputs``). Its parameter table uses other enum values than FASHN, while its own
request example sends the native ones (docs/api-facts.md#pixazo-dialect), so both
are accepted: ``SPEC``'s schema takes the union, and ``native_inputs`` maps a
validated body to what FASHN runs. The mapping (Pixazo value -> native value):

==================  ==============  ============  =============================================
field               Pixazo          native        why
==================  ==============  ============  =============================================
category            top             tops          the same class, singular
category            bottom          bottoms       the same class, singular
category            dress           one-pieces    FASHN's full-body category (dresses, jumpsuits)
category            outerwear       tops          jackets and coats replace the upper body;
                                                  FASHN has no outerwear class
mode                fast            performance   FASHN's fastest mode (about 5 s)
mode                high_quality    quality       FASHN's slowest, best mode (12-17 s)
garment_photo_type  on_model        model         a garment photographed on a person
garment_photo_type  flat_lay        flat-lay      the same word, hyphenated
moderation_level    strict          conservative  the strictest native level (also blocks
                                                  underwear, swimwear, revealing outfits)
moderation_level    moderate        permissive    the middle level: explicit nudity only
==================  ==============  ============  =============================================

Values both vocabularies share (``auto``, ``balanced``, ``permissive``) are native
values and pass unchanged. In particular Pixazo's ``permissive`` is *not* mapped to
native ``none``: its own example sends ``permissive`` meaning FASHN's default, and
switching moderation off for every client that copied it would be a silent change.
Native ``none`` is reachable only by its native name. The mapping back
(``PIXAZO_MODE``) gives ``metadata.mode`` in Pixazo's vocabulary.

Beyond the enums: ``num_samples`` goes up to 5 (FASHN's own limit is 4), one output
per sample; ``return_base64`` is not offered (Pixazo answers with URLs only) and is
dropped like any undeclared field; ``seed`` is kept (the upstream takes it). Image
inputs accept URLs and base64 like FASHN (Pixazo mentions only public URLs).
Timings and the output size are FASHN's (864x1296; Pixazo's example shows 576x864,
v1.5's size, but ``images[]`` reports the real size of what is served).

Price: USD 0.075 per request whatever ``num_samples`` ("All Resolution"), charged
when the request completes; a failed, canceled or timed-out request is free, as
every prediction in fashn-mock (Pixazo does not say). No FASHN credits are charged.
Pixazo publishes no rate limits, so none apply by default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from fashn_mock.catalog.fields import Schema
from fashn_mock.catalog.models import BY_NAME
from fashn_mock.catalog.spec import ModelSpec

BASES = ("/fashn-virtual-try-on-917/v1", "/fashn-virtual-try-on/v1")
"""Where the API lives: the gateway's page shows the first; its model page the second."""
SUBMIT, RESULT = "/fashn-virtual-try-on-request", "/fashn-virtual-try-on-request-result"
REQUEST_ID_PREFIX = "fashn-req-"
"""A request id is this prefix and the prediction id (nothing else to store)."""
ERROR_TEXTS: dict[int, str] = {
    400: "Invalid request parameters",
    401: "Invalid or missing authentication",
    403: "Access denied for this operation",
    404: "Endpoint not found",
    429: "Rate limit exceeded, please retry later",
    500: "An unexpected error occurred, please try again later",
}
"""Every status Pixazo documents for errors, with its documented text."""

NATIVE = BY_NAME["tryon-v1.6"]
"""The FASHN model behind Pixazo's only endpoint."""
PRICE_USD = 0.075
"""Per request, charged on completion (docs/api-facts.md#pixazo)."""
CREDITS = 0
"""FASHN credits charged: none, Pixazo bills in dollars."""
MAX_SAMPLES = 5
"""Pixazo's documented ``num_samples`` maximum (docs/api-facts.md#pixazo-dialect)."""

TO_NATIVE: dict[str, dict[str, str]] = {
    "category": {"top": "tops", "bottom": "bottoms", "dress": "one-pieces",
                 "outerwear": "tops"},
    "mode": {"fast": "performance", "high_quality": "quality"},
    "garment_photo_type": {"on_model": "model", "flat_lay": "flat-lay"},
    "moderation_level": {"strict": "conservative", "moderate": "permissive"},
}
"""Pixazo's documented values that FASHN spells otherwise (see the module docstring)."""
PIXAZO_VALUES: dict[str, tuple[str, ...]] = {
    "category": ("auto", "top", "bottom", "dress", "outerwear"),
    "mode": ("fast", "balanced", "high_quality"),
    "garment_photo_type": ("auto", "on_model", "flat_lay"),
    "moderation_level": ("strict", "moderate", "permissive"),
}
"""Pixazo's parameter table, verbatim."""
PIXAZO_MODE: dict[str, str] = {"performance": "fast", "balanced": "balanced",
                               "quality": "high_quality"}
"""A native mode in Pixazo's words (for ``metadata.mode``)."""
DROPPED = ("return_base64",)
"""Native inputs Pixazo does not offer."""

ERROR_CODES: dict[str, str] = {
    "ImageLoadError": "INVALID_IMAGE_URI",  # Pixazo's documented example
    "InputValidationError": "INVALID_INPUT",
    "ContentModerationError": "CONTENT_MODERATION",  # "moderation rejection"
    "NSFWError": "CONTENT_MODERATION",
    "PoseError": "POSE_DETECTION_FAILED",
    "PhotoTypeError": "GARMENT_PHOTO_TYPE_UNDETECTED",
    "LoRALoadError": "INVALID_INPUT",
    "PipelineError": "PROCESSING_ERROR",
    "ThirdPartyError": "UPSTREAM_ERROR",
    "3rdPartyProviderError": "UPSTREAM_ERROR",
    "InternalServerError": "INTERNAL_ERROR",
    "UnavailableError": "SERVICE_UNAVAILABLE",
}
"""FASHN runtime error name -> Pixazo ``error_code``. Pixazo documents one code,
``INVALID_IMAGE_URI`` (an image that cannot be loaded); the others are assumed, in the
same style, one per kind of failure its page names (invalid inputs, service error,
moderation rejection)."""
FALLBACK_CODE = "PROCESSING_ERROR"
"""For a runtime error missing from ``ERROR_CODES``."""
INTERRUPTIONS: dict[str, tuple[str, str]] = {
    "canceled": ("CANCELED", "The request was canceled before it finished."),
    "time_out": ("TIMEOUT", "The request timed out before it finished."),
}
"""FAILED codes and messages of predictions ended without an error (control API)."""


def error_code(name: str) -> str:
    """Pixazo's ``error_code`` for a FASHN runtime error name."""
    return ERROR_CODES.get(name, FALLBACK_CODE)


def _properties() -> dict[str, Schema]:
    properties = {k: dict(v) for k, v in NATIVE.properties.items() if k not in DROPPED}
    for name, values in PIXAZO_VALUES.items():
        native = list(properties[name]["enum"])
        properties[name]["enum"] = native + [v for v in values if v not in native]
        properties[name]["description"] += (
            f" Pixazo's values {', '.join(values)} are accepted and mapped.")
    properties["num_samples"]["maximum"] = MAX_SAMPLES
    return properties


SPEC: ModelSpec = dataclasses.replace(
    NATIVE,
    properties=_properties(),
    summary="Virtual try-on v1.6 through the Pixazo gateway (flat body).",
    notes="Pixazo's and FASHN's enum values are both accepted; num_samples up to 5 "
          "(docs/api-facts.md#pixazo-dialect).",
)
"""tryon-v1.6 as Pixazo takes it: the union of both vocabularies, ``num_samples`` <= 5."""


def native_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A body validated against ``SPEC``, with every value in FASHN's words (pure)."""
    return {name: TO_NATIVE.get(name, {}).get(value, value)
            if isinstance(value, str) else value
            for name, value in inputs.items()}
