"""The recording proxy: a Starlette app between a FASHN client and the real API.

Point ``FASHN_BASE_URL`` at it and keep the real key. Each ``/v1`` request goes
either upstream (and is recorded) or to a local emulator that replays the
cassette, as the record mode decides: a ``/v1/run`` that matches a recording is
replayed (modes ``once``/``new_episodes``/``none``), others are forwarded when
recording is allowed. Status polls follow their prediction: upstream ids go
upstream, replayed ids stay local. Output URLs of replayed predictions point
back at this proxy, which serves them from the emulator's ``/cdn`` route.

Only ``/v1`` and ``/cdn`` reach the emulator: its control plane (``/_mock``) is not
exposed. Request bodies over ``max_body`` bytes are answered 413 before they are
read whole; an upstream that cannot be reached is a JSON 502 (504 on a timeout).
One HTTP client per destination serves the proxy's lifetime (``close()`` ends it).
"""

from __future__ import annotations

import asyncio
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
from fashn_mock.cassettes.recorder import (
    Recorder,
    TooLarge,
    download,
    read_capped,
    recordable,
    tls,
)
from fashn_mock.cassettes.replay import ReplaySource
from fashn_mock.faces import health
from fashn_mock.validation import parse_run_body

UPSTREAM_TIMEOUT = 120.0
MAX_BODY = 64 * 1024 * 1024
"""Default request body limit (as ``fashn-mock serve``)."""
MAX_RESPONSE = 256 * 1024 * 1024
"""Largest upstream answer relayed (a status with inline base64 outputs is the
largest FASHN sends)."""
LOCAL_PREFIXES = ("/v1/", "/cdn/")
DROPPED = {"connection", "keep-alive", "transfer-encoding", "content-length",
           "content-encoding", "host", "upgrade", "te", "trailer", "proxy-authorization",
           "proxy-authenticate", "date", "server"}
"""Hop-by-hop headers (and ones the proxy's own server sets), never passed through."""


class ProxyError(Exception):
    """Answered as a FASHN-shaped JSON error."""

    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(message)
        self.status, self.name, self.message = status, name, message


class _Answer:
    """An upstream or local response, read whole (within limits)."""

    def __init__(self, status: int, headers: httpx.Headers, content: bytes) -> None:
        self.status_code, self.headers, self.content = status, headers, content


class _Clients:
    def __init__(self, emulator: ASGIApp | None, timeout: float,
                 transport: httpx.AsyncBaseTransport | None) -> None:
        self.loop = asyncio.get_running_loop()
        self.upstream = httpx.AsyncClient(timeout=timeout, verify=tls(), transport=transport)
        self.local = None if emulator is None else httpx.AsyncClient(
            transport=httpx.ASGITransport(app=emulator))

    async def aclose(self) -> None:
        await self.upstream.aclose()
        if self.local is not None:
            await self.local.aclose()


class Proxy:
    def __init__(self, upstream: str, *, recorder: Recorder | None = None,
                 replay: ReplaySource | None = None, emulator: ASGIApp | None = None,
                 max_body: int = MAX_BODY, timeout: float = UPSTREAM_TIMEOUT,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        """``transport`` replaces the network for the upstream (tests)."""
        if recorder is None and emulator is None:
            raise ValueError("a proxy needs a recorder, an emulator to replay, or both")
        self.upstream = upstream.rstrip("/")
        self.recorder = recorder
        self.replay = replay
        self.emulator = emulator
        self.max_body = max_body
        self.timeout = timeout
        self.transport = transport
        self._clients: _Clients | None = None
        self._local_ids: set[str] = set()
        if recorder is not None and recorder.downloader is download:
            recorder.downloader = self.download  # outputs through the shared client
        self.app = Starlette(routes=[
            Route("/v1/run", self.run, methods=["POST"]),
            Route("/v1/status/{id:path}", self.status, methods=["GET"]),
            Route("/v1/credits", self.credits, methods=["GET"]),
            *health.routes(),  # the recorder's own readiness, never forwarded
            Route("/{path:path}", self.other,
                  methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
        ], exception_handlers={ProxyError: _error_response})

    # --- routes --------------------------------------------------------------------------
    async def run(self, request: HttpRequest) -> Response:
        raw = await self._body(request)
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
        """Replayed outputs (``/cdn/...``) and other ``/v1`` routes of the emulator;
        nothing else (its ``/_mock`` control plane stays private)."""
        path = request.url.path
        if (self.emulator is None or not path.startswith(LOCAL_PREFIXES)
                or any(part in (".", "..") for part in path.split("/"))):
            raise ProxyError(404, "NotFound",
                             f"Not found: no such route {path} on the recording proxy")
        return await self._local(request, await self._body(request))

    # --- lifetime ------------------------------------------------------------------------
    def _client(self) -> _Clients:
        loop = asyncio.get_running_loop()
        if self._clients is None or self._clients.loop is not loop:
            self._clients = _Clients(self.emulator, self.timeout, self.transport)
        return self._clients

    async def aclose(self) -> None:
        """Close the HTTP clients (from the loop that serves the proxy)."""
        clients, self._clients = self._clients, None
        if clients is not None:
            await clients.aclose()

    def close(self, timeout: float = 10.0) -> None:
        """Close the HTTP clients from another thread, while their loop still runs."""
        clients = self._clients
        if clients is not None and clients.loop.is_running() and not clients.loop.is_closed():
            asyncio.run_coroutine_threadsafe(self.aclose(), clients.loop).result(timeout)

    # --- plumbing ----------------------------------------------------------------------
    async def _body(self, request: HttpRequest) -> bytes:
        """The request body, or 413 as soon as it is known to exceed ``max_body``."""
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            raise _too_large(self.max_body)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise _too_large(self.max_body)
            chunks.append(chunk)
        return b"".join(chunks)

    def _replayable(self, raw: bytes, query: dict[str, str]) -> bool:
        if self.replay is None:
            return False
        body = _json(raw)
        if body is None:
            return False
        try:
            run = parse_run_body(body)
        except REFUSED:
            return False
        except RecursionError:  # nested beyond what validation can walk
            return False
        wanted = {k: v for k, v in query.items() if k == "webhook_url"}
        return self.replay.peek(run, wanted)

    async def _local(self, request: HttpRequest, raw: bytes) -> Response:
        local = self._client().local
        if local is None:
            raise ProxyError(404, "NotFound", "nothing to replay")
        answer = await local.request(request.method, str(request.url), content=raw,
                                     headers=_passed(request.headers))
        return _to_client(_Answer(answer.status_code, answer.headers, answer.content))

    async def _upstream(self, request: HttpRequest, raw: bytes) -> _Answer:
        client = self._client().upstream
        outgoing = client.build_request(request.method, self.upstream + request.url.path,
                                        params=request.query_params, content=raw or None,
                                        headers=_passed(request.headers))
        where = f"the upstream {self.upstream}"
        try:
            response = await client.send(outgoing, stream=True)
            try:
                content = await read_capped(response, MAX_RESPONSE)
            finally:
                await response.aclose()
        except TooLarge as exc:
            raise ProxyError(502, "InternalServerError", f"fashn-mock record: {where} "
                             f"sent a {exc}") from None
        except httpx.TimeoutException as exc:
            raise ProxyError(504, "InternalServerError", f"fashn-mock record: {where} did "
                             f"not answer in time ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise ProxyError(502, "InternalServerError", f"fashn-mock record: {where} is "
                             f"unreachable ({type(exc).__name__}: {exc})") from None
        return _Answer(response.status_code, response.headers, content)

    async def download(self, url: str) -> tuple[bytes, str | None]:
        """An output, through the proxy's upstream client (no credentials sent)."""
        return await download(url, self._client().upstream)


def _too_large(limit: int) -> ProxyError:
    return ProxyError(413, "BadRequest", f"Request body exceeds the {limit} byte limit")


async def _error_response(request: HttpRequest, exc: Exception) -> Response:
    assert isinstance(exc, ProxyError)
    return JSONResponse({"error": exc.name, "message": exc.message}, exc.status)


def _passed(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in DROPPED}


def _to_client(answer: _Answer) -> Response:
    return Response(answer.content, status_code=answer.status_code,
                    headers=_passed(answer.headers))


def _recorded(answer: _Answer) -> Recorded:
    body: Any = _json(answer.content)
    if body is None and answer.content:
        body = answer.content.decode("utf-8", "replace")
    return Recorded(answer.status_code, kept_headers(answer.headers), recordable(body))


def _json(raw: bytes) -> Any:
    """Parsed JSON, or None (not JSON, or nested too deeply to parse)."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
