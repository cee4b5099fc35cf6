"""Reusable input field schemas (JSON Schema 2020-12 fragments).

Every model's ``inputs`` schema is assembled from these builders, so a value
such as the aspect-ratio list or the seed range is written once. Image inputs
carry the ``x-fashn-image`` extension keyword: validators ignore it, the engine
uses it to know which strings to load as images.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

SEED_MAX = 2**32 - 1
"""Largest documented seed (docs/api-facts.md#shared-parameters)."""

ASPECT_RATIOS = ("21:9", "1:1", "4:3", "3:2", "2:3", "5:4", "4:5", "3:4", "16:9", "9:16")
"""Current ten-value list (docs/api-facts.md#shared-parameters); older lists are subsets of it."""

RESOLUTIONS = ("1k", "2k", "4k")
GENERATION_MODES = ("fast", "balanced", "quality")
OUTPUT_FORMATS = ("png", "jpeg")
FACE_REFERENCE_MODES = ("match_base", "match_reference")


def image(description: str) -> Schema:
    """An image input: public URL, ``data:image/...;base64,`` URI (or ``saved:<name>``)."""
    return {
        "type": "string",
        "minLength": 1,
        "description": f"{description} Public http(s) URL or data:image/<fmt>;base64,<data> URI.",
        "x-fashn-image": True,
    }


def text(description: str, default: str | None = None) -> Schema:
    schema: Schema = {"type": "string", "description": description}
    if default is not None:
        schema["default"] = default
    return schema


def enum(values: tuple[Any, ...], description: str, default: Any = None) -> Schema:
    kind = "integer" if all(isinstance(v, int) for v in values) else "string"
    schema: Schema = {"type": kind, "enum": list(values), "description": description}
    if default is not None:
        schema["default"] = default
    return schema


def boolean(description: str, default: bool) -> Schema:
    return {"type": "boolean", "description": description, "default": default}


def seed(default: int | None = 42) -> Schema:
    schema: Schema = {
        "type": "integer",
        "minimum": 0,
        "maximum": SEED_MAX,
        "description": "Seed for reproducible results.",
    }
    if default is not None:
        schema["default"] = default
    return schema


def count(description: str, maximum: int = 4) -> Schema:
    return {"type": "integer", "minimum": 1, "maximum": maximum, "default": 1,
            "description": description}


def aspect_ratio(description: str = "Output aspect ratio.",
                 default: str | None = None,
                 values: tuple[str, ...] = ASPECT_RATIOS) -> Schema:
    return enum(values, description, default)


def resolution(default: str | None = "1k") -> Schema:
    return enum(RESOLUTIONS, "Output resolution tier: 1k (~1 MP), 2k (~4 MP), 4k (~16 MP).",
                default)


def generation_mode(values: tuple[str, ...] = GENERATION_MODES) -> Schema:
    return enum(values, "Speed/quality trade-off. When omitted the service picks one; "
                        "billing then follows the documented fallback.")


def output_format(default: str = "png") -> Schema:
    return enum(OUTPUT_FORMATS, "Output image format.", default)


def return_base64() -> Schema:
    return boolean("Return data: URIs instead of CDN URLs (kept 60 minutes).", False)


def lora_url() -> Schema:
    return {"type": "string", "description":
            "Legacy: URL of FLUX.1-dev LoRA weights (.safetensors, < 256 MB)."}


def common_generation(*, default_format: str = "png", with_aspect_ratio: bool = True,
                      modes: tuple[str, ...] = GENERATION_MODES) -> dict[str, Schema]:
    """The block most generative models share: ratio, tier, mode, seed, count, format."""
    block: dict[str, Schema] = {}
    if with_aspect_ratio:
        block["aspect_ratio"] = aspect_ratio()
    block.update({
        "resolution": resolution(),
        "generation_mode": generation_mode(modes),
        "seed": seed(),
        "num_images": count("Number of images to generate."),
        "output_format": output_format(default_format),
        "return_base64": return_base64(),
    })
    return block


def face_reference_block() -> dict[str, Schema]:
    return {
        "face_reference": image("Face identity reference (+3 credits per output)."),
        "face_reference_mode": enum(FACE_REFERENCE_MODES, "How closely to follow the face.",
                                    "match_reference"),
    }
