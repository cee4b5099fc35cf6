"""Generate the OpenAPI contracts from the catalog: one document per dialect.

The catalog is the single source of truth: ``openapi.yaml`` at the top of the
repository is this module's output for the native dialect, ``openapi.concurred.yaml``
and ``openapi.pixazo.yaml`` for the gateways (``openapi_concurred``,
``openapi_pixazo``), and a test fails if any differs (regenerate with
``fashn-mock openapi [--dialect NAME] > FILE``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from fashn_mock import __version__, catalog
from fashn_mock.contract.components import (
    ERROR_SCHEMAS,
    LIFECYCLE,
    STATUSES,
    component_name,
    example_inputs,
    headers,
    ref,
    schemas,
)
from fashn_mock.validation import WEBHOOK_URL_SCHEMA

Doc = dict[str, Any]

__all__ = ["DIALECTS", "STATUSES", "build", "component_name", "file_name", "render_yaml"]

DIALECTS = ("native", "concurred", "pixazo")
"""Every dialect with a contract, the native one first."""

RATE_HEADERS = {"X-RateLimit-Limit": "RateLimitLimit",
                "X-RateLimit-Remaining": "RateLimitRemaining",
                "X-RateLimit-Reset": "RateLimitReset"}


def _headers(*, retry: bool = False, credits: bool = False) -> Doc:
    found: Doc = {name: ref(component, "headers") for name, component in RATE_HEADERS.items()}
    if retry:
        found["Retry-After"] = ref("RetryAfter", "headers")
    if credits:
        found["x-fashn-credits-used"] = ref("CreditsUsed", "headers")
    return found


def _error(status: int, description: str, example: tuple[str, str]) -> Doc:
    return {"description": description,
            "headers": _headers(retry=status == 429),
            "content": {"application/json": {
                "schema": ref(ERROR_SCHEMAS[status]),
                "example": {"error": example[0], "message": example[1]}}}}


UNAUTHORIZED = ("UnauthorizedAccess", "Invalid or inactive API key")
TOO_MANY = ("RateLimitExceeded", "Too many requests")
TOO_MANY_TEXT = ("Rate, concurrency or credit limit: RateLimitExceeded, "
                 "ConcurrencyLimitExceeded or OutOfCredits. Retry-After says when to retry.")


def _run_examples() -> Doc:
    return {spec.name: {"summary": spec.summary,
                        "value": {"model_name": spec.name, "inputs": example_inputs(spec)}}
            for spec in catalog.MODELS}


def _run() -> Doc:
    return {"post": {
        "operationId": "runPrediction",
        "tags": ["predictions"],
        "summary": "Submit a prediction",
        "description": "Validates the inputs of the chosen model and starts a prediction. "
                       "Poll /v1/status/{id} (see the GetStatus link) or pass webhook_url.",
        "parameters": [{
            "name": "webhook_url", "in": "query", "required": False,
            "schema": dict(WEBHOOK_URL_SCHEMA),
            "description": "An http(s) URL POSTed the terminal status payload "
                           "(see `webhooks`); non-2xx answers are retried up to 5 times."}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("RunRequest"), "examples": _run_examples()}}},
        "responses": {
            "200": {"description": "Prediction accepted",
                    "headers": _headers(),
                    "content": {"application/json": {
                        "schema": ref("RunResponse"),
                        "example": {"id": "123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1",
                                    "error": None}}},
                    "links": {"GetStatus": {
                        "operationId": "getStatus",
                        "parameters": {"id": "$response.body#/id"},
                        "description": "Poll the prediction this run created."}}},
            "400": _error(400, "Invalid request body: which field, what is allowed",
                          ("BadRequest", "Invalid request body")),
            "401": _error(401, "Missing, invalid or inactive API key", UNAUTHORIZED),
            "413": _error(413, "Request body too large (emulator; the real API answers "
                               "oversized payloads with 500)",
                          ("BadRequest", "Request body exceeds the byte limit")),
            "429": _error(429, TOO_MANY_TEXT, TOO_MANY),
            "500": _error(500, "Server error", ("InternalServerError", "Server error")),
        }}}


def _status() -> Doc:
    return {"get": {
        "operationId": "getStatus",
        "tags": ["predictions"],
        "summary": "Poll a prediction",
        "description": f"Lifecycle: {LIFECYCLE}. A failed prediction is HTTP 200 with "
                       "`status: failed` and a runtime error object.",
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "string", "minLength": 1},
                        "description": "The id /v1/run returned."}],
        "responses": {
            "200": {"description": "Current status",
                    "headers": _headers(credits=True),
                    "content": {"application/json": {
                        "schema": ref("StatusResponse"),
                        "examples": {
                            "starting": {"value": {"id": "12345678-1234-5678-9012-"
                                                          "123456789012",
                                                   "status": "starting", "output": None,
                                                   "error": None}},
                            "completed": {"value": {
                                "id": "123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1",
                                "status": "completed",
                                "output": ["https://cdn.fashn.ai/123a87r9-4129-4bb3-be18-"
                                           "9c9fb5bd7fc1-u1/output_0.png"],
                                "error": None}},
                            "failed": {"value": {
                                "id": "123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1",
                                "status": "failed", "output": None,
                                "error": {"name": "ImageLoadError",
                                          "message": "Error loading model image: "
                                                     "Invalid URL format"}}}}}},
                    "links": {"PollAgain": {
                        "operationId": "getStatus",
                        "parameters": {"id": "$response.body#/id"},
                        "description": "Poll the same prediction again."}}},
            "401": _error(401, "Missing, invalid or inactive API key", UNAUTHORIZED),
            "404": _error(404, "Prediction not found (unknown id, another key's prediction, "
                               "or no longer tracked)", ("NotFound", "Prediction not found")),
            "429": _error(429, TOO_MANY_TEXT, TOO_MANY),
            "500": _error(500, "Failed to fetch prediction status",
                          ("InternalServerError", "Failed to fetch prediction status")),
        }}}


def _credits() -> Doc:
    return {"get": {
        "operationId": "getCredits",
        "tags": ["account"],
        "summary": "Credit balance",
        "responses": {
            "200": {"description": "Balance",
                    "headers": _headers(),
                    "content": {"application/json": {
                        "schema": ref("CreditsResponse"),
                        "example": {"credits": {"total": 234, "subscription": 100,
                                                "on_demand": 134}}}}},
            "401": _error(401, "Missing, invalid or inactive API key", UNAUTHORIZED),
            "429": _error(429, "Too many requests", TOO_MANY),
            "500": _error(500, "Server error", ("InternalServerError", "Server error")),
        }}}


def _webhooks() -> Doc:
    return {"predictionFinished": {"post": {
        "summary": "Terminal status, POSTed to webhook_url",
        "description": "The same body as /v1/status for a completed or failed prediction. "
                       "No signature header; duplicates are possible, so handle idempotently.",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("WebhookPayload")}}},
        "responses": {"200": {"description": "Delivered; any non-2xx is retried "
                                             "(up to 5 times within about 5 minutes)."}}}}}


@cache
def build(dialect: str = "native") -> Doc:
    """The whole contract of ``dialect`` as a dict (``ValueError`` for an unknown one)."""
    if dialect == "concurred":
        from fashn_mock.contract import openapi_concurred

        return openapi_concurred.build()
    if dialect == "pixazo":
        from fashn_mock.contract import openapi_pixazo

        return openapi_pixazo.build()
    if dialect != "native":
        raise ValueError(f"unknown dialect {dialect!r}; known: {', '.join(DIALECTS)}")
    return {
        "openapi": "3.1.0",
        "info": {"title": "FASHN API (as emulated by fashn-mock)", "version": __version__,
                 "description": "Generated from fashn_mock.catalog. The API facts it "
                                "encodes, their public sources and the emulator's choices "
                                "are in fashn-mock's docs/api-facts.md. Headers marked "
                                "fashn-mock are sent by the emulator; the native API does "
                                "not document them (docs/api-facts.md#emulator-additions)."},
        "servers": [{"url": "https://api.fashn.ai"}, {"url": "http://127.0.0.1:8000"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": "predictions"}, {"name": "account"}],
        "paths": {"/v1/run": _run(), "/v1/status/{id}": _status(), "/v1/credits": _credits()},
        "webhooks": _webhooks(),
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "API key, format fa-UNIQUE_ID-HASH."}},
            "headers": headers(),
            "schemas": schemas(),
        },
    }


class _Dumper(yaml.SafeDumper):
    """Writes shared sub-schemas out in full: no ``&id001`` anchors in the contract."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@cache
def render_yaml(dialect: str = "native") -> str:
    return yaml.dump(build(dialect), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=100)


def file_name(dialect: str = "native") -> str:
    """Where a dialect's contract is committed and shipped: ``openapi.yaml`` (native),
    else ``openapi.<dialect>.yaml``."""
    return "openapi.yaml" if dialect == "native" else f"openapi.{dialect}.yaml"
