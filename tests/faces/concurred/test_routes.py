"""The Concurred face's routes (``faces/concurred/__init__.py``): envelopes, auth,
models, rate windows and headers, prices, scripted faults, journal and control API."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fashn_mock import Config, Emulator
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.clock import MANUAL_EPOCH
from fashn_mock.engine import DOCS_EXAMPLE_ID
from fashn_mock.faces.concurred import iso_time
from tests.faces.concurred.helpers import (
    API_KEY,
    BEARER,
    KEY,
    RATE_HEADERS,
    RUN,
    SUBSCRIBE,
    URL,
    status_path,
    tryon,
)

PAGE_MODELS = ["tryon-v1.6", "product-to-model", "face-to-model", "model-create",
               "model-variation", "model-swap", "reframe", "background-change",
               "background-remove", "image-to-video"]
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(manual_clock=True, time_scale=1)


@pytest.fixture
def client(emulator: Emulator) -> Iterator[httpx.Client]:
    with emulator.httpx_client(headers=API_KEY) as client:
        yield client


def refusal(response: httpx.Response, status: int, code: str) -> str:
    """The message of a refusal in Concurred's one error shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"success", "error", "meta"} and body["success"] is False
    assert set(body["error"]) == {"code", "message"} and body["error"]["code"] == code
    assert set(body["meta"]) == {"requestId", "timestamp"}
    assert uuid.UUID(body["meta"]["requestId"]).version == 4
    assert ISO.match(body["meta"]["timestamp"])
    return str(body["error"]["message"])


def submit(client: httpx.Client, body: dict[str, Any] | None = None, **headers: str) -> str:
    response = client.post(RUN, json=body or tryon(), headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["prediction_id"])


# --- envelopes ---------------------------------------------------------------------------
def test_run_answers_the_documented_envelope(emulator: Emulator, client: httpx.Client) -> None:
    response = client.post(RUN, json=tryon())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "data", "meta"} and body["success"] is True
    data = body["data"]
    assert set(data) == {"prediction_id", "status", "model_name", "created_at"}
    assert data["status"] == "starting" and data["model_name"] == "tryon-v1.6"
    assert data["created_at"] == int(MANUAL_EPOCH * 1000)
    assert uuid.UUID(body["meta"]["requestId"]).version == 4
    assert body["meta"]["timestamp"] == "2026-01-01T00:00:00.000Z" == iso_time(MANUAL_EPOCH)
    assert emulator.prediction(data["prediction_id"]).dialect == "concurred"


def test_status_moves_to_completed_with_cdn_urls(emulator: Emulator,
                                                  client: httpx.Client) -> None:
    prediction_id = submit(client, tryon(num_samples=2))
    first = client.get(status_path(prediction_id))
    assert first.json() == {"success": True, "data": {
        "prediction_id": prediction_id, "status": "starting", "output": None,
        "error": None}}
    emulator.advance(30)
    done = client.get(status_path(prediction_id)).json()
    assert done == {"success": True, "data": {
        "prediction_id": prediction_id, "status": "completed", "error": None,
        "output": [f"http://fashn-mock.local/cdn/{prediction_id}/output_{i}.png"
                   for i in range(2)]}}
    assert client.get(done["data"]["output"][1]).headers["content-type"] == "image/png"


def test_a_failed_job_is_still_success_true(emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = submit(client, tryon(garment_image="not-an-image"))
    emulator.advance(30)
    body = client.get(status_path(prediction_id)).json()
    assert body["success"] is True
    assert body["data"]["status"] == "failed" and body["data"]["output"] is None
    assert body["data"]["error"]["name"] == "ImageLoadError"
    assert set(body["data"]["error"]) == {"name", "message"}


def test_base64_outputs(emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = submit(client, {"model_name": "background-remove",
                                    "inputs": {"image": URL, "return_base64": True}})
    emulator.advance(10)
    output = client.get(status_path(prediction_id)).json()["data"]["output"]
    assert len(output) == 1 and output[0].startswith("data:image/png;base64,")


def test_the_docs_example_id_answers(client: httpx.Client) -> None:
    body = client.get(status_path(DOCS_EXAMPLE_ID)).json()
    assert body["data"]["status"] == "completed" and len(body["data"]["output"]) == 1


def test_request_ids_are_seeded(emulator: Emulator) -> None:
    def ids(seed: int) -> list[str]:
        with Emulator(manual_clock=True, seed=seed).httpx_client(headers=API_KEY) as client:
            return [client.post(RUN, json=tryon()).json()["meta"]["requestId"]
                    for _ in range(3)]
    assert ids(7) == ids(7) != ids(8)
    assert len(set(ids(7))) == 3


def test_unseeded_request_ids_differ_between_emulators() -> None:
    """Without ``--seed`` (workers of one shared store included), no two emulators
    hand out the same request ids."""
    def first_id() -> str:
        with Emulator(manual_clock=True).httpx_client(headers=API_KEY) as client:
            return str(client.post(RUN, json=tryon()).json()["meta"]["requestId"])
    assert first_id() != first_id()


# --- authentication ----------------------------------------------------------------------
@pytest.mark.parametrize("headers", [BEARER, API_KEY, {"authorization": "bearer " + KEY},
                                     {"Authorization": "Basic x", "X-API-Key": KEY}])
def test_either_header_authenticates(emulator: Emulator, headers: dict[str, str]) -> None:
    with emulator.httpx_client(headers=headers) as client:
        prediction_id = submit(client)
    assert emulator.predictions(key=KEY)[0].id == prediction_id


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer "},
                                     {"Authorization": "Token abc"}, {"X-API-Key": "  "}])
def test_missing_or_malformed_keys_are_401(emulator: Emulator,
                                           headers: dict[str, str]) -> None:
    with emulator.httpx_client(headers=headers) as client:
        for response in (client.post(RUN, json=tryon()),
                         client.get(status_path(DOCS_EXAMPLE_ID)),
                         client.post(SUBSCRIBE, json=tryon())):
            assert "X-API-Key" in refusal(response, 401, "UNAUTHORIZED")
            assert response.headers["x-ratelimit-remaining"] == \
                response.headers["x-ratelimit-limit"]  # not counted


def test_unknown_keys_are_401_when_keys_are_restricted() -> None:
    emulator = Emulator(manual_clock=True, api_keys=("good",))
    with emulator.httpx_client() as client:
        assert refusal(client.post(RUN, json=tryon(), headers={"X-API-Key": "bad"}),
                       401, "UNAUTHORIZED") == "Invalid API key"
        assert client.post(RUN, json=tryon(), headers={"X-API-Key": "good"}).is_success


# --- models and validation -----------------------------------------------------------------
@pytest.mark.parametrize("model", ["tryon-max", "tryon-v1.5", "edit", "packshot", "nope"])
def test_models_outside_its_ten_are_400(client: httpx.Client, model: str) -> None:
    message = refusal(client.post(RUN, json={"model_name": model, "inputs": {"image": URL}}),
                      400, "VALIDATION_ERROR")
    assert message.startswith("Validation failed: model_name") and "image-to-video" in message


@pytest.mark.parametrize(("body", "field"), [
    ({"model_name": "background-change", "inputs": {"image": URL}}, "inputs.prompt"),
    ({"model_name": "face-to-model", "inputs": {"face_image": URL, "aspect_ratio": "16:9"}},
     "inputs.aspect_ratio"),
    ({"model_name": "product-to-model", "inputs": {"product_image": URL,
                                                   "resolution": "2k"}}, "inputs.resolution"),
    ({"model_name": "reframe", "inputs": {"image": URL, "target_aspect_ratio": "21:9"}},
     "inputs.target_aspect_ratio"),
    ({"model_name": "image-to-video", "inputs": {"image": URL, "duration": 7}},
     "inputs.duration"),
    ({"model_name": "tryon-v1.6", "inputs": {"model_image": URL, "garment_image": URL,
                                             "num_samples": 5}}, "inputs.num_samples"),
    ({"model_image": URL, "garment_image": URL}, "model_name"),  # no flat legacy body
])
def test_its_parameter_forms_are_enforced(client: httpx.Client, body: dict[str, Any],
                                          field: str) -> None:
    assert field in refusal(client.post(RUN, json=body), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("raw", [b"{", b"[1]", b"null", b"", b'"text"', b"\xff",
                                 b'{"model_name": "tryon-v1.6", "inputs": []}'])
def test_bad_bodies_are_clear_400s(client: httpx.Client, raw: bytes) -> None:
    for path in (RUN, SUBSCRIBE):
        response = client.post(path, content=raw, headers={"content-type": "application/json"})
        refusal(response, 400, "VALIDATION_ERROR")
        assert all(name in response.headers for name in RATE_HEADERS)


def test_old_forms_are_accepted(emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = submit(client, {"model_name": "reframe", "inputs": {
        "image": URL, "mode": "aspect_ratio", "target_aspect_ratio": "16:9"}})
    assert emulator.prediction(prediction_id).size == (1360, 760)
    submit(client, {"model_name": "model-create", "inputs": {
        "prompt": "a model", "lora_url": "https://example.com/w.safetensors",
        "reference_type": "pose", "image_reference": URL}})
    submit(client, {"model_name": "model-variation", "inputs": {"model_image": URL}})


def test_body_too_large_is_413() -> None:
    emulator = Emulator(manual_clock=True, max_body_bytes=100)
    with emulator.httpx_client(headers=API_KEY) as client:
        refusal(client.post(RUN, json=tryon(prompt="x" * 200)), 413, "PAYLOAD_TOO_LARGE")


# --- headers and windows ---------------------------------------------------------------------
def test_rate_headers_on_every_response(emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = submit(client)
    responses = [client.post(RUN, json=tryon()), client.get(status_path(prediction_id)),
                 client.get(status_path("missing")),
                 client.post(RUN, json={"model_name": "edit"}),
                 client.post(RUN, json=tryon(), headers={"X-Fashn-Mock-Error":
                                                         "ServiceUnavailable"}),
                 client.post(SUBSCRIBE, json={})]
    for response in responses:
        assert all(name in response.headers for name in RATE_HEADERS), response.text
    run_limit = [r.headers["x-ratelimit-limit"] for r in responses]
    assert run_limit == ["30", "40", "40", "30", "30", "30"]
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == [
        "28", "39", "38", "27", "26", "29"]
    assert int(responses[0].headers["x-ratelimit-reset"]) == int(MANUAL_EPOCH) + 60


def test_run_window_is_30_per_60_seconds() -> None:
    emulator = Emulator(manual_clock=True, concurrency=100)
    client = emulator.httpx_client(headers=API_KEY)
    for _ in range(30):
        submit(client)
    refused = client.post(RUN, json=tryon())
    message = refusal(refused, 429, "RATE_LIMITED")
    assert "30 requests per 60 s on /api/v1/fashion/run" in message
    assert 60 <= int(refused.headers["retry-after"]) <= 61
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert client.post(SUBSCRIBE, json={}).status_code == 400  # its own window
    with emulator.httpx_client(headers={"X-API-Key": "other"}) as other:
        submit(other)  # windows are per key
    emulator.advance(int(refused.headers["retry-after"]))
    submit(client)


def test_status_window_is_40_per_10_seconds(emulator: Emulator, client: httpx.Client) -> None:
    for _ in range(40):
        assert client.get(status_path(DOCS_EXAMPLE_ID)).status_code == 200
    refused = client.get(status_path(DOCS_EXAMPLE_ID))
    assert "40 requests per 10 s" in refusal(refused, 429, "RATE_LIMITED")
    assert 10 <= int(refused.headers["retry-after"]) <= 11
    emulator.advance(int(refused.headers["retry-after"]))
    assert client.get(status_path(DOCS_EXAMPLE_ID)).status_code == 200


def test_subscribe_window_is_30_per_60_seconds() -> None:
    emulator = Emulator(manual_clock=True, time_scale=0)
    with emulator.httpx_client(headers=API_KEY) as client:
        for _ in range(30):
            assert client.post(SUBSCRIBE, json=tryon()).status_code == 200
        assert refusal(client.post(SUBSCRIBE, json=tryon()), 429,
                       "RATE_LIMITED").count("/api/v1/fashion/subscribe") == 1
        assert client.post(RUN, json=tryon()).status_code == 200


def test_no_limits_means_no_windows_and_no_headers() -> None:
    emulator = Emulator(manual_clock=True, time_scale=0, limits=False)
    with emulator.httpx_client(headers=API_KEY) as client:
        for _ in range(45):
            response = client.post(RUN, json=tryon())
            assert response.status_code == 200
            assert not any(name in response.headers for name in RATE_HEADERS)


def test_windows_can_be_configured() -> None:
    emulator = Emulator(manual_clock=True, rates={"concurred.status": RateRule(1, 10)})
    with emulator.httpx_client(headers=API_KEY) as client:
        assert client.get(status_path(DOCS_EXAMPLE_ID)).status_code == 200
        refusal(client.get(status_path(DOCS_EXAMPLE_ID)), 429, "RATE_LIMITED")
        assert client.post(RUN, json=tryon()).headers["x-ratelimit-limit"] == "30"


# --- prices, credits, concurrency ----------------------------------------------------------
def test_its_own_prices_are_charged(emulator: Emulator, client: httpx.Client) -> None:
    emulator.set_credits(100, key=KEY)
    submit(client, tryon(num_samples=2))  # 6
    submit(client, {"model_name": "model-create", "inputs": {
        "prompt": "a model", "face_reference": URL, "num_images": 2}})  # 10
    submit(client, {"model_name": "image-to-video", "inputs": {"image": URL}})  # 5
    submit(client, tryon(garment_image="broken"))  # fails: free
    emulator.advance(200)
    assert emulator.credits(KEY).total == 100 - 6 - 10 - 5
    assert [p.cost for p in emulator.predictions(key=KEY)] == [6, 10, 5, 3]


def test_out_of_credits_and_concurrency_are_429(emulator: Emulator,
                                                client: httpx.Client) -> None:
    emulator.set_credits(2, key=KEY)
    response = client.post(RUN, json=tryon())
    assert "costs 3, 2 available" in refusal(response, 429, "INSUFFICIENT_CREDITS")
    assert response.headers["retry-after"] == "60"
    emulator.set_credits(1000, key=KEY)
    for _ in range(6):
        submit(client)
    busy = client.post(RUN, json=tryon())
    refusal(busy, 429, "CONCURRENCY_LIMITED")
    assert int(busy.headers["retry-after"]) >= 1
    assert all(name in busy.headers for name in RATE_HEADERS)


# --- errors and unknown routes -------------------------------------------------------------
def test_unknown_prediction_is_404(client: httpx.Client) -> None:
    response = client.get(status_path("no-such-id"))
    assert "no-such-id" in refusal(response, 404, "NOT_FOUND")
    assert response.headers["x-ratelimit-limit"] == "40"


def test_other_keys_predictions_are_not_visible(emulator: Emulator,
                                                client: httpx.Client) -> None:
    prediction_id = submit(client)
    with emulator.httpx_client(headers={"X-API-Key": "someone-else"}) as other:
        refusal(other.get(status_path(prediction_id)), 404, "NOT_FOUND")


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/v1/fashion/nowhere", 404, "NOT_FOUND"),
    ("GET", "/api/v1/fashion", 404, "NOT_FOUND"),
    ("GET", "/api/v1/fashion/run", 405, "METHOD_NOT_ALLOWED"),
    ("POST", "/api/v1/fashion/status/x", 405, "METHOD_NOT_ALLOWED"),
    ("GET", "/api/v1/fashion/subscribe", 405, "METHOD_NOT_ALLOWED"),
])
def test_unknown_routes_answer_in_its_shape(client: httpx.Client, method: str, path: str,
                                            status: int, code: str) -> None:
    response = client.request(method, path)
    refusal(response, status, code)
    if status == 405:
        assert response.headers["allow"]


def test_native_unknown_routes_keep_the_native_shape(client: httpx.Client) -> None:
    assert client.get("/v1/nowhere").json()["error"] == "NotFound"
    assert set(client.get("/api/v2/x").json()) == {"error", "message"}


# --- scripted faults -----------------------------------------------------------------------
@pytest.mark.parametrize(("name", "status", "code"), [
    ("ServiceUnavailable", 503, "SERVICE_UNAVAILABLE"),
    ("BadRequest", 400, "VALIDATION_ERROR"),
    ("UnauthorizedAccess", 401, "UNAUTHORIZED"),
    ("RateLimitExceeded", 429, "RATE_LIMITED"),
    ("ConcurrencyLimitExceeded", 429, "CONCURRENCY_LIMITED"),
    ("OutOfCredits", 429, "INSUFFICIENT_CREDITS"),
    ("InternalServerError", 500, "INTERNAL_ERROR"),
    ("NotFound", 404, "NOT_FOUND"),
])
def test_scripted_refusals_by_header(client: httpx.Client, name: str, status: int,
                                     code: str) -> None:
    for response in (client.post(RUN, json=tryon(), headers={"X-Fashn-Mock-Error": name}),
                     client.get(status_path(DOCS_EXAMPLE_ID),
                                headers={"X-Fashn-Mock-Error": name}),
                     client.post(SUBSCRIBE, json=tryon(), headers={"X-Fashn-Mock-Error": name})):
        assert "scripted by fashn-mock" in refusal(response, status, code)
        assert all(header in response.headers for header in RATE_HEADERS)
        if status == 429:
            assert response.headers["retry-after"]


def test_service_unavailable_says_what_concurred_says(client: httpx.Client) -> None:
    message = refusal(client.post(RUN, json=tryon(), headers={
        "X-Fashn-Mock-Error": "ServiceUnavailable"}), 503, "SERVICE_UNAVAILABLE")
    assert message.startswith("Service unavailable: fashion generation service is not "
                              "configured on the server")


def test_an_unknown_scripted_name_is_400(client: httpx.Client) -> None:
    assert "unknown error 'Nope'" in refusal(
        client.post(RUN, json=tryon(), headers={"X-Fashn-Mock-Error": "Nope"}),
        400, "VALIDATION_ERROR")


def test_scripted_runtime_failures(emulator: Emulator, client: httpx.Client) -> None:
    by_header = submit(client, tryon(), **{"X-Fashn-Mock-Error": "PoseError"})
    by_marker = submit(client, tryon(model_image=URL + "#fashn-mock-error=ThirdPartyError"))
    emulator.fail_next("ContentModerationError", model="tryon-v1.6")
    by_rule = submit(client)
    emulator.advance(60)
    names = [client.get(status_path(p)).json()["data"]["error"]["name"]
             for p in (by_header, by_marker, by_rule)]
    assert names == ["PoseError", "ThirdPartyError", "ContentModerationError"]


def test_fail_next_refusals(emulator: Emulator, client: httpx.Client) -> None:
    emulator.fail_next("ServiceUnavailable", key=KEY)
    refusal(client.post(RUN, json=tryon()), 503, "SERVICE_UNAVAILABLE")
    submit(client)


# --- journal and control API ---------------------------------------------------------------
def test_journal_and_control_api_see_the_dialect(emulator: Emulator,
                                                 client: httpx.Client) -> None:
    prediction_id = submit(client)
    client.get(status_path(prediction_id), headers={"X-API-Key": "", **BEARER})
    client.post(RUN, json={"model_name": "edit"})
    client.post("/v1/run", json=tryon(), headers=BEARER)
    entries = client.get("/_mock/journal", params={"dialect": "concurred"}).json()["entries"]
    assert [(e["path"], e["status"], e["dialect"], e["key"]) for e in entries] == [
        (RUN, 200, "concurred", KEY), (status_path(prediction_id), 200, "concurred", KEY),
        (RUN, 400, "concurred", KEY)]
    assert [e["prediction_id"] for e in entries[:2]] == [prediction_id] * 2
    assert entries[1]["prediction_status"] == "starting"
    assert entries[2]["error"] == "VALIDATION_ERROR"
    assert entries[0]["response_headers"]["x-ratelimit-limit"] == "30"
    listed = client.get("/_mock/predictions").json()["predictions"]
    assert {p["dialect"] for p in listed} == {"concurred", "native"}
    faults = client.post("/_mock/faults", json={"error": "ImageLoadError",
                                                "model": "background-remove"})
    assert faults.status_code == 200
    failing = submit(client, {"model_name": "background-remove", "inputs": {"image": URL}})
    emulator.advance(10)
    assert client.get(status_path(failing)).json()["data"]["error"]["name"] == "ImageLoadError"
    canceled = submit(client)
    client.post(f"/_mock/predictions/{canceled}/cancel")
    assert client.get(status_path(canceled)).json()["data"]["status"] == "canceled"


# --- on a real port ------------------------------------------------------------------------
def test_on_a_real_port() -> None:
    with Emulator(Config(time_scale=0), manual_clock=True) as emulator, \
            httpx.Client(base_url=emulator.base_url, headers=BEARER) as client:
        response = client.post(RUN, json=tryon())
        assert response.status_code == 200 and response.json()["success"] is True
        prediction_id = response.json()["data"]["prediction_id"]
        done = client.get(status_path(prediction_id))
        assert done.json()["data"]["output"] == [
            f"{emulator.base_url}/cdn/{prediction_id}/output_0.png"]
        assert all(name in done.headers for name in RATE_HEADERS)
        refusal(client.post(RUN, json=tryon(), headers={"Authorization": ""}),
                401, "UNAUTHORIZED")
        refusal(client.get("/api/v1/fashion/x"), 404, "NOT_FOUND")
        assert client.get(done.json()["data"]["output"][0]).status_code == 200


# --- hostile input -------------------------------------------------------------------------
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.text(max_size=10), children, max_size=4),
                    max_leaves=12)
BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries({"model_name": st.sampled_from(
        [*PAGE_MODELS, "edit", ""]), "inputs": JSON}),
    st.fixed_dictionaries({"model_name": st.sampled_from(PAGE_MODELS),
                           "inputs": st.dictionaries(st.sampled_from(
                               ["image", "prompt", "model_image", "garment_image",
                                "aspect_ratio", "num_images", "duration", "mode"]),
                               JSON, max_size=5)}))


@settings(max_examples=100)
@given(body=BODIES, path=st.sampled_from([RUN, SUBSCRIBE]),
       key=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=8))
def test_any_body_is_answered_never_a_500(body: Any, path: str, key: str) -> None:
    emulator = Emulator(time_scale=0, limits=False)
    with emulator.httpx_client(headers={"X-API-Key": key} if key else {}) as client:
        response = client.post(path, json=body)
    assert response.status_code in {200, 400, 401}, response.text
    if response.status_code != 200:
        refusal(response, response.status_code,
                {400: "VALIDATION_ERROR", 401: "UNAUTHORIZED"}[response.status_code])
    elif path == RUN:
        assert response.json()["data"]["status"] == "starting"
    else:
        assert response.text.endswith("data: [DONE]\n\n")


UNLIMITED = Emulator(time_scale=0, limits=False)


@given(prediction_id=st.text(min_size=1, max_size=40))
def test_any_status_id_is_a_404_or_an_answer(prediction_id: str) -> None:
    with UNLIMITED.httpx_client(headers=API_KEY) as client:
        response = client.get(status_path(quote(prediction_id, safe="")))
    assert response.status_code in {200, 404}, response.text
    if response.status_code == 404:
        refusal(response, 404, "NOT_FOUND")
