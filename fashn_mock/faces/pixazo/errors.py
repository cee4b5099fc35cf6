"""Pixazo's error table: domain error -> status, headers and ``{"error": "<text>"}``.

The codes and texts are those of Pixazo's page (docs/api-facts.md#pixazo):

======  ====================================================  ==========================
status  text                                                  when
======  ====================================================  ==========================
400     Invalid request parameters: <detail>                  bad JSON, a missing or
                                                              ill-typed field, a value
                                                              outside the enums, a body
                                                              over ``--max-body``
401     Invalid or missing authentication: <detail>           no, empty or (``--api-key``)
                                                              unknown subscription key
403     Access denied for this operation                      out of credits (scripted
                                                              ``OutOfCredits``)
404     Endpoint not found[: <detail>]                        unknown route or method, an
                                                              unknown or expired request_id
429     Rate limit exceeded, please retry later               a rate window, the
                                                              concurrency limit; with
                                                              ``Retry-After``
500     An unexpected error occurred, please try again later  scripted server faults, bugs
======  ====================================================  ==========================

Choices where Pixazo says nothing: 403 stands for a spent balance because Pixazo runs
on Azure API Management (the ``Ocp-Apim-Subscription-Key`` header), whose quota
refusals are 403; a wrong method is a 404 because API Management matches an operation
by method and path; an oversized body is a 400 and a scripted ``ServiceUnavailable``
a 500, since its page lists neither 413 nor 503. Texts are the documented ones, with a
detail after a colon where it helps (400, 401, 404), and ``(scripted by fashn-mock)``
on refusals a test asked for. No ``X-RateLimit-*`` headers: Pixazo documents none.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fashn_mock.catalog.gateways.pixazo import ERROR_TEXTS as TEXTS
from fashn_mock.engine.errors import (
    DomainError,
    InvalidRequest,
    NoFreeSlot,
    OutOfCredits,
    RateLimited,
    Unauthenticated,
    UnknownPrediction,
)
from fashn_mock.engine.faults import SCRIPTED
from fashn_mock.faces.common import retry_after

AUTH_DETAILS = {"missing": "no Ocp-Apim-Subscription-Key header",
                "malformed": "the Ocp-Apim-Subscription-Key header is empty",
                "unknown": "the subscription key is not accepted"}


def status_of(error: DomainError) -> int:
    """Pixazo's HTTP status for a domain error."""
    match error:
        case InvalidRequest():
            return 400
        case Unauthenticated():
            return 401
        case OutOfCredits():
            return 403
        case UnknownPrediction():
            return 404
        case RateLimited() | NoFreeSlot():
            return 429
        case _:
            return 500


def wire_form(error: DomainError) -> tuple[int, str, dict[str, str]]:
    """(status, error text, headers) of a domain error in this dialect."""
    status = status_of(error)
    text = TEXTS[status]
    headers: dict[str, str] = {}
    if error.scripted:
        text = f"{text} ({SCRIPTED})"
    else:
        match error:
            case InvalidRequest():
                text = f"{text}: {error.message}"
            case Unauthenticated():
                text = f"{text}: {AUTH_DETAILS[error.problem]}"
            case UnknownPrediction():
                text = f"{text}: request_id {error.prediction_id} is unknown or has expired"
    match error:
        case RateLimited():
            headers["Retry-After"] = retry_after(error.window.retry_after
                                                 if error.window else None)
        case NoFreeSlot():
            headers["Retry-After"] = retry_after(error.retry_after)
    return status, text, headers


def render(request: Request, error: DomainError) -> Response:
    """Pixazo's answer to a domain error."""
    status, text, headers = wire_form(error)
    return JSONResponse({"error": text}, status_code=status, headers=headers)


def unrouted(request: Request) -> Response:
    """An unknown path or method under Pixazo's prefix."""
    return JSONResponse({"error": TEXTS[404]}, status_code=404)


def crashed(request: Request) -> Response:
    """The last resort for an unexpected bug under Pixazo's prefix."""
    return JSONResponse({"error": TEXTS[500]}, status_code=500)
