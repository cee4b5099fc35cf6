"""Pixazo's two endpoints, under both of its documented bases (docs/api-facts.md#pixazo).

``POST <base>/fashn-virtual-try-on-request`` submits a flat try-on body;
``POST <base>/fashn-virtual-try-on-request-result`` with ``{"request_id"}`` reads it.
Authentication is ``Ocp-Apim-Subscription-Key: <key>``. Pixazo also documents
``Content-Type: application/json`` and ``Cache-Control: no-cache`` as required; the
emulator accepts requests without them (a body that is JSON is read as JSON), since
refusing would only break clients the real gateway may well accept.

Each request is counted in a rate window named ``pixazo-request`` or ``pixazo-result``;
Pixazo publishes no numbers, so neither has a rule by default and only scripted
refusals (``X-Fashn-Mock-Error``) answer 429. The engine's concurrency limit (one
account, every dialect) applies as it does natively. A prediction costs no FASHN
credits and USD 0.075 on completion (``catalog.gateways.pixazo``). Only predictions
submitted in this dialect are visible here: another dialect's id is a 404.
"""

from __future__ import annotations

import functools

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fashn_mock.catalog.gateways import pixazo
from fashn_mock.catalog.gateways.pixazo import BASES, RESULT, SUBMIT
from fashn_mock.engine import Engine
from fashn_mock.engine.errors import Unauthenticated, UnknownPrediction
from fashn_mock.engine.faults import HEADER as SCRIPTED_ERROR_HEADER
from fashn_mock.engine.views import PredictionState
from fashn_mock.faces.common import answering_errors, base_url, read_body, runs_inline
from fashn_mock.faces.pixazo import bodies
from fashn_mock.faces.pixazo.errors import render
from fashn_mock.validation import parse_json

DIALECT = "pixazo"
PREFIX = "/fashn-virtual-try-on"
"""Every path Pixazo's face answers (and journals) starts with this."""
KEY_HEADER = "ocp-apim-subscription-key"
RULES = {SUBMIT: "pixazo-request", RESULT: "pixazo-result"}
"""Rate-window names (``engine.rates.rules``); none is configured by default."""
RESULT_BODY_LIMIT = 64 * 1024
"""A result body is ``{"request_id": ...}``: anything much larger is refused early."""


def subscription_key(value: str | None) -> str:
    """The key in ``Ocp-Apim-Subscription-Key``, or ``Unauthenticated``."""
    if value is None:
        raise Unauthenticated("missing")
    key = value.strip()
    if not key:
        raise Unauthenticated("malformed")
    return key


def owns(path: str) -> bool:
    """Whether ``path`` lies in Pixazo's URL space (its errors take Pixazo's shape)."""
    return path.startswith(PREFIX)


def lookup(engine: Engine, key: str, request_id: str) -> PredictionState:
    """The state of ``key``'s Pixazo request ``request_id`` (404 for anything else)."""
    prediction_id = bodies.prediction_id(request_id)
    try:
        state = engine.status(key, prediction_id) if prediction_id else None
    except UnknownPrediction:
        state = None
    if state is None or state.prediction.dialect != DIALECT:
        raise UnknownPrediction(request_id)
    return state


def routes(engine: Engine) -> list[Route]:
    config = engine.config
    guarded = answering_errors(render)

    def admit(request: Request, endpoint: str) -> str:
        """Authenticate and count the request (or refuse it as scripted)."""
        key = engine.check_key(subscription_key(request.headers.get(KEY_HEADER)))
        engine.admit(key, RULES[endpoint], request.headers.get(SCRIPTED_ERROR_HEADER))
        return key

    @guarded
    async def submit(request: Request) -> Response:
        key = admit(request, SUBMIT)
        raw = await read_body(request, config.max_body_bytes)
        run = bodies.parse_request(parse_json(raw))
        start = functools.partial(
            engine.submit, key, run, dialect=DIALECT, cost=pixazo.CREDITS,
            price_usd=pixazo.PRICE_USD,
            scripted_error=request.headers.get(SCRIPTED_ERROR_HEADER))
        prediction = start() if runs_inline(raw, engine) else await run_in_threadpool(start)
        return JSONResponse(bodies.submitted(prediction))

    @guarded
    async def result(request: Request) -> Response:
        key = admit(request, RESULT)
        raw = await read_body(request, min(RESULT_BODY_LIMIT, config.max_body_bytes))
        state = lookup(engine, key, bodies.parse_result(parse_json(raw)))
        position = engine.queue_position(state)
        return JSONResponse(bodies.result(state, base_url(request, config.public_url),
                                          position))

    return [route for base in BASES for route in (
        Route(base + SUBMIT, submit, methods=["POST"]),
        Route(base + RESULT, result, methods=["POST"]),
    )]
