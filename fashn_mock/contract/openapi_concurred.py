"""The Concurred gateway's contract (OpenAPI 3.2), generated from
``catalog.gateways.concurred`` and the Concurred face's error table.

OpenAPI 3.2 because its subscribe route answers Server-Sent Events: the
``text/event-stream`` response describes each event with ``itemSchema`` (an object
with ``event`` and ``data``; ``data`` is JSON whose ``contentSchema`` is one of the
five event types, or the bare ``[DONE]`` sentinel). What one event cannot say, the
order of the stream, is data in the ``x-fashn-mock-event-order`` extension beside it;
``contract.streams`` checks real streams against both.
"""

from __future__ import annotations

from typing import Any

from fashn_mock import __version__
from fashn_mock.catalog.gateways import concurred as gateway
from fashn_mock.contract.components import (
    IN_PROGRESS,
    LIFECYCLE,
    STATUSES,
    component_name,
    example_inputs,
    inputs_component,
    ref,
)
from fashn_mock.faces.concurred.errors import CODES

Doc = dict[str, Any]

PATHS = {"run": "/api/v1/fashion/run", "status": "/api/v1/fashion/status/{id}",
         "subscribe": "/api/v1/fashion/subscribe"}
ERROR_CODES: dict[int, tuple[str, ...]] = {
    **{status: (code,) for status, code in CODES.items()},
    429: (CODES[429], "CONCURRENCY_LIMITED", "INSUFFICIENT_CREDITS")}
"""The ``error.code`` values of each status (from the face's table)."""
ERROR_SCHEMAS = {400: "ValidationError", 401: "UnauthorizedError", 404: "NotFoundError",
                 405: "MethodNotAllowedError", 413: "PayloadTooLargeError",
                 429: "TooManyRequestsError", 500: "InternalError", 501: "NotImplementedError",
                 503: "ServiceUnavailableError"}
RATE_HEADERS = {"X-RateLimit-Limit": "RateLimitLimit",
                "X-RateLimit-Remaining": "RateLimitRemaining",
                "X-RateLimit-Reset": "RateLimitReset"}
EVENTS = {"job_submitted": "JobSubmittedEvent", "status_update": "StatusUpdateEvent",
          "completed": "CompletedEvent", "failed": "FailedEvent", "error": "StreamErrorEvent"}
UPDATES = ["in_queue", "processing"]
EVENT_ORDER: Doc = {
    "description": "One job_submitted first; then status_update events whose status "
                   "strictly ascends in `order`; then exactly one of `last`; then the "
                   "bare `data: [DONE]`, and nothing after it.",
    "event": "fashion", "first": "job_submitted",
    "repeated": {"type": "status_update", "field": "status", "order": UPDATES},
    "last": ["completed", "failed", "error"], "done": "[DONE]"}
"""The stream's grammar (``x-fashn-mock-event-order``), read by ``contract.streams``."""
UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
ISO_8601 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
META_EXAMPLE = {"requestId": "3f1c2b9a-6d4e-4f7a-9b2c-1e5d8a7c6b40",
                "timestamp": "2026-03-04T12:00:00.000Z"}


def _headers(status: int | None = None) -> Doc:
    found: Doc = {name: ref(component, "headers") for name, component in RATE_HEADERS.items()}
    if status == 429:
        found["Retry-After"] = ref("RetryAfter", "headers")
    return found


def _error(status: int, description: str) -> Doc:
    return {"description": description, "headers": _headers(status),
            "content": {"application/json": {
                "schema": ref(ERROR_SCHEMAS[status]),
                "example": {"success": False, "error": {
                    "code": ERROR_CODES[status][0], "message": description},
                    "meta": META_EXAMPLE}}}}


def _errors(*statuses: int) -> Doc:
    texts = {400: "Validation failed: which field, what is allowed",
             401: "Invalid API key (missing, malformed or not accepted)",
             404: "Prediction not found (unknown id, or another key's prediction)",
             413: "Request body too large (fashn-mock's --max-body)",
             429: "Rate limit (RATE_LIMITED), or the emulator's concurrency and credit "
                  "limits (CONCURRENCY_LIMITED, INSUFFICIENT_CREDITS); see Retry-After",
             500: "Internal error", 503: "Service unavailable (the fashion service is not "
                                          "configured on the gateway)"}
    return {str(status): _error(status, texts[status]) for status in statuses}


def _run_examples() -> Doc:
    return {spec.name: {"summary": spec.summary,
                        "value": {"model_name": spec.name, "inputs": example_inputs(spec)}}
            for spec in gateway.MODELS}


def _body() -> Doc:
    return {"required": True, "content": {"application/json": {
        "schema": ref("RunRequest"), "examples": _run_examples()}}}


def _status_link(name: str, description: str) -> Doc:
    return {name: {"operationId": "getFashionStatus",
                   "parameters": {"id": "$response.body#/data/prediction_id"},
                   "description": description}}


def _run() -> Doc:
    return {"post": {
        "operationId": "runFashion", "tags": ["fashion"], "summary": "Submit a prediction",
        "description": "Validates the inputs of one of Concurred's 10 models (its parameter "
                       "forms) and starts a prediction; poll the status route.",
        "requestBody": _body(),
        "responses": {
            "200": {"description": "Prediction accepted", "headers": _headers(),
                    "content": {"application/json": {"schema": ref("RunResponse"), "example": {
                        "success": True, "data": {
                            "prediction_id": "123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1",
                            "status": "starting", "model_name": "tryon-v1.6",
                            "created_at": 1772625600000}, "meta": META_EXAMPLE}}},
                    "links": _status_link("GetStatus", "Poll the prediction this run "
                                                       "created.")},
            **_errors(400, 401, 413, 429, 500, 503)}}}


def _status() -> Doc:
    return {"get": {
        "operationId": "getFashionStatus", "tags": ["fashion"], "summary": "Poll a prediction",
        "description": f"Lifecycle: {LIFECYCLE}. `success` is true for failed jobs too; "
                       "the runtime error is in `data.error`.",
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "string", "minLength": 1},
                        "description": "The prediction_id the run route returned."}],
        "responses": {
            "200": {"description": "Current status", "headers": _headers(),
                    "content": {"application/json": {"schema": ref("StatusResponse"),
                                                     "example": {"success": True, "data": {
                                                         "prediction_id": "123a87r9-4129-4bb3"
                                                                          "-be18-9c9fb5bd7fc1-u1",
                                                         "status": "completed",
                                                         "output": ["https://cdn.fashn.ai/"
                                                                    "123a87r9/output_0.png"],
                                                         "error": None}}}},
                    "links": _status_link("PollAgain", "Poll the same prediction again.")},
            **_errors(401, 404, 429, 500, 503)}}}


def _subscribe() -> Doc:
    item = {
        "type": "object", "required": ["data"],
        "description": "One Server-Sent Event: `event: fashion` with a JSON `data` line, "
                       "or the final bare `data: [DONE]` (no event line: `message`).",
        "properties": {"event": {"enum": ["fashion", "message"]}, "data": {"type": "string"}},
        "if": {"required": ["event"], "properties": {"event": {"const": "fashion"}}},
        "then": {"properties": {"data": {"contentMediaType": "application/json",
                                         "contentSchema": ref("FashionEvent")}}},
        "else": {"properties": {"data": {"const": "[DONE]"}}}}
    return {"post": {
        "operationId": "subscribeFashion", "tags": ["fashion"],
        "summary": "Submit a prediction and follow it as Server-Sent Events",
        "description": "Takes the run body. The stream times out after 120 s (an `error` "
                       "event); poll the status route for longer jobs (image-to-video).",
        "requestBody": _body(),
        "responses": {
            "200": {"description": "The prediction's events, ending with data: [DONE]",
                    "headers": _headers(),
                    "content": {"text/event-stream": {"itemSchema": item,
                                                      "x-fashn-mock-event-order": EVENT_ORDER,
                                                      "example": _stream_example()}}},
            **_errors(400, 401, 413, 429, 500, 503)}}}


def _stream_example() -> str:
    pid = '"prediction_id":"123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1"'
    lines = [f'{{"type":"job_submitted",{pid},"model_name":"tryon-v1.6"}}',
             f'{{"type":"status_update",{pid},"status":"in_queue"}}',
             f'{{"type":"status_update",{pid},"status":"processing"}}',
             f'{{"type":"completed",{pid},"status":"completed","output":'
             '["https://cdn.fashn.ai/123a87r9/output_0.png"],"error":null}']
    return "".join(f"event: fashion\ndata: {line}\n\n" for line in lines) + "data: [DONE]\n\n"


def _event(kind: str, properties: Doc) -> Doc:
    return {"type": "object", "required": ["type", "prediction_id", *properties],
            "properties": {"type": {"const": kind},
                           "prediction_id": {"type": "string", "minLength": 1},
                           **properties}}


def _event_schemas() -> Doc:
    problem = {"type": "object", "required": ["name", "message"],
               "properties": {"name": {"type": "string", "minLength": 1},
                              "message": {"type": "string"}}}
    return {
        "FashionEvent": {"description": "The JSON data of one `event: fashion` frame.",
                         "oneOf": [ref(name) for name in EVENTS.values()]},
        "JobSubmittedEvent": _event("job_submitted", {"model_name": ref("ModelName")}),
        "StatusUpdateEvent": _event("status_update", {"status": {"enum": UPDATES}}),
        "CompletedEvent": _event("completed", {
            "status": {"const": "completed"},
            "output": {"type": "array", "minItems": 1,
                       "items": {"type": "string", "minLength": 1}},
            "error": {"type": "null"}}),
        "FailedEvent": _event("failed", {
            "status": {"enum": ["failed", "canceled", "time_out"]},
            "output": {"type": "null"}, "error": problem}),
        "StreamErrorEvent": {**_event("error", {"error": problem}),
                             "description": "The stream ended without an outcome: its 120 s "
                                            "timeout (SubscribeTimeout), or polling failed."},
    }


def _status_schema() -> Doc:
    null = {"type": "null"}
    data = {
        "type": "object", "required": ["prediction_id", "status", "output", "error"],
        "properties": {
            "prediction_id": {"type": "string", "minLength": 1},
            "status": {"type": "string", "enum": STATUSES},
            "output": {"type": ["array", "null"], "items": {"type": "string", "minLength": 1}},
            "error": {"oneOf": [null, ref("RuntimeError")]}},
        "allOf": [
            {"if": {"properties": {"status": {"enum": IN_PROGRESS}}},
             "then": {"properties": {"output": null, "error": null}}},
            {"if": {"properties": {"status": {"const": "completed"}}},
             "then": {"properties": {"output": {"type": "array", "minItems": 1},
                                     "error": null}}},
            {"if": {"properties": {"status": {"const": "failed"}}},
             "then": {"properties": {"output": null, "error": ref("RuntimeError")}}}]}
    return {"type": "object", "required": ["success", "data"],
            "description": "A prediction's state (no meta).",
            "properties": {"success": {"const": True}, "data": data}}


def _error_schemas() -> Doc:
    every = [code for codes in ERROR_CODES.values() for code in codes]
    found: Doc = {"ErrorResponse": {
        "type": "object", "required": ["success", "error", "meta"],
        "description": "Every refusal (fashn-mock's choice of shape: Concurred documents the "
                       "codes, not the body).",
        "properties": {"success": {"const": False},
                       "error": {"type": "object", "required": ["code", "message"],
                                 "properties": {"code": {"enum": every},
                                                "message": {"type": "string"}}},
                       "meta": ref("Meta")}}}
    for status, name in ERROR_SCHEMAS.items():
        found[name] = {"allOf": [ref("ErrorResponse"), {"properties": {"error": {
            "properties": {"code": {"enum": list(ERROR_CODES[status])}}}}}]}
    return found


def schemas() -> Doc:
    found: Doc = {}
    for spec in gateway.MODELS:
        prefix = component_name(spec)
        found[prefix + "Request"] = {
            "type": "object", "title": spec.name, "required": ["model_name", "inputs"],
            "description": spec.notes or spec.summary,
            "properties": {"model_name": {"const": spec.name},
                           "inputs": ref(prefix + "Inputs")}}
        found[prefix + "Inputs"] = inputs_component(spec)
    found["RunRequest"] = {"description": "One schema per model, chosen by `model_name`.",
                           "oneOf": [ref(component_name(s) + "Request")
                                     for s in gateway.MODELS]}
    found["ModelName"] = {"type": "string", "enum": [s.name for s in gateway.MODELS]}
    found["Meta"] = {"type": "object", "required": ["requestId", "timestamp"],
                     "properties": {"requestId": {"type": "string", "format": "uuid",
                                                  "pattern": UUID},
                                    "timestamp": {"type": "string", "format": "date-time",
                                                  "pattern": ISO_8601}}}
    found["RunResponse"] = {
        "type": "object", "required": ["success", "data", "meta"],
        "properties": {"success": {"const": True}, "meta": ref("Meta"), "data": {
            "type": "object", "required": ["prediction_id", "status", "model_name",
                                           "created_at"],
            "properties": {"prediction_id": {"type": "string", "minLength": 1},
                           "status": {"const": "starting"},
                           "model_name": ref("ModelName"),
                           "created_at": {"type": "integer", "minimum": 0,
                                          "description": "Unix time in milliseconds."}}}}}
    found["StatusResponse"] = _status_schema()
    found["RuntimeError"] = {"type": "object", "required": ["name", "message"],
                             "properties": {"name": {"type": "string", "minLength": 1},
                                            "message": {"type": "string"}}}
    found.update(_event_schemas())
    found.update(_error_schemas())
    return found


def _component_headers() -> Doc:
    def integer(description: str) -> Doc:
        return {"description": description, "required": True,
                "schema": {"type": "integer", "minimum": 0}}

    return {"RateLimitLimit": integer("Requests allowed per window on this route."),
            "RateLimitRemaining": integer("Requests left in the current window."),
            "RateLimitReset": integer("Unix time when the window resets."),
            "RetryAfter": integer("Seconds until a request would pass.")}


def build() -> Doc:
    """The Concurred contract as a dict."""
    return {
        "openapi": "3.2.0",
        "info": {"title": "FASHN through the Concurred gateway (as emulated by fashn-mock)",
                 "version": __version__,
                 "description": "Generated from fashn_mock.catalog.gateways.concurred. Facts "
                                "and choices: fashn-mock's docs/api-facts.md#concurred. Rate "
                                "windows: run and subscribe 30 per 60 s, status 40 per 10 s; "
                                "X-RateLimit-* on every response. A wrong method on a route "
                                "is 405 and an unknown route 404, both as ErrorResponse."},
        "servers": [{"url": "https://agent-heavy.vercel.app"},
                    {"url": "http://127.0.0.1:8000"}],
        "security": [{"bearerAuth": []}, {"apiKeyAuth": []}],
        "tags": [{"name": "fashion"}],
        "paths": {PATHS["run"]: _run(), PATHS["status"]: _status(),
                  PATHS["subscribe"]: _subscribe()},
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "Authorization: Bearer <key>"},
                "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                               "description": "The same key, in X-API-Key instead."}},
            "headers": _component_headers(),
            "schemas": schemas()},
    }
