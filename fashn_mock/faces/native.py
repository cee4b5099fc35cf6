"""The native FASHN face: ``/v1/run``, ``/v1/status/{id}``, ``/v1/credits``."""

from __future__ import annotations

import functools

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fashn_mock.engine import Engine
from fashn_mock.engine.faults import HEADER as SCRIPTED_ERROR_HEADER
from fashn_mock.faces.common import base_url, read_body
from fashn_mock.validation import parse_json, parse_run_body, parse_webhook_url

CREDITS_USED_HEADER = "x-fashn-credits-used"
INLINE_BODY_BYTES = 16 * 1024


def routes(engine: Engine) -> list[Route]:
    config = engine.config

    def admit(request: Request, route: str) -> tuple[str, dict[str, str]]:
        """Authenticate and count the request; its rate headers for the response."""
        key = engine.authenticate(request.headers.get("authorization"))
        decision = engine.admit(key, route, request.headers.get(SCRIPTED_ERROR_HEADER))
        if decision is None:
            return key, {}
        request.state.rate_headers = decision.headers()  # also for later error responses
        return key, dict(request.state.rate_headers)

    async def run(request: Request) -> Response:
        key, headers = admit(request, "run")
        raw = await read_body(request, config.max_body_bytes)
        run_request = parse_run_body(parse_json(raw))
        webhook_url = parse_webhook_url(request.query_params.get("webhook_url")) \
            if request.scope["query_string"] else None
        submit = functools.partial(engine.submit, key, run_request, webhook_url=webhook_url,
                                   scripted_error=request.headers.get(SCRIPTED_ERROR_HEADER))
        # Decoding data URIs and fetching URLs (which may point back at this very
        # server) must not block the event loop; small bodies without fetching may.
        inline = len(raw) <= INLINE_BODY_BYTES and engine.fetcher is None
        prediction = submit() if inline else await run_in_threadpool(submit)
        # the ids are UUID-shaped: no JSON escaping is ever needed
        return Response(b'{"id":"%s","error":null}' % prediction.id.encode(),
                        media_type="application/json", headers=headers)

    async def status(request: Request) -> Response:
        key, headers = admit(request, "status")
        view = engine.status(key, request.path_params["id"])
        make_payload = functools.partial(engine.payload, view,
                                         base_url(request, config.public_url))
        # base64 outputs are rendered into the body: keep that off the event loop.
        payload = await run_in_threadpool(make_payload) \
            if view.prediction.return_base64 and view.status == "completed" \
            else make_payload()
        if view.credits_used is not None:
            headers[CREDITS_USED_HEADER] = str(view.credits_used)
        return JSONResponse(payload, headers=headers)

    async def credits(request: Request) -> Response:
        key, headers = admit(request, "credits")
        return JSONResponse({"credits": engine.balance(key).as_json()}, headers=headers)

    return [
        Route("/v1/run", run, methods=["POST"]),
        Route("/v1/status/{id:path}", status, methods=["GET"]),
        Route("/v1/credits", credits, methods=["GET"]),
    ]
