"""Generate the OpenAPI 3.1 contract from the catalog.

The catalog is the single source of truth: ``openapi.yaml`` at the top of the
repository is this module's output, and a test fails if the two differ
(regenerate with ``fashn-mock openapi > openapi.yaml``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from fashn_mock import __version__, catalog
from fashn_mock.catalog import RUNTIME_ERRORS
from fashn_mock.catalog.spec import ModelSpec
from fashn_mock.errors import HTTP_ERRORS

Doc = dict[str, Any]
STATUSES = ["starting", "in_queue", "processing", "completed", "failed", "canceled", "time_out"]


def component_name(spec: ModelSpec) -> str:
    return "".join(part.capitalize() for part in spec.name.replace(".", "").split("-"))


def _ref(name: str) -> Doc:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_response(description: str, *, retry: bool = False) -> Doc:
    response: Doc = {"description": description,
                     "content": {"application/json": {"schema": _ref("ErrorResponse")}}}
    if retry:
        response["headers"] = {
            "Retry-After": {"description": "Seconds until a request would pass "
                            "(emulator; undocumented natively).",
                            "schema": {"type": "integer", "minimum": 0}},
        }
    return response


def _run_request(spec: ModelSpec) -> Doc:
    return {
        "type": "object",
        "title": spec.name,
        "description": spec.summary + (f" Note: {spec.notes}" if spec.notes else ""),
        "required": ["model_name", "inputs"],
        "properties": {
            "model_name": {"const": spec.name},
            "inputs": _ref(component_name(spec) + "Inputs"),
        },
    }


def _legacy_request() -> Doc:
    legacy = catalog.BY_NAME[catalog.LEGACY_BODY_MODEL]
    schema = legacy.inputs_schema()
    schema["title"] = "legacy flat try-on body"
    schema["description"] = ("Pre-model_name body: top-level try-on fields, processed as "
                             f"{legacy.name} (S002).")
    schema["not"] = {"anyOf": [{"required": ["model_name"]}, {"required": ["inputs"]}]}
    return schema


def _schemas() -> Doc:
    schemas: Doc = {}
    for spec in catalog.MODELS:
        schemas[component_name(spec) + "Request"] = _run_request(spec)
        inputs = spec.inputs_schema()
        inputs["title"] = f"{spec.name} inputs"
        schemas[component_name(spec) + "Inputs"] = inputs
    schemas["LegacyTryOnRequest"] = _legacy_request()
    schemas["RunRequest"] = {"oneOf": [
        *[_ref(component_name(s) + "Request") for s in catalog.MODELS],
        _ref("LegacyTryOnRequest")]}
    schemas["RunResponse"] = {
        "type": "object", "required": ["id", "error"],
        "properties": {"id": {"type": "string", "minLength": 1},
                       "error": {"type": ["string", "null"],
                                 "description": "Error message if the prediction failed "
                                                "to start."}}}
    schemas["RuntimeError"] = {
        "type": "object", "required": ["name", "message"],
        "properties": {"name": {"type": "string", "enum": [*RUNTIME_ERRORS, "PollingTimeout"]},
                       "message": {"type": "string"}}}
    schemas["StatusResponse"] = {
        "type": "object", "required": ["id", "status", "error"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": STATUSES},
            "output": {"type": ["array", "null"], "items": {"type": "string"},
                       "description": "CDN URLs (or data URIs with return_base64) once "
                                      "completed."},
            "error": {"oneOf": [{"type": "null"}, _ref("RuntimeError")]}}}
    schemas["CreditsResponse"] = {
        "type": "object", "required": ["credits"],
        "properties": {"credits": {
            "type": "object", "required": ["total", "subscription", "on_demand"],
            "properties": {k: {"type": "integer"}
                           for k in ("total", "subscription", "on_demand")}}}}
    schemas["ErrorResponse"] = {
        "type": "object", "required": ["error", "message"],
        "properties": {"error": {"type": "string", "enum": list(HTTP_ERRORS)},
                       "message": {"type": "string"}}}
    return schemas


def _paths() -> Doc:
    status_header = {"x-fashn-credits-used": {
        "description": "Credits the prediction consumed; on the completed status.",
        "schema": {"type": "integer", "minimum": 0}}}
    return {
        "/v1/run": {"post": {
            "operationId": "runPrediction",
            "summary": "Submit a prediction",
            "parameters": [{"name": "webhook_url", "in": "query", "required": False,
                            "schema": {"type": "string", "format": "uri"},
                            "description": "POSTed the terminal status payload."}],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": _ref("RunRequest")}}},
            "responses": {
                "200": {"description": "Prediction accepted",
                        "content": {"application/json": {"schema": _ref("RunResponse")}},
                        "links": {"GetStatus": {
                            "operationId": "getStatus",
                            "parameters": {"id": "$response.body#/id"}}}},
                "400": _error_response("Invalid request body"),
                "401": _error_response("Invalid or inactive API key"),
                "413": _error_response("Request body too large (emulator)"),
                "429": _error_response("Rate, concurrency or credit limit", retry=True),
                "500": _error_response("Server error"),
            }}},
        "/v1/status/{id}": {"get": {
            "operationId": "getStatus",
            "summary": "Poll a prediction",
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": {"description": "Current status", "headers": status_header,
                        "content": {"application/json": {"schema": _ref("StatusResponse")}}},
                "401": _error_response("Invalid or inactive API key"),
                "404": _error_response("Prediction not found"),
                "429": _error_response("Too many requests", retry=True),
                "500": _error_response("Failed to fetch prediction status"),
            }}},
        "/v1/credits": {"get": {
            "operationId": "getCredits",
            "summary": "Credit balance",
            "responses": {
                "200": {"description": "Balance",
                        "content": {"application/json": {"schema": _ref("CreditsResponse")}}},
                "401": _error_response("Invalid or inactive API key"),
                "429": _error_response("Too many requests", retry=True),
                "500": _error_response("Server error"),
            }}},
    }


@cache
def build() -> Doc:
    """The whole contract as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "FASHN API (as emulated by fashn-mock)", "version": __version__,
                 "description": "Generated from fashn_mock.catalog; facts and their sources "
                                "are in shared/reference/fashn-api.md."},
        "servers": [{"url": "https://api.fashn.ai"}, {"url": "http://127.0.0.1:8000"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "webhooks": {"predictionFinished": {"post": {
            "summary": "Terminal status, POSTed to webhook_url",
            "requestBody": {"content": {"application/json": {
                "schema": _ref("StatusResponse")}}},
            "responses": {"200": {"description": "Delivered; non-2xx is retried."}}}}},
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "API key, format fa-UNIQUE_ID-HASH."}},
            "schemas": _schemas(),
        },
    }


@cache
def render_yaml() -> str:
    return yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=100)
