"""The reusable parts of the contract: ``components.schemas`` and ``components.headers``.

Request schemas come from the catalog (one per model, plus the legacy flat body);
response schemas encode the documented shapes and the status lifecycle.
"""

from __future__ import annotations

from typing import Any

from fashn_mock import catalog
from fashn_mock.catalog import RUNTIME_ERRORS
from fashn_mock.catalog.spec import ModelSpec
from fashn_mock.faces.native.errors import HTTP_ERRORS

Doc = dict[str, Any]

IN_PROGRESS = ["starting", "in_queue", "processing"]
TERMINAL = ["completed", "failed", "canceled", "time_out"]
STATUSES = [*IN_PROGRESS, *TERMINAL]
LIFECYCLE = "starting → in_queue → processing → completed | failed | canceled | time_out"

ERROR_SCHEMAS = {400: "BadRequestError", 401: "UnauthorizedError", 404: "NotFoundError",
                 413: "PayloadTooLargeError", 429: "TooManyRequestsError", 500: "ServerError"}
"""The error body schema of each HTTP status: ``ErrorResponse`` narrowed to its names."""

EXAMPLE_VALUES = {"image": "https://example.com/{name}.jpg", "text": "a model in a linen suit"}


def component_name(spec: ModelSpec) -> str:
    return "".join(part.capitalize() for part in spec.name.replace(".", "").split("-"))


def ref(name: str, kind: str = "schemas") -> Doc:
    return {"$ref": f"#/components/{kind}/{name}"}


def example_inputs(spec: ModelSpec) -> dict[str, Any]:
    """The smallest valid inputs: the catalog's example, else every required field."""
    if spec.example:
        return dict(spec.example)
    names = list(spec.required)
    if spec.any_of_required:
        names += [n for n in spec.any_of_required[0] if n not in names]
    inputs: dict[str, Any] = {}
    for name in names:
        schema = spec.properties[name]
        if schema.get("x-fashn-image"):
            inputs[name] = EXAMPLE_VALUES["image"].format(name=name)
        elif "enum" in schema:
            inputs[name] = schema["enum"][0]
        else:
            inputs[name] = EXAMPLE_VALUES["text"]
    return inputs


def _run_request(spec: ModelSpec) -> Doc:
    return {
        "type": "object",
        "title": spec.name,
        "description": spec.summary + (f" Note: {spec.notes}" if spec.notes else ""),
        "required": ["model_name", "inputs"],
        "properties": {
            "model_name": {"const": spec.name, "description": "Which model runs."},
            "inputs": ref(component_name(spec) + "Inputs"),
        },
        "x-fashn-lifecycle": spec.lifecycle,
        "x-fashn-runtime-errors": list(spec.runtime_errors),
    }


def inputs_component(spec: ModelSpec) -> Doc:
    """A model's inputs schema, titled and described for ``components.schemas``."""
    schema = spec.inputs_schema()
    schema["title"] = f"{spec.name} inputs"
    schema["description"] = (f"Inputs of {spec.name}. Unknown fields are ignored; rules "
                             "between fields fail at runtime with InputValidationError.")
    return schema


def _legacy_request() -> Doc:
    legacy = catalog.BY_NAME[catalog.LEGACY_BODY_MODEL]
    schema = legacy.inputs_schema()
    schema["title"] = "legacy flat try-on body"
    schema["description"] = ("Pre-model_name body: top-level try-on fields, processed as "
                             f"{legacy.name} (docs/api-facts.md#legacy).")
    schema["not"] = {"anyOf": [{"required": ["model_name"]}, {"required": ["inputs"]}]}
    return schema


def _status_response() -> Doc:
    nullable_output = {"type": "null"}
    return {
        "type": "object",
        "required": ["id", "status", "error"],
        "description": f"A prediction's state. Lifecycle: {LIFECYCLE}. Statuses only move "
                       "forward; a terminal status never changes. A failed prediction is "
                       "still HTTP 200, with the runtime error in `error`.",
        "properties": {
            "id": {"type": "string", "minLength": 1},
            "status": {"type": "string", "enum": STATUSES,
                       "x-fashn-in-progress": IN_PROGRESS, "x-fashn-terminal": TERMINAL},
            "output": {"type": ["array", "null"], "items": {"type": "string", "minLength": 1},
                       "description": "CDN URLs (or data URIs with return_base64) once "
                                      "completed; one per output (num_images/num_samples, "
                                      "one video). Absent or null otherwise."},
            "error": {"oneOf": [{"type": "null"}, ref("RuntimeError")]},
        },
        "allOf": [
            {"if": {"properties": {"status": {"enum": IN_PROGRESS}}},
             "then": {"properties": {"output": nullable_output, "error": {"type": "null"}}}},
            {"if": {"properties": {"status": {"const": "completed"}}},
             "then": {"required": ["output"],
                      "properties": {"output": {"type": "array", "minItems": 1},
                                     "error": {"type": "null"}}}},
            {"if": {"properties": {"status": {"const": "failed"}}},
             "then": {"properties": {"output": nullable_output, "error": ref("RuntimeError")}}},
        ],
    }


def _error_response() -> Doc:
    return {"type": "object", "required": ["error", "message"],
            "description": "An HTTP-level error: no prediction was created.",
            "properties": {"error": {"type": "string", "enum": list(HTTP_ERRORS)},
                           "message": {"type": "string"}}}


def _narrowed_errors() -> Doc:
    names: dict[int, list[str]] = {status: [] for status in ERROR_SCHEMAS}
    for name, (status, _) in HTTP_ERRORS.items():
        names.setdefault(status, []).append(name)
    names[413] = ["BadRequest"]
    return {schema: {"allOf": [ref("ErrorResponse"),
                               {"properties": {"error": {"enum": names[status]}}}]}
            for status, schema in ERROR_SCHEMAS.items()}


def schemas() -> Doc:
    """``components.schemas``: requests from the catalog, then every response shape."""
    found: Doc = {}
    for spec in catalog.MODELS:
        found[component_name(spec) + "Request"] = _run_request(spec)
        found[component_name(spec) + "Inputs"] = inputs_component(spec)
    found["LegacyTryOnRequest"] = _legacy_request()
    found["RunRequest"] = {
        "description": "One schema per model, chosen by the `model_name` const, or the "
                       "legacy flat try-on body.",
        "oneOf": [*[ref(component_name(s) + "Request") for s in catalog.MODELS],
                  ref("LegacyTryOnRequest")]}
    found["RunResponse"] = {
        "type": "object", "required": ["id", "error"],
        "properties": {"id": {"type": "string", "minLength": 1,
                              "description": "The prediction id, for /v1/status/{id}."},
                       "error": {"type": ["string", "null"],
                                 "description": "Error message if the prediction failed "
                                                "to start."}}}
    found["RuntimeError"] = {
        "type": "object", "required": ["name", "message"],
        "description": "Why a prediction failed (status `failed`).",
        "properties": {"name": {"type": "string",
                                "enum": [*RUNTIME_ERRORS, "PollingTimeout"]},
                       "message": {"type": "string"}}}
    found["StatusResponse"] = _status_response()
    found["WebhookPayload"] = {
        "description": "The terminal status, POSTed to webhook_url.",
        "allOf": [ref("StatusResponse"),
                  {"properties": {"status": {"enum": ["completed", "failed"]}}}]}
    found["CreditsResponse"] = {
        "type": "object", "required": ["credits"],
        "properties": {"credits": {
            "type": "object", "required": ["total", "subscription", "on_demand"],
            "description": "total = subscription + on_demand; subscription credits are "
                           "spent first and reset monthly.",
            "properties": {k: {"type": "integer"}
                           for k in ("total", "subscription", "on_demand")}}}}
    found["ErrorResponse"] = _error_response()
    found.update(_narrowed_errors())
    return found


def headers() -> Doc:
    """``components.headers``: credits used and the rate-limit headers."""
    def integer(description: str, minimum: int = 0) -> Doc:
        return {"description": description, "schema": {"type": "integer",
                                                       "minimum": minimum}}

    return {
        "CreditsUsed": integer("Credits the prediction consumed; on the completed status "
                               "(the SDKs' subscribe() reads it there)."),
        "RetryAfter": {**integer("Seconds until a request would pass (fashn-mock; the native "
                                 "API does not document it, the SDKs honour it)."),
                       "required": True},
        "RateLimitLimit": integer("Requests allowed per window on this route (fashn-mock)."),
        "RateLimitRemaining": integer("Requests left in the current window (fashn-mock)."),
        "RateLimitReset": integer("Unix time when the oldest request leaves the window "
                                  "(fashn-mock)."),
    }
