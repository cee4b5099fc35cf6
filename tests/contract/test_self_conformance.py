"""The emulator's own responses conform to the contract: every route, every status
code it can emit, every lifecycle status (validated with jsonschema against the
contract's component schemas)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from fashn_mock import Config, Emulator
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.contract.document import check_response, schema_errors
from tests.support import AUTH, URL, tryon

Exchange = Callable[[Emulator, httpx.Client], httpx.Response]


def conforms(response: httpx.Response) -> None:
    problems = check_response(response.request.method, response.request.url.path,
                              response.status_code, response.headers, response.content)
    assert not problems, f"{response.request.method} {response.request.url.path} " \
                         f"{response.status_code}: {problems}\n{response.text[:300]}"


def submitted(emulator: Emulator, client: httpx.Client, **inputs: Any) -> str:
    response = client.post("/v1/run", json=tryon(**inputs))
    conforms(response)
    prediction_id: str = response.json()["id"]
    return prediction_id


def status_after(seconds: float, **inputs: Any) -> Exchange:
    def exchange(emulator: Emulator, client: httpx.Client) -> httpx.Response:
        prediction_id = submitted(emulator, client, **inputs)
        emulator.advance(seconds)
        return client.get(f"/v1/status/{prediction_id}")
    return exchange


def interrupted(how: str) -> Exchange:
    def exchange(emulator: Emulator, client: httpx.Client) -> httpx.Response:
        prediction_id = submitted(emulator, client)
        getattr(emulator, how)(prediction_id)
        return client.get(f"/v1/status/{prediction_id}")
    return exchange


def twice(method: str, path: str, **kwargs: Any) -> Exchange:
    def exchange(emulator: Emulator, client: httpx.Client) -> httpx.Response:
        client.request(method, path, **kwargs)
        return client.request(method, path, **kwargs)
    return exchange


def call(method: str, path: str, **kwargs: Any) -> Exchange:
    return lambda emulator, client: client.request(method, path, **kwargs)


NO_AUTH = {"Authorization": ""}
SCRIPTED_500 = {"X-Fashn-Mock-Error": "InternalServerError"}
TIGHT = Config(rates={"run": RateRule(1, 60), "status": RateRule(1, 10),
                      "credits": RateRule(1, 10)}, concurrency=1, max_body_bytes=4096)
CASES: list[Any] = [
    # POST /v1/run
    ("run 200", Config(), call("POST", "/v1/run", json=tryon())),
    ("run 200 legacy body", Config(), call("POST", "/v1/run", json={
        "model_image": URL, "garment_image": URL})),
    ("run 200 webhook", Config(), call("POST", "/v1/run", json=tryon(),
                                       params={"webhook_url": "https://example.com/hook"})),
    ("run 400 invalid input", Config(), call("POST", "/v1/run", json=tryon(num_samples=9))),
    ("run 400 malformed JSON", Config(), call("POST", "/v1/run", content=b"{")),
    ("run 400 bad webhook", Config(), call("POST", "/v1/run", json=tryon(),
                                           params={"webhook_url": "ftp://x"})),
    pytest.param("run 400 webhook not a URI", Config(),
                 call("POST", "/v1/run", json=tryon(), params={"webhook_url": "https://a b"})),
    ("run 401", Config(), call("POST", "/v1/run", json=tryon(), headers=NO_AUTH)),
    ("run 413", TIGHT, call("POST", "/v1/run", json=tryon(prompt="x" * 5000))),
    ("run 429 rate", TIGHT, twice("POST", "/v1/run", json=tryon(model_image="bad"))),
    ("run 429 concurrency", Config(concurrency=1),
     twice("POST", "/v1/run", json=tryon())),
    pytest.param("run 429 out of credits", Config(credits=0),
                 call("POST", "/v1/run", json=tryon())),
    pytest.param("run 429 scripted", Config(),
                 call("POST", "/v1/run", json=tryon(),
                      headers={"X-Fashn-Mock-Error": "RateLimitExceeded"})),
    ("run 500", Config(), call("POST", "/v1/run", json=tryon(), headers=SCRIPTED_500)),
    # GET /v1/status/{id}: every lifecycle status
    ("status starting", Config(), status_after(0)),
    ("status in_queue", Config(), status_after(1.0, mode="quality")),
    ("status processing", Config(), status_after(4, mode="quality")),
    ("status completed", Config(), status_after(60, num_samples=3)),
    ("status completed base64", Config(), status_after(60, return_base64=True)),
    ("status failed", Config(), status_after(60, model_image="not-an-image")),
    ("status canceled", Config(), interrupted("cancel")),
    ("status time_out", Config(), interrupted("time_out")),
    ("status docs example", Config(),
     call("GET", "/v1/status/123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1")),
    ("status 401", Config(), call("GET", "/v1/status/x", headers=NO_AUTH)),
    ("status 404", Config(), call("GET", "/v1/status/does-not-exist")),
    ("status 429", TIGHT, twice("GET", "/v1/status/does-not-exist")),
    ("status 500", Config(), call("GET", "/v1/status/x", headers=SCRIPTED_500)),
    # GET /v1/credits
    ("credits 200", Config(), call("GET", "/v1/credits")),
    ("credits 401", Config(), call("GET", "/v1/credits", headers={"Authorization": "Basic x"})),
    ("credits 429", TIGHT, twice("GET", "/v1/credits")),
    ("credits 500", Config(), call("GET", "/v1/credits", headers=SCRIPTED_500)),
]


@pytest.fixture
def make_client() -> Iterator[Callable[[Config], tuple[Emulator, httpx.Client]]]:
    clients: list[httpx.Client] = []

    def make(config: Config) -> tuple[Emulator, httpx.Client]:
        emulator = Emulator(config, manual_clock=True)
        clients.append(emulator.httpx_client(headers=AUTH))
        return emulator, clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.mark.parametrize(("name", "config", "exchange"), CASES,
                         ids=[str(c.values[0] if hasattr(c, "marks") else c[0])
                              for c in CASES])
def test_response_conforms(name: str, config: Config, exchange: Exchange,
                           make_client: Callable[[Config], tuple[Emulator, httpx.Client]]
                           ) -> None:
    emulator, client = make_client(config)
    response = exchange(emulator, client)
    expected = int(name.split()[1]) if name.split()[1].isdigit() else 200
    assert response.status_code == expected, response.text
    if name.startswith("status ") and expected == 200:
        assert response.json()["status"] == name.split()[1] or "example" in name \
            or "base64" in name
    conforms(response)


@pytest.mark.parametrize("seconds", [60.0])
def test_terminal_statuses_are_valid_webhook_payloads(
        seconds: float, make_client: Callable[[Config], tuple[Emulator, httpx.Client]]
        ) -> None:
    emulator, client = make_client(Config())
    for inputs in ({}, {"model_image": "not-an-image"}):
        body = status_after(seconds, **inputs)(emulator, client).json()
        assert body["status"] in ("completed", "failed")
        assert schema_errors("/components/schemas/WebhookPayload", body) == []


def test_conformance_check_can_fail() -> None:
    """The checker itself rejects what the contract forbids."""
    def fake(status: int, body: Any, headers: dict[str, str] | None = None) -> list[str]:
        import json

        return check_response("GET", "/v1/status/x", status,
                              {"content-type": "application/json", **(headers or {})},
                              json.dumps(body).encode())

    assert fake(418, {}) and "not documented" in fake(418, {})[0]
    assert fake(200, {"id": "x", "status": "done", "error": None})
    assert fake(200, {"id": "x", "status": "completed", "output": [], "error": None})
    assert fake(200, {"id": "x", "status": "failed", "output": None, "error": None})
    assert fake(200, {"id": "x", "status": "processing", "output": ["u"], "error": None})
    assert fake(200, {"id": "x", "status": "completed", "output": ["u"], "error": None,
                      }, {"x-fashn-credits-used": "one"})
    assert fake(404, {"error": "BadRequest", "message": "m"})
    assert fake(429, {"error": "RateLimitExceeded", "message": "m"}) == [
        "header Retry-After is required but missing"]
    assert check_response("DELETE", "/v1/run", 200, {}, b"")
