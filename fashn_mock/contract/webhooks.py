"""The webhook suite: a local receiver, predictions submitted with ``webhook_url``, and
every delivery checked against the contract's ``webhooks`` section and ``/v1/status``.

The receiver is a small server on a loopback port, so the suite runs against APIs
that can reach this machine: fashn-mock in-process or on a loopback address. A
remote API (api.fashn.ai) cannot call it back, and the suite says so instead of
running. Cases: a prediction that completes (it costs its catalog price: needs
budget), one that fails to load its image (free), and one whose first delivery
the receiver answers 500 (free), which must be retried. Time passes through the
emulator's clock where ``/_mock`` allows it (a minute per round), else in real
time (``settle_timeout``).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fashn_mock.contract.budget import UNLOADABLE_IMAGE, cost
from fashn_mock.contract.context import Context
from fashn_mock.contract.document import schema_errors
from fashn_mock.contract.lifecycle import tiny_png
from fashn_mock.contract.report import SuiteResult
from fashn_mock.media.fetch import is_loopback
from fashn_mock.server import BackgroundServer

POINTER = "/webhooks/predictionFinished/post/requestBody/content/application~1json/schema"
"""The delivery body's schema in the contract (``WebhookPayload``)."""
STATUS_KEYS = ("id", "status", "output", "error")
ROUND_SECONDS = 60.0
"""Emulator seconds each round moves the clock (targets with ``/_mock``)."""
EMULATOR_ROUNDS = 15
"""Rounds before giving up on a clock-controlled target: past the 5-minute retry window."""
ROUND_WAIT = 0.2
"""Wall seconds each round waits for deliveries to arrive."""
MAX_BODY = 1024 * 1024


@dataclass
class Delivery:
    content_type: str
    raw: bytes
    answered: int


@dataclass
class Case:
    label: str
    body: dict[str, Any]
    fail_first: bool = False
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    run: httpx.Response | None = None
    prediction_id: str | None = None


class Receiver:
    """Keeps every POST to ``/hook/<token>``; answers 500 to the first one of the
    tokens in ``fail_first``."""

    def __init__(self) -> None:
        self.deliveries: dict[str, list[Delivery]] = {}
        self.fail_first: set[str] = set()
        self.changed = threading.Condition()
        self.app = Starlette(routes=[Route("/hook/{token}", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        token = request.path_params["token"]
        raw = (await request.body())[:MAX_BODY]
        with self.changed:
            seen = self.deliveries.setdefault(token, [])
            answer = 500 if token in self.fail_first and not seen else 200
            seen.append(Delivery(request.headers.get("content-type", ""), raw, answer))
            self.changed.notify_all()
        return JSONResponse({"received": True}, status_code=answer)

    def of(self, token: str) -> list[Delivery]:
        with self.changed:
            return list(self.deliveries.get(token, []))

    def wait(self, seconds: float) -> None:
        with self.changed:
            self.changed.wait(seconds)


def reachable(ctx: Context) -> bool:
    """Whether the target can call a receiver on this machine back."""
    target = ctx.sender.target
    return is_loopback(target.host) or (target.client_factory is not None
                                        and bool(target.is_emulator))


def cases() -> list[Case]:
    return [
        Case("completes", {"model_name": "background-remove", "inputs": {"image": tiny_png()}}),
        Case("fails to load", {"model_name": "background-remove",
                               "inputs": {"image": UNLOADABLE_IMAGE}}),
        Case("receiver fails once", {"model_name": "background-remove",
                                     "inputs": {"image": UNLOADABLE_IMAGE}},
             fail_first=True),
    ]


def run_webhooks(ctx: Context, *, settle_timeout: float = 300.0) -> SuiteResult:
    suite = SuiteResult("webhooks", "a local receiver gets each finished prediction")
    suite.checked = ["a webhook is delivered when a prediction finishes",
                     "the payload conforms to the contract (webhooks)",
                     "the payload is what /v1/status shows",
                     "Content-Type: application/json",
                     "a delivery answered 500 is retried"]
    if not reachable(ctx):
        suite.ran = False
        suite.notes.append(f"{ctx.sender.target.host} cannot reach a receiver on this "
                           "machine; run it against fashn-mock or an API on loopback")
        return suite
    started, before = time.perf_counter(), ctx.sender.requests
    receiver = Receiver()
    with BackgroundServer(receiver.app) as server:
        submitted = [case for case in cases() if _submit(ctx, suite, case, server.url,
                                                         receiver)]
        _wait(ctx, receiver, submitted, settle_timeout)
        for case in submitted:
            _check(ctx, suite, case, receiver.of(case.token))
    suite.requests = ctx.sender.requests - before
    suite.seconds = time.perf_counter() - started
    return suite


def _submit(ctx: Context, suite: SuiteResult, case: Case, receiver_url: str,
            receiver: Receiver) -> bool:
    price = 0 if UNLOADABLE_IMAGE in json.dumps(case.body) else (cost(case.body) or 0)
    if not ctx.budget.reserve(price):
        suite.skipped[f"webhook case '{case.label}' over budget"] += 1
        return False
    if case.fail_first:
        receiver.fail_first.add(case.token)
    response = ctx.sender.send("POST", "/v1/run", json=case.body,
                               params={"webhook_url": f"{receiver_url}/hook/{case.token}"})
    suite.cases += 1
    case.run = response
    if response.status_code != 200:
        ctx.budget.release(price)
        suite.fail(ctx.failure("predictions with webhook_url are accepted",
                               f"{case.label}: HTTP {response.status_code}", response))
        return False
    ctx.track(response)
    prediction_id = _json(response).get("id")
    case.prediction_id = prediction_id if isinstance(prediction_id, str) else None
    return case.prediction_id is not None


def _done(receiver: Receiver, case: Case) -> bool:
    accepted = [d for d in receiver.of(case.token) if d.answered < 300]
    return bool(accepted)


def _wait(ctx: Context, receiver: Receiver, submitted: list[Case],
          settle_timeout: float) -> None:
    """Let time pass until every case was delivered (and accepted)."""
    sender = ctx.sender
    clock = bool(sender.target.clock_control)
    deadline = time.monotonic() + settle_timeout
    for _ in range(EMULATOR_ROUNDS if clock else 1_000_000):
        if all(_done(receiver, case) for case in submitted):
            return
        if not clock and time.monotonic() > deadline:
            return
        if clock:
            sender.pause(ROUND_SECONDS)
        receiver.wait(ROUND_WAIT)
    end = time.monotonic() + ROUND_WAIT * 5  # the last round's deliveries
    while time.monotonic() < end and not all(_done(receiver, c) for c in submitted):
        receiver.wait(ROUND_WAIT)


def _check(ctx: Context, suite: SuiteResult, case: Case, deliveries: list[Delivery]) -> None:
    def fail(check: str, message: str) -> None:
        suite.fail(ctx.failure(check, f"{case.label} ({case.prediction_id}): {message}",
                               case.run), where=case.label)

    if not deliveries:
        fail("a webhook is delivered when a prediction finishes",
             "nothing was POSTed to its webhook_url")
        return
    if case.fail_first and not any(d.answered < 300 for d in deliveries):
        fail("a delivery answered 500 is retried",
             f"{len(deliveries)} delivery(ies), none after the 500")
    status = ctx.sender.send("GET", f"/v1/status/{case.prediction_id}")
    shown = {k: _json(status).get(k) for k in STATUS_KEYS}
    for delivery in deliveries:
        if not delivery.content_type.lower().startswith("application/json"):
            fail("Content-Type: application/json", f"got {delivery.content_type!r}")
        try:
            payload = json.loads(delivery.raw)
        except ValueError:
            fail("the payload conforms to the contract (webhooks)",
                 f"not JSON: {delivery.raw[:200]!r}")
            continue
        problems = schema_errors(POINTER, payload)
        if problems:
            fail("the payload conforms to the contract (webhooks)", "; ".join(problems))
        sent = {k: payload.get(k) for k in STATUS_KEYS} if isinstance(payload, dict) \
            else payload
        if status.status_code == 200 and sent != shown:
            fail("the payload is what /v1/status shows",
                 f"webhook {json.dumps(sent)[:300]} but /v1/status "
                 f"{json.dumps(shown)[:300]}")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        parsed = response.json()
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
