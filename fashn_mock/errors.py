"""HTTP-level API errors: ``{"error": <name>, "message": <text>}`` (DOCS error-handling).

Raised by the engine, rendered by each face. A runtime failure of a prediction
is *not* an ApiError: it is a ``failed`` status (see ``catalog.runtime_errors``).
"""

from __future__ import annotations

from collections.abc import Mapping


class ApiError(Exception):
    """An error answered on the request itself, before any prediction exists."""

    def __init__(self, status: int, name: str, message: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {name}: {message}")
        self.status = status
        self.name = name
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, str]:
        return {"error": self.name, "message": self.message}


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def unauthorized(message: str = "Invalid or inactive API key") -> ApiError:
    return ApiError(401, "UnauthorizedAccess", message)


def not_found(message: str = "Prediction not found") -> ApiError:
    return ApiError(404, "NotFound", message)


def payload_too_large(limit: int) -> ApiError:
    return ApiError(413, "BadRequest", f"Request body exceeds the {limit} byte limit")


HTTP_ERRORS: dict[str, tuple[int, str]] = {
    "BadRequest": (400, "Invalid request body"),
    "UnauthorizedAccess": (401, "Invalid or inactive API key"),
    "NotFound": (404, "Prediction not found"),
    "RateLimitExceeded": (429, "Too many requests"),
    "ConcurrencyLimitExceeded": (429, "Concurrency limit exceeded"),
    "OutOfCredits": (429, "Out of credits"),
    "InternalServerError": (500, "Server error"),
}
"""Every documented HTTP error name (DOCS-OAS ``ErrorResponse`` enum), its status
and its documented (or, where undocumented, assumed) message."""


RETRY_HEADERS: dict[str, dict[str, str]] = {
    "RateLimitExceeded": {"Retry-After": "1"},
    "ConcurrencyLimitExceeded": {"Retry-After": "1"},
    "OutOfCredits": {"Retry-After": "60", "x-should-retry": "false"},
}
"""Defaults for every 429, when the caller knows no better value. Out of credits
will not pass on retry: ``x-should-retry: false`` (honoured by both official
SDKs) makes clients fail at once instead of retrying (an emulator addition)."""


def named(name: str, message: str | None = None,
          headers: Mapping[str, str] | None = None) -> ApiError:
    status, default = HTTP_ERRORS[name]
    return ApiError(status, name, message or default,
                    {**RETRY_HEADERS.get(name, {}), **(headers or {})})
