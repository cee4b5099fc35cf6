"""httpx transports that call the emulator's ASGI app in-process, without a socket.

As over a socket, an exception inside the app reaches the client as a 500.

``httpx.ASGITransport`` is async-only; ``InProcessTransport`` gives sync clients
(such as ``fashn.Fashn(http_client=...)``) the same, by running the app on an
event loop in a helper thread (an anyio blocking portal).
"""

from __future__ import annotations

import contextlib
import threading

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.types import ASGIApp


class InProcessTransport(httpx.BaseTransport):
    def __init__(self, app: ASGIApp) -> None:
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._stack: contextlib.ExitStack | None = None
        self._portal: BlockingPortal | None = None
        self._lock = threading.Lock()

    def _get_portal(self) -> BlockingPortal:
        with self._lock:
            if self._portal is None:
                self._stack = contextlib.ExitStack()
                self._portal = self._stack.enter_context(start_blocking_portal())
            return self._portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        forwarded = httpx.Request(request.method, request.url, headers=request.headers,
                                  content=body, extensions=request.extensions)

        async def call() -> tuple[int, httpx.Headers, bytes]:
            response = await self._asgi.handle_async_request(forwarded)
            return response.status_code, response.headers, await response.aread()

        status, headers, content = self._get_portal().call(call)
        # a stream (not ``content=``) so the response gets ``.elapsed`` as over a socket
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content),
                              request=request)

    def close(self) -> None:
        with self._lock:
            if self._stack is not None:
                self._stack.close()
            self._stack, self._portal = None, None


def httpx_client(app: ASGIApp, base_url: str = "http://fashn-mock.local",
                 **kwargs: object) -> httpx.Client:
    """A sync httpx client bound to ``app`` in-process."""
    return httpx.Client(transport=InProcessTransport(app), base_url=base_url,
                        **kwargs)  # type: ignore[arg-type]


def async_httpx_client(app: ASGIApp, base_url: str = "http://fashn-mock.local",
                       **kwargs: object) -> httpx.AsyncClient:
    """An async httpx client bound to ``app`` in-process."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url=base_url,
                             **kwargs)  # type: ignore[arg-type]
