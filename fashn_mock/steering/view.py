"""``Steering``: every steering operation as a Python method, on one engine, scoped to
one key or to all. ``Emulator`` is the unscoped view, the pytest handle
(``FashnMock``) the view scoped to its test's key, and the control API calls a view
per request; ``operations.OPERATIONS`` declares the same names and parameters.

Conventions: every operation is a method (nothing that reads state is a property);
``key`` is always keyword-only and defaults to the view's key; reads answer typed
records (``steering.results``) that are copies; clock operations answer the
``ClockState`` after them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from fashn_mock.engine import Engine
from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.engine.faults import FaultRule
from fashn_mock.engine.inbox import Inbox
from fashn_mock.engine.ledger import Balance
from fashn_mock.engine.network import NetworkRule, parse_profile
from fashn_mock.engine.views import PredictionDetails, PredictionSummary
from fashn_mock.engine.webhook_records import Registration
from fashn_mock.engine.webhook_script import Rule as WebhookRule
from fashn_mock.engine.webhook_script import build as build_script
from fashn_mock.steering.results import (
    ChaosSettings,
    ClockState,
    Credits,
    EffectiveConfig,
    NetworkFaults,
    ReplayReport,
    RequestLog,
    Violations,
    WebhookAttempts,
)

if TYPE_CHECKING:
    from fashn_mock.contract.behaviour import BehaviourReport

IN_PROCESS_URL = "http://fashn-mock.local"
"""The base URL of in-process clients (no socket)."""
WEBHOOK_WAIT = 15.0
"""Wall seconds a clock move waits at most for the webhook attempts it caused."""


class Steering:
    """The steering operations of ``engine``, scoped to ``key`` (None: every key).

    ``settle``: on a frozen (manual) clock, operations that make webhooks fall due
    return once those were answered (at most ``WEBHOOK_WAIT`` s), so a test can
    assert on them at once. ``base_url`` is where ``webhook_url`` points.
    """

    def __init__(self, engine: Engine, key: str | None = None, *,
                 base_url: str = IN_PROCESS_URL, settle: bool = False) -> None:
        self.engine = engine
        self.key = key
        """The key this view is scoped to: the default of every ``key`` parameter."""
        self._base_url = base_url
        self._settle = settle

    @property
    def base_url(self) -> str:
        return self._base_url

    def _key(self, key: str | None) -> str | None:
        return self.key if key is None else key

    def _need_key(self, key: str | None, operation: str) -> str:
        chosen = self._key(key)
        if chosen is None:
            raise InvalidRequest(f"{operation}: give the API key (key=...)", field="key")
        return chosen

    def _settled(self) -> None:
        if self._settle and self.engine.clock.frozen:
            self.engine.webhooks.wait_idle(WEBHOOK_WAIT)

    # --- the clock ----------------------------------------------------------------------
    def now(self) -> float:
        """The emulator time, seconds since the epoch (``time().now``)."""
        return self.engine.clock.now()

    def time(self) -> ClockState:
        """The emulator clock: now, frozen or not, and the time scale."""
        clock = self.engine.clock
        return ClockState(clock.now(), clock.frozen, self.engine.config.time_scale)

    def advance(self, seconds: float) -> ClockState:
        """Move the clock forward by that many emulator seconds."""
        self.engine.clock.advance(seconds)
        self._settled()
        return self.time()

    def freeze(self) -> ClockState:
        """Stop the clock (it then moves only through ``advance``)."""
        self.engine.clock.freeze()
        return self.time()

    def unfreeze(self) -> ClockState:
        """Let the clock run again, from where it stood."""
        self.engine.clock.unfreeze()
        return self.time()

    def run_until_done(self, *, key: str | None = None) -> ClockState:
        """Advance the clock until every unfinished prediction (of ``key``) finished.
        Poll-driven playback is not waited for."""
        self.engine.run_until_done(self._key(key))
        self._settled()
        return self.time()

    # --- state and credits ----------------------------------------------------------------
    def reset(self, *, key: str | None = None) -> None:
        """Forget everything, or one key's predictions, balance, windows, faults,
        journal and webhooks."""
        self.engine.reset(self._key(key))

    def credits(self, key: str | None = None) -> Credits:
        """A key's credit balance."""
        chosen = self._need_key(key, "credits")
        return _credits(chosen, self.engine.balance(chosen))

    def set_credits(self, total: int | None = None, *, subscription: int | None = None,
                    on_demand: int | None = None, key: str | None = None) -> Credits:
        """Set a key's balance: ``total`` alone puts it all in on-demand credits."""
        chosen = self._need_key(key, "set_credits")
        balance = self.engine.set_credits(chosen, total, subscription=subscription,
                                          on_demand=on_demand)
        return _credits(chosen, balance)

    # --- scripted failures and chaos ------------------------------------------------------
    def fail_next(self, error: str, *, model: str | None = None, times: int = 1,
                  key: str | None = None) -> FaultRule:
        """Fail the next ``times`` predictions (of ``model``, of ``key``) with ``error``:
        a runtime error fails the prediction, a refusal name refuses the request."""
        rule = self.engine.fail_next(error, model=model, times=times, key=self._key(key))
        return dataclasses.replace(rule)

    def faults(self, *, key: str | None = None) -> list[FaultRule]:
        """The scheduled faults (made for ``key``), in the order they apply."""
        chosen = self._key(key)
        return [dataclasses.replace(rule) for rule in list(self.engine.faults.rules)
                if chosen is None or rule.key == chosen]

    def clear_faults(self, *, key: str | None = None) -> list[FaultRule]:
        """Drop the scheduled faults (made for ``key``); what is left."""
        self.engine.faults.forget(self._key(key))
        return self.faults(key=key)

    def chaos(self) -> ChaosSettings:
        """The seeded chaos in force."""
        faults, network = self.engine.faults, self.engine.network
        return ChaosSettings(faults.failure_rate, faults.jitter, dict(network.chaos))

    def set_chaos(self, failure_rate: float | None = None, jitter: float | None = None, *,
                  network: Mapping[str, float] | str | None = None) -> ChaosSettings:
        """Set the seeded chaos; what is not given stays. Rates of runtime failures,
        duration jitter and network faults, e.g. ``network={"reset": 0.05,
        "delay=0.2..1": 0.1}`` (``{}``: none)."""
        if network is not None:
            try:
                parse_profile(network)  # refused before anything changes
            except ValueError as error:
                raise InvalidRequest(f"network: {error}", field="network") from None
        self.engine.set_chaos(failure_rate, jitter)
        if network is not None:
            self.engine.network.set_chaos(network)
        return self.chaos()

    def network_next(self, fault: str, *, path: str | None = None, method: str | None = None,
                     dialect: str | None = None, model: str | None = None, times: int = 1,
                     key: str | None = None) -> NetworkRule:
        """Break the connection of the next ``times`` matching requests with ``fault``
        (``reset``, ``delay=0.5``, ``lost-response``...); ``path`` is a prefix."""
        rule = self.engine.network.schedule(NetworkRule(
            fault, path=path, method=method, dialect=dialect, key=self._key(key),
            model=model, times=times))
        return dataclasses.replace(rule)

    def network(self, *, key: str | None = None) -> NetworkFaults:
        """The pending network fault rules (made for ``key``) and the network chaos."""
        chosen = self._key(key)
        plan = self.engine.network
        rules = [dataclasses.replace(rule) for rule in list(plan.rules)
                 if chosen is None or rule.key == chosen]
        return NetworkFaults(rules, dict(plan.chaos))

    def clear_network(self, *, key: str | None = None) -> NetworkFaults:
        """Drop the pending network fault rules (made for ``key``); what is left."""
        self.engine.network.forget(self._key(key))
        return self.network(key=key)

    # --- predictions ----------------------------------------------------------------------
    def predictions(self, *, key: str | None = None, model: str | None = None,
                    status: str | None = None,
                    dialect: str | None = None) -> list[PredictionSummary]:
        """Predictions, oldest first (every given filter must match)."""
        return self.engine.list_predictions(key=self._key(key), model=model, status=status,
                                            dialect=dialect)

    def prediction(self, prediction_id: str) -> PredictionDetails:
        """Everything about one prediction: inputs, cost, outputs, full timeline."""
        return self.engine.describe(prediction_id)

    def cancel(self, prediction_id: str) -> PredictionDetails:
        """End an unfinished prediction now as ``canceled`` (free)."""
        self.engine.interrupt(prediction_id, "canceled")
        return self.engine.describe(prediction_id)

    def time_out(self, prediction_id: str) -> PredictionDetails:
        """End an unfinished prediction now as ``time_out`` (free)."""
        self.engine.interrupt(prediction_id, "time_out")
        return self.engine.describe(prediction_id)

    # --- the request journal and what it shows --------------------------------------------
    def journal(self, *, key: str | None = None, method: str | None = None,
                path: str | None = None, status: int | None = None,
                since: float | None = None, prediction_id: str | None = None,
                dialect: str | None = None, limit: int | None = None) -> RequestLog:
        """Recorded API requests, oldest first; ``path`` is a prefix, ``limit`` keeps
        the last ones. ``assert_called(...)`` and ``assert_not_called(...)`` check it."""
        journal = self.engine.journal
        return RequestLog(journal.entries(
            key=self._key(key), method=method, path=path, status=status, since=since,
            prediction_id=prediction_id, dialect=dialect, limit=limit),
            capacity=journal.capacity)

    def clear_journal(self, *, key: str | None = None) -> RequestLog:
        """Forget the recorded requests (of ``key``); what is left."""
        self.engine.journal.forget(self._key(key))
        return self.journal(key=key)

    def violations(self, *, key: str | None = None) -> Violations:
        """Contract violations of recorded requests (strict mode, ``--strict``)."""
        return Violations.of(self.engine.journal.entries(key=self._key(key)),
                             strict=self.engine.config.strict)

    def behaviour(self, *, key: str | None = None,
                  min_poll_interval: float = 1.0) -> BehaviourReport:
        """How politely the client behaved: fast polling, early 429 retries, re-polling
        finished predictions, missing Authorization (``.ok``, ``.findings``)."""
        from fashn_mock.contract.behaviour import analyse

        return analyse(self.engine.journal.entries(key=self._key(key)),
                       min_poll_interval=min_poll_interval)

    def effective_config(self) -> EffectiveConfig:
        """The configuration in force (settings, live chaos, clock)."""
        return EffectiveConfig(self.engine.config, self.chaos(), self.time())

    def replay(self) -> ReplayReport:
        """What the replay source loaded, played and missed."""
        from fashn_mock.cassettes.routes import replay_report

        return ReplayReport.from_json(replay_report(self.engine))

    # --- webhooks -------------------------------------------------------------------------
    def webhooks(self, *, prediction_id: str | None = None, key: str | None = None,
                 limit: int | None = None) -> WebhookAttempts:
        """Webhook delivery attempts, oldest first, and the deliveries still to come."""
        webhooks, chosen = self.engine.webhooks, self._key(key)
        return WebhookAttempts(
            webhooks.attempts(prediction_id=prediction_id, key=chosen, limit=limit),
            pending=webhooks.pending(chosen), capacity=webhooks.capacity)

    def redeliver(self, prediction_id: str) -> Registration:
        """Send a finished prediction's webhook once more, now."""
        registration = dataclasses.replace(self.engine.webhooks.redeliver(prediction_id))
        self._settled()
        return registration

    def script_webhook(self, *, duplicate: int = 0, delay: float = 0.0,
                       reorder: bool = False, times: int = 1,
                       key: str | None = None) -> WebhookRule:
        """Script the next ``times`` webhooks (of ``key``): ``duplicate`` extra copies,
        a ``delay`` in emulator seconds, ``reorder`` after the key's next webhook."""
        rule = self.engine.webhooks.rules.add(WebhookRule(
            build_script(duplicate, delay, reorder), self._key(key), times))
        return dataclasses.replace(rule)

    def webhook_scripts(self, *, key: str | None = None) -> list[WebhookRule]:
        """The pending webhook scripts (made for ``key``), in order."""
        return self.engine.webhooks.rules.pending(self._key(key))

    def clear_webhook_scripts(self, *, key: str | None = None) -> list[WebhookRule]:
        """Drop the pending webhook scripts (made for ``key``); what is left."""
        self.engine.webhooks.rules.forget(self._key(key))
        return self.webhook_scripts(key=key)

    def wait_for_webhooks(self, timeout: float = WEBHOOK_WAIT) -> bool:
        """Block until no webhook attempt is in flight (at most ``timeout`` wall
        seconds); whether none is."""
        return self.engine.webhooks.wait_idle(timeout)

    def inbox(self, name: str = "default") -> Inbox:
        """What an inbox received, and the failures it will answer. ``webhook_url(name)``
        delivers there; in Python it has ``payloads``, ``received``, ``wait(count)``."""
        return self.engine.webhooks.inboxes.get(name)

    def drop_inbox(self, name: str) -> None:
        """Delete an inbox and what it received."""
        inboxes = self.engine.webhooks.inboxes
        inboxes.get(name)  # validates the name
        inboxes.drop(name)

    def fail_inbox(self, name: str = "default", *, times: int = 1,
                   status: int = 500) -> Inbox:
        """Make an inbox answer its next ``times`` deliveries with ``status``."""
        box = self.inbox(name)
        box.fail_next(times, status)
        return box

    def webhook_url(self, name: str = "default") -> str:
        """A URL on this emulator whose deliveries land in ``inbox(name)``."""
        self.inbox(name)  # validates the name
        return f"{self.base_url}/_mock/inbox/{name}"


def _credits(key: str, balance: Balance) -> Credits:
    return Credits(key, balance.subscription, balance.on_demand, balance.reserved,
                   balance.charged, balance.waived, balance.spent_usd)
