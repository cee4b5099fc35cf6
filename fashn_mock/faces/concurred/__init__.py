"""The Concurred gateway face: ``/api/v1/fashion/run``, ``/status/{id}`` and
``/subscribe`` (SSE), on the same engine as the native API
(docs/api-facts.md#concurred).

Authentication is ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Only its
10 models, in its parameter forms, at its own credit prices
(``catalog.gateways.concurred``). Answers are wrapped in its envelope (``success``,
``data``, and ``meta`` on submissions); refusals come from ``errors`` (one table).
Every response of these routes carries ``X-RateLimit-Limit/Remaining/Reset`` for
the route's window (when limits are on); a request that could not be authenticated
is not counted and shows the window unused.
"""

from __future__ import annotations

import functools
import math
import random
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fashn_mock.catalog.gateways import concurred as gateway
from fashn_mock.engine import TERMINAL, Engine, faults
from fashn_mock.engine.errors import DomainError, Unauthenticated, Window
from fashn_mock.engine.prediction import Prediction
from fashn_mock.faces.common import (
    Answering,
    JSONBytes,
    answering_errors,
    base_url,
    bearer_key,
    read_body,
    runs_inline,
    window_headers,
)
from fashn_mock.faces.concurred.errors import CODES, error_body, render
from fashn_mock.faces.concurred.sse import Streams
from fashn_mock.faces.journaling import Exchange, JournalRoute, Parsed
from fashn_mock.faces.outputs import output_values, renders_inline
from fashn_mock.faces.terminal_bodies import TerminalBodies
from fashn_mock.validation import RunRequest, parse_json, parse_run_body

PREFIX = gateway.PREFIX
API_KEY_HEADER = "x-api-key"
PING_SECONDS = 15
"""Keep-alive comments on an idle stream (wall seconds; clients ignore them)."""
SEND_TIMEOUT = 30.0
"""A stream whose client stops reading for this long (wall seconds) is dropped."""
Endpoint = Callable[[Request], Awaitable[Response]]


class Meta:
    """One request's ``meta`` (``requestId``, ``timestamp``), made on first use."""

    __slots__ = ("_face", "_value")

    def __init__(self, face: Face) -> None:
        self._face = face
        self._value: dict[str, str] | None = None

    def __call__(self) -> dict[str, str]:
        if self._value is None:
            self._value = self._face.new_meta()
        return self._value


class Face:
    """The routes of one engine, sharing its seeded request ids and live streams."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.streams = Streams(engine)
        seed = engine.config.seed  # unseeded: from the OS, so no two processes agree
        self._ids = random.Random(f"concurred:{seed}") if seed is not None else random.Random()
        self._finished = TerminalBodies()

    def new_meta(self) -> dict[str, str]:
        """A fresh ``requestId`` (a UUID from a generator seeded with ``--seed``, else
        from the operating system) and the emulator clock's time."""
        request_id = str(uuid.UUID(int=self._ids.getrandbits(128), version=4))
        return {"requestId": request_id, "timestamp": iso_time(self.engine.clock.now())}

    # --- admission -------------------------------------------------------------------
    def authenticate(self, request: Request) -> str:
        """The key from ``Authorization: Bearer`` or ``X-API-Key``, if accepted."""
        authorization = request.headers.get("authorization")
        key = bearer_key(authorization) or request.headers.get(API_KEY_HEADER, "").strip()
        if not key:
            raise Unauthenticated("malformed" if authorization else "missing")
        return self.engine.check_key(key)

    def admit(self, request: Request, rule: str) -> tuple[str, dict[str, str]]:
        """Authenticate and count the request in its window, then apply a scripted
        refusal (``X-Fashn-Mock-Error``); the window's headers for the response."""
        key = self.identify(request, rule)
        headers = self.count(request, key, rule)
        scripted = request.headers.get(faults.HEADER)
        if scripted is not None and faults.check_name(scripted) in faults.REFUSALS:
            raise faults.refusal(scripted)
        return key, headers

    def identify(self, request: Request, rule: str) -> str:
        try:
            return self.authenticate(request)
        except Unauthenticated:
            request.state.rate_headers = self.unused_window(rule)
            raise

    def count(self, request: Request, key: str, rule: str) -> dict[str, str]:
        return self.remember(request, self.engine.admit(key, rule))

    @staticmethod
    def remember(request: Request, window: Window | None) -> dict[str, str]:
        """The window's headers, also for a refusal answered later."""
        headers = window_headers(window) if window is not None else {}
        request.state.rate_headers = headers
        return dict(headers)

    def unused_window(self, rule: str) -> dict[str, str]:
        """Rate headers for a request that was not counted: the whole window left."""
        found = self.engine.ledger.rules.get(rule)
        if found is None:
            return {}
        reset = self.engine.clock.now() + found.window
        return {"X-RateLimit-Limit": str(found.limit),
                "X-RateLimit-Remaining": str(found.limit),
                "X-RateLimit-Reset": str(math.ceil(reset))}

    async def submit(self, request: Request, rule: str) -> tuple[str, Prediction,
                                                                 dict[str, str]]:
        """Authenticate, parse the ``{model_name, inputs}`` body (its 10 models only) and
        submit it, counting it in ``rule``'s window in the same step as its slot and
        credits. Whatever is refused after authentication counts in the window."""
        key = self.identify(request, rule)
        scripted = request.headers.get(faults.HEADER)
        try:
            refused = scripted is not None and faults.check_name(scripted) in faults.REFUSALS
            if not refused:
                raw = await read_body(request, self.engine.config.max_body_bytes)
                run: RunRequest = parse_run_body(parse_json(raw), gateway.BY_NAME,
                                                 legacy_model=None)
        except DomainError:
            self.count(request, key, rule)
            raise
        if refused:
            self.count(request, key, rule)
            raise faults.refusal(scripted)  # type: ignore[arg-type]
        submit = functools.partial(
            self.engine.submit_counted, key, run, rule=rule, dialect=gateway.DIALECT,
            cost=gateway.price(run.spec.name, run.inputs), scripted_error=scripted)
        try:
            submitted = submit() if runs_inline(raw, self.engine) \
                else await run_in_threadpool(submit)
        except DomainError as error:
            self.remember(request, error.counted)
            raise
        return key, submitted.prediction, self.remember(request, submitted.window)

    # --- endpoints -------------------------------------------------------------------
    def guarded(self, endpoint: Endpoint) -> Answering:
        """Give the request its lazy ``meta``, and answer domain errors in this dialect."""
        @answering_errors(render)
        async def with_meta(request: Request) -> Response:
            request.state.meta = Meta(self)
            return await endpoint(request)
        return with_meta

    async def run(self, request: Request) -> Response:
        _, prediction, headers = await self.submit(request, "concurred.run")
        return JSONResponse({
            "success": True,
            "data": {"prediction_id": prediction.id, "status": "starting",
                     "model_name": prediction.model,
                     "created_at": int(prediction.created_at * 1000)},
            "meta": request.state.meta()}, headers=headers)

    async def status(self, request: Request) -> Response:
        key, headers = self.admit(request, "concurred.status")
        state = self.engine.status(key, request.path_params["id"])
        prediction, current = state.prediction, state.status
        url = base_url(request, self.engine.config.public_url)
        body = self._finished.get(state, url)
        if body is not None:
            return JSONBytes(body, headers)
        output = None
        if current == "completed":
            show = functools.partial(output_values, self.engine, state, url)
            output = await run_in_threadpool(show) if renders_inline(state) else show()
        error = prediction.error if current in TERMINAL else None
        response = JSONResponse({"success": True, "data": {
            "prediction_id": prediction.id, "status": current, "output": output,
            "error": error}}, headers=headers)
        self._finished.put(state, url, response.body)
        return response

    async def subscribe(self, request: Request) -> Response:
        key, prediction, headers = await self.submit(request, "concurred.subscribe")
        frames = self.streams.follow(key, prediction,
                                     base_url(request, self.engine.config.public_url))
        return EventSourceResponse(frames, headers=headers, ping=PING_SECONDS,
                                   sep="\n", send_timeout=SEND_TIMEOUT)

    def routes(self) -> list[Route]:
        return [
            Route(f"{PREFIX}run", self.guarded(self.run), methods=["POST"]),
            Route(PREFIX + "status/{id:path}", self.guarded(self.status), methods=["GET"]),
            Route(f"{PREFIX}subscribe", self.guarded(self.subscribe), methods=["POST"]),
        ]

    def http_error(self, request: Request, exc: Exception) -> Response:
        """Starlette's own 404/405 under the Concurred prefix, in its error shape."""
        assert isinstance(exc, HTTPException)
        status = exc.status_code
        message = (f"Not found: no such route {request.url.path}" if status == 404
                   else f"{exc.detail}: {request.method} {request.url.path}")
        headers = dict(getattr(exc, "headers", None) or {})
        if status == 404 and request.url.path.startswith(f"{PREFIX}status/"):
            # a status request whose id the route cannot match (a control character):
            # still a response of the status route, with its window's headers
            headers.update(self.unused_window("concurred.status"))
        return JSONResponse(error_body(CODES.get(status, "VALIDATION_ERROR"), message,
                                       self.new_meta()), status_code=status, headers=headers)


def iso_time(epoch: float) -> str:
    """``2026-03-04T00:00:00.000Z``."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


# --- journal ---------------------------------------------------------------------------
PREDICTION_ID = re.compile(rb'"prediction_id":\s*"([^"\\]+)"')
STATUS = re.compile(rb'"status":\s*"([a-z_]+)"')


def parse(exchange: Exchange, headers: dict[str, str], answer: Any) -> Parsed:
    """Keys, ids, statuses and error codes of Concurred exchanges (an SSE answer is
    not JSON: its id is read from the kept prefix of the stream)."""
    key = bearer_key(headers.get("authorization")) or headers.get(API_KEY_HEADER) or None
    kept = bytes(exchange.response_body or b"")
    prediction_id = prediction_status = error = None
    if exchange.path.startswith(f"{PREFIX}status/"):
        prediction_id = exchange.path.removeprefix(f"{PREFIX}status/")
        found = STATUS.search(kept)
        if found and exchange.status == 200:
            prediction_status = found.group(1).decode()
    elif exchange.status == 200:
        found = PREDICTION_ID.search(kept)
        prediction_id = found.group(1).decode() if found else None
    if exchange.status >= 400 and isinstance(answer, dict) \
            and isinstance(answer.get("error"), dict):
        code = answer["error"].get("code")
        error = code if isinstance(code, str) else None
    return Parsed(key, prediction_id, prediction_status, error)


JOURNAL = JournalRoute(PREFIX, gateway.DIALECT, parse, strict=True)

