"""The Concurred error table (``faces/concurred/errors.py``)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from fashn_mock.engine import faults
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
    Window,
)
from fashn_mock.faces.concurred.errors import CODES, render, wire_form

WINDOW = Window(limit=30, window=60, remaining=0, reset_at=1000.2, retry_after=12.3,
                passed=False)


@pytest.mark.parametrize(("error", "status", "code"), [
    (InvalidRequest("inputs.prompt: missing", field="inputs.prompt"), 400, "VALIDATION_ERROR"),
    (BodyTooLarge(10), 413, "PAYLOAD_TOO_LARGE"),
    (Unauthenticated("missing"), 401, "UNAUTHORIZED"),
    (Unauthenticated("unknown"), 401, "UNAUTHORIZED"),
    (UnknownPrediction("abc"), 404, "NOT_FOUND"),
    (RateLimited("concurred.run", WINDOW), 429, "RATE_LIMITED"),
    (NoFreeSlot(6, 2.5), 429, "CONCURRENCY_LIMITED"),
    (OutOfCredits(3, 1), 429, "INSUFFICIENT_CREDITS"),
    (ServiceFault("unavailable", "down"), 503, "SERVICE_UNAVAILABLE"),
    (ServiceFault("internal", "bug"), 500, "INTERNAL_ERROR"),
    (Unsupported("no video"), 501, "NOT_IMPLEMENTED"),
    (DomainError("anything else"), 500, "INTERNAL_ERROR"),
])
def test_each_domain_error_has_one_wire_form(error: DomainError, status: int,
                                             code: str) -> None:
    got_status, got_code, message, headers = wire_form(error)
    assert (got_status, got_code) == (status, code) and message
    assert ("Retry-After" in headers) == (status == 429)


def test_rate_limited_carries_its_window() -> None:
    status, _, message, headers = wire_form(RateLimited("concurred.status", WINDOW))
    assert status == 429 and "/api/v1/fashion/status/:id" in message
    assert headers == {"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": "1001", "Retry-After": "13"}


def test_validation_messages_say_validation_failed() -> None:
    assert wire_form(InvalidRequest("model_name: unknown"))[2] == \
        "Validation failed: model_name: unknown"
    assert "X-API-Key" in wire_form(Unauthenticated("missing"))[2]
    assert wire_form(Unauthenticated("unknown"))[2] == "Invalid API key"


def request_with(state: dict[str, object]) -> Request:
    request = Request({"type": "http", "method": "POST", "path": "/", "headers": []})
    for name, value in state.items():
        setattr(request.state, name, value)
    return request


@given(name=st.sampled_from(sorted(faults.REFUSALS)))
def test_every_scripted_refusal_renders_the_one_shape(name: str) -> None:
    meta = {"requestId": "r", "timestamp": "t"}
    counted = {"X-RateLimit-Limit": "30", "X-RateLimit-Remaining": "3",
               "X-RateLimit-Reset": "99"}
    response = render(request_with({"meta": lambda: meta, "rate_headers": counted}),
                      faults.refusal(name))
    body = json.loads(bytes(response.body))
    assert body == {"success": False, "meta": meta, "error": {
        "code": body["error"]["code"], "message": body["error"]["message"]}}
    assert body["error"]["code"] in {*CODES.values(), "CONCURRENCY_LIMITED",
                                     "INSUFFICIENT_CREDITS"}
    assert faults.SCRIPTED in body["error"]["message"]
    assert response.status_code in {400, 401, 404, 429, 500, 503}
    assert all(response.headers[k] == v for k, v in counted.items())
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) >= 1


def test_a_refusal_without_a_request_meta_still_renders() -> None:
    response = render(request_with({}), InvalidRequest("x"))
    assert json.loads(bytes(response.body))["meta"] == {}
