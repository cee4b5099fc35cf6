"""What network faults cost when nobody uses them (issue 17: near-free when unused).

- ``middleware_us``: what ``NetworkMiddleware`` adds to a request (no rule, no
  chaos, no header), around an app that does nothing;
- ``status_us``: one ``GET /v1/status/{id}`` through the emulator's ASGI app,
  called directly (no client, no transport), with and without the middleware;
- ``transport_us``: the same request through the in-process sync client: this
  project's transport and ``httpx.ASGITransport`` on the same loop thread (the former
  transport).

Batches of A and B alternate in one process, so a busy machine slows both alike;
each figure is the fastest batch (the least disturbed by other processes).
Run: ``.venv/bin/python benchmarks/bench_network.py``. Writes
``benchmarks/results/network.json``.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message

from fashn_mock import Config, Emulator
from fashn_mock.engine.submission import DOCS_EXAMPLE_ID
from fashn_mock.faces.journaling import JournalMiddleware
from fashn_mock.faces.network import NetworkMiddleware
from fashn_mock.transport import InProcessTransport

RESULTS = Path(__file__).parent / "results"
PATH = f"/v1/status/{DOCS_EXAMPLE_ID}"
HEADERS = [(b"host", b"fashn-mock.local"), (b"authorization", b"Bearer fa-bench"),
           (b"accept", b"*/*"), (b"accept-encoding", b"gzip, deflate"),
           (b"connection", b"keep-alive"), (b"user-agent", b"python-httpx/0.28.1")]
BATCH, ROUNDS = 200, 25


def without_network(emulator: Emulator) -> ASGIApp:
    """The emulator's app with only the journal middleware (as before issue 17)."""
    app = emulator.app
    assert isinstance(app, Starlette)
    return Starlette(routes=app.routes, exception_handlers=app.exception_handlers,
                     middleware=[Middleware(JournalMiddleware, engine=emulator.engine)])


async def asgi_batch(app: ASGIApp) -> float:
    """Microseconds per request over one batch."""
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    start = time.perf_counter()
    for _ in range(BATCH):
        scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": PATH, "raw_path": PATH.encode(),
            "query_string": b"", "root_path": "", "headers": HEADERS,
            "server": ("fashn-mock.local", 80), "client": ("127.0.0.1", 123)}
        await app(scope, receive, send)
    return (time.perf_counter() - start) / BATCH * 1e6


class FormerTransport(InProcessTransport):
    """``httpx.ASGITransport`` on the same loop thread: the in-process path before."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        asgi = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        body = request.read()
        forwarded = httpx.Request(request.method, request.url, headers=request.headers,
                                  content=body, extensions=request.extensions)

        async def call() -> tuple[int, httpx.Headers, bytes]:
            response = await asgi.handle_async_request(forwarded)
            return response.status_code, response.headers, await response.aread()

        status, headers, content = self._get_runner().call(call())
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content),
                              request=request)


def client_batch(client: httpx.Client) -> float:
    start = time.perf_counter()
    for _ in range(BATCH):
        client.get(PATH)
    return (time.perf_counter() - start) / BATCH * 1e6


def alternate(a: Any, b: Any) -> tuple[float, float]:
    """Microseconds per request of the fastest ``a()`` and ``b()`` batches, alternated."""
    first, second = [], []
    for _ in range(ROUNDS):
        first.append(a())
        second.append(b())
    return min(first), min(second)


async def nothing(scope: Any, receive: Any, send: Any) -> None:
    return None


def main() -> None:
    emulator = Emulator(Config(time_scale=0, limits=False, journal_size=100),
                        manual_clock=True)
    wrapped = NetworkMiddleware(nothing, emulator.engine)
    alone, around = alternate(lambda: asyncio.run(asgi_batch(nothing)),
                              lambda: asyncio.run(asgi_batch(wrapped)))
    bare = without_network(emulator)
    plain, network = alternate(lambda: asyncio.run(asgi_batch(bare)),
                               lambda: asyncio.run(asgi_batch(emulator.app)))
    headers = {"Authorization": "Bearer fa-bench"}
    with httpx.Client(transport=FormerTransport(emulator.app), headers=headers,
                      base_url="http://fashn-mock.local") as former, \
            emulator.httpx_client(headers=headers) as current:
        before, after = alternate(lambda: client_batch(former),
                                  lambda: client_batch(current))
    report = {
        "middleware_us": {"without": round(alone, 2), "with": round(around, 2),
                          "added": round(around - alone, 2)},
        "status_us": {"without": round(plain, 2), "with": round(network, 2)},
        "transport_us": {"httpx_asgi_transport": round(before, 2),
                         "in_process_transport": round(after, 2)},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "network.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
