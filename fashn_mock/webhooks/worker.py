"""The HTTP side of webhook delivery: one background thread, one asyncio loop, one
shared client session.

Callers on any thread hand it coroutine factories (``submit``); nothing they do
waits for a receiver. Concurrency is bounded per receiver origin and in total,
so a slow receiver holds its own slots only and never delays the others. Each
POST has a total deadline (``timeout``) covering connect, send and the answer.
Redirects are not followed. The thread exits when idle and starts again on the
next delivery.

Network POSTs go through aiohttp: on this project's machines an ``httpx``
async POST costs 2-5 ms of CPU against aiohttp's 0.3-0.8 ms (benchmarks/
bench_webhooks.py), and deliveries must reach 1,000/s. The emulator's own
in-process origin (``local``) and injected test transports go through httpx
(its ``ASGITransport`` calls the app without a socket).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx
from starlette.types import ASGIApp

TIMEOUT_SECONDS = 10.0
PER_ORIGIN = 16
TOTAL = 128
IDLE_SECONDS = 5.0
"""Wall seconds without work after which the thread exits."""
MAX_ANSWER_BYTES = 64 * 1024
"""Answer bytes read (and discarded) so the connection can be reused."""
JSON = {"content-type": "application/json"}



@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str | None
    latency: float
    """Wall seconds from sending to the answer (or the error)."""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


Post = Callable[[str, bytes], Awaitable[Answer]]
Work = Callable[[Post], Coroutine[Any, Any, None]]
"""What callers submit: given ``post(url, body)``, do one delivery."""


class Worker:
    def __init__(self, *, user_agent: str, timeout: float = TIMEOUT_SECONDS,
                 per_origin: int = PER_ORIGIN, total: int = TOTAL,
                 local: Mapping[str, ASGIApp] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.user_agent = user_agent
        self.timeout = timeout
        self.per_origin = per_origin
        self.total = total
        self.local = dict(local or {})
        """Origins served in-process (``http://fashn-mock.local`` -> the ASGI app)."""
        self.transport = transport
        self.headers = {"user-agent": user_agent}
        self._lock = threading.Lock()
        self._session: _Session | None = None
        self._pending = 0

    def submit(self, work: Work) -> None:
        """Run ``work(post)`` on the worker's loop soon; never waits for a receiver."""
        with self._lock:
            self._pending += 1
            session = self._session
            if session is None:
                session = self._session = _Session(self)
                session.thread.start()
        session.loop.call_soon_threadsafe(session.start, work)

    def _finished(self) -> None:
        with self._lock:
            self._pending -= 1

    def _retire(self, session: _Session) -> bool:
        """Whether an idle ``session`` may end (no work pending): then it is forgotten."""
        with self._lock:
            if self._pending or self._session is not session:
                return False
            self._session = None
            return True


class _Session:
    """One lifetime of the worker thread: its loop, client and slots."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.loop = asyncio.new_event_loop()
        self.local = {origin.rstrip("/").lower(): httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), headers=worker.headers,
            follow_redirects=False, trust_env=False) for origin, app in worker.local.items()}
        """In-process origins: their ASGI app, called without a socket."""
        self.injected = httpx.AsyncClient(
            transport=worker.transport, headers=worker.headers, follow_redirects=False,
            trust_env=False) if worker.transport is not None else None
        """Every POST through an injected transport (tests)."""
        self.network: aiohttp.ClientSession | None = None
        self.ready = asyncio.Event()
        self.slots = asyncio.Semaphore(worker.total)
        self.origins: dict[str, asyncio.Semaphore] = {}
        self.wake = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        self.thread = threading.Thread(target=self.run, daemon=True,
                                       name="fashn-mock-webhooks")

    def run(self) -> None:
        """The thread: serve submitted work until idle."""
        try:
            self.loop.run_until_complete(self._main())
        finally:
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()

    async def _main(self) -> None:
        worker = self.worker
        if self.injected is None:  # TLS certificates load once per process (~0.1 s)
            connector = aiohttp.TCPConnector(limit=0, ssl=_tls())  # our slots bound it
            self.network = aiohttp.ClientSession(
                connector=connector, headers=worker.headers, auto_decompress=False,
                trust_env=False, timeout=aiohttp.ClientTimeout(total=None))
        self.ready.set()
        try:
            while True:
                try:
                    await asyncio.wait_for(self.wake.wait(), IDLE_SECONDS)
                    self.wake.clear()
                except TimeoutError:
                    if not self.tasks and self.worker._retire(self):
                        return
        finally:
            for client in [*self.local.values(), self.injected]:
                if client is not None:
                    await client.aclose()
            if self.network is not None:
                await self.network.close()

    def start(self, work: Work) -> None:
        task = self.loop.create_task(self._guarded(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _guarded(self, work: Work) -> None:
        try:
            await work(self.post)
        finally:
            self.worker._finished()
            self.wake.set()

    async def post(self, url: str, body: bytes) -> Answer:
        """POST ``body`` as JSON to ``url`` within the deadline; never raises."""
        origin = _origin(url)
        slots = self.origins.get(origin)
        if slots is None:
            if len(self.origins) > 4 * self.worker.total:  # forget idle origins
                self.origins = {o: s for o, s in self.origins.items() if s.locked()}
            slots = self.origins[origin] = asyncio.Semaphore(self.worker.per_origin)
        async with slots, self.slots:
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.worker.timeout):
                    return await self._send(url, body, started)
            except TimeoutError:
                return Answer(None, f"timed out after {self.worker.timeout:g} s",
                              time.perf_counter() - started)
            except Exception as exc:  # connection errors, broken answers: a failed attempt
                detail = str(exc) or type(exc).__name__
                return Answer(None, f"{type(exc).__name__}: {detail}",
                              time.perf_counter() - started)

    async def _send(self, url: str, body: bytes, started: float) -> Answer:
        await self.ready.wait()
        client = self.injected or self.local.get(_origin(url))
        if client is not None:
            return await self._send_httpx(client, url, body, started)
        assert self.network is not None
        async with self.network.post(url, data=body, headers=JSON,
                                     allow_redirects=False) as response:
            await response.content.read(MAX_ANSWER_BYTES)
            return _answer(response.status, response.reason or "",
                           response.headers.get("location"), started)

    @staticmethod
    async def _send_httpx(client: httpx.AsyncClient, url: str, body: bytes,
                          started: float) -> Answer:
        async with client.stream("POST", url, content=body, headers=JSON) as response:
            read = 0
            async for chunk in response.aiter_bytes():
                read += len(chunk)
                if read >= MAX_ANSWER_BYTES:
                    break
            return _answer(response.status_code, response.reason_phrase,
                           response.headers.get("location"), started)


def _answer(status: int, reason: str, location: str | None, started: float) -> Answer:
    error = None
    if 300 <= status < 400 and location is not None:
        error = f"redirect to {location} not followed (webhooks are never redirected)"
    elif not 200 <= status < 300:
        error = f"HTTP {status} {reason}".strip()
    return Answer(status, error, time.perf_counter() - started)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context for every session (loading certificates takes ~0.1 s)."""
    return httpx.create_ssl_context(trust_env=False)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
