"""Serve an ASGI app as this process's HTTP server (``serve``, ``record``).

uvicorn with the logging of ``fashn_mock.logs`` and the batched access log of
``fashn_mock.accesslog`` (uvicorn's own line per request is the costliest thing it
does per request), a callback once the port is bound
(the banner names the real port and a URL a client can use), one when the server
has stopped, and a bounded graceful shutdown: a client that never finishes its
request delays a SIGTERM by ``shutdown_timeout`` seconds at most.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from fashn_mock import accesslog, allocator
from fashn_mock.logs import log_config
from fashn_mock.onewrite import HttpProtocol

SHUTDOWN_TIMEOUT = 3
"""Seconds open requests get to finish after SIGTERM/SIGINT before they are cancelled."""
STARTUP_FAILURE = 3
"""Exit code when the address cannot be bound (uvicorn's own)."""
WILDCARDS = ("", "0.0.0.0", "::")


@dataclass(frozen=True)
class Bound:
    """Where the server listens, once it does."""

    host: str
    port: int

    @property
    def url(self) -> str:
        """A URL a client on this machine can use (never ``0.0.0.0``)."""
        host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        return f"http://{_bracketed(host)}:{self.port}"

    @property
    def network_url(self) -> str | None:
        """For other machines, when bound to every interface: this host's name."""
        if self.host not in WILDCARDS:
            return None
        return f"http://{socket.gethostname()}:{self.port}"


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine: ``localhost`` or a
    loopback address. Any other name counts as reachable from outside."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_bound: Callable[[Bound], None],
                 on_stopped: Callable[[], None] | None,
                 access_log: accesslog.AccessLog | None = None) -> None:
        super().__init__(config)
        self._on_bound = on_bound
        self._on_stopped = on_stopped
        self._access_log = access_log

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            port = self.servers[0].sockets[0].getsockname()[1]
            self._on_bound(Bound(self.config.host, int(port)))

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        if self._access_log is not None:
            self._access_log.flush()  # before a SIGTERM is re-raised
        if self._on_stopped is not None:
            self._on_stopped()


def run(app: ASGIApp, *, host: str, port: int, log_level: str, log_format: str,
        on_bound: Callable[[Bound], None], on_stopped: Callable[[], None] | None = None,
        shutdown_timeout: int = SHUTDOWN_TIMEOUT) -> int:
    """Serve ``app`` until SIGINT/SIGTERM; 0, or ``STARTUP_FAILURE`` if it never
    listened. (After a SIGTERM uvicorn re-raises it once shut down, so the process
    ends by that signal: ``on_stopped`` is the place for last words.)"""
    allocator.tune()  # before uvicorn and the thread pools start threads
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level,
                            log_config=log_config(log_level, log_format), lifespan="off",
                            http=HttpProtocol, timeout_graceful_shutdown=shutdown_timeout)
    access = accesslog.take_over()  # the logging is configured now: its access handlers
    if access is not None:
        config.app = access.middleware(app)
    server = _Server(config, on_bound, on_stopped, access)
    try:
        with contextlib.suppress(KeyboardInterrupt):  # SIGINT, re-raised after a clean stop
            server.run()
    finally:
        if access is not None:
            accesslog.give_back(access)
    return 0 if server.started else STARTUP_FAILURE


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
