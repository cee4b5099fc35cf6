"""ASGI middleware that records every API exchange (of every dialect) in the
engine's journal.

Recording is on the hot path, so it only keeps raw bytes and header lists;
parsing (JSON bodies, headers, strict-mode contract checks) happens when the
journal is first read. What an exchange keeps is capped (headers, path, query,
body, response) and its size is told to the journal, which is bounded in bytes:
a client sending 16 MiB of headers costs the journal at most ``HEADERS_CAP``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fashn_mock import safejson
from fashn_mock.engine import Engine
from fashn_mock.engine.journal import JournalEntry, shorten, text
from fashn_mock.faces.common import bearer_key

BODY_CAP = 64 * 1024
"""Request bytes kept for the journal; larger bodies are noted, not stored."""
RESPONSE_CAP = 4096
HEADERS_CAP = 8 * 1024
"""Request header bytes kept (names and values); later headers are dropped."""
HEADER_VALUE_CAP = 1024
"""Bytes kept of one header value when the headers exceed ``HEADERS_CAP``."""
PATH_CAP = 2048
QUERY_CAP = 4096
EXCHANGE_BYTES = 512
"""What an exchange costs beyond the bytes it keeps (objects, numbers)."""
RESPONSE_HEADER_BYTES = 64
"""What one response header is counted as: the app's own, a short name and value."""
RECORDED_HEADERS = ("retry-after", "x-ratelimit-limit", "x-ratelimit-remaining",
                    "x-ratelimit-reset", "x-fashn-credits-used")
RawHeaders = list[tuple[bytes, bytes]]
STATUS_FIELD = re.compile(rb'"status":\s*"([a-z_]+)"')
NETWORK_FAULT = "fashn_mock.network_fault"
"""Scope key: the network fault injected into this exchange (``faces.network``)."""


@dataclass(frozen=True)
class Parsed:
    """What a dialect's exchange says about keys and predictions."""

    key: str | None
    prediction_id: str | None = None
    prediction_status: str | None = None
    """The status a status answer reported."""
    error: str | None = None
    """The error name of a refusal."""


@dataclass(frozen=True)
class JournalRoute:
    """Which requests a dialect journals (``prefix``) and how to read its exchanges."""

    prefix: str
    dialect: str
    parse: Callable[[Exchange, dict[str, str], Any], Parsed]
    """(exchange, decoded request headers, parsed response JSON) -> what it says."""
    strict: bool = False
    """Checked against its dialect's contract with ``--strict``."""


@dataclass(slots=True)
class Exchange:
    """One request and its response, as raw as they came (a body that came in one
    message is kept as that very ``bytes`` object: no copy on the hot path)."""

    at: float
    method: str
    path: str
    query_string: bytes
    headers: RawHeaders
    body: bytes | bytearray
    body_size: int = 0
    status: int = 0
    response_headers: RawHeaders | None = None
    response_body: bytes | bytearray | None = None
    network_fault: dict[str, Any] | None = None
    header_bytes: int | None = None
    """The size of ``headers`` (names and values), when already known."""

    def size(self) -> int:
        """About how many bytes this exchange holds."""
        headers = self.header_bytes
        if headers is None:
            headers = header_size(self.headers)
        return (EXCHANGE_BYTES + len(self.path) + len(self.query_string) + len(self.body)
                + len(self.response_body or b"") + headers
                + RESPONSE_HEADER_BYTES * len(self.response_headers or ()))


def kept(so_far: bytes | bytearray | None, chunk: bytes, cap: int) -> bytes | bytearray:
    """``so_far`` and as much of ``chunk`` as fits in ``cap`` bytes: the first chunk as it
    is (``bytes`` slices are not copied), later ones appended to a ``bytearray``."""
    if not so_far:
        return chunk[:cap]
    if len(so_far) >= cap:
        return so_far
    grown = so_far if isinstance(so_far, bytearray) else bytearray(so_far)
    grown += chunk[: cap - len(grown)]
    return grown


def header_size(headers: Iterable[tuple[bytes, bytes]]) -> int:
    """Bytes of header names and values."""
    return len(b"".join(chain.from_iterable(headers)))


def capped(headers: RawHeaders, size: int | None = None) -> RawHeaders:
    """``headers`` when they total at most ``HEADERS_CAP`` bytes (``size``, when known;
    kept as they are: no copy on the hot path); else a copy that fits, each value cut
    to ``HEADER_VALUE_CAP``, the ``authorization`` header first (it names the key)."""
    if (header_size(headers) if size is None else size) <= HEADERS_CAP:
        return headers
    ordered = sorted(headers, key=lambda header: header[0].lower() != b"authorization")
    kept, size = [], 0
    for name, value in ordered:
        name, value = name[:HEADER_VALUE_CAP], value[:HEADER_VALUE_CAP]
        size += len(name) + len(value)
        if size > HEADERS_CAP:
            break
        kept.append((name, value))
    return kept


class JournalMiddleware:
    def __init__(self, app: ASGIApp, engine: Engine,
                 routes: tuple[JournalRoute, ...] = ()) -> None:
        self.app = app
        self.engine = engine
        self.routes = routes or (NATIVE,)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            for route in self.routes:
                if path.startswith(route.prefix):
                    recording = Recording(self.engine, route, scope, receive, send)
                    try:
                        await self.app(scope, recording.receive, recording.send)
                    finally:
                        recording.finish()
                        recording.release()
                    return
        await self.app(scope, receive, send)


class Recording(Exchange):
    """One exchange being journaled, and then the journal's builder of its entry: one
    object per request. ``receive`` and ``send`` keep what passes (no coroutine per
    message sent); ``finish`` hands the exchange to the journal once, before the client
    can see the end of the answer; ``release`` lets go of the connection's callables
    once the app has returned."""

    __slots__ = ("_engine", "_receive", "_recorded", "_route", "_send")

    def __init__(self, engine: Engine, route: JournalRoute, scope: Scope, receive: Receive,
                 send: Send) -> None:
        headers = scope.get("headers", [])
        size = header_size(headers)
        fits = size <= HEADERS_CAP
        Exchange.__init__(self, engine.clock.now(), scope["method"], scope["path"][:PATH_CAP],
                          scope.get("query_string", b"")[:QUERY_CAP],
                          headers if fits else capped(headers, size), b"", 0, 0, None, None,
                          scope.get(NETWORK_FAULT), size if fits else None)
        self._engine, self._route, self._receive, self._send = engine, route, receive, send
        self._recorded = False

    async def receive(self) -> Message:
        message = await self._receive()
        if not self._recorded and message["type"] == "http.request":
            chunk = message.get("body", b"")
            self.body_size += len(chunk)
            self.body = kept(self.body, chunk, BODY_CAP)
        return message

    def send(self, message: Message) -> Awaitable[None]:
        send = self._send
        if not self._recorded:
            kind = message["type"]
            if kind == "http.response.body":
                self.response_body = kept(self.response_body, message.get("body", b""),
                                          RESPONSE_CAP)
                if not message.get("more_body", False):
                    self.finish()
            elif kind == "http.response.start":
                self.status = message["status"]
                headers = message.get("headers", [])
                if not isinstance(headers, list):  # an iterable is read once: share a list
                    headers = message["headers"] = list(headers)
                self.response_headers = headers  # kept as it is (no copy)
        return send(message)

    def finish(self) -> None:
        """Record the exchange (once; later calls do nothing)."""
        if not self._recorded:
            self._recorded = True
            self._engine.journal.record_lazy(self, self.size())

    def release(self) -> None:
        """Drop the connection's ``receive`` and ``send`` (the journal keeps this object)."""
        self._receive = self._send = _released

    def __call__(self, seq: int) -> JournalEntry:
        """The journal entry of this exchange (run when the journal is read)."""
        return build_entry(self, self._route, self._engine.config.strict, seq)


async def _released(*args: Any) -> Any:
    raise RuntimeError("this exchange has ended")


def build_entry(exchange: Exchange, route: JournalRoute, strict: bool,
                seq: int) -> JournalEntry:
    """The journal entry of one exchange (run when the journal is read)."""
    headers = _decode(exchange.headers)
    query = dict(parse_qsl(exchange.query_string.decode("latin-1"), keep_blank_values=True))
    complete = exchange.body_size == len(exchange.body)
    answer = _json(bytes(exchange.response_body)) if exchange.response_body else None
    parsed = route.parse(exchange, headers, answer)
    violations = _violations(exchange, query, headers, complete, route.dialect) \
        if strict and route.strict else []
    return JournalEntry(
        seq=seq, at=exchange.at, method=exchange.method, path=text(exchange.path),
        query={text(k): text(v) for k, v in query.items()},
        key=_text(parsed.key), body=_recorded(exchange, complete), status=exchange.status,
        response_headers={k: v for k, v in _decode(exchange.response_headers or []).items()
                          if k in RECORDED_HEADERS},
        prediction_id=_text(parsed.prediction_id), prediction_status=parsed.prediction_status,
        error=_text(parsed.error), violations=[shorten(v) for v in violations],
        dialect=route.dialect, network_fault=exchange.network_fault)


def _text(value: str | None) -> str | None:
    return text(value) if value is not None else None


def parse_native(exchange: Exchange, headers: dict[str, str], answer: Any) -> Parsed:
    """Keys, ids and statuses of ``/v1`` exchanges."""
    prediction_id = prediction_status = None
    if exchange.path.startswith("/v1/status/"):
        prediction_id = exchange.path.removeprefix("/v1/status/")
        # the body may be cut (base64 outputs): read the status field from the prefix
        found = STATUS_FIELD.search(bytes(exchange.response_body or b""))
        prediction_status = found.group(1).decode() if found and exchange.status == 200 \
            else None
    elif isinstance(answer, dict) and isinstance(answer.get("id"), str):
        prediction_id = answer["id"]
    error = answer.get("error") if isinstance(answer, dict) and exchange.status >= 400 \
        else None
    return Parsed(bearer_key(headers.get("authorization")), prediction_id, prediction_status,
                  error if isinstance(error, str) else None)


NATIVE = JournalRoute("/v1/", "native", parse_native, strict=True)


def _violations(exchange: Exchange, query: dict[str, str], headers: dict[str, str],
                complete: bool, dialect: str) -> list[dict[str, Any]]:
    """How the request departs from its dialect's contract (``--strict``)."""
    from fashn_mock.contract.strict import NO_BODY, check_request

    body: Any = _json(bytes(exchange.body)) if exchange.body and complete else NO_BODY
    found = check_request(exchange.method, exchange.path, query, body, headers, dialect)
    if not exchange.body and _has_body(headers):  # refused before the app read it
        found = [v for v in found if v.location != "body"]
    return [v.as_json() for v in found]


def _has_body(headers: dict[str, str]) -> bool:
    """Whether the request announced a body (which the journal may not have seen)."""
    return "transfer-encoding" in headers or headers.get("content-length", "0").strip() != "0"


def _decode(raw: RawHeaders) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw}


def _json(raw: bytes) -> Any:
    """The JSON value in ``raw``; None unless it parses within ``safejson``'s limits."""
    try:
        return safejson.loads(raw)
    except safejson.Rejected:
        return None


def _recorded(exchange: Exchange, complete: bool) -> Any:
    if not exchange.body:
        return None
    if not complete:
        return f"<{exchange.body_size} bytes, not recorded>"
    parsed = _json(bytes(exchange.body))
    return shorten(parsed) if parsed is not None \
        else shorten(bytes(exchange.body).decode("utf-8", "replace"))
