"""Delivering jobs: the host policy before connecting, the status body, the journal."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from fashn_mock import Config
from fashn_mock.clock import Clock
from fashn_mock.engine import Engine, PredictionState
from fashn_mock.engine.webhooks import Order
from fashn_mock.faces.native import payload
from fashn_mock.faces.outputs import renders_inline
from fashn_mock.validation import parse_run_body
from fashn_mock.webhooks import Deliverer, Worker, user_agent
from tests.support import tryon

BASE = "http://emulator.test"


class Receiver:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status)

    @property
    def bodies(self) -> list[Any]:
        return [json.loads(r.content) for r in self.requests]


def deliverer(receiver: Receiver, render: Any = payload, **config: Any) -> Deliverer:
    engine = Engine(Config(time_scale=0, **config), Clock.manual())
    worker = Worker(user_agent=user_agent(), transport=httpx.MockTransport(receiver))
    return Deliverer(engine, render, worker=worker, heavy=renders_inline)


def run(deliverer: Deliverer, url: str, **inputs: Any) -> str:
    engine = deliverer.engine
    prediction = engine.submit("k", parse_run_body(tryon(**inputs)), webhook_url=url,
                               webhook=Order(BASE))
    assert engine.webhooks.wait_idle()
    return prediction.id


def test_posts_the_status_body_as_json() -> None:
    receiver = Receiver()
    delivering = deliverer(receiver)
    prediction_id = run(delivering, "http://127.0.0.1:9/hook")
    engine = delivering.engine
    [request] = receiver.requests
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("fashn-mock/")
    assert receiver.bodies == [payload(engine, engine.status("k", prediction_id), BASE)]
    assert receiver.bodies[0]["output"][0].startswith(BASE + "/cdn/")
    [attempt] = engine.webhooks.attempts()
    assert (attempt.result, attempt.status_code, attempt.prediction_status) == (
        "delivered", 200, "completed")
    assert attempt.latency_ms is not None and attempt.latency_ms >= 0


def test_base64_outputs_are_rendered_into_the_body() -> None:
    receiver = Receiver()
    run(deliverer(receiver), "http://localhost/hook", return_base64=True)
    assert receiver.bodies[0]["output"][0].startswith("data:image/")


@pytest.mark.parametrize("url", ["http://example.com/hook", "https://10.0.0.1/hook",
                                 "http://169.254.169.254/latest", "http://fashn-mock.local/x"])
def test_other_hosts_are_refused_before_connecting(url: str) -> None:
    receiver = Receiver()
    delivering = deliverer(receiver)
    run(delivering, url)
    delivering.engine.clock.advance(600)
    assert delivering.engine.webhooks.wait_idle()
    assert receiver.requests == []
    [attempt] = delivering.engine.webhooks.attempts()
    assert attempt.result == "refused" and "--webhook-allow-host" in (attempt.error or "")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/h", "http://[::1]/h",
                                 "http://localhost/h", "http://app.localhost/h",
                                 "https://Hooks.Example.com/h"])
def test_loopback_and_allowed_hosts_are_delivered(url: str) -> None:
    receiver = Receiver()
    run(deliverer(receiver, webhook_allow_hosts=("hooks.example.com",)), url)
    assert len(receiver.requests) == 1


def test_a_broken_renderer_is_a_failed_attempt() -> None:
    def broken(engine: Engine, state: PredictionState, base: str) -> dict[str, Any]:
        raise ValueError("no body today")

    receiver = Receiver()
    delivering = deliverer(receiver, broken)
    run(delivering, "http://127.0.0.1:9/hook")
    attempts = delivering.engine.webhooks.attempts()
    assert len(attempts) == 6 and attempts[-1].gave_up  # time_scale 0: all at once
    assert attempts[0].error == "ValueError: no body today" and receiver.requests == []


def test_a_failing_receiver_is_retried_until_it_gives_up() -> None:
    receiver = Receiver(status=503)
    delivering = deliverer(receiver)
    run(delivering, "http://127.0.0.1:9/hook")
    assert len(receiver.requests) == 6
    attempts = delivering.engine.webhooks.attempts()
    assert [a.attempt for a in attempts] == [1, 2, 3, 4, 5, 6]
    assert {a.status_code for a in attempts} == {503} and attempts[-1].gave_up


def test_real_port_receiver_that_fails_twice_at_time_scale_001() -> None:
    """A running clock at ``--time-scale 0.01``: retries 0.1 s and 0.3 s apart."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from fashn_mock import BackgroundServer, Emulator
    from tests.support import AUTH

    seen: list[tuple[float, dict[str, Any]]] = []

    async def hook(request: Request) -> Response:
        seen.append((time.time(), await request.json()))
        return Response(status_code=500 if len(seen) <= 2 else 200)

    emulator = Emulator(time_scale=0.01)
    with BackgroundServer(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) \
            as receiver, emulator.httpx_client(headers=AUTH) as client:
        answer = client.post("/v1/run", params={"webhook_url": f"{receiver.url}/hook"},
                             json=tryon())
        prediction_id = answer.json()["id"]
        deadline = time.monotonic() + 20
        while len(emulator.webhooks()) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        status = client.get(f"/v1/status/{prediction_id}").json()
    attempts = emulator.webhooks()
    assert [(a.attempt, a.result, a.status_code) for a in attempts] == [
        (1, "failed", 500), (2, "failed", 500), (3, "delivered", 200)]
    assert [body for _, body in seen] == [status] * 3
    finish = emulator.engine.predictions[prediction_id].finished_at
    assert attempts[0].due == finish
    for earlier, later, delay in zip(attempts, attempts[1:], (0.1, 0.3), strict=False):
        assert earlier.latency_ms is not None
        waited = later.due - earlier.due - delay  # the receiver's answer time
        assert 0 <= waited <= earlier.latency_ms / 1000 + 0.25
    for attempt, (wall, _) in zip(attempts, seen, strict=True):
        assert wall >= attempt.at >= attempt.due  # never early (this clock is wall time)
