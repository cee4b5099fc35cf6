"""Network faults on the wire: an ASGI middleware around the journal.

For the API routes of every dialect (the journal's route table) and the CDN, a
fault comes from the ``X-Fashn-Mock-Network`` header, else a rule, else the chaos
profile (``engine.network``). It sits outside the journal, so the journal still
records the exchange the app produced; the fault is put in the scope
(``NETWORK_FAULT``) and the journal entry carries it. Faults that stop a request
before the app (``reset``, ``empty``, ``garbage``), a refused header and faults
on the CDN (which the journal does not cover) record their own entry.

Breaking a connection needs a ``Link`` (``faces.links``): a real socket under
uvicorn, or the in-process transport's. Without one (another ASGI server) every
fault that closes the connection degrades to an answer whose promised body never
comes (the client still sees a broken response), and the journal says
``"via": "degraded"``. Delays and dribbles are wall-clock time.

With no rule, no chaos and no header, a request costs one attribute lookup and a
scan of its header names (in C).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from operator import itemgetter
from typing import Any
from urllib.parse import parse_qsl

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fashn_mock.engine import Engine
from fashn_mock.engine.journal import JournalEntry
from fashn_mock.engine.network import Fault, NetworkPlan
from fashn_mock.faces.journaling import NATIVE, NETWORK_FAULT, Exchange, JournalRoute, Parsed
from fashn_mock.faces.links import Link, link_of
from fashn_mock.urls import CDN_PREFIX

HEADER = b"x-fashn-mock-network"
NAME = itemgetter(0)
"""A raw header's name."""
PIECES = 8
"""A dribbled body arrives in this many pieces."""
BUFFER_CAP = 1024 * 1024
"""Body bytes ``malformed`` and ``dribble`` collect before they act."""
GONE_WAIT = 5.0
"""How long to wait for the server to notice a connection it was told to drop."""
Finish = Callable[[], Awaitable[None]]


def parse_cdn(exchange: Exchange, headers: dict[str, str], answer: Any) -> Parsed:
    """The CDN is public (no key); its path names the prediction."""
    parts = exchange.path.split("/")
    return Parsed(None, parts[2] if len(parts) > 3 and parts[2] else None)


CDN = JournalRoute(CDN_PREFIX + "/", "cdn", parse_cdn)
"""Not journaled, except when a network fault hits it."""


class NetworkMiddleware:
    def __init__(self, app: ASGIApp, engine: Engine,
                 routes: tuple[JournalRoute, ...] = ()) -> None:
        self.app = app
        self.engine = engine
        self.journaled = routes or (NATIVE,)
        """The routes the journal records (the rest are recorded here when faulted)."""
        self.routes = (*self.journaled, CDN)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            plan = self.engine.network
            headers = scope["headers"]
            if HEADER in map(NAME, headers) or plan.active:  # the scan in C: every request
                header = next((value for name, value in headers if name == HEADER), None)
                path = scope["path"]
                for route in self.routes:
                    if path.startswith(route.prefix):
                        await self._steer(scope, receive, send, plan, route, header)
                        return
        await self.app(scope, receive, send)

    async def _steer(self, scope: Scope, receive: Receive, send: Send, plan: NetworkPlan,
                     route: JournalRoute, header: bytes | None) -> None:
        at, link = self.engine.clock.now(), link_of(scope, receive)
        if header is not None:
            try:
                fault: Fault | None = plan.from_header(header.decode("latin-1"))
            except ValueError as error:
                message = f"X-Fashn-Mock-Network: {error}"
                await _drain(receive)
                await _answer_400(send, message)
                self._record(route, scope, at, None, status=400, error="BadRequest")
                return
        else:
            method, path = scope["method"], scope["path"]
            key = self._parsed(route, scope).key if plan.wants_key else None
            model = None
            if plan.wants_model(method, path, route.dialect, key):
                receive, model = await _read_model(receive, self.engine.config.max_body_bytes)
            fault = plan.take(method, path, route.dialect, key, model)
        if fault is None:
            await self.app(scope, receive, send)
            return
        info = fault.as_json()
        info["via"] = link.via if link is not None else "degraded"
        scope[NETWORK_FAULT] = info
        if not fault.processed:
            await _drain(receive)
            self._record(route, scope, at, info)
            await _break(fault.kind, link, plan, receive, send)
            return
        shaped, finish = _shaper(fault, info, link, receive, send)
        status = 0

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await shaped(message)

        try:
            await self.app(scope, receive, watched)
            await finish()
        finally:
            if route not in self.journaled:
                self._record(route, scope, at, info, status=status)

    def _parsed(self, route: JournalRoute, scope: Scope) -> Parsed:
        """What a request alone says (its key; the id in a status path), read as its
        dialect's journal reads it."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        stub = Exchange(self.engine.clock.now(), scope["method"], scope["path"],
                        scope.get("query_string", b""), scope["headers"], bytearray())
        try:
            return route.parse(stub, headers, None)
        except Exception:  # a dialect's parser is not written for a request alone
            return Parsed(None)

    def _record(self, route: JournalRoute, scope: Scope, at: float,
                info: dict[str, Any] | None, *, status: int = 0,
                error: str | None = None) -> None:
        query = scope.get("query_string", b"")[:4096].decode("latin-1")
        parsed = self._parsed(route, scope)
        self.engine.journal.record(JournalEntry(
            seq=0, at=at, method=scope["method"], path=scope["path"][:2048],
            query=dict(parse_qsl(query, keep_blank_values=True)), key=parsed.key, body=None,
            status=status, error=error, prediction_id=parsed.prediction_id,
            dialect=route.dialect, network_fault=info))


# --- faults before the app ------------------------------------------------------------
async def _break(kind: str, link: Link | None, plan: NetworkPlan, receive: Receive,
                 send: Send) -> None:
    """``reset``, ``empty`` or ``garbage``: the request never reaches the app."""
    if link is None:
        await _degrade(send)
        return
    if kind == "reset":
        link.reset()
    else:
        if kind == "garbage":
            link.write(plan.garbage())
        link.close()
    await _gone(receive)


def _shaper(fault: Fault, info: dict[str, Any], link: Link | None, receive: Receive,
            send: Send) -> tuple[Send, Finish]:
    """The ``send`` that shapes the app's answer, and what to do once the app ended."""
    if fault.kind == "delay":
        return _delayed(fault.seconds or 0.0, info, receive, send)
    if fault.kind == "truncate":
        return _truncated(link, receive, send)
    if fault.kind == "lost-response":
        return _lost(link, receive, send)
    return _collected(fault, info, receive, send)


async def _nothing() -> None:
    return None


def _delayed(seconds: float, info: dict[str, Any], receive: Receive,
             send: Send) -> tuple[Send, Finish]:
    """Hold the answer (from its first message) for ``seconds`` of wall time."""
    held = left = False

    async def shaped(message: Message) -> None:
        nonlocal held, left
        if not held:
            held = True
            left = await _hold(seconds, receive)
            if left:
                info["client_left"] = True
        if not left:
            await send(message)
    return shaped, _nothing


def _truncated(link: Link | None, receive: Receive, send: Send) -> tuple[Send, Finish]:
    """The headers and half the body (of its declared length, else of its first
    chunk), then the connection closes."""
    limit: int | None = None
    sent, cut = 0, False

    async def close() -> None:
        nonlocal cut
        cut = True
        if link is not None:
            link.close()
            await _gone(receive)

    async def shaped(message: Message) -> None:
        nonlocal limit, sent
        if cut:
            return
        if message["type"] == "http.response.start":
            length = _content_length(message)
            limit = length // 2 if length is not None else None
            await send(message)
            if limit == 0:
                await close()
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            if limit is None:
                limit = len(chunk) // 2
            part = chunk[: limit - sent]
            sent += len(part)
            await send({"type": "http.response.body", "body": part, "more_body": True})
            if sent >= limit:
                await close()
    return shaped, _nothing


def _lost(link: Link | None, receive: Receive, send: Send) -> tuple[Send, Finish]:
    """The app answers in full (and the journal records it); the client gets a reset."""
    lost = False

    async def shaped(message: Message) -> None:
        nonlocal lost
        if not lost:
            lost = True
            if link is not None:
                link.reset()
            else:
                await _degrade(send)

    async def finish() -> None:
        if link is not None:
            await _gone(receive)
    return shaped, finish


def _collected(fault: Fault, info: dict[str, Any], receive: Receive,
               send: Send) -> tuple[Send, Finish]:
    """``malformed`` and ``dribble``: they need the body (up to ``BUFFER_CAP``)."""
    start: Message | None = None
    body = bytearray()
    done = False

    async def act() -> None:
        nonlocal done
        done = True
        if start is None:
            return
        if fault.kind == "malformed":
            cut = bytes(body[: len(body) // 2])
            headers = [(k, v) for k, v in start.get("headers", [])
                       if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length",
                                                        str(len(cut)).encode())]})
            await send({"type": "http.response.body", "body": cut, "more_body": False})
            return
        await send(start)
        pieces = _pieces(bytes(body), PIECES)
        for index, piece in enumerate(pieces):
            if await _hold((fault.seconds or 0.0) / len(pieces), receive):
                info["client_left"] = True
                return
            await send({"type": "http.response.body", "body": piece,
                        "more_body": index < len(pieces) - 1})

    async def shaped(message: Message) -> None:
        nonlocal start
        if done:
            return
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b"")[: BUFFER_CAP - len(body)])
            if not message.get("more_body", False) or len(body) >= BUFFER_CAP:
                await act()

    async def finish() -> None:
        if not done:
            await act()
    return shaped, finish


# --- plumbing ---------------------------------------------------------------------------
def _pieces(body: bytes, count: int) -> list[bytes]:
    """``body`` in at most ``count`` pieces (one empty piece for an empty body)."""
    if not body:
        return [b""]
    size = -(-len(body) // count)
    return [body[i:i + size] for i in range(0, len(body), size)]


def _content_length(start: Message) -> int | None:
    for name, value in start.get("headers", []):
        if name.lower() == b"content-length" and value.isdigit():
            return int(value)
    return None


async def _hold(seconds: float, receive: Receive) -> bool:
    """Wait ``seconds``; True as soon as the client leaves instead."""
    with anyio.move_on_after(seconds):
        while (await receive())["type"] != "http.disconnect":
            pass
        return True
    return False


async def _gone(receive: Receive) -> None:
    """Until the server noticed the connection is gone (so it answers nothing more)."""
    await _hold(GONE_WAIT, receive)


async def _drain(receive: Receive) -> None:
    """Read the request body to its end (a socket closed with unread bytes sends a
    RST, whatever the fault asked)."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _degrade(send: Send) -> None:
    """No link: an answer whose promised body never comes (the server closes the
    connection when the app returns without finishing it)."""
    await send({"type": "http.response.start", "status": 502,
                "headers": [(b"content-length", b"1")]})


async def _answer_400(send: Send, message: str) -> None:
    body = json.dumps({"error": "BadRequest", "message": message}).encode()
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _read_model(receive: Receive, limit: int) -> tuple[Receive, str | None]:
    """The ``model_name`` of a JSON body (read up to ``limit`` bytes), and a
    ``receive`` that replays what was read."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if not message.get("more_body", False) or size > limit:
            break
    model = None
    if size <= limit and messages[-1]["type"] == "http.request":
        try:
            body = json.loads(b"".join(m.get("body", b"") for m in messages))
        except (ValueError, RecursionError):
            body = None
        found = body.get("model_name") if isinstance(body, dict) else None
        model = found if isinstance(found, str) else None

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()
    return replay, model
