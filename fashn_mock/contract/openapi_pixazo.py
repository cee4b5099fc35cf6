"""The Pixazo gateway's contract (OpenAPI 3.1), generated from
``catalog.gateways.pixazo`` and the Pixazo face's error table.

Its two operations live under either documented base (the ``servers``); a concrete
path is matched after removing one (``contract.document``).
"""

from __future__ import annotations

from typing import Any

from fashn_mock import __version__
from fashn_mock.catalog.gateways import pixazo as gateway
from fashn_mock.catalog.gateways.pixazo import BASES, RESULT, SUBMIT
from fashn_mock.catalog.gateways.pixazo import ERROR_TEXTS as TEXTS
from fashn_mock.contract.components import example_inputs, inputs_component, ref

Doc = dict[str, Any]

HOST = "https://gateway.pixazo.ai"
REQUEST_ID = "^fashn-req-.+"
ERROR_STATUSES = {"submit": (400, 401, 403, 429, 500),
                  "result": (400, 401, 403, 404, 429, 500)}
KNOWN_CODES = sorted({*gateway.ERROR_CODES.values(), gateway.FALLBACK_CODE,
                      *(code for code, _ in gateway.INTERRUPTIONS.values())})


def _error(status: int) -> Doc:
    response: Doc = {"description": TEXTS[status], "content": {"application/json": {
        "schema": ref("ErrorResponse"), "example": {"error": TEXTS[status]}}}}
    if status == 429:
        response["headers"] = {"Retry-After": ref("RetryAfter", "headers")}
    return response


def _errors(operation: str) -> Doc:
    return {str(status): _error(status) for status in ERROR_STATUSES[operation]}


def _result_link(name: str, description: str) -> Doc:
    return {name: {"operationId": "getTryOnResult",
                   "requestBody": {"request_id": "$response.body#/request_id"},
                   "description": description}}


def _submit() -> Doc:
    example = example_inputs(gateway.SPEC)
    return {"post": {
        "operationId": "submitTryOn", "tags": ["try-on"],
        "summary": "Submit a try-on (flat body)",
        "description": "FASHN try-on v1.6 with a flat body; Pixazo's and FASHN's enum values "
                       "are both accepted. Pixazo also lists Content-Type: application/json "
                       "and Cache-Control: no-cache as required headers.",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("TryOnRequest"),
            "examples": {"native values": {"value": example},
                         "Pixazo values": {"value": {**example, "category": "top",
                                                     "mode": "fast",
                                                     "garment_photo_type": "flat_lay",
                                                     "moderation_level": "strict",
                                                     "num_samples": 5}}}}}},
        "responses": {
            "200": {"description": "Queued", "content": {"application/json": {
                "schema": ref("SubmitResponse"),
                "example": {"status": "IN_QUEUE",
                            "request_id": "fashn-req-3f1c2b9a-6d4e-4f7a-9b2c-1e5d8a7c6b40"}}},
                "links": _result_link("GetResult", "Read the request this submission "
                                                   "queued.")},
            **_errors("submit")}}}


def _result() -> Doc:
    return {"post": {
        "operationId": "getTryOnResult", "tags": ["try-on"], "summary": "Read a request",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("ResultRequest")}}},
        "responses": {
            "200": {"description": "IN_QUEUE / IN_PROGRESS, COMPLETED or FAILED",
                    "content": {"application/json": {"schema": ref("ResultResponse")}},
                    "links": _result_link("PollAgain", "Read the same request again.")},
            **_errors("result")}}}


def schemas() -> Doc:
    request_id = {"type": "string", "pattern": REQUEST_ID}
    count = {"type": "integer", "minimum": 0}
    request = inputs_component(gateway.SPEC)
    request["title"] = "Pixazo try-on request"
    request["description"] = gateway.SPEC.notes
    return {
        "TryOnRequest": request,
        "SubmitResponse": {"type": "object", "required": ["status", "request_id"],
                           "properties": {"status": {"const": "IN_QUEUE"},
                                          "request_id": request_id}},
        "ResultRequest": {"type": "object", "required": ["request_id"],
                          "properties": {"request_id": {"type": "string", "minLength": 1}}},
        "ResultResponse": {"oneOf": [ref("InProgressResult"), ref("CompletedResult"),
                                     ref("FailedResult")]},
        "InProgressResult": {
            "type": "object",
            "required": ["status", "request_id", "queue_position",
                         "estimated_time_remaining_seconds"],
            "properties": {"status": {"enum": ["IN_QUEUE", "IN_PROGRESS"]},
                           "request_id": request_id, "queue_position": count,
                           "estimated_time_remaining_seconds": count}},
        "CompletedResult": {
            "type": "object", "required": ["status", "request_id", "images", "metadata"],
            "properties": {
                "status": {"const": "COMPLETED"}, "request_id": request_id,
                "images": {"type": "array", "minItems": 1, "items": ref("Image")},
                "metadata": {
                    "type": "object",
                    "required": ["mode", "num_samples", "output_format",
                                 "processing_time_seconds"],
                    "properties": {
                        "mode": {"enum": list(gateway.PIXAZO_VALUES["mode"])},
                        "num_samples": {"type": "integer", "minimum": 1,
                                        "maximum": gateway.MAX_SAMPLES},
                        "output_format": {"enum": gateway.SPEC.properties["output_format"]
                                          ["enum"]},
                        "processing_time_seconds": {"type": "number", "minimum": 0}}}}},
        "Image": {"type": "object", "required": ["url", "width", "height", "content_type"],
                  "properties": {"url": {"type": "string", "format": "uri", "minLength": 1},
                                 "width": {"type": "integer", "minimum": 1},
                                 "height": {"type": "integer", "minimum": 1},
                                 "content_type": {"enum": ["image/png", "image/jpeg"]}}},
        "FailedResult": {
            "type": "object", "required": ["status", "request_id", "error_code",
                                           "error_message"],
            "properties": {"status": {"const": "FAILED"}, "request_id": request_id,
                           "error_code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$",
                                          "x-fashn-mock-known": KNOWN_CODES},
                           "error_message": {"type": "string"}}},
        "ErrorResponse": {"type": "object", "required": ["error"],
                          "additionalProperties": False,
                          "properties": {"error": {"type": "string", "minLength": 1}}},
    }


def build() -> Doc:
    """The Pixazo contract as a dict."""
    servers = [{"url": HOST + base} for base in BASES]
    servers += [{"url": "http://127.0.0.1:8000" + base} for base in BASES]
    return {
        "openapi": "3.1.0",
        "info": {"title": "FASHN try-on through the Pixazo gateway (as emulated by fashn-mock)",
                 "version": __version__,
                 "description": "Generated from fashn_mock.catalog.gateways.pixazo. Facts and "
                                "choices: fashn-mock's docs/api-facts.md#pixazo. USD 0.075 per "
                                "completed request; no rate-limit numbers are published."},
        "servers": servers,
        "security": [{"subscriptionKey": []}],
        "tags": [{"name": "try-on"}],
        "paths": {SUBMIT: _submit(), RESULT: _result()},
        "components": {
            "securitySchemes": {"subscriptionKey": {
                "type": "apiKey", "in": "header", "name": "Ocp-Apim-Subscription-Key"}},
            "headers": {"RetryAfter": {"description": "Seconds until a request would pass.",
                                       "required": True,
                                       "schema": {"type": "integer", "minimum": 0}}},
            "schemas": schemas()},
    }
