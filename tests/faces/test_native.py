from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fashn_mock import Config, Emulator
from fashn_mock.engine import DOCS_EXAMPLE_ID
from tests.support import AUTH, tryon


def error_of(response: httpx.Response, status: int, name: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == name and set(body) == {"error", "message"}
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])


def test_run_then_poll_to_completion(emulator: Emulator, client: httpx.Client) -> None:
    response = client.post("/v1/run", json=tryon(num_samples=2))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "error"} and body["error"] is None
    status = client.get(f"/v1/status/{body['id']}")
    assert status.json() == {"id": body["id"], "status": "starting", "output": None,
                             "error": None}
    assert "x-fashn-credits-used" not in status.headers
    emulator.advance(30)
    done = client.get(f"/v1/status/{body['id']}")
    assert done.json()["status"] == "completed"
    assert done.headers["x-fashn-credits-used"] == "2"
    assert done.json()["output"] == [
        f"http://fashn-mock.local/cdn/{body['id']}/output_{i}.png" for i in range(2)]


def test_failed_prediction_is_http_200(emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon(garment_image="abc")).json()["id"]
    emulator.advance(30)
    status = client.get(f"/v1/status/{prediction_id}")
    assert status.status_code == 200
    assert status.json()["status"] == "failed"
    assert status.json()["error"]["name"] == "ImageLoadError"
    assert "x-fashn-credits-used" not in status.headers


def test_webhook_url_is_accepted_and_stored(emulator: Emulator, client: httpx.Client) -> None:
    response = client.post("/v1/run", json=tryon(),
                           params={"webhook_url": "https://example.com/hook"})
    prediction = emulator.engine.predictions[response.json()["id"]]
    assert prediction.webhook_url == "https://example.com/hook"
    error_of(client.post("/v1/run", json=tryon(), params={"webhook_url": "nope"}),
             400, "BadRequest")


@pytest.mark.parametrize("raw", [b"{", b"[1]", b"null", b"", b'"text"', b"\xff",
                                 b'{"model_name": "x", "inputs": {}}'])
def test_bad_bodies_are_clear_400s(client: httpx.Client, raw: bytes) -> None:
    error_of(client.post("/v1/run", content=raw,
                         headers={"content-type": "application/json"}), 400, "BadRequest")


def test_oversized_body_is_413_before_reading_it() -> None:
    emulator = Emulator(Config(max_body_bytes=1000))
    with emulator.httpx_client(headers=AUTH) as client:
        message = error_of(client.post("/v1/run", content=b"{" + b" " * 5000 + b"}"),
                           413, "BadRequest")
        assert "1000" in message

        def chunks() -> Iterator[bytes]:  # no Content-Length: the stream is cut off while reading
            for _ in range(50):
                yield b" " * 100

        error_of(client.post("/v1/run", content=chunks()), 413, "BadRequest")
        assert client.post("/v1/run", json=tryon()).status_code == 200


def test_auth_errors(emulator: Emulator) -> None:
    with emulator.httpx_client() as client:
        error_of(client.post("/v1/run", json=tryon()), 401, "UnauthorizedAccess")
        error_of(client.get("/v1/credits"), 401, "UnauthorizedAccess")
        error_of(client.get("/v1/status/x", headers={"Authorization": "Token x"}), 401,
                 "UnauthorizedAccess")
    closed = Emulator(Config(api_keys=("fa-good",)))
    with closed.httpx_client() as client:
        error_of(client.get("/v1/credits", headers={"Authorization": "Bearer fa-bad"}),
                 401, "UnauthorizedAccess")
        assert client.get("/v1/credits",
                          headers={"Authorization": "Bearer fa-good"}).status_code == 200


def test_unknown_ids_routes_and_methods(client: httpx.Client) -> None:
    error_of(client.get("/v1/status/does-not-exist"), 404, "NotFound")
    error_of(client.get("/v1/nothing-here"), 404, "NotFound")
    error_of(client.get("/v1/run"), 405, "BadRequest")


def test_other_keys_get_404(client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon()).json()["id"]
    other = client.get(f"/v1/status/{prediction_id}",
                       headers={"Authorization": "Bearer someone-else"})
    error_of(other, 404, "NotFound")


def test_credits_reflect_charges(emulator: Emulator) -> None:
    emulator = Emulator(Config(credits=10), manual_clock=True)
    with emulator.httpx_client(headers=AUTH) as client:
        assert client.get("/v1/credits").json() == {
            "credits": {"total": 10, "subscription": 0, "on_demand": 10}}
        client.post("/v1/run", json=tryon(num_samples=4))
        emulator.advance(30)
        assert client.get("/v1/credits").json()["credits"]["total"] == 6
        client.post("/v1/run", json=tryon(num_samples=4))
        refused = client.post("/v1/run", json=tryon(num_samples=4))
        assert "costs 4" in error_of(refused, 429, "OutOfCredits")
        assert refused.headers["x-should-retry"] == "false"  # SDKs give up at once
        assert int(refused.headers["Retry-After"]) > 0


def test_docs_curl_example_works_verbatim(client: httpx.Client) -> None:
    body = client.get(f"/v1/status/{DOCS_EXAMPLE_ID}").json()
    assert body["status"] == "completed"
    image = client.get(body["output"][0])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"


def test_legacy_body_runs_as_tryon_v15(emulator: Emulator, client: httpx.Client) -> None:
    response = client.post("/v1/run", json={"model_image": "https://x/a.jpg",
                                            "garment_image": "https://x/b.jpg",
                                            "category": "tops"})
    assert emulator.engine.predictions[response.json()["id"]].model == "tryon-v1.5"


def test_openapi_is_served(client: httpx.Client) -> None:
    response = client.get("/openapi.yaml")
    assert response.status_code == 200 and response.text.startswith("openapi: 3.1.0")


@pytest.mark.parametrize(("public_url", "base"), [
    (None, "http://shop.example:8080"), ("https://mock.example/", "https://mock.example")])
def test_webhook_output_links_use_the_host_the_run_came_to(
        public_url: str | None, base: str) -> None:
    emulator = Emulator(Config(public_url=public_url, time_scale=0), manual_clock=True)
    with emulator.httpx_client(headers=AUTH) as client:
        client.post("/v1/run", params={"webhook_url": emulator.webhook_url()},
                    json=tryon(), headers={"Host": "shop.example:8080"})
        [body] = emulator.inbox().wait(1)
    assert body["output"][0].startswith(f"{base}/cdn/")
