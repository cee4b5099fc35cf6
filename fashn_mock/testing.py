"""Test helpers shared by the pytest plugin and by unittest/script users.

``FashnMock`` is the per-test handle: one emulator, one API key, and the
control-plane vocabulary scoped to that key. ``SwitchableApp`` lets one real
server (per pytest session or xdist worker) serve whichever emulator the
current test uses, so a fresh, isolated emulator per test costs no new socket.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from fashn_mock.emulator import Emulator
from fashn_mock.engine.faults import FaultRule
from fashn_mock.engine.inbox import Inbox
from fashn_mock.engine.journal import JournalEntry
from fashn_mock.engine.ledger import Balance
from fashn_mock.engine.network import NetworkRule
from fashn_mock.engine.webhook_script import Rule as WebhookRule
from fashn_mock.engine.webhooks import Attempt

if TYPE_CHECKING:
    from fashn_mock.contract.behaviour import BehaviourReport


class SwitchableApp:
    """An ASGI app that forwards to a target which can be swapped at any time."""

    def __init__(self, target: ASGIApp | None = None) -> None:
        self.target = target

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.target is None:
            raise RuntimeError("fashn-mock: no emulator is active on this server")
        await self.target(scope, receive, send)


RUN_PATHS = ("/v1/run", "/api/v1/fashion/run", "/api/v1/fashion/subscribe")
"""Where each dialect submits a ``{model_name, inputs}`` body."""


class RequestLog(list[JournalEntry]):
    """The journal entries of one test, with assertion helpers."""

    def runs(self, model_name: str | None = None) -> list[JournalEntry]:
        return [e for e in self if e.method == "POST" and e.path in RUN_PATHS
                and (model_name is None
                     or (isinstance(e.body, dict) and e.body.get("model_name") == model_name))]

    def assert_called(self, *, model_name: str | None = None, times: int | None = None,
                      path: str | None = None) -> None:
        """At least one (or exactly ``times``) matching request was sent."""
        found = (self.runs(model_name) if path is None and model_name is not None
                 else [e for e in self if path is None or e.path.startswith(path)])
        what = f"model_name={model_name!r}" if model_name else f"path={path!r}"
        if times is None and not found:
            raise AssertionError(f"fashn-mock: no request with {what} was sent; "
                                 f"seen: {[f'{e.method} {e.path}' for e in self]}")
        if times is not None and len(found) != times:
            raise AssertionError(f"fashn-mock: expected {times} request(s) with {what}, "
                                 f"got {len(found)}")

    def assert_not_called(self, *, model_name: str | None = None) -> None:
        self.assert_called(model_name=model_name, times=0)


class FashnMock:
    """One test's emulator and key, with the control vocabulary scoped to that key."""

    def __init__(self, emulator: Emulator, api_key: str, base_url: str) -> None:
        self.emulator = emulator
        self.api_key = api_key
        self.base_url = base_url

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    # --- clients -----------------------------------------------------------------
    def httpx_client(self, **kwargs: Any) -> httpx.Client:
        """An in-process sync client (no socket), already authenticated."""
        return self.emulator.httpx_client(headers=self.headers, **kwargs)

    def async_httpx_client(self, **kwargs: Any) -> httpx.AsyncClient:
        return self.emulator.async_httpx_client(headers=self.headers, **kwargs)

    # --- time --------------------------------------------------------------------
    def advance(self, seconds: float) -> float:
        return self.emulator.advance(seconds)

    def run_until_done(self) -> float:
        return self.emulator.run_until_done(self.api_key)

    # --- steering ----------------------------------------------------------------
    def fail_next(self, error: str, model: str | None = None, times: int = 1) -> FaultRule:
        return self.emulator.fail_next(error, model=model, times=times, key=self.api_key)

    def set_credits(self, total: int | None = None, *, subscription: int | None = None,
                    on_demand: int | None = None) -> Balance:
        return self.emulator.set_credits(self.api_key, total, subscription=subscription,
                                         on_demand=on_demand)

    def set_chaos(self, failure_rate: float | None = None, jitter: float | None = None, *,
                  network: Mapping[str, float] | str | None = None) -> dict[str, Any]:
        return self.emulator.set_chaos(failure_rate, jitter, network=network)

    def network_next(self, fault: str, path: str | None = None, times: int = 1, *,
                     method: str | None = None, dialect: str | None = None,
                     model: str | None = None) -> NetworkRule:
        """Break the connection of this test's next ``times`` matching requests."""
        return self.emulator.network_next(fault, path=path, method=method, dialect=dialect,
                                          key=self.api_key, model=model, times=times)

    def cancel(self, prediction_id: str) -> dict[str, Any]:
        return self.emulator.cancel(prediction_id)

    # --- webhooks ----------------------------------------------------------------
    def webhook_url(self, name: str = "default") -> str:
        """A webhook URL on this test's emulator (``<base_url>/_mock/inbox/<name>``)."""
        self.emulator.inbox(name)  # validates the name
        return f"{self.base_url}/_mock/inbox/{name}"

    def inbox(self, name: str = "default") -> Inbox:
        """What ``webhook_url(name)`` received: ``payloads``, ``wait(count)``..."""
        return self.emulator.inbox(name)

    @property
    def webhooks(self) -> list[Attempt]:
        """This test's webhook delivery attempts, oldest first."""
        return self.emulator.webhooks(key=self.api_key)

    def redeliver(self, prediction_id: str) -> dict[str, Any]:
        return self.emulator.redeliver(prediction_id)

    def script_webhook(self, *, duplicate: int = 0, delay: float = 0.0,
                       reorder: bool = False, times: int = 1) -> WebhookRule:
        """Script this test's next ``times`` webhooks (duplicates, delay, reorder)."""
        return self.emulator.script_webhook(duplicate=duplicate, delay=delay,
                                            reorder=reorder, times=times, key=self.api_key)

    # --- inspection --------------------------------------------------------------
    @property
    def predictions(self) -> list[dict[str, Any]]:
        return self.emulator.predictions(key=self.api_key)

    def prediction(self, prediction_id: str) -> dict[str, Any]:
        return self.emulator.prediction(prediction_id)

    @property
    def requests(self) -> RequestLog:
        return RequestLog(self.emulator.journal(key=self.api_key))

    @property
    def violations(self) -> list[dict[str, Any]]:
        """Contract violations of this test's requests (``--strict``/strict mode)."""
        return [v for entry in self.requests for v in entry.violations]

    def behaviour(self, min_poll_interval: float = 1.0) -> BehaviourReport:
        """This test's client-behaviour report (``.ok``, ``.findings``, ``.render()``)."""
        return self.emulator.behaviour(self.api_key, min_poll_interval=min_poll_interval)

    @property
    def credits(self) -> Balance:
        return self.emulator.balance(self.api_key)
