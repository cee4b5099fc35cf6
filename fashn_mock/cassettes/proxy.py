"""The recording proxy: a Starlette app between a FASHN client and the real API.

Point ``FASHN_BASE_URL`` at it and keep the real key. Each ``/v1`` request goes
either upstream (and is recorded) or to a local emulator that replays the
cassette, as the record mode decides: a ``/v1/run`` that matches a recording is
replayed (modes ``once``/``new_episodes``/``none``), others are forwarded when
recording is allowed. Status polls follow their prediction: upstream ids go
upstream, replayed ids stay local. Output URLs of replayed predictions point
back at this proxy, which serves them from the emulator's ``/cdn`` route.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from fashn_mock.cassettes.errors import REFUSED
from fashn_mock.cassettes.format import Request, kept_headers
from fashn_mock.cassettes.format import Response as Recorded
from fashn_mock.cassettes.recorder import Recorder, tls
from fashn_mock.cassettes.replay import ReplaySource
from fashn_mock.validation import parse_run_body

UPSTREAM_TIMEOUT = 120.0
DROPPED = {"connection", "keep-alive", "transfer-encoding", "content-length",
           "content-encoding", "host", "upgrade", "te", "trailer", "proxy-authorization",
           "proxy-authenticate", "date", "server"}
"""Hop-by-hop headers (and ones the proxy's own server sets), never passed through."""


class Proxy:
    def __init__(self, upstream: str, *, recorder: Recorder | None = None,
                 replay: ReplaySource | None = None, emulator: ASGIApp | None = None) -> None:
        if recorder is None and emulator is None:
            raise ValueError("a proxy needs a recorder, an emulator to replay, or both")
        self.upstream = upstream.rstrip("/")
        self.recorder = recorder
        self.replay = replay
        self.emulator = emulator
        self._local_ids: set[str] = set()
        self.app = Starlette(routes=[
            Route("/v1/run", self.run, methods=["POST"]),
            Route("/v1/status/{id:path}", self.status, methods=["GET"]),
            Route("/v1/credits", self.credits, methods=["GET"]),
            Route("/{path:path}", self.other,
                  methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
        ])

    # --- routes --------------------------------------------------------------------------
    async def run(self, request: HttpRequest) -> Response:
        raw = await request.body()
        query = dict(request.query_params)
        if self.recorder is None or self._replayable(raw, query):
            response = await self._local(request, raw)
            body = _json(bytes(response.body))
            if isinstance(body, dict) and isinstance(body.get("id"), str):
                self._local_ids.add(body["id"])
            return response
        self.recorder.redactor.add_authorization(request.headers.get("authorization"))
        started = self.recorder.clock()
        answer = await self._upstream(request, raw)
        self.recorder.run(query, _json(raw), _recorded(answer), started)
        return _to_client(answer)

    async def status(self, request: HttpRequest) -> Response:
        prediction_id = request.path_params["id"]
        if self.recorder is None or prediction_id in self._local_ids:
            return await self._local(request, b"")
        self.recorder.redactor.add_authorization(request.headers.get("authorization"))
        answer = await self._upstream(request, b"")
        if self.recorder.tracks(prediction_id):
            await self.recorder.status(prediction_id, _recorded(answer))
        else:
            self.recorder.exchange(Request("GET", request.url.path), _recorded(answer))
        return _to_client(answer)

    async def credits(self, request: HttpRequest) -> Response:
        if self.recorder is None:
            return await self._local(request, b"")
        self.recorder.redactor.add_authorization(request.headers.get("authorization"))
        answer = await self._upstream(request, b"")
        self.recorder.exchange(Request("GET", "/v1/credits"), _recorded(answer))
        return _to_client(answer)

    async def other(self, request: HttpRequest) -> Response:
        """Replayed outputs (``/cdn/...``) and anything else the emulator serves."""
        if self.emulator is None:
            return JSONResponse({"error": "NotFound", "message": "Not found: no such route "
                                 f"{request.url.path} on the recording proxy"}, 404)
        return await self._local(request, await request.body())

    # --- plumbing ----------------------------------------------------------------------
    def _replayable(self, raw: bytes, query: dict[str, str]) -> bool:
        if self.replay is None:
            return False
        try:
            run = parse_run_body(json.loads(raw))
        except (ValueError, *REFUSED):  # type: ignore[misc]
            return False
        wanted = {k: v for k, v in query.items() if k == "webhook_url"}
        return self.replay.peek(run, wanted)

    async def _local(self, request: HttpRequest, raw: bytes) -> Response:
        if self.emulator is None:
            return JSONResponse({"error": "NotFound", "message": "nothing to replay"}, 404)
        transport = httpx.ASGITransport(app=self.emulator)
        async with httpx.AsyncClient(transport=transport, verify=tls()) as client:
            answer = await client.request(request.method, str(request.url), content=raw,
                                          headers=_passed(request.headers))
        return _to_client(answer)

    async def _upstream(self, request: HttpRequest, raw: bytes) -> httpx.Response:
        url = self.upstream + request.url.path
        async with httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT, verify=tls()) as client:
            return await client.request(request.method, url, params=request.query_params,
                                        content=raw or None, headers=_passed(request.headers))


def _passed(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in DROPPED}


def _to_client(answer: httpx.Response) -> Response:
    return Response(answer.content, status_code=answer.status_code,
                    headers=_passed(answer.headers))


def _recorded(answer: httpx.Response) -> Recorded:
    body: Any = _json(answer.content)
    if body is None and answer.content:
        body = answer.text
    return Recorded(answer.status_code, kept_headers(answer.headers), body)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
