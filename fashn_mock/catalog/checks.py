"""Rules between fields. Breaking one is not a schema error: the prediction is
accepted and then fails at runtime with ``InputValidationError``
(docs/api-facts.md#runtime-errors)."""

from __future__ import annotations

from fashn_mock.catalog.rules import Inputs, ratio_value
from fashn_mock.catalog.spec import ImageSizes

RATIO_TOLERANCE = 0.02  # "within 2% of the target ratio": docs/api-facts.md#reframe


def model_image_alone(inputs: Inputs, images: ImageSizes) -> str | None:
    """product-to-model: the deprecated ``model_image`` cannot be combined with
    other references (docs/api-facts.md#product-to-model)."""
    if not inputs.get("model_image"):
        return None
    clashing = [k for k in ("image_prompt", "background_reference", "face_reference")
                if inputs.get(k)]
    if clashing:
        return (f"model_image cannot be combined with {', '.join(clashing)}; "
                "use tryon-max for try-on with references")
    return None


def end_image_needs_1080p(inputs: Inputs, images: ImageSizes) -> str | None:
    """image-to-video: ``end_image`` only at 1080p (docs/api-facts.md#image-to-video)."""
    if inputs.get("end_image") and inputs.get("resolution", "1080p") != "1080p":
        return (f"end_image is only supported at resolution 1080p, "
                f"got {inputs.get('resolution')}")
    return None


def reframe_target_given(inputs: Inputs, images: ImageSizes) -> str | None:
    """Old reframe form: aspect_ratio mode needs ``target_aspect_ratio``
    (docs/api-facts.md#reframe)."""
    if (not inputs.get("aspect_ratio") and inputs.get("mode") == "aspect_ratio"
            and not inputs.get("target_aspect_ratio")):
        return "target_aspect_ratio is required when mode is 'aspect_ratio'"
    return None


def reframe_changes_ratio(inputs: Inputs, images: ImageSizes) -> str | None:
    """reframe: a source already within 2% of the target ratio is rejected
    (docs/api-facts.md#reframe)."""
    target = inputs.get("aspect_ratio") or inputs.get("target_aspect_ratio")
    if not target or "image" not in images:
        return None
    width, height = images["image"]
    wanted = ratio_value(str(target))
    if abs(width / height - wanted) / wanted <= RATIO_TOLERANCE:
        return f"Image already matches target aspect ratio {target} ({width}x{height})"
    return None


def mask_matches_image(inputs: Inputs, images: ImageSizes) -> str | None:
    """edit: ``mask`` must have the source image's dimensions (docs/api-facts.md#edit)."""
    mask_key = "mask" if "mask" in images else "mask_image"
    if mask_key not in images or "image" not in images:
        return None
    if images[mask_key] != images["image"]:
        mw, mh = images[mask_key]
        iw, ih = images["image"]
        return f"{mask_key} size {mw}x{mh} does not match image size {iw}x{ih}"
    return None
