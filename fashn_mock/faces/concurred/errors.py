"""The Concurred dialect's error table: domain error -> status, headers and body.

Concurred documents the codes (400 validation failed, 401 invalid API key, 429 rate
limit exceeded with ``Retry-After``, 503 service unavailable) but not the body
(docs/api-facts.md#concurred). fashn-mock answers every refusal with one shape, the
failure twin of its success envelope::

    {"success": false,
     "error": {"code": "VALIDATION_ERROR", "message": "Validation failed: ..."},
     "meta": {"requestId": "<uuid>", "timestamp": "<ISO 8601>"}}

Codes: ``VALIDATION_ERROR`` 400, ``UNAUTHORIZED`` 401, ``NOT_FOUND`` 404 (an unknown
prediction or route; assumed), ``METHOD_NOT_ALLOWED`` 405, ``PAYLOAD_TOO_LARGE`` 413,
``RATE_LIMITED`` / ``CONCURRENCY_LIMITED`` / ``INSUFFICIENT_CREDITS`` 429 (all with
``Retry-After``; the last two are engine limits Concurred does not document),
``INTERNAL_ERROR`` 500, ``NOT_IMPLEMENTED`` 501, ``SERVICE_UNAVAILABLE`` 503. Rate
headers (``X-RateLimit-*``) are added to every refusal of a counted request.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fashn_mock.catalog.gateways.concurred import ROUTE_PATHS
from fashn_mock.engine.errors import (
    BodyTooLarge,
    DomainError,
    InvalidRequest,
    NoFreeSlot,
    OutOfCredits,
    RateLimited,
    ServiceFault,
    Unauthenticated,
    UnknownPrediction,
    Unsupported,
)
from fashn_mock.faces.common import retry_after, window_headers

AUTH_HINT = "send Authorization: Bearer <key> or X-API-Key: <key>"
UNAVAILABLE = "Service unavailable: fashion generation service is not configured on the server"
CODES: dict[int, str] = {400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 404: "NOT_FOUND",
                         405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE",
                         429: "RATE_LIMITED", 500: "INTERNAL_ERROR", 501: "NOT_IMPLEMENTED",
                         503: "SERVICE_UNAVAILABLE"}
"""The code of each status (429 has two more, by cause)."""


def error_body(code: str, message: str, meta: dict[str, str]) -> dict[str, Any]:
    return {"success": False, "error": {"code": code, "message": message}, "meta": meta}


def wire_form(error: DomainError) -> tuple[int, str, str, dict[str, str]]:
    """(status, code, message, headers) of a domain error in this dialect."""
    headers: dict[str, str] = {}
    match error:
        case BodyTooLarge():
            return 413, CODES[413], error.message, headers
        case InvalidRequest():
            return 400, CODES[400], f"Validation failed: {error.message}", headers
        case Unauthenticated():
            message = error.message if error.scripted else {
                "missing": f"Invalid API key: no key was sent; {AUTH_HINT}",
                "malformed": f"Invalid API key: the Authorization header is not "
                             f"'Bearer <key>'; {AUTH_HINT}",
                "unknown": "Invalid API key"}[error.problem]
            return 401, CODES[401], message, headers
        case UnknownPrediction():
            return 404, CODES[404], error.message, headers
        case RateLimited():
            window = error.window
            if window is None:
                headers["Retry-After"] = retry_after(None)
                return 429, CODES[429], f"Rate limit exceeded: {error.message}", headers
            headers.update(window_headers(window))
            headers["Retry-After"] = retry_after(window.retry_after)
            return 429, CODES[429], (
                f"Rate limit exceeded: {window.limit} requests per {window.window:g} s on "
                f"{ROUTE_PATHS.get(error.route, error.route)}; retry in "
                f"{window.retry_after:.3f} s"), headers
        case NoFreeSlot():
            headers["Retry-After"] = retry_after(error.retry_after)
            return 429, "CONCURRENCY_LIMITED", error.message, headers
        case OutOfCredits():
            headers["Retry-After"] = "60"
            return 429, "INSUFFICIENT_CREDITS", error.message, headers
        case ServiceFault(kind="unavailable"):
            return 503, CODES[503], f"{UNAVAILABLE} ({error.message})" \
                if error.scripted else UNAVAILABLE, headers
        case Unsupported():
            return 501, CODES[501], error.message, headers
        case _:
            return 500, CODES[500], error.message, headers


def render(request: Request, error: DomainError) -> Response:
    """The Concurred answer to a domain error, with the request's rate headers once it
    was counted (``request.state.rate_headers``) and its ``meta``."""
    status, code, message, headers = wire_form(error)
    counted = getattr(request.state, "rate_headers", None)
    meta = request.state.meta() if hasattr(request.state, "meta") else {}
    return JSONResponse(error_body(code, message, meta), status_code=status,
                        headers={**counted, **headers} if counted else headers)
