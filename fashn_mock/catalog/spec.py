"""The shape of one catalog entry: everything the emulator knows about a model."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from fashn_mock.catalog.fields import Schema
from fashn_mock.catalog.rules import Inputs, Seconds, Size

ImageSizes = Mapping[str, Size]
"""Pixel size of each decodable image input, by input name."""

Geometry = Callable[[Inputs, ImageSizes], Size]
"""Output pixel size for given inputs and decoded input sizes."""

Check = Callable[[Inputs, ImageSizes], str | None]
"""A rule between fields: returns an ``InputValidationError`` message, or None."""

OutputKind = Literal["image", "video"]

SHARED_RUNTIME_ERRORS = (
    "ImageLoadError", "ContentModerationError", "InputValidationError", "PipelineError",
    "ThirdPartyError", "3rdPartyProviderError", "InternalServerError", "UnavailableError",
)


@dataclass(frozen=True)
class ModelSpec:
    """One model: its inputs schema and the rules that price, time and shape its outputs."""

    name: str
    summary: str
    properties: Mapping[str, Schema]
    required: tuple[str, ...]
    credits: Callable[[Inputs], int]
    seconds: Callable[[Inputs], Seconds]
    geometry: Geometry
    any_of_required: tuple[tuple[str, ...], ...] = ()
    """Alternative required sets, when documented forms disagree (e.g. edit v1 vs v2)."""
    checks: tuple[Check, ...] = ()
    output_kind: OutputKind = "image"
    transparent: bool = False
    lifecycle: str = "experimental"
    extra_runtime_errors: tuple[str, ...] = ()
    notes: str = ""
    """Where the documented forms disagree and what this entry chose."""
    legacy: bool = False
    """Not in the current SDK's model list (tryon-v1.5, model-variation)."""
    example: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def image_inputs(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.properties.items() if v.get("x-fashn-image"))

    @property
    def runtime_errors(self) -> tuple[str, ...]:
        return SHARED_RUNTIME_ERRORS + self.extra_runtime_errors

    def inputs_schema(self) -> Schema:
        """The JSON Schema of this model's ``inputs`` object."""
        schema: Schema = {
            "type": "object",
            "properties": dict(self.properties),
            "required": list(self.required),
        }
        if self.any_of_required:
            schema["anyOf"] = [{"required": list(group)} for group in self.any_of_required]
        return schema

    def defaults(self) -> dict[str, Any]:
        """The documented default of each input that has one (a new dict)."""
        return dict(self._defaults)

    @cached_property
    def _defaults(self) -> dict[str, Any]:
        return {k: v["default"] for k, v in self.properties.items() if "default" in v}

    def output_format(self, inputs: Inputs) -> str:
        if self.output_kind == "video":
            return "mp4"
        if self.transparent:
            return "png"
        return str(inputs.get("output_format", "png"))
