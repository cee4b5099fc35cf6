"""The emulator's gateway answers conform to the gateways' contracts: every route,
every status code each face can emit, every lifecycle status, both Pixazo bases,
and Concurred's event streams."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from fashn_mock import Config, Emulator
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.contract.document import document
from fashn_mock.contract.streams import parse

Exchange = Callable[[Emulator, httpx.Client], httpx.Response]
URL = "https://example.com/person.jpg"
RUN, SUBSCRIBE = "/api/v1/fashion/run", "/api/v1/fashion/subscribe"
BASE, OTHER = "/fashn-virtual-try-on-917/v1", "/fashn-virtual-try-on/v1"
SUBMIT, RESULT = "/fashn-virtual-try-on-request", "/fashn-virtual-try-on-request-result"
HEADERS = {"X-API-Key": "k", "Ocp-Apim-Subscription-Key": "k"}
NO_KEY = {"X-API-Key": "", "Ocp-Apim-Subscription-Key": ""}


def scripted(name: str) -> dict[str, str]:
    return {"X-Fashn-Mock-Error": name}


def tryon(**inputs: Any) -> dict[str, Any]:
    return {"model_name": "tryon-v1.6", "inputs": {"model_image": URL, "garment_image": URL,
                                                   **inputs}}


def flat(**inputs: Any) -> dict[str, Any]:
    return {"model_image": URL, "garment_image": URL, **inputs}


def call(method: str, path: str, **kwargs: Any) -> Exchange:
    return lambda emulator, client: client.request(method, path, **kwargs)


def twice(method: str, path: str, **kwargs: Any) -> Exchange:
    def exchange(emulator: Emulator, client: httpx.Client) -> httpx.Response:
        client.request(method, path, **kwargs)
        return client.request(method, path, **kwargs)
    return exchange


def concurred_after(seconds: float, then: str = "wait", **inputs: Any) -> Exchange:
    def exchange(emulator: Emulator, client: httpx.Client) -> httpx.Response:
        answer = client.post(RUN, json=tryon(**inputs))
        prediction_id = answer.json()["data"]["prediction_id"]
        if then != "wait":
            getattr(emulator, then)(prediction_id)
        emulator.advance(seconds)
        return client.get(f"/api/v1/fashion/status/{prediction_id}")
    return exchange


def pixazo_after(seconds: float, then: str = "wait", base: str = BASE,
                 **inputs: Any) -> Exchange:
    def exchange(emulator: Emulator, client: httpx.Client) -> httpx.Response:
        answer = client.post(base + SUBMIT, json=flat(**inputs))
        if then != "wait":
            getattr(emulator, then)(answer.json()["request_id"].removeprefix("fashn-req-"))
        emulator.advance(seconds)
        return client.post(base + RESULT, json={"request_id": answer.json()["request_id"]})
    return exchange


TIGHT = Config(max_body_bytes=2048, concurrency=1, rates={
    "concurred.run": RateRule(1, 60), "concurred.status": RateRule(1, 10),
    "concurred.subscribe": RateRule(1, 60), "pixazo-request": RateRule(1, 60),
    "pixazo-result": RateRule(1, 10)})
CONCURRED: list[Any] = [
    ("run 200", Config(), call("POST", RUN, json=tryon())),
    ("run 400 invalid input", Config(), call("POST", RUN, json=tryon(num_samples=9))),
    ("run 400 not its model", Config(), call("POST", RUN, json={"model_name": "edit",
                                                                 "inputs": {}})),
    ("run 400 malformed JSON", Config(), call("POST", RUN, content=b"{")),
    ("run 401", Config(), call("POST", RUN, json=tryon(), headers=NO_KEY)),
    ("run 413", TIGHT, call("POST", RUN, json=tryon(prompt="x" * 5000))),
    ("run 429 rate", TIGHT, twice("POST", RUN, json=tryon(model_image="bad"))),
    ("run 429 concurrency", Config(concurrency=1), twice("POST", RUN, json=tryon())),
    ("run 429 out of credits", Config(credits=0), call("POST", RUN, json=tryon())),
    ("run 429 scripted", Config(), call("POST", RUN, json=tryon(),
                                        headers=scripted("RateLimitExceeded"))),
    ("run 500", Config(), call("POST", RUN, json=tryon(),
                               headers=scripted("InternalServerError"))),
    ("run 503", Config(), call("POST", RUN, json=tryon(),
                               headers=scripted("ServiceUnavailable"))),
    ("status starting", Config(), concurred_after(0)),
    ("status in_queue", Config(), concurred_after(1.0, mode="quality")),
    ("status processing", Config(), concurred_after(4, mode="quality")),
    ("status completed", Config(), concurred_after(60, num_samples=3)),
    ("status completed base64", Config(), concurred_after(60, return_base64=True)),
    ("status failed", Config(), concurred_after(60, model_image="not-an-image")),
    ("status canceled", Config(), concurred_after(0, "cancel")),
    ("status time_out", Config(), concurred_after(0, "time_out")),
    ("status 401", Config(), call("GET", "/api/v1/fashion/status/x", headers=NO_KEY)),
    ("status 404", Config(), call("GET", "/api/v1/fashion/status/nope")),
    ("status 404 control character", Config(), call("GET", "/api/v1/fashion/status/a%0Ab")),
    ("status 429", TIGHT, twice("GET", "/api/v1/fashion/status/nope")),
    ("status 500", Config(), call("GET", "/api/v1/fashion/status/x",
                                  headers=scripted("InternalServerError"))),
    ("status 503", Config(), call("GET", "/api/v1/fashion/status/x",
                                  headers=scripted("ServiceUnavailable"))),
    ("subscribe 400", Config(), call("POST", SUBSCRIBE, json={"model_name": "edit"})),
    ("subscribe 401", Config(), call("POST", SUBSCRIBE, json=tryon(), headers=NO_KEY)),
    ("subscribe 413", TIGHT, call("POST", SUBSCRIBE, json=tryon(prompt="x" * 5000))),
    ("subscribe 429", TIGHT, twice("POST", SUBSCRIBE, json={"model_name": "x"})),
    ("subscribe 500", Config(), call("POST", SUBSCRIBE, json=tryon(),
                                     headers=scripted("InternalServerError"))),
    ("subscribe 503", Config(), call("POST", SUBSCRIBE, json=tryon(),
                                     headers=scripted("ServiceUnavailable"))),
]
PIXAZO: list[Any] = [
    ("submit 200", Config(), call("POST", BASE + SUBMIT, json=flat())),
    ("submit 200 other base", Config(), call("POST", OTHER + SUBMIT,
                                             json=flat(category="top", num_samples=5))),
    ("submit 400", Config(), call("POST", BASE + SUBMIT, json=flat(category="hat"))),
    ("submit 400 too large", TIGHT, call("POST", BASE + SUBMIT, json=flat(x="y" * 5000))),
    ("submit 401", Config(), call("POST", BASE + SUBMIT, json=flat(), headers=NO_KEY)),
    ("submit 403", Config(), call("POST", BASE + SUBMIT, json=flat(),
                                  headers=scripted("OutOfCredits"))),
    ("submit 429 rate", TIGHT, twice("POST", BASE + SUBMIT, json=flat(model_image="x"))),
    ("submit 429 concurrency", Config(concurrency=1), twice("POST", BASE + SUBMIT,
                                                            json=flat())),
    ("submit 500", Config(), call("POST", BASE + SUBMIT, json=flat(),
                                  headers=scripted("ServiceUnavailable"))),
    ("result IN_QUEUE", Config(), pixazo_after(0)),
    ("result IN_PROGRESS", Config(), pixazo_after(4, mode="high_quality")),
    ("result COMPLETED", Config(), pixazo_after(60, num_samples=5, output_format="jpeg")),
    ("result COMPLETED other base", Config(), pixazo_after(60, base=OTHER)),
    ("result FAILED", Config(), pixazo_after(60, model_image="not-an-image")),
    ("result FAILED canceled", Config(), pixazo_after(0, "cancel")),
    ("result 400", Config(), call("POST", BASE + RESULT, json={"request_id": 5})),
    ("result 401", Config(), call("POST", BASE + RESULT, json={"request_id": "x"},
                                  headers=NO_KEY)),
    ("result 404", Config(), call("POST", OTHER + RESULT, json={"request_id": "fashn-req-x"})),
    ("result 429", TIGHT, twice("POST", BASE + RESULT, json={"request_id": "x"})),
    ("result 500", Config(), call("POST", BASE + RESULT, json={"request_id": "x"},
                                  headers=scripted("InternalServerError"))),
]


@pytest.fixture
def make_client() -> Iterator[Callable[[Config], tuple[Emulator, httpx.Client]]]:
    clients: list[httpx.Client] = []

    def make(config: Config) -> tuple[Emulator, httpx.Client]:
        emulator = Emulator(config, manual_clock=True)
        clients.append(emulator.httpx_client(headers=HEADERS))
        return emulator, clients[-1]

    yield make
    for client in clients:
        client.close()


def conforms(dialect: str, response: httpx.Response) -> None:
    problems = document(dialect).check_response(
        response.request.method, response.request.url.path, response.status_code,
        response.headers, response.content)
    assert not problems, f"{response.request.method} {response.request.url.path} " \
                         f"{response.status_code}: {problems}\n{response.text[:300]}"


def expected(name: str) -> int:
    word = name.split()[1]
    return int(word) if word.isdigit() else 200


@pytest.mark.parametrize(("dialect", "name", "config", "exchange"),
                         [("concurred", *case) for case in CONCURRED]
                         + [("pixazo", *case) for case in PIXAZO],
                         ids=[f"concurred {c[0]}" for c in CONCURRED]
                         + [f"pixazo {c[0]}" for c in PIXAZO])
def test_response_conforms(dialect: str, name: str, config: Config, exchange: Exchange,
                           make_client: Callable[[Config], tuple[Emulator, httpx.Client]]
                           ) -> None:
    emulator, client = make_client(config)
    response = exchange(emulator, client)
    assert response.status_code == expected(name), response.text
    if name.startswith("status ") and expected(name) == 200:
        assert response.json()["data"]["status"] == name.split()[1]
    if name.startswith("result ") and expected(name) == 200:
        assert response.json()["status"] == name.split()[1]
    conforms(dialect, response)


@pytest.mark.parametrize(("body", "outcome"), [
    (tryon(num_samples=2), "completed"),
    (tryon(model_image="not-an-image"), "failed"),
    ({"model_name": "image-to-video", "inputs": {"image": URL}}, "completed"),
])
def test_subscribe_streams_conform(body: dict[str, Any], outcome: str) -> None:
    with Emulator(time_scale=0).httpx_client(headers=HEADERS) as client:
        response = client.post(SUBSCRIBE, json=body)
    assert response.status_code == 200
    conforms("concurred", response)
    events = parse(response.text)
    assert [e.json().get("type") for e in events[:-1]][-1] == outcome
