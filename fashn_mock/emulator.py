"""The public Python entry point: one emulator = config + clock + engine + ASGI app.

Every steering operation (``fashn_mock.steering``: the same as ``/_mock/...`` and
``fashn-mock ctl``) is a method here, unscoped: ``key=`` picks one key.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from contextlib import ExitStack
from types import TracebackType
from typing import Any, TypeVar

import httpx
from starlette.applications import Starlette

from fashn_mock.app import create_app
from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine import Engine
from fashn_mock.environment import environment
from fashn_mock.faces.native import payload
from fashn_mock.faces.outputs import renders_inline
from fashn_mock.server import BackgroundServer
from fashn_mock.serving import is_loopback
from fashn_mock.steering import IN_PROCESS_URL, Steering
from fashn_mock.transport import async_httpx_client, httpx_client
from fashn_mock.webhooks import Deliverer

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_BIND = (Config.host, Config.port)
"""``Config``'s own host and port (``serve``'s defaults): not a request to bind there."""


class Emulator(Steering):
    """A FASHN API emulator. ``Emulator(time_scale=0)`` or ``Emulator(Config(...))``.

    ``manual_clock=True`` gives a clock that moves only through ``advance()``.
    As a context manager (or decorator) it serves on a free loopback port (or on the
    ``host``/``port`` given) and points ``FASHN_BASE_URL``/``FASHN_API_KEY`` at
    itself until the block ends. Every steering operation is a method
    (``fashn_mock.steering.Steering``), for every key unless ``key=`` picks one.
    """

    def __init__(self, config: Config | None = None, *, clock: Clock | None = None,
                 manual_clock: bool = False, api_key: str = "fa-fashn-mock",
                 **settings: Any) -> None:
        self.config = dataclasses.replace(config, **settings) if config else Config(**settings)
        chosen = ("host" in settings or "port" in settings
                  or (config is not None and (config.host, config.port) != DEFAULT_BIND))
        self.bind = (self.config.host, self.config.port) if chosen else ("127.0.0.1", 0)
        """Where ``with Emulator(...)`` serves: a free loopback port unless a host or
        port was chosen."""
        if not is_loopback(self.bind[0]) and self.config.control \
                and not self.config.control_token:
            raise ValueError(f"serving on {self.bind[0]} exposes the control API (/_mock) "
                             "to other machines: set control_token=... or control=False")
        self.clock = clock or (Clock.manual() if manual_clock else Clock())
        super().__init__(Engine(self.config, self.clock), settle=True)
        self.deliverer = Deliverer(self.engine, payload, heavy=renders_inline,
                                   local={IN_PROCESS_URL: self._in_process})
        """Sends webhooks; ``IN_PROCESS_URL`` ones reach ``app`` without a socket."""
        self.app: Starlette = create_app(self.engine)
        self.api_key = api_key
        """The key ``FASHN_API_KEY`` is set to while serving."""
        self._serving: ExitStack | None = None
        self._server: BackgroundServer | None = None

    # --- serving -----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The loopback URL while serving, else the in-process clients' base URL."""
        return self._server.base_url if self._server else IN_PROCESS_URL

    def __enter__(self) -> Emulator:
        stack = ExitStack()
        host, port = self.bind
        self._server = stack.enter_context(BackgroundServer(self.app, host, port))
        stack.enter_context(environment(self._server.base_url, self.api_key))
        self._serving = stack
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._serving is not None:
            self._serving.close()
        self._serving, self._server = None, None

    def __call__(self, func: F) -> F:
        """Use as a decorator: serve while ``func`` runs."""
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]

    async def _in_process(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)  # looked up per call: ``app`` may be wrapped

    # --- clients -----------------------------------------------------------------
    def httpx_client(self, **kwargs: Any) -> httpx.Client:
        """A sync httpx client wired to this emulator in-process (no socket)."""
        return httpx_client(self.app, **kwargs)

    def async_httpx_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An async httpx client wired to this emulator in-process (no socket)."""
        return async_httpx_client(self.app, **kwargs)
