"""Pixazo's error table: every documented code, over HTTP, as ``{"error": "<text>"}``."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Config, Emulator
from fashn_mock.catalog.gateways.pixazo import ERROR_TEXTS as TEXTS
from fashn_mock.catalog.quotas import RateRule
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
from fashn_mock.faces.pixazo.errors import wire_form
from tests.faces.pixazo.support import HEADERS, KEY, RESULT, SUBMIT, flat, submit

WINDOW = Window(limit=2, window=10, remaining=0, reset_at=0, retry_after=2.5, passed=False)
TABLE: list[tuple[DomainError, int]] = [
    (InvalidRequest("category: bad"), 400), (BodyTooLarge(10), 400),
    (Unauthenticated("missing"), 401), (Unauthenticated("malformed"), 401),
    (Unauthenticated("unknown"), 401), (OutOfCredits(1, 0), 403),
    (UnknownPrediction("fashn-req-x"), 404), (RateLimited("pixazo-request", WINDOW), 429),
    (NoFreeSlot(6, 0.2), 429), (ServiceFault("internal", "boom"), 500),
    (ServiceFault("unavailable", "down"), 500), (Unsupported("video"), 500),
]


def error_of(response: httpx.Response, status: int) -> str:
    """The error text, after checking the status and Pixazo's one-key body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str)
    assert body["error"].startswith(TEXTS[status])
    return str(body["error"])


@pytest.mark.parametrize(("error", "status"), TABLE, ids=lambda v: type(v).__name__)
def test_each_domain_error_has_one_documented_status_and_text(error: DomainError,
                                                              status: int) -> None:
    got, text, headers = wire_form(error)
    assert got == status and text.startswith(TEXTS[status])
    assert ("Retry-After" in headers) == (status == 429)


def test_every_documented_status_is_reachable() -> None:
    assert {status for _, status in TABLE} == set(TEXTS)


def test_details_follow_the_documented_text() -> None:
    assert wire_form(InvalidRequest("category: bad"))[1] == \
        "Invalid request parameters: category: bad"
    assert wire_form(RateLimited("r", WINDOW))[2] == {"Retry-After": "3"}
    assert wire_form(NoFreeSlot(6, None))[2] == {"Retry-After": "1"}
    assert wire_form(OutOfCredits(1, 0))[1] == "Access denied for this operation"


@given(st.sampled_from(sorted(faults.REFUSALS)))
def test_scripted_refusals_are_marked(name: str) -> None:
    status, text, _ = wire_form(faults.refusal(name))
    assert text == f"{TEXTS[status]} ({faults.SCRIPTED})"


# --- over HTTP ------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [b"{", b"[1]", b"null", b"", b"\xff", b'{"model_image": 1}'])
def test_bad_bodies_are_400s(pixazo: httpx.Client, raw: bytes) -> None:
    error_of(pixazo.post(SUBMIT, content=raw), 400)
    error_of(pixazo.post(RESULT, content=raw), 400)


def test_a_value_outside_both_vocabularies_names_the_field(pixazo: httpx.Client) -> None:
    text = error_of(pixazo.post(SUBMIT, json=flat(category="shoes")), 400)
    assert "category" in text and "outerwear" in text and "one-pieces" in text
    assert "num_samples" in error_of(pixazo.post(SUBMIT, json=flat(num_samples=6)), 400)


def test_an_oversized_body_is_a_400() -> None:
    emulator = Emulator(time_scale=0, max_body_bytes=100)
    with emulator.httpx_client(headers=HEADERS) as client:
        text = error_of(client.post(SUBMIT, json=flat(model_image="x" * 200)), 400)
    assert "100 byte" in text


@pytest.mark.parametrize("headers", [{}, {"Ocp-Apim-Subscription-Key": " "},
                                     {"Authorization": f"Bearer {KEY}"}])
def test_a_missing_or_empty_key_is_a_401(emulator: Emulator,
                                         headers: dict[str, str]) -> None:
    with emulator.httpx_client(headers=headers) as client:
        error_of(client.post(SUBMIT, json=flat()), 401)
        error_of(client.post(RESULT, json={"request_id": "fashn-req-x"}), 401)
    assert emulator.predictions() == []


def test_an_unknown_key_is_a_401_when_keys_are_restricted() -> None:
    emulator = Emulator(time_scale=0, api_keys=("good",))
    with emulator.httpx_client() as client:
        bad = client.post(SUBMIT, json=flat(), headers={"Ocp-Apim-Subscription-Key": "bad"})
        assert "not accepted" in error_of(bad, 401)
        ok = client.post(SUBMIT, json=flat(), headers={"Ocp-Apim-Subscription-Key": "good"})
        assert ok.status_code == 200


def test_out_of_credits_is_a_403(emulator: Emulator, pixazo: httpx.Client) -> None:
    error_of(pixazo.post(SUBMIT, json=flat(), headers={"X-Fashn-Mock-Error": "OutOfCredits"}),
             403)
    emulator.fail_next("OutOfCredits", key=KEY)
    error_of(pixazo.post(SUBMIT, json=flat()), 403)
    assert emulator.predictions() == []


def test_unknown_routes_methods_and_requests_are_404s(pixazo: httpx.Client) -> None:
    for path in ("/fashn-virtual-try-on-917/v1/nope", "/fashn-virtual-try-on/v2/x",
                 "/fashn-virtual-try-on-917"):
        assert pixazo.post(path, json={}).json() == {"error": "Endpoint not found"}
    wrong_method = pixazo.get(SUBMIT)
    assert wrong_method.status_code == 404
    assert wrong_method.json() == {"error": "Endpoint not found"}
    for request_id in ("fashn-req-nope", "nope", "fashn-req-",
                       "fashn-req-123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1"):
        text = error_of(pixazo.post(RESULT, json={"request_id": request_id}), 404)
        assert request_id in text


def test_native_routes_keep_their_own_404(pixazo: httpx.Client) -> None:
    assert pixazo.get("/v1/nope").json()["error"] == "NotFound"


def test_another_dialects_prediction_is_not_a_pixazo_request(
        emulator: Emulator, pixazo: httpx.Client) -> None:
    native = pixazo.post("/v1/run", headers={"Authorization": f"Bearer {KEY}"},
                         json={"model_name": "tryon-v1.6", "inputs": flat()})
    error_of(pixazo.post(RESULT, json={"request_id": "fashn-req-" + native.json()["id"]}),
             404)


def test_another_keys_request_is_a_404(pixazo: httpx.Client) -> None:
    request_id = submit(pixazo)
    other = pixazo.post(RESULT, json={"request_id": request_id},
                        headers={"Ocp-Apim-Subscription-Key": "someone-else"})
    error_of(other, 404)


@pytest.mark.parametrize("path", [SUBMIT, RESULT])
def test_scripted_429_has_retry_after(pixazo: httpx.Client, path: str) -> None:
    response = pixazo.post(path, json={"request_id": "fashn-req-x", **flat()},
                           headers={"X-Fashn-Mock-Error": "RateLimitExceeded"})
    assert error_of(response, 429) == \
        f"Rate limit exceeded, please retry later ({faults.SCRIPTED})"
    assert response.headers["retry-after"] == "1"
    assert "x-ratelimit-limit" not in response.headers


def test_no_rate_window_by_default(emulator: Emulator, pixazo: httpx.Client) -> None:
    for _ in range(60):
        assert pixazo.post(SUBMIT, json=flat()).status_code == 200
        emulator.advance(10)  # each finishes: no concurrency limit is hit


def test_a_configured_window_answers_429_with_retry_after() -> None:
    emulator = Emulator(Config(rates={"pixazo-result": RateRule(2, 10)}), manual_clock=True)
    with emulator.httpx_client(headers=HEADERS) as client:
        request_id = submit(client)
        for _ in range(2):
            assert client.post(RESULT, json={"request_id": request_id}).status_code == 200
        refused = client.post(RESULT, json={"request_id": request_id})
        error_of(refused, 429)
        assert refused.headers["retry-after"] in ("10", "11")  # the window, rounded up


def test_the_concurrency_limit_is_a_429(emulator: Emulator, pixazo: httpx.Client) -> None:
    for _ in range(emulator.config.concurrency):
        submit(pixazo)
    refused = pixazo.post(SUBMIT, json=flat())
    error_of(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1


@pytest.mark.parametrize("name", ["InternalServerError", "ServiceUnavailable"])
def test_scripted_server_faults_are_500s(pixazo: httpx.Client, name: str) -> None:
    error_of(pixazo.post(SUBMIT, json=flat(), headers={"X-Fashn-Mock-Error": name}), 500)


def test_an_unknown_scripted_name_is_a_400(pixazo: httpx.Client) -> None:
    text = error_of(pixazo.post(SUBMIT, json=flat(), headers={"X-Fashn-Mock-Error": "Nope"}),
                    400)
    assert "Nope" in text


def test_a_bug_answers_pixazos_500(emulator: Emulator, pixazo: httpx.Client) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError

    emulator.engine.submit = broken  # type: ignore[method-assign, assignment]
    response = pixazo.post(SUBMIT, json=flat())
    assert response.status_code == 500
    assert response.json() == {"error": TEXTS[500]}
    emulator.engine.balance = broken  # type: ignore[method-assign, assignment]
    native = pixazo.get("/v1/credits", headers={"Authorization": "Bearer k"})
    assert native.json() == {"error": "InternalServerError", "message": "Server error"}


JSON = st.recursive(st.none() | st.booleans() | st.integers()
                    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)
FIELDS = st.dictionaries(st.sampled_from(["model_image", "garment_image", "category", "mode",
                                          "num_samples", "request_id", "output_format"]),
                         JSON, max_size=5)


@given(body=JSON | FIELDS)
def test_hostile_bodies_get_a_clear_answer(body: object) -> None:
    emulator = Emulator(time_scale=0)
    with emulator.httpx_client(headers=HEADERS) as client:
        for path in (SUBMIT, RESULT):
            response = client.post(path, json=body)
            assert response.status_code in (200, 400, 404), response.text
            if response.status_code != 200:
                error_of(response, response.status_code)
