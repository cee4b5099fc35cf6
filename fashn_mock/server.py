"""Run an ASGI app with uvicorn on a loopback port in a background thread."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

from fashn_mock.onewrite import HttpProtocol
from fashn_mock.serving import Bound

SHUTDOWN_TIMEOUT = 2
"""Seconds open responses (a dashboard's live stream) get to finish when it stops."""


class BackgroundServer:
    """``with BackgroundServer(app) as server: server.base_url``; port 0 picks a free
    one."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                                lifespan="off", access_log=False, http=HttpProtocol,
                                timeout_graceful_shutdown=SHUTDOWN_TIMEOUT)
        self.app = app
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True,
                                        name="fashn-mock-server")
        self.host = host
        self.port = port

    @property
    def base_url(self) -> str:
        """Where clients reach it (``http://127.0.0.1:<port>``; never ``0.0.0.0``)."""
        return Bound(self.host, self.port).url

    @property
    def url(self) -> str:
        """The same as ``base_url``."""
        return self.base_url

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("fashn-mock server failed to start")
            time.sleep(0.005)
        sockets = [s for server in self._server.servers for s in server.sockets]
        self.port = sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
