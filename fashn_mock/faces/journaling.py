"""ASGI middleware that records every /v1 exchange in the engine's journal."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fashn_mock.engine import Engine
from fashn_mock.engine.journal import JournalEntry, shorten

BODY_CAP = 64 * 1024
"""Request bytes kept for the journal; larger bodies are noted, not stored."""
RESPONSE_CAP = 4096
RECORDED_HEADERS = ("retry-after", "x-ratelimit-limit", "x-ratelimit-remaining",
                    "x-ratelimit-reset", "x-fashn-credits-used")


class JournalMiddleware:
    def __init__(self, app: ASGIApp, engine: Engine, prefix: str = "/v1/") -> None:
        self.app = app
        self.engine = engine
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        at = self.engine.clock.now()
        request_body, response_body = bytearray(), bytearray()
        response: dict[str, Any] = {"status": 0, "headers": {}}
        seen = [0]

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen[0] += len(chunk)
                request_body.extend(chunk[: max(0, BODY_CAP - len(request_body))])
            return message

        recorded = [False]

        def record() -> None:
            if not recorded[0]:
                recorded[0] = True
                self.engine.journal.record(self._entry(
                    scope, at, bytes(request_body), seen[0], response, bytes(response_body)))

        async def send_and_keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = {k.decode("latin-1").lower(): v.decode("latin-1")
                                       for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                response_body.extend(chunk[: max(0, RESPONSE_CAP - len(response_body))])
                if not message.get("more_body", False):
                    record()  # before the client can see the response
            await send(message)

        try:
            await self.app(scope, receive_and_keep, send_and_keep)
        finally:
            record()

    def _entry(self, scope: Scope, at: float, body: bytes, size: int,
               response: dict[str, Any], response_body: bytes) -> JournalEntry:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        path: str = scope["path"]
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                               keep_blank_values=True))
        answer = _json(response_body) if response_body else None
        prediction_id = None
        if path.startswith("/v1/status/"):
            prediction_id = path.removeprefix("/v1/status/")
        elif isinstance(answer, dict) and isinstance(answer.get("id"), str):
            prediction_id = answer["id"]
        error = answer.get("error") if isinstance(answer, dict) and response["status"] >= 400 \
            else None
        violations = self._violations(scope["method"], path, query, body, size, headers) \
            if self.engine.config.strict else []
        return JournalEntry(
            seq=0, at=at, method=scope["method"], path=path, query=query,
            key=_bearer(headers.get("authorization")), body=_recorded(body, size),
            violations=violations,
            status=response["status"],
            response_headers={k: v for k, v in response["headers"].items()
                              if k in RECORDED_HEADERS},
            prediction_id=prediction_id, error=error if isinstance(error, str) else None)


    @staticmethod
    def _violations(method: str, path: str, query: dict[str, str], body: bytes, size: int,
                    headers: dict[str, str]) -> list[dict[str, Any]]:
        """How the request departs from the contract (``--strict``)."""
        from fashn_mock.contract.strict import NO_BODY, check_request

        parsed: Any = NO_BODY
        if body and size == len(body):
            parsed = _json(body)
        return [v.as_json() for v in check_request(method, path, query, parsed, headers)]


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    return key.strip() or None if scheme.lower() == "bearer" else None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _recorded(body: bytes, size: int) -> Any:
    if not body:
        return None
    if size > len(body):
        return f"<{size} bytes, not recorded>"
    parsed = _json(body)
    return shorten(parsed) if parsed is not None else shorten(body.decode("utf-8", "replace"))
