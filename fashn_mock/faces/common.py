"""Plumbing every HTTP face shares: bounded body reading, the request's host, API key
headers, rate-window headers, turning domain errors into responses, and whether a run
body may be submitted on the event loop."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from fashn_mock.engine import Engine
from fashn_mock.engine.errors import BodyTooLarge, DomainError, Unauthenticated, Window

Endpoint = Callable[[Request], Awaitable[Response]]
Renderer = Callable[[Request, DomainError], Response]
"""A dialect's table: domain error -> its status, headers and body."""


class Answering:
    """An endpoint served as a plain ASGI app (Starlette's ``Route`` calls an object as
    it is): one ``Request`` per call, a domain error answered by ``render``. Starlette
    wraps a function endpoint in an exception layer of its own per request; here the
    app-wide ``ExceptionMiddleware`` is that layer (HTTP errors and bugs land there as
    before), a few µs less per request."""

    __slots__ = ("__name__", "endpoint", "render")

    def __init__(self, endpoint: Endpoint, render: Renderer) -> None:
        self.endpoint, self.render = endpoint, render
        self.__name__ = endpoint.__name__  # the route's name, as for a function

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await self.endpoint(request)
        except DomainError as error:
            response = self.render(request, error)
        await response(scope, receive, send)


class JSONBytes(Response):
    """``Response(body, media_type="application/json", headers=headers)`` for a body
    already encoded: the same status, headers (in the same order) and body, without
    Starlette's general rendering and header logic (a few µs on the hottest answers).
    ``headers`` never set the length or the type here (they are the body's)."""

    media_type = "application/json"

    def __init__(self, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.status_code, self.body, self.background = 200, body, None
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1"))
               for k, v in headers.items()] if headers else []
        raw.append((b"content-length", b"%d" % len(body)))
        raw.append((b"content-type", b"application/json"))
        self.raw_headers = raw


def answering_errors(render: Renderer) -> Callable[[Endpoint], Answering]:
    """Serve an endpoint so any domain error it raises is answered by ``render``."""
    return lambda endpoint: Answering(endpoint, render)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (``BodyTooLarge``) as soon as it exceeds ``limit``."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and len(length) < 20 and int(length) > limit:
        raise BodyTooLarge(limit)
    first = await request.receive()  # most bodies arrive in one message: no stream needed
    if first["type"] == "http.request" and not first.get("more_body", False):
        body: bytes = first.get("body", b"")
        if len(body) > limit:
            raise BodyTooLarge(limit)
        return body
    chunks = [first.get("body", b"")] if first["type"] == "http.request" else []
    size = len(chunks[0]) if chunks else 0
    if size > limit:
        raise BodyTooLarge(limit)
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def base_url(request: Request, public_url: str | None) -> str:
    """Where clients reach this emulator, for absolute output URLs: the Host the
    request was sent to (cheaper than building ``request.base_url``)."""
    if public_url:
        return public_url.rstrip("/")
    host = request.headers.get("host")
    if not host:
        return str(request.base_url).rstrip("/")
    return f"{request.scope['scheme']}://{host}{request.scope.get('root_path', '')}".rstrip("/")


def bearer_key(authorization: str | None) -> str | None:
    """The key in an ``Authorization: Bearer <key>`` header, or None."""
    if not authorization:
        return None
    scheme, _, key = authorization.partition(" ")
    key = key.strip()
    return key if scheme.lower() == "bearer" and key else None


def require_bearer(authorization: str | None) -> str:
    """The Bearer key, or ``Unauthenticated`` saying what was wrong with the header."""
    key = bearer_key(authorization)
    if key is None:
        raise Unauthenticated("malformed" if authorization else "missing")
    return key


def window_headers(window: Window) -> dict[str, str]:
    """``X-RateLimit-Limit/Remaining/Reset`` (Reset = Unix time), as the Concurred
    gateway documents them; the native face sends the same."""
    return {"X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(window.remaining),
            "X-RateLimit-Reset": str(math.ceil(window.reset_at))}


def retry_after(seconds: float | None, default: int = 1) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(default if seconds is None else max(1, math.ceil(seconds)))


INLINE_BODY_BYTES = 16 * 1024


def runs_inline(raw: bytes, engine: Engine) -> bool:
    """Whether submitting this body may run on the event loop: decoding data URIs and
    fetching URLs (which may point back at this very server) must not, so only small
    bodies with no image data (no ``data:``, no escapes that could spell one) do."""
    return (len(raw) <= INLINE_BODY_BYTES and engine.fetcher is None
            and b"data:" not in raw and b"\\u" not in raw)
