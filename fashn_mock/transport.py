"""httpx transports that call the emulator's ASGI app in-process, without a socket.

They behave like a socket where clients can tell:

- an exception inside the app reaches the client as a 500;
- the request's read timeout (``request.extensions["timeout"]["read"]``) holds
  between the parts of an answer: a slower app raises ``httpx.ReadTimeout``;
- network faults (``faces.network``) break the in-process ``Link`` this transport
  puts in the scope, and the client gets what httpx raises over a socket: a reset
  is ``httpx.ReadError``, a connection closed before the end of the answer is
  ``httpx.RemoteProtocolError`` (with httpx's own messages).

An answer is read whole before the client sees it (as with ``httpx.ASGITransport``).
``InProcessTransport`` serves sync clients (such as ``fashn.Fashn(http_client=...)``)
by running the app on an event loop of the calling thread (or, where a loop already
runs, in a helper thread: ``LoopThread``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
import weakref
from collections.abc import Coroutine
from typing import Any, TypeVar

import anyio
import httpx
from starlette.types import ASGIApp, Message

from fashn_mock.faces.links import LINK_EXTENSION

GRACE_SECONDS = 10.0
"""How long an app may go on past the client's read timeout before it is cancelled."""
RAW_CAP = 64 * 1024
T = TypeVar("T")


class InProcessLink:
    """The pretend connection of one in-process exchange."""

    via = "in-process"

    def __init__(self) -> None:
        self.broken: str | None = None
        """``reset`` or ``closed`` once a fault broke the connection."""
        self.raw = bytearray()
        self.gone = False
        """The client is gone (answer complete, connection broken or timed out)."""
        self._gone: anyio.Event | None = None  # made when somebody waits (rare)

    def reset(self) -> None:
        self._break("reset")

    def close(self) -> None:
        self._break("closed")

    def write(self, data: bytes) -> None:
        if self.broken is None and len(self.raw) < RAW_CAP:
            self.raw += data[: RAW_CAP - len(self.raw)]

    def leave(self) -> None:
        self.gone = True
        if self._gone is not None:
            self._gone.set()

    async def wait(self, seconds: float | None = None) -> None:
        """Until the client is gone, or ``seconds`` passed."""
        if self._gone is None:
            self._gone = anyio.Event()
            if self.gone:
                self._gone.set()
        with anyio.move_on_after(seconds):
            await self._gone.wait()

    def _break(self, how: str) -> None:
        if self.broken is None:
            self.broken = how
            self.leave()


class _Answer:
    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.complete = False
        self.timed_out = False


async def exchange(app: ASGIApp, request: httpx.Request, body: bytes) -> httpx.Response:
    """Run one request through ``app`` (in the calling task); the response, or the
    httpx error a client would get over a socket.

    The read timeout runs from the request (then from each part of the answer): an
    app waiting on ``receive`` sees the client leave when it passes; an answer part
    sent after it is dropped; an app stuck elsewhere is cancelled ``GRACE_SECONDS``
    later.
    """
    link, answer = InProcessLink(), _Answer()
    url = request.url
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": request.method, "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "scheme": url.scheme, "path": url.path, "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query, "server": (url.host, url.port),
        "client": ("127.0.0.1", 123), "root_path": "", "extensions": {LINK_EXTENSION: link},
    }
    timeout: float | None = (request.extensions.get("timeout") or {}).get("read")
    clock = asyncio.get_running_loop().time
    last = clock()
    request_sent = False

    def leave() -> None:
        answer.timed_out = True
        link.leave()

    async def receive() -> Message:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if timeout is None:
            await link.wait()
        while not link.gone:  # the deadline moves with every part sent
            left = last + (timeout or 0.0) - clock()
            if left <= 0:
                leave()
            await link.wait(left)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal last
        if link.gone:
            return  # as a server does once its client left
        now = clock()
        if timeout is not None:
            if now - last > timeout:
                leave()
                return
            deadline = backstop.when()
            if deadline is not None and deadline - now < timeout + GRACE_SECONDS / 2:
                backstop.reschedule(now + timeout + GRACE_SECONDS)
        last = now
        if message["type"] == "http.response.start":
            answer.status, answer.headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            if chunk and request.method != "HEAD":
                answer.chunks.append(chunk)
                answer.size += len(chunk)
            if not message.get("more_body", False):
                answer.complete = True
                link.leave()

    # asyncio's own timeout, not anyio's cancel scope: a third of the cost per exchange
    try:
        async with asyncio.timeout_at(None if timeout is None
                                      else last + timeout + GRACE_SECONDS) as backstop:
            with contextlib.suppress(Exception):  # as over a socket: a 500 (or a cut answer)
                await app(scope, receive, send)
    except TimeoutError:
        answer.timed_out = True
    if not answer.complete and timeout is not None and clock() - last > timeout:
        answer.timed_out = True
    return _outcome(request, link, answer)


def _outcome(request: httpx.Request, link: InProcessLink, answer: _Answer) -> httpx.Response:
    if answer.timed_out and not answer.complete:
        raise httpx.ReadTimeout("timed out", request=request)
    if link.broken == "reset":
        raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
    if answer.complete:
        return httpx.Response(answer.status or 500, headers=answer.headers,
                              stream=httpx.ByteStream(b"".join(answer.chunks)),
                              request=request)
    if answer.status is None:
        if link.broken is None:  # the app failed or returned without answering
            return httpx.Response(500, stream=httpx.ByteStream(b""), request=request)
        if b"\r\n" in link.raw:
            line = bytes(link.raw).split(b"\r\n", 1)[0]
            raise httpx.RemoteProtocolError(f"illegal status line: {bytearray(line)!r}",
                                            request=request)
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                        request=request)
    declared = httpx.Headers(answer.headers).get("content-length")
    detail = (f" (received {answer.size} bytes, expected {declared})" if declared
              else " (incomplete chunked read)")
    raise httpx.RemoteProtocolError(
        f"peer closed connection without sending complete message body{detail}",
        request=request)


class LoopThread:
    """An asyncio event loop running in a daemon thread, for calls from other threads.

    Its loop runs one long-lived root task (as ``anyio.run`` does), so anyio's worker
    threads (Starlette's ``run_in_threadpool``) are kept between calls. Cheaper per call
    than an anyio blocking portal (``asyncio.run_coroutine_threadsafe``: no task group
    or cancel scope of its own per call). ``close`` cancels what is still running on
    it, as ``asyncio.run`` does when its main task ends.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,),
                                        name="fashn-mock-in-process", daemon=True)
        self._thread.start()
        started.wait()

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop; its result (or exception)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self._stopped)
            self._thread.join()

    def _stopped(self) -> None:
        assert self._stop is not None
        self._stop.set()

    async def _main(self, started: threading.Event) -> None:
        self._stop = asyncio.Event()
        started.set()
        await self._stop.wait()

    def _run(self, started: threading.Event) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main(started))
        finally:
            asyncio.set_event_loop(None)
            _close_loop(loop)


class CallerLoop:
    """An event loop of the calling thread's own, run only while ``call`` runs.

    Calls run inside one long-lived root task (as on ``LoopThread``), so anyio's worker
    threads (Starlette's ``run_in_threadpool``) are kept from one call to the next
    instead of started again for each. Nothing else runs on it between calls.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._next: asyncio.Future[Coroutine[Any, Any, None]] = self.loop.create_future()
        self._root = self.loop.create_task(self._serve())
        _CALLER_LOOPS.add(self)

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` in the root task; its result (or exception)."""
        done: asyncio.Future[T] = self.loop.create_future()
        self._next.set_result(self._settle(coroutine, done))
        return self.loop.run_until_complete(done)

    async def _serve(self) -> None:
        while True:
            settle = await self._next
            self._next = self.loop.create_future()
            await settle  # once finished, it holds nothing of the call (nor its answer)

    async def _settle(self, coroutine: Coroutine[Any, Any, T], done: asyncio.Future[T]
                      ) -> None:
        try:
            result = await coroutine
        except asyncio.CancelledError:
            done.cancel()
            if self._root.cancelling():  # closing
                raise
        except BaseException as error:  # the caller's, as run_until_complete hands it
            done.set_exception(error)
        else:
            done.set_result(result)

    def close(self) -> None:
        """Cancel the root task (anyio's workers stop with it) and close the loop,
        unless a call is running on it."""
        if not self.loop.is_closed() and not self.loop.is_running():
            if _loop_running():  # from inside another loop (a collected transport)
                self.loop.close()
            else:
                _close_loop(self.loop)


_CALLER_LOOPS: weakref.WeakSet[CallerLoop] = weakref.WeakSet()


def _close_caller_loops() -> None:
    """At interpreter exit: close every caller loop not running a call. The app's
    thread pool (anyio's, behind Starlette's ``run_in_threadpool``: exception handlers,
    CDN downloads, data-URI runs) starts its worker threads from the caller's thread,
    so they are not daemon threads, and they stop only when the loop's root task ends:
    a client nobody closed would keep the interpreter waiting for them forever."""
    for own in list(_CALLER_LOOPS):
        with contextlib.suppress(Exception):  # the interpreter is exiting: no traceback
            own.close()


# threading's exit hook runs before the interpreter joins non-daemon threads (``atexit``
# runs after it); it is how ``concurrent.futures`` stops its own workers.
getattr(threading, "_register_atexit", atexit.register)(_close_caller_loops)


class InProcessTransport(httpx.BaseTransport):
    """Runs each request on an event loop of the calling thread's own (``CallerLoop``),
    kept for that thread and run only during the call: no hop to another thread, about
    100 µs less per request. A call made where an event loop is already running (a sync
    client inside async code) runs on a ``LoopThread`` instead. Nothing the app leaves
    on a loop has to run between calls: its timers and webhook worker have threads of
    their own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._runner: LoopThread | None = None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._loops: list[tuple[threading.Thread, CallerLoop]] = []
        """Each thread's loop, closed with the transport (or when it is collected
        unclosed: a client nobody closed must not leave sockets behind), or once its
        thread has ended (when another thread makes a loop)."""
        weakref.finalize(self, _close_all, self._loops)

    def _get_runner(self) -> LoopThread:
        runner = self._runner
        if runner is not None:
            return runner
        with self._lock:
            if self._runner is None:
                self._runner = LoopThread()
            return self._runner

    def _own_loop(self) -> CallerLoop:
        own: CallerLoop | None = getattr(self._local, "loop", None)
        if own is None or own.loop.is_closed():
            own = self._local.loop = CallerLoop()
            with self._lock:
                ended = [(thread, mine) for thread, mine in self._loops
                         if not thread.is_alive()]
                self._loops[:] = [pair for pair in self._loops if pair not in ended]
                self._loops.append((threading.current_thread(), own))
            _close_all(ended)
        return own

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        call = exchange(self.app, request, body)
        if _loop_running():
            return self._get_runner().call(call)
        return self._own_loop().call(call)

    def close(self) -> None:
        with self._lock:
            runner, self._runner = self._runner, None
            loops = self._loops[:]
            self._loops.clear()
        if runner is not None:
            runner.close()
        _close_all(loops)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _close_all(loops: list[tuple[threading.Thread, CallerLoop]]) -> None:
    for _, own in loops:
        own.close()


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close a loop that is not running, as ``asyncio.run`` ends its own."""
    try:
        left = asyncio.all_tasks(loop)
        for task in left:
            task.cancel()
        if left:
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


class AsyncInProcessTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await exchange(self.app, request, await request.aread())


class SetCookieOnly(httpx.Cookies):
    """httpx's cookie store, but an answer that sets no cookie (``Set-Cookie`` or
    ``Set-Cookie2``) is not handed to the cookie jar: httpx builds two ``urllib``
    objects per answer to let the jar find that out (45 to 95 µs a request here, as much as
    the in-process exchange itself), and without those headers the jar changes nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


class CookiesFromAnswers:
    """Mixin for httpx clients: their cookies are ``SetCookieOnly`` (the same cookies,
    less work per answer); anything else is httpx's."""

    _cookies: httpx.Cookies

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cookies = SetCookieOnly(self._cookies.jar)  # the jar httpx chose (or was given)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._cookies = SetCookieOnly(httpx.Cookies(cookies).jar)


class InProcessClient(CookiesFromAnswers, httpx.Client):
    """The sync client of ``httpx_client``."""

    def send(self, request: httpx.Request, *, stream: bool = False,
             **kwargs: Any) -> httpx.Response:
        response = super().send(request, stream=stream, **kwargs)
        return response if stream else unbound(response)


class AsyncInProcessClient(CookiesFromAnswers, httpx.AsyncClient):
    """The async client of ``async_httpx_client``."""

    async def send(self, request: httpx.Request, *, stream: bool = False,
                   **kwargs: Any) -> httpx.Response:
        response = await super().send(request, stream=stream, **kwargs)
        return response if stream else unbound(response)


def unbound(response: httpx.Response) -> httpx.Response:
    """A response already read, its stream replaced by its content. httpx's client
    binds the stream to the response (``response.stream._response is response``): a
    reference cycle per answer (≈ 23 objects), left for the garbage collector, whose
    passes then cost a tenth of an in-process exchange; read, it needs no stream."""
    response.stream = httpx.ByteStream(response.content)
    return response


def httpx_client(app: ASGIApp, base_url: str = "http://fashn-mock.local",
                 **kwargs: Any) -> httpx.Client:
    """A sync httpx client bound to ``app`` in-process."""
    return InProcessClient(transport=InProcessTransport(app), base_url=base_url, **kwargs)


def async_httpx_client(app: ASGIApp, base_url: str = "http://fashn-mock.local",
                       **kwargs: Any) -> httpx.AsyncClient:
    """An async httpx client bound to ``app`` in-process."""
    return AsyncInProcessClient(transport=AsyncInProcessTransport(app), base_url=base_url,
                                **kwargs)
