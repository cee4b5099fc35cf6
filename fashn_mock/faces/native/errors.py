"""The native dialect's error table: domain error -> FASHN status, headers and body.

Body: ``{"error": <name>, "message": <text>}`` (docs/api-facts.md#http-errors).
Every refusal is a 429 for rate, concurrency and credits alike (current docs; the
third-party OpenAPI sketch says 402 for credits). ``Retry-After`` is on every 429,
and ``x-should-retry: false`` on ``OutOfCredits`` so the official SDKs fail at once
instead of retrying a request that cannot pass (an emulator addition; the native
API documents neither header).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

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
from fashn_mock.engine.faults import SCRIPTED
from fashn_mock.faces.common import retry_after, window_headers

HTTP_ERRORS: dict[str, tuple[int, str]] = {
    "BadRequest": (400, "Invalid request body"),
    "UnauthorizedAccess": (401, "Invalid or inactive API key"),
    "NotFound": (404, "Prediction not found"),
    "RateLimitExceeded": (429, "Too many requests"),
    "ConcurrencyLimitExceeded": (429, "Concurrency limit exceeded"),
    "OutOfCredits": (429, "Out of credits"),
    "InternalServerError": (500, "Server error"),
}
"""Every documented HTTP error name (docs/api-facts.md#http-errors), its status
and its documented (or, where undocumented, assumed) message."""

AUTH_MESSAGES = {"missing": "Unauthorized: missing Authorization header",
                 "malformed": "Unauthorized: Invalid token",
                 "unknown": "Invalid or inactive API key"}
ROUTE_PATHS = {"run": "/v1/run", "status": "/v1/status", "credits": "/v1/credits"}


class WireRefusal(DomainError):
    """A refusal whose native wire form is fixed in advance: replayed from a recording
    (status, error name, message and retry headers as recorded), or the replay's own
    "no recording matches" answer in strict mode."""

    def __init__(self, status: int, name: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.headers = dict(headers or {})


def name_of(error: DomainError) -> str:
    """The FASHN error name for a domain error."""
    match error:
        case InvalidRequest():
            return "BadRequest"
        case Unauthenticated():
            return "UnauthorizedAccess"
        case UnknownPrediction():
            return "NotFound"
        case RateLimited():
            return "RateLimitExceeded"
        case NoFreeSlot():
            return "ConcurrencyLimitExceeded"
        case OutOfCredits():
            return "OutOfCredits"
        case ServiceFault(kind="unavailable"):
            return "ServiceUnavailable"
        case Unsupported():
            return "NotImplemented"
        case _:
            return "InternalServerError"


def wire_form(error: DomainError) -> tuple[int, str, str, dict[str, str]]:
    """(status, error name, message, headers) of a domain error in this dialect."""
    name = name_of(error)
    status, default = HTTP_ERRORS.get(name, (503 if name == "ServiceUnavailable" else 501,
                                             error.message))
    message = f"{default} ({SCRIPTED})" if error.scripted else error.message
    headers: dict[str, str] = {}
    match error:
        case BodyTooLarge():
            status = 413
        case Unauthenticated() if not error.scripted:
            message = AUTH_MESSAGES[error.problem]
        case UnknownPrediction() if not error.scripted:
            message = default
        case RateLimited():
            if error.window is not None:
                window = error.window
                message = (f"Too many requests: {window.limit} per {window.window:g} s on "
                           f"{ROUTE_PATHS.get(error.route, error.route)}; retry in "
                           f"{window.retry_after:.3f} s")
                headers.update(window_headers(window))
            headers["Retry-After"] = retry_after(error.window.retry_after
                                                 if error.window else None)
        case NoFreeSlot():
            headers["Retry-After"] = retry_after(error.retry_after)
        case OutOfCredits():
            headers.update({"Retry-After": "60", "x-should-retry": "false"})
    return status, name, message, headers


def render(request: Request, error: DomainError) -> Response:
    """The native answer to a domain error, with the request's rate headers once it
    was admitted (``request.state.rate_headers``)."""
    if isinstance(error, WireRefusal):
        status, name, message, headers = error.status, error.name, error.message, error.headers
    else:
        status, name, message, headers = wire_form(error)
    admitted = getattr(request.state, "rate_headers", None)
    return JSONResponse({"error": name, "message": message}, status_code=status,
                        headers={**admitted, **headers} if admitted else headers)
