"""The runtime error taxonomy: what a ``failed`` prediction can carry
(docs/api-facts.md#runtime-errors).

``at`` is when in the timeline the real service reports it: ``"load"`` errors
appear as processing starts (inputs are fetched then), the others part-way
through processing (``fraction`` of the processing phase).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class RuntimeErrorSpec:
    name: str
    message: str
    at: Literal["load", "processing"]
    fraction: float = 0.0


RUNTIME_ERRORS: dict[str, RuntimeErrorSpec] = {spec.name: spec for spec in (
    RuntimeErrorSpec("ImageLoadError", "Error loading model image: Invalid URL format", "load"),
    RuntimeErrorSpec("InputValidationError", "Invalid input parameters", "load"),
    RuntimeErrorSpec("ContentModerationError",
                     "Content moderation flagged the input image as inappropriate",
                     "processing", 0.2),
    RuntimeErrorSpec("PoseError", "Unable to detect a body pose in the model image",
                     "processing", 0.3),
    RuntimeErrorSpec("ThirdPartyError",
                     "A third-party processor refused the request (image captioning)",
                     "processing", 0.4),
    RuntimeErrorSpec("LoRALoadError",
                     "Failed to load LoRA weights: ensure the URL is public and points "
                     "to a .safetensors file under 256 MB", "load"),
    RuntimeErrorSpec("PipelineError", "An unexpected error occurred in the pipeline",
                     "processing", 0.6),
    RuntimeErrorSpec("3rdPartyProviderError", "Third-party provider error", "processing", 0.5),
    RuntimeErrorSpec("InternalServerError", "Internal server error", "processing", 0.7),
    RuntimeErrorSpec("UnavailableError",
                     "A required service is temporarily unavailable; retry with backoff",
                     "processing", 0.1),
    RuntimeErrorSpec("NSFWError", "NSFW content detected in the input image", "processing",
                     0.2),
    RuntimeErrorSpec("PhotoTypeError", "Could not determine the garment photo type",
                     "processing", 0.2),
)}
