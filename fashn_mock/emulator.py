"""The public Python entry point: one emulator = config + clock + engine + ASGI app."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from fashn_mock.app import create_app
from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine import Engine
from fashn_mock.transport import async_httpx_client, httpx_client


class Emulator:
    """A FASHN API emulator. ``Emulator(time_scale=0)`` or ``Emulator(Config(...))``.

    ``manual_clock=True`` gives a clock that moves only through ``advance()``.
    """

    def __init__(self, config: Config | None = None, *, clock: Clock | None = None,
                 manual_clock: bool = False, **settings: Any) -> None:
        self.config = config or Config(**settings)
        self.clock = clock or (Clock.manual() if manual_clock else Clock())
        self.engine = Engine(self.config, self.clock)
        self.app: Starlette = create_app(self.engine)

    def advance(self, seconds: float) -> float:
        """Move the emulator's clock forward; returns the new time."""
        return self.clock.advance(seconds)

    def reset(self) -> None:
        self.engine.reset()

    def httpx_client(self, **kwargs: Any) -> httpx.Client:
        """A sync httpx client wired to this emulator in-process (no socket)."""
        return httpx_client(self.app, **kwargs)

    def async_httpx_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An async httpx client wired to this emulator in-process (no socket)."""
        return async_httpx_client(self.app, **kwargs)
