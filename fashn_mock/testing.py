"""Test helpers shared by the pytest plugin and by unittest/script users.

``FashnMock`` is the per-test handle: one emulator, one API key, and the steering
vocabulary (``fashn_mock.steering``) scoped to that key. ``SwitchableApp`` lets one
real server (per pytest session or xdist worker) serve whichever emulator the
current test uses, so a fresh, isolated emulator per test costs no new socket.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from fashn_mock.emulator import Emulator
from fashn_mock.steering import RequestLog, Steering

__all__ = ["FashnMock", "RequestLog", "SwitchableApp"]


class SwitchableApp:
    """An ASGI app that forwards to ``target``, which can be swapped at any time; to
    ``default`` while there is none (without either: 503)."""

    def __init__(self, default: ASGIApp | None = None) -> None:
        self.default = default
        self.target: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.target or self.default
        if app is None:
            if scope["type"] != "http":
                return
            response = JSONResponse(
                {"error": "ServiceUnavailable",
                 "message": "fashn-mock: no emulator is active on this server"},
                status_code=503)
            await response(scope, receive, send)
            return
        await app(scope, receive, send)


class FashnMock(Steering):
    """One test's emulator and key: every steering operation of ``Emulator``, with
    ``key`` defaulting to this test's key (``fashn_mock.steering.Steering``)."""

    def __init__(self, emulator: Emulator, api_key: str, base_url: str) -> None:
        super().__init__(emulator.engine, api_key, base_url=base_url, settle=True)
        self.emulator = emulator
        """The whole emulator (unscoped: every key)."""
        self.api_key = api_key
        """This test's key: ``FASHN_API_KEY`` while the test runs."""

    @property
    def base_url(self) -> str:
        """Where this test's emulator is served: ``FASHN_BASE_URL`` while it runs."""
        return self._base_url

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    # --- clients -----------------------------------------------------------------
    def httpx_client(self, **kwargs: Any) -> httpx.Client:
        """An in-process sync client (no socket), already authenticated."""
        return self.emulator.httpx_client(headers=self.headers, **kwargs)

    def async_httpx_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An in-process async client (no socket), already authenticated."""
        return self.emulator.async_httpx_client(headers=self.headers, **kwargs)
