"""The native FASHN face: ``/v1/run``, ``/v1/status/{id}``, ``/v1/credits``.

Authentication is ``Authorization: Bearer <key>``; refusals are answered by
``faces.native.errors``; the status body is ``{id, status, output, error}``
(docs/api-facts.md#status) with ``x-fashn-credits-used`` once completed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fashn_mock.engine import TERMINAL, Engine, webhook_script
from fashn_mock.engine.core import Submitted
from fashn_mock.engine.errors import DomainError, Window
from fashn_mock.engine.faults import HEADER as SCRIPTED_ERROR_HEADER
from fashn_mock.engine.views import PredictionState
from fashn_mock.engine.webhooks import Order
from fashn_mock.faces.common import (
    JSONBytes,
    answering_errors,
    base_url,
    read_body,
    require_bearer,
    runs_inline,
    window_headers,
)
from fashn_mock.faces.native.errors import render
from fashn_mock.faces.outputs import output_values, renders_inline
from fashn_mock.faces.terminal_bodies import TerminalBodies
from fashn_mock.validation import RunRequest, parse_json, parse_run_body, parse_webhook_url

CREDITS_USED_HEADER = "x-fashn-credits-used"


def payload(engine: Engine, state: PredictionState, url: str) -> dict[str, Any]:
    """The status body ``{id, status, output, error}`` (docs/api-facts.md#status)."""
    prediction = state.prediction
    if prediction.playback is not None:
        return prediction.playback.payload(prediction, state.status, url, state.now)
    output = output_values(engine, state, url) if state.status == "completed" else None
    error = prediction.error if state.status in TERMINAL else None
    return {"id": prediction.id, "status": state.status, "output": output, "error": error}


def webhook_order(request: Request, public_url: str | None
                  ) -> Callable[[RunRequest], Order]:
    """How to deliver a run's webhook: output links for the Host the run came to, faults
    from ``X-Fashn-Mock-Webhook`` or a marker (``engine.webhook_script``). The marker
    search reads the whole body, so it runs where the submission does."""
    header = request.headers.get(webhook_script.HEADER)
    base = base_url(request, public_url)
    return lambda run: Order(base, webhook_script.requested(header, run.sent_json()))


def remember(request: Request, window: Window | None) -> dict[str, str]:
    """The window's headers, kept for a refusal rendered later (``errors.render``)."""
    if window is None:
        return {}
    request.state.rate_headers = window_headers(window)
    return dict(request.state.rate_headers)


def routes(engine: Engine) -> list[Route]:
    config = engine.config
    guarded = answering_errors(render)
    finished = TerminalBodies()
    if engine.webhooks.dispatcher is None:
        from fashn_mock.webhooks import Deliverer

        Deliverer(engine, payload, heavy=renders_inline)

    def authenticate(request: Request) -> str:
        """The request's key (``Authorization: Bearer``), or ``Unauthenticated``."""
        return engine.check_key(require_bearer(request.headers.get("authorization")))

    def admit(request: Request, route: str) -> tuple[str, dict[str, str]]:
        """Authenticate and count the request; its rate headers for the response."""
        key = authenticate(request)
        return key, count(request, key, route, request.headers.get(SCRIPTED_ERROR_HEADER))

    def count(request: Request, key: str, route: str,
              scripted_error: str | None = None) -> dict[str, str]:
        window = engine.admit(key, route, scripted_error)
        return remember(request, window)

    @guarded
    async def run(request: Request) -> Response:
        key = authenticate(request)
        scripted_error = request.headers.get(SCRIPTED_ERROR_HEADER)
        engine.screen(scripted_error)
        try:
            raw = await read_body(request, config.max_body_bytes)
            inline = runs_inline(raw, engine)
            run_request = parse_run_body(parse_json(raw))
            del raw  # a large body is not kept while its images are decoded
            webhook_url = parse_webhook_url(request.query_params.get("webhook_url")) \
                if request.scope["query_string"] else None
        except DomainError:
            count(request, key, "run")  # a bad request counts in the window too
            raise
        order = webhook_order(request, config.public_url) if webhook_url is not None else None

        def submit() -> Submitted:
            return engine.submit_counted(key, run_request, rule="run", webhook_url=webhook_url,
                                         webhook=order(run_request) if order else None,
                                         scripted_error=scripted_error)

        try:
            submitted = submit() if inline else await run_in_threadpool(submit)
        except DomainError as refused:
            remember(request, refused.counted)
            raise
        headers = remember(request, submitted.window)
        # the ids are UUID-shaped: no JSON escaping is ever needed
        return JSONBytes(b'{"id":"%s","error":null}' % submitted.prediction.id.encode(),
                         headers)

    @guarded
    async def status(request: Request) -> Response:
        key = authenticate(request)
        try:  # counted and read in one step (one round trip to a shared store)
            state, window = engine.status_counted(
                key, request.path_params["id"], "status",
                request.headers.get(SCRIPTED_ERROR_HEADER))
        except DomainError as refused:
            remember(request, refused.counted)
            raise
        headers = remember(request, window)
        if state.credits_used is not None:
            headers[CREDITS_USED_HEADER] = str(state.credits_used)
        url = base_url(request, config.public_url)
        body = finished.get(state, url)
        if body is not None:
            return JSONBytes(body, headers)
        make_payload = functools.partial(payload, engine, state, url)
        content = await run_in_threadpool(make_payload) if renders_inline(state) \
            else make_payload()
        response = JSONResponse(content, headers=headers)
        finished.put(state, url, response.body)
        return response

    @guarded
    async def credits(request: Request) -> Response:
        key, headers = admit(request, "credits")
        return JSONResponse({"credits": engine.balance(key).as_json()}, headers=headers)

    return [
        Route("/v1/run", run, methods=["POST"]),
        Route("/v1/status/{id:path}", status, methods=["GET"]),
        Route("/v1/credits", credits, methods=["GET"]),
    ]
