"""The public Python entry point: one emulator = config + clock + engine + ASGI app.

Every control-plane operation (``/_mock/...``) is a method here too, so tests
and scripts steer the emulator the same way over HTTP or in Python.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from starlette.applications import Starlette

from fashn_mock.app import create_app
from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine import Engine
from fashn_mock.engine.faults import FaultRule
from fashn_mock.engine.inbox import Inbox
from fashn_mock.engine.journal import JournalEntry
from fashn_mock.engine.ledger import Balance
from fashn_mock.engine.network import NetworkRule, parse_profile
from fashn_mock.engine.webhook_script import Rule as WebhookRule
from fashn_mock.engine.webhook_script import build as build_script
from fashn_mock.engine.webhooks import Attempt
from fashn_mock.environment import environment
from fashn_mock.faces.native import payload
from fashn_mock.faces.outputs import renders_inline
from fashn_mock.server import BackgroundServer
from fashn_mock.transport import async_httpx_client, httpx_client
from fashn_mock.webhooks import Deliverer

if TYPE_CHECKING:
    from fashn_mock.contract.behaviour import BehaviourReport

F = TypeVar("F", bound=Callable[..., Any])
IN_PROCESS_URL = "http://fashn-mock.local"
WEBHOOK_WAIT = 15.0
"""Wall seconds ``advance`` waits at most for the webhook attempts it caused."""


class Emulator:
    """A FASHN API emulator. ``Emulator(time_scale=0)`` or ``Emulator(Config(...))``.

    ``manual_clock=True`` gives a clock that moves only through ``advance()``.
    As a context manager (or decorator) it serves on a free loopback port and
    points ``FASHN_BASE_URL``/``FASHN_API_KEY`` at itself until the block ends.
    """

    def __init__(self, config: Config | None = None, *, clock: Clock | None = None,
                 manual_clock: bool = False, api_key: str = "fa-fashn-mock",
                 **settings: Any) -> None:
        self.config = dataclasses.replace(config, **settings) if config else Config(**settings)
        self.engine = Engine(self.config, clock or (Clock.manual() if manual_clock else Clock()))
        self.clock = self.engine.clock
        """The emulator's clock (shared by every process on a shared store)."""
        self.deliverer = Deliverer(self.engine, payload, heavy=renders_inline,
                                   local={IN_PROCESS_URL: self._in_process})
        """Sends webhooks; ``IN_PROCESS_URL`` ones reach ``app`` without a socket."""
        self.app: Starlette = create_app(self.engine)
        self.api_key = api_key
        self._serving: ExitStack | None = None
        self._server: BackgroundServer | None = None

    # --- serving -----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The loopback URL while serving, else the in-process clients' base URL."""
        return self._server.url if self._server else IN_PROCESS_URL

    def __enter__(self) -> Emulator:
        stack = ExitStack()
        self._server = stack.enter_context(BackgroundServer(self.app))
        stack.enter_context(environment(self._server.url, self.api_key))
        self._serving = stack
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._serving is not None:
            self._serving.close()
        self._serving, self._server = None, None

    def close(self) -> None:
        """Stop serving, and let go of the store (a shared store keeps the state)."""
        self.__exit__(None, None, None)
        self.engine.close()

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

    # --- time --------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> float:
        """Move the emulator's clock forward; returns the new time. On a manual clock it
        returns once the webhook attempts that fell due were answered (at most
        ``WEBHOOK_WAIT`` s), so a test can assert on them right away."""
        now = self.clock.advance(seconds)
        self._settle_webhooks()
        return now

    def freeze(self) -> float:
        return self.clock.freeze()

    def unfreeze(self) -> float:
        return self.clock.unfreeze()

    def run_until_done(self, key: str | None = None) -> float:
        """Advance the clock to the moment every unfinished prediction (of ``key``)
        has finished; returns the new time. Poll-driven playback is not waited for."""
        now = self.engine.run_until_done(key)
        self._settle_webhooks()
        return now

    def _settle_webhooks(self) -> None:
        if self.clock.frozen:
            self.engine.webhooks.wait_idle(WEBHOOK_WAIT)

    # --- steering ----------------------------------------------------------------
    def reset(self, key: str | None = None) -> None:
        """Forget everything, or one key's predictions, balance, windows and faults."""
        self.engine.reset(key)

    def set_credits(self, key: str, total: int | None = None, *,
                    subscription: int | None = None, on_demand: int | None = None) -> Balance:
        return self.engine.set_credits(key, total, subscription=subscription,
                                       on_demand=on_demand)

    def fail_next(self, error: str, *, model: str | None = None, times: int = 1,
                  key: str | None = None) -> FaultRule:
        """Fail the next ``times`` predictions (of ``model``/``key``) with ``error``."""
        return self.engine.fail_next(error, model=model, times=times, key=key)

    def set_chaos(self, failure_rate: float | None = None, jitter: float | None = None, *,
                  network: Mapping[str, float] | str | None = None) -> dict[str, Any]:
        """Chaos rates: runtime failures, duration jitter and (``network``) network
        faults, e.g. ``network={"reset": 0.05, "delay=0.2..1": 0.1}`` (``{}``: none)."""
        if network is not None:
            parse_profile(network)  # refused before anything changes
        result: dict[str, Any] = dict(self.engine.set_chaos(failure_rate, jitter))
        if network is not None:
            self.engine.network.set_chaos(network)
        return {**result, "network": dict(self.engine.network.chaos)}

    def network_next(self, fault: str, *, path: str | None = None, method: str | None = None,
                     dialect: str | None = None, key: str | None = None,
                     model: str | None = None, times: int = 1) -> NetworkRule:
        """Break the connection of the next ``times`` matching requests with ``fault``
        (``reset``, ``delay=0.5``, ``lost-response``...); ``path`` is a prefix."""
        return self.engine.network.schedule(NetworkRule(
            fault, path=path, method=method, dialect=dialect, key=key, model=model,
            times=times))

    def clear_network(self, key: str | None = None) -> None:
        """Drop the pending network fault rules (of ``key``)."""
        self.engine.network.forget(key)

    def cancel(self, prediction_id: str) -> dict[str, Any]:
        self.engine.interrupt(prediction_id, "canceled")
        return self.engine.describe(prediction_id)

    def time_out(self, prediction_id: str) -> dict[str, Any]:
        self.engine.interrupt(prediction_id, "time_out")
        return self.engine.describe(prediction_id)

    # --- webhooks ----------------------------------------------------------------
    def webhook_url(self, name: str = "default") -> str:
        """A URL on this emulator that receives webhooks into ``inbox(name)``."""
        self.engine.webhooks.inboxes.get(name)  # validates the name
        return f"{self.base_url}/_mock/inbox/{name}"

    def inbox(self, name: str = "default") -> Inbox:
        """What ``webhook_url(name)`` received: ``payloads``, ``wait(count)``,
        ``fail_next(times, status)``."""
        return self.engine.webhooks.inboxes.get(name)

    def webhooks(self, *, prediction_id: str | None = None,
                 key: str | None = None) -> list[Attempt]:
        """Webhook delivery attempts, oldest first (``GET /_mock/webhooks``)."""
        return self.engine.webhooks.attempts(prediction_id=prediction_id, key=key)

    def redeliver(self, prediction_id: str) -> dict[str, Any]:
        """Send a finished prediction's webhook once more, now (on a manual clock:
        returns once it was answered)."""
        registration = self.engine.webhooks.redeliver(prediction_id).as_json()
        self._settle_webhooks()
        return registration

    def script_webhook(self, *, duplicate: int = 0, delay: float = 0.0,
                       reorder: bool = False, times: int = 1,
                       key: str | None = None) -> WebhookRule:
        """Script the next ``times`` webhooks (of ``key``): ``duplicate`` extra copies,
        a ``delay`` in emulator seconds, ``reorder`` after the key's next webhook."""
        return self.engine.webhooks.rules.add(WebhookRule(
            build_script(duplicate, delay, reorder), key, times))

    def wait_for_webhooks(self, timeout: float = WEBHOOK_WAIT) -> bool:
        """Block until no webhook attempt is in flight (at most ``timeout`` wall s)."""
        return self.engine.webhooks.wait_idle(timeout)

    # --- inspection --------------------------------------------------------------
    def predictions(self, *, key: str | None = None, model: str | None = None,
                    status: str | None = None) -> list[dict[str, Any]]:
        return self.engine.list_predictions(key=key, model=model, status=status)

    def prediction(self, prediction_id: str) -> dict[str, Any]:
        return self.engine.describe(prediction_id)

    def journal(self, **filters: Any) -> list[JournalEntry]:
        """Recorded /v1 requests, oldest first; filters as ``Journal.entries``."""
        return self.engine.journal.entries(**filters)

    def violations(self, key: str | None = None) -> list[dict[str, Any]]:
        """Contract violations of recorded requests (with ``strict=True``)."""
        return [v for entry in self.engine.journal.entries(key=key) for v in entry.violations]

    def behaviour(self, key: str | None = None, *,
                  min_poll_interval: float = 1.0) -> BehaviourReport:
        """How politely the client behaved: fast polling, early 429 retries,
        re-polling finished predictions, missing Authorization."""
        from fashn_mock.contract.behaviour import analyse

        return analyse(self.engine.journal.entries(key=key),
                       min_poll_interval=min_poll_interval)

    def balance(self, key: str) -> Balance:
        return self.engine.balance(key)

    def effective_config(self) -> dict[str, Any]:
        return self.engine.effective_config()
