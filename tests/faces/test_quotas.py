"""Rate windows, concurrency and scripted errors as clients see them over HTTP."""

from __future__ import annotations

import httpx

from fashn_mock import Config, Emulator
from fashn_mock.catalog.quotas import RateRule
from tests.support import AUTH, tryon


def test_status_rate_window_answers_429_with_headers() -> None:
    emulator = Emulator(Config(rates={"status": RateRule(3, 10)}), manual_clock=True)
    with emulator.httpx_client(headers=AUTH) as client:
        ok = [client.get("/v1/status/x") for _ in range(3)]
        assert [r.headers["X-RateLimit-Remaining"] for r in ok] == ["2", "1", "0"]
        assert all(r.headers["X-RateLimit-Limit"] == "3" for r in ok)
        limited = client.get("/v1/status/x")
        assert limited.status_code == 429
        assert limited.json()["error"] == "RateLimitExceeded"
        assert limited.headers["Retry-After"] == "11"  # 10.001 s: the window is inclusive
        emulator.advance(10.001)
        assert client.get("/v1/status/x").status_code == 404


def test_the_seventh_run_hits_the_concurrency_limit(client: httpx.Client) -> None:
    for _ in range(6):
        assert client.post("/v1/run", json=tryon()).status_code == 200
    response = client.post("/v1/run", json=tryon())
    assert response.status_code == 429
    assert response.json()["error"] == "ConcurrencyLimitExceeded"
    assert int(response.headers["Retry-After"]) >= 1


def test_scripted_header_fails_prediction_or_request(emulator: Emulator,
                                                     client: httpx.Client) -> None:
    run = client.post("/v1/run", json=tryon(), headers={"X-Fashn-Mock-Error": "PoseError"})
    emulator.advance(30)
    assert client.get(f"/v1/status/{run.json()['id']}").json()["error"]["name"] == "PoseError"
    for name, status in [("RateLimitExceeded", 429), ("OutOfCredits", 429),
                         ("UnauthorizedAccess", 401), ("InternalServerError", 500)]:
        response = client.post("/v1/run", json=tryon(), headers={"X-Fashn-Mock-Error": name})
        assert (response.status_code, response.json()["error"]) == (status, name)
    assert client.get("/v1/credits", headers={"X-Fashn-Mock-Error": "NotFound"}) \
        .status_code == 404
    assert client.post("/v1/run", json=tryon(),
                       headers={"X-Fashn-Mock-Error": "Bogus"}).status_code == 400


def test_marker_in_an_input_string(emulator: Emulator, client: httpx.Client) -> None:
    body = tryon(model_image="https://x/m.png#fashn-mock-error=ContentModerationError")
    prediction_id = client.post("/v1/run", json=body).json()["id"]
    emulator.advance(30)
    error = client.get(f"/v1/status/{prediction_id}").json()["error"]
    assert error["name"] == "ContentModerationError" and error["message"]
    marked = tryon(garment_image="https://x/g.png#fashn-mock-error=OutOfCredits")
    assert client.post("/v1/run", json=marked).status_code == 429


def test_no_limits() -> None:
    emulator = Emulator(Config(limits=False, rates={"status": RateRule(1, 10)}))
    with emulator.httpx_client(headers=AUTH) as client:
        responses = [client.get("/v1/credits") for _ in range(40)]
        assert {r.status_code for r in responses} == {200}
        assert "X-RateLimit-Limit" not in responses[0].headers
