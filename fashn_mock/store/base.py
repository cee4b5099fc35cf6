"""The storage interface under the engine: what a store must do, and its small values.

The engine keeps the business rules (who may submit, what a prediction costs, when
it fails); a store keeps the state and performs each *atomic state operation*
(admission, settlement, an interruption, taking one use of a fault rule) in one
step, whether it lives in this process (``store.memory``) or in a Redis/Valkey
server shared by many (``store.redis``). Both read the emulator clock themselves, at
the moment the operation happens, so the instant and the state agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from fashn_mock.catalog.quotas import RateRule
from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine.errors import Window
from fashn_mock.engine.events import Event
from fashn_mock.engine.faults import FaultRule
from fashn_mock.engine.journal import Journal
from fashn_mock.engine.ledger import Balance
from fashn_mock.engine.network import NetworkPlan
from fashn_mock.engine.prediction import Prediction
from fashn_mock.engine.scheduler import Scheduler
from fashn_mock.engine.submission import Interruption
from fashn_mock.engine.webhooks import Webhooks

Build = Callable[[float, int], Prediction]
"""Makes the new prediction at the instant it is admitted (its phases hang off it),
given its sequence number (its random draws derive from it: ``engine.draws``)."""
Usage = tuple[str, int, float | None]
"""(rule, requests in its window, when the oldest leaves it) of one key's window."""


Admission = tuple[Prediction | None, "Window | None", "FaultRule | None"]
"""What ``Ledger.admit`` did: (the stored prediction, or None when a fault rule was
taken instead; the rate window the request was counted in, if any; the fault rule of
which one use was taken, if any). A plain tuple: it is made on every run."""


@dataclass(frozen=True, slots=True)
class KeyState:
    """One key's books at an instant, for inspectors (nothing counted or consumed)."""

    balance: Balance
    slots: int
    """Concurrency slots in use."""
    tracked: int
    """Predictions tracked (not yet forgotten by retention)."""
    usage: tuple[Usage, ...]


class Faults(Protocol):
    """Scheduled fault rules and the chaos rates (``engine.faults.FaultPlan``)."""

    @property
    def failure_rate(self) -> float:
        ...

    @property
    def jitter(self) -> float:
        ...

    @property
    def rules(self) -> list[FaultRule]:
        """The pending rules, in the order they apply (a copy)."""
        ...

    def schedule(self, rule: FaultRule) -> FaultRule:
        ...

    def take(self, key: str, model: str) -> FaultRule | None:
        """Consume one use of the first rule that applies."""
        ...

    def set_chaos(self, failure_rate: float | None = None,
                  jitter: float | None = None) -> dict[str, float]:
        ...

    def forget(self, key: str | None = None) -> None:
        ...


class Sequence(Protocol):
    """Numbers every new prediction (its random draws derive from it: ``engine.draws``);
    shared by every process of a shared store, so no two predictions share one."""

    def take(self) -> int:
        """The next number: 1, 2, ... after a restart."""
        ...

    def restart(self) -> None:
        """Back to 1 (a full reset)."""
        ...


class Ledger(Protocol):
    """Predictions and the books: windows, slots, balances, settlement, retention.

    Settlement is lazy and exactly once: a finished prediction is charged (completed)
    or released (anything else) the first time its key's books are looked at after its
    finish. Retention forgets a prediction 72 h (emulator time) after it finished.
    """

    @property
    def rules(self) -> Mapping[str, RateRule]:
        """The rate windows by name (empty when limits are off)."""
        ...

    @property
    def faults(self) -> Faults:
        """The fault rules admission takes from (step 3 of ``admit``)."""
        ...

    @property
    def sequence(self) -> Sequence:
        """Numbers the predictions (``forget()`` restarts it)."""
        ...

    def guard(self) -> AbstractContextManager[Any]:
        """Hold this while reading several things that must agree (an inspection)."""
        ...

    def admit(self, key: str, model: str, cost: int, build: Build, rule: str | None = None,
              faults: bool = True) -> Admission:
        """Admit one prediction, checking in this order:

        1. ``rule``: count the request in that rate window (None: counted already, or
           nothing to count); a full window refuses it (``RateLimited``), counting nothing;
        2. the key's finished predictions are settled;
        3. ``faults``: when a scheduled fault rule applies to (key, model), one use of it
           is taken and nothing else happens: the engine decides what it means and asks
           again with ``faults=False``;
        4. a free concurrency slot (``NoFreeSlot``) and ``cost`` available credits
           (``OutOfCredits``) are reserved; the window stays counted when they refuse,
           and the refusal carries it (``DomainError.counted``);
        5. ``build(now, number)`` makes the prediction, which is stored and tracked for
           settlement and retention (settled at once when it already finished).

        Every call takes one number from ``sequence`` (refused or not), so both stores
        number predictions alike.
        """
        ...

    def hit(self, key: str, rule: str) -> Window | None:
        """Count one request in ``rule``'s window; None when that rule has no limit."""
        ...

    def status(self, key: str, prediction_id: str) -> tuple[Prediction, float] | None:
        """``key``'s prediction (or the public example) and the instant it was read, its
        key's books settled; None when ``key`` cannot see it."""
        ...

    def status_counted(self, key: str, prediction_id: str, rule: str
                       ) -> tuple[tuple[Prediction, float] | None, Window | None]:
        """``hit`` then ``status`` in one step (one round trip to a shared store): the
        read and the window. A full window reads nothing (None, the window)."""
        ...

    def find(self, prediction_id: str) -> tuple[Prediction, float] | None:
        """Any key's prediction and the instant it was read."""
        ...

    def balance(self, key: str) -> Balance:
        ...

    def set_balance(self, key: str, total: int | None, subscription: int | None,
                    on_demand: int | None) -> Balance:
        """Set a key's balance (settled first); reservations are kept."""
        ...

    def interrupt(self, prediction_id: str,
                  outcome: Interruption) -> tuple[Prediction, bool] | None:
        """End an unfinished prediction now (its slot freed, nothing charged); whether it
        changed (a finished one is left as it is). None when unknown."""
        ...

    def moved(self, prediction: Prediction) -> None:
        """A prediction's phases moved (poll-driven playback): file it again."""
        ...

    def slots_in_use(self, key: str) -> int:
        ...

    def queue_position(self, prediction: Prediction, now: float) -> int:
        """1 + the key's earlier predictions still waiting to be processed at ``now``."""
        ...

    def prediction_ids(self, key: str) -> list[str]:
        """``key``'s tracked predictions, in submission order."""
        ...

    def newest_first(self) -> Iterator[Prediction]:
        """Every stored prediction of every key (not the public example), newest first."""
        ...

    def known_keys(self) -> set[str]:
        """Keys with books or a non-empty rate window (read-only)."""
        ...

    def key_state(self, key: str, now: float) -> KeyState:
        ...

    def forget(self, key: str | None = None) -> None:
        """Drop one key's predictions, books and windows, or everything."""
        ...


class Store(Protocol):
    """Where one emulator's state lives; ``bind`` makes its parts for an engine."""

    shared: bool
    """True when other processes may share this state (then the engine relays events)."""

    def clock(self, local: Clock) -> Clock:
        """The clock to use: ``local`` itself, or one whose offset and frozen instant are
        shared (``local`` gives the initial state of a new store)."""
        ...

    def faults(self, config: Config) -> Faults:
        ...

    def ledger(self, config: Config, clock: Clock, faults: Faults) -> Ledger:
        ...

    def network(self, seed: int, config: Config) -> NetworkPlan:
        """Network fault rules and chaos (its draws seeded with ``seed``)."""
        ...

    def journal(self, capacity: int) -> Journal:
        ...

    def webhooks(self, scheduler: Scheduler, clock: Clock, config: Config,
                 find: Callable[[str], Prediction | None],
                 publish: Callable[..., None]) -> Webhooks:
        """Webhook registrations, attempts, rules and test inboxes (``engine.webhooks``)."""
        ...

    def relay(self, deliver: Callable[[Event], None]) -> Callable[[Event], None] | None:
        """Relay engine events between the processes of a shared store: the function
        that sends one of this process's, after which ``deliver`` hears the others'
        (from another thread); None when the state is not shared."""
        ...

    def close(self) -> None:
        ...
