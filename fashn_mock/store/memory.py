"""The in-memory store (the default): one process's state, in Python structures.

The predictions dict and its retention heap, the books (``engine.accounts``), the
rate windows (``engine.limits``) and the fault rules (``engine.faults``) sit behind
one re-entrant lock; each operation of ``Ledger`` takes it once, so operations are
atomic with respect to each other and cost no more than the structures themselves.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from fashn_mock.catalog.gateways.concurred import RATES as CONCURRED_RATES
from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine import retention
from fashn_mock.engine.accounts import Account, Books
from fashn_mock.engine.errors import DomainError, RateLimited, Window
from fashn_mock.engine.events import Event
from fashn_mock.engine.faults import FaultPlan
from fashn_mock.engine.journal import Journal
from fashn_mock.engine.ledger import Balance
from fashn_mock.engine.limits import RateWindows
from fashn_mock.engine.network import NetworkPlan
from fashn_mock.engine.prediction import ANY_KEY, TERMINAL, Prediction
from fashn_mock.engine.scheduler import Scheduler
from fashn_mock.engine.submission import Interruption, Submission, docs_example
from fashn_mock.engine.webhooks import Webhooks
from fashn_mock.store.base import Admission, Build, Faults, KeyState

SWEEP_EVERY = 60.0
"""Emulator seconds between sweeps of idle keys and empty rate windows."""
SWEEP_AFTER_NEW_KEYS = 10_000
"""New keys that trigger a sweep early (a client inventing a key per request)."""


def rate_rules(config: Config) -> dict[str, Any]:
    """Every dialect's rate windows by name (none when limits are off)."""
    return {**CONCURRED_RATES, **config.rates} if config.limits else {}


class MemoryLedger:
    def __init__(self, config: Config, clock: Clock, faults: Faults) -> None:
        self.config = config
        self.clock = clock
        self.faults = faults
        self.sequence = MemorySequence()
        self.lock = threading.RLock()
        self.books = Books(config.credits, config.concurrency, config.limits)
        self.rates = RateWindows(rate_rules(config))
        self.rules = self.rates.rules
        self.predictions: dict[str, Prediction] = {}
        self._expiry: list[tuple[float, int, str]] = []
        self._sequence = 0
        self._next_sweep = 0.0
        self.forget()

    def guard(self) -> threading.RLock:
        return self.lock

    # --- admission -----------------------------------------------------------------
    def admit(self, key: str, model: str, cost: int, build: Build, rule: str | None = None,
              faults: bool = True) -> Admission:
        with self.lock:
            number = self.sequence.take()
            now = self.clock.now()
            window = None
            if rule is not None and rule in self.rules:
                window = self.rates.hit(key, rule, now)
                if window is not None and not window.passed:
                    raise RateLimited(rule, window)
            self._evict(now)
            account = self.books.account(key)
            self.books.settle(account, now)
            if faults:
                taken = self.faults.take(key, model)
                if taken is not None:
                    return None, window, taken
            try:
                self.books.reserve(account, now, cost)
            except DomainError as refused:
                refused.counted = window
                raise
            prediction = build(now, number)
            self._track(account, prediction)
            if prediction.finished_at <= now:  # --time-scale 0: settle it at once
                self.books.settle(account, now)
        return prediction, window, None

    def hit(self, key: str, rule: str) -> Window | None:
        if rule not in self.rules:  # limits off: nothing to count (hot path)
            return None
        with self.lock:
            return self.rates.hit(key, rule, self.clock.now())

    # --- reading -------------------------------------------------------------------
    def status(self, key: str, prediction_id: str) -> tuple[Prediction, float] | None:
        with self.lock:
            now = self.clock.now()
            self._evict(now)
            prediction = self.predictions.get(prediction_id)
            if prediction is None or prediction.key not in (key, ANY_KEY):
                return None
            if prediction.key != ANY_KEY:
                self.books.settle(self.books.account(key), now)
            return prediction, now

    def status_counted(self, key: str, prediction_id: str, rule: str
                       ) -> tuple[tuple[Prediction, float] | None, Window | None]:
        with self.lock:
            window = self.hit(key, rule)
            if window is not None and not window.passed:
                return None, window
            return self.status(key, prediction_id), window

    def find(self, prediction_id: str) -> tuple[Prediction, float] | None:
        with self.lock:
            now = self.clock.now()
            self._evict(now)
            prediction = self.predictions.get(prediction_id)
            return None if prediction is None else (prediction, now)

    def balance(self, key: str) -> Balance:
        with self.lock:
            account = self.books.account(key)
            self.books.settle(account, self.clock.now())
            return account.balance

    def set_balance(self, key: str, total: int | None, subscription: int | None,
                    on_demand: int | None) -> Balance:
        with self.lock:
            account = self.books.account(key)
            self.books.settle(account, self.clock.now())
            account.balance.set(total, subscription=subscription, on_demand=on_demand)
            return account.balance

    def slots_in_use(self, key: str) -> int:
        with self.lock:
            return self.books.slots_in_use(key, self.clock.now())

    def queue_position(self, prediction: Prediction, now: float) -> int:
        with self.lock:
            account = self.books.accounts.get(prediction.key)
            ids = account.ids if account else {}
            created = prediction.created_at
            ahead = sum(1 for i in ids if (p := self.predictions.get(i)) is not None
                        and p.created_at < created and p.processing_at > now)
        return ahead + 1

    def prediction_ids(self, key: str) -> list[str]:
        with self.lock:
            account = self.books.accounts.get(key)
            return account.prediction_ids if account else []

    def newest_first(self) -> Iterator[Prediction]:
        with self.lock:
            self._evict(self.clock.now())
        return (p for p in reversed(self.predictions.values()) if p.key != ANY_KEY)

    def known_keys(self) -> set[str]:
        return set(self.books.accounts) | self.rates.keys()

    def key_state(self, key: str, now: float) -> KeyState:
        with self.lock:
            account = self.books.accounts.get(key)
            if account is not None:
                self.books.settle(account, now)
                balance, slots, tracked = account.balance, account.open, len(account.ids)
            else:  # a key seen only by the rate windows: its balance was never touched
                balance, slots, tracked = Balance(on_demand=self.books.start), 0, 0
            return KeyState(Balance(balance.subscription, balance.on_demand,
                                    balance.reserved, balance.charged, balance.waived,
                                    balance.spent_usd),
                            slots, tracked, tuple(self.rates.usage(key, now)))

    # --- changing ------------------------------------------------------------------
    def interrupt(self, prediction_id: str,
                  outcome: Interruption) -> tuple[Prediction, bool] | None:
        with self.lock:
            prediction = self.predictions.get(prediction_id)
            if prediction is None:
                return None
            now = self.clock.now()
            account = self.books.accounts.get(prediction.key)
            if prediction.status_at(now) in TERMINAL or account is None:
                return prediction, False
            Submission.interrupt(prediction, outcome, now)
            self.books.close(account, prediction)
            self._expire(prediction)  # 72 h from now, not from when it would have ended
            return prediction, True

    def moved(self, prediction: Prediction) -> None:
        with self.lock:
            self.books.refile(prediction)
            self._expire(prediction)

    def _expire(self, prediction: Prediction) -> None:
        """File the prediction's (new) retention instant; older entries are skipped."""
        self._sequence += 1
        heapq.heappush(self._expiry, (retention.expires_at(prediction), -self._sequence,
                                      prediction.id))

    def forget(self, key: str | None = None) -> None:
        with self.lock:
            if key is not None:
                for prediction_id in self.books.forget(key):
                    self.predictions.pop(prediction_id, None)
                self.rates.forget(key)
                self.faults.forget(key)
                return
            self.books.forget()
            self.rates.forget()
            self.faults.forget()
            self.sequence.restart()
            self._expiry = []
            self._sequence = 0
            now = self.clock.now()
            self._next_sweep = now + SWEEP_EVERY
            example = docs_example(now)
            self.predictions = {example.id: example}

    # --- internals -----------------------------------------------------------------
    def _track(self, account: Account, prediction: Prediction) -> None:
        sequence = self.books.track(account, prediction)
        self.predictions[prediction.id] = prediction
        heapq.heappush(self._expiry, (retention.expires_at(prediction), sequence,
                                      prediction.id))

    def _evict(self, now: float) -> None:
        """Forget predictions past retention (72 h after finishing), so memory
        stays bounded over long runs; their status answers 404 from then on."""
        while self._expiry and self._expiry[0][0] <= now:
            _, _, prediction_id = heapq.heappop(self._expiry)
            prediction = self.predictions.get(prediction_id)
            if prediction is None or retention.expires_at(prediction) > now:
                continue
            account = self.books.accounts.get(prediction.key)
            if account is not None:
                self.books.settle(account, now)
                account.ids.pop(prediction_id, None)
            del self.predictions[prediction_id]
        if now >= self._next_sweep or self.books.created >= SWEEP_AFTER_NEW_KEYS:
            self._next_sweep = now + SWEEP_EVERY
            self.books.sweep()
            self.rates.sweep(now)


class MemorySequence:
    def __init__(self) -> None:
        self._numbers = itertools.count(1)

    def take(self) -> int:
        return next(self._numbers)  # atomic in CPython: no lock needed

    def restart(self) -> None:
        self._numbers = itertools.count(1)


class MemoryStore:
    """State in this process only (the default)."""

    shared = False

    def clock(self, local: Clock) -> Clock:
        return local

    def faults(self, config: Config) -> FaultPlan:
        return FaultPlan(config.failure_rate, config.jitter)

    def ledger(self, config: Config, clock: Clock, faults: Faults) -> MemoryLedger:
        return MemoryLedger(config, clock, faults)

    def network(self, seed: int, config: Config) -> NetworkPlan:
        return NetworkPlan(seed, config.network_chaos)

    def journal(self, capacity: int) -> Journal:
        return Journal(capacity)

    def webhooks(self, scheduler: Scheduler, clock: Clock, config: Config,
                 find: Callable[[str], Prediction | None],
                 publish: Callable[..., None]) -> Webhooks:
        return Webhooks(scheduler, clock, config, find, publish)

    def relay(self, deliver: Callable[[Event], None]) -> None:
        return None

    def close(self) -> None:
        pass
