"""The shared store: one emulator's state in a Redis (or Valkey) server, so several
processes (``serve --workers N``, replicas behind a load balancer) are one emulator
and a restart forgets nothing.

What lives where (``P`` is ``--store-prefix``, default ``fashn-mock``; every key of
an emulator starts with ``P:``, so several emulators share one server and ``reset``
deletes only its own):

- ``P:settings`` (hash): ``version`` (bumped by every change below), ``epoch``
  (bumped by a full reset), the clock (``offset``, ``frozen``: '' while it runs), the
  chaos rates (``failure_rate``, ``jitter``) and network chaos (``network``, JSON);
- ``P:seq``: the prediction sequence (``INCRBY``, taken by processes in blocks);
- ``P:p:<id>`` (hash): one prediction (timestamps as 17-digit strings), with a real-time
  TTL of its retention plus a day as a safety net; ``P:all`` and ``P:k:<key>:ids``
  (sorted by creation), ``P:k:<key>:pending`` (unsettled, by finish),
  ``P:expiry`` (by the emulator instant retention forgets it);
- ``P:k:<key>:acct`` (hash): a key's balance, reservations and open slots; ``P:keys``;
- ``P:w:<rule>:<key>`` (sorted set of request instants, ms): a rate window;
- ``P:faults``, ``P:net:rules``, ``P:wh:rules`` (lists of JSON rules);
- ``P:journal`` (list of JSON entries, capped), ``P:journal:seq``;
- ``P:wh:*``: webhook registrations, their attempt journal and held deliveries
  (``store.redis_webhooks``); ``P:timers`` (sorted set): timed side effects any
  process may run, claimed by ``ZREM`` so exactly one does;
- ``P:inbox:*``: test inboxes; ``P:control`` and ``P:events``: pub/sub channels.

The Lua steps (``store/lua``; ``prelude.lua`` is prepended to each): ``admit`` (rate
window, settlement, a fault rule, slot, credits and storing the prediction, in one
step), ``read`` (a prediction, forgotten once past retention), ``books`` (balance,
``set``, inspection), ``interrupt``, ``settings`` (clock and chaos changes),
``init``, ``forget_key``, ``rules``, ``take_fault``, ``hit``; webhooks and timers
have their own. Settlement is exactly once: a pending entry is removed (``ZREM``)
and the prediction flagged ``settled`` in the same script.

The clock: each process reads its own wall clock plus the shared ``offset`` (or the
shared ``frozen`` instant), so replicas need synchronised clocks (NTP). Every script
that needs "now" receives the instant the process computed and the settings
``version`` it computed it from; a script that finds a newer version does nothing
and returns the settings, and the process retries with them. So an ``advance`` on
one process is seen by the very next request on any other; the control channel
(pub/sub) refreshes idle processes and wakes their schedulers.

Per process: rendered media (a cache: bytes are deterministic), the scheduler's
watch entries (SSE transitions, read off shared timestamps), local event
subscribers (fed from ``P:events``), webhook attempts in flight, network-chaos
draws, a block of sequence numbers and the settings cache.

A server that cannot be reached (or answers too slowly: client timeouts) makes an
operation raise ``StoreUnavailable``, a domain error every face answers as 503.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine.errors import StoreUnavailable
from fashn_mock.engine.events import Event
from fashn_mock.engine.journal import Journal
from fashn_mock.engine.network import NetworkPlan
from fashn_mock.engine.prediction import Prediction
from fashn_mock.engine.scheduler import Scheduler
from fashn_mock.engine.webhooks import Webhooks
from fashn_mock.store.backend import Backend, SharedClock, answering, guarded
from fashn_mock.store.base import Faults
from fashn_mock.store.redis_faults import RedisFaults
from fashn_mock.store.redis_journal import RedisJournal
from fashn_mock.store.redis_ledger import RedisLedger
from fashn_mock.store.redis_network import RedisNetworkPlan
from fashn_mock.store.redis_webhooks import SharedWebhooks
from fashn_mock.store.relay import EventRelay


class RedisStore:
    """State in a Redis/Valkey server at ``url``, under ``prefix`` (see above)."""

    shared = True

    def __init__(self, url: str, prefix: str = "fashn-mock") -> None:
        self.backend = Backend(url, prefix)
        self._relay: EventRelay | None = None
        self._journal: RedisJournal | None = None
        with answering():  # a server that cannot be reached says so before anything starts
            self.backend.client.ping()
        with contextlib.suppress(StoreUnavailable):  # a store in use: its clock from now on
            self.backend.refresh()

    @property
    def prefix(self) -> str:
        return self.backend.prefix

    def clock(self, local: Clock) -> SharedClock:
        """The shared clock; ``local`` (frozen or running) is where a new store starts."""
        self.backend.local_clock = local
        return self.backend.shared_clock

    def faults(self, config: Config) -> RedisFaults:
        return RedisFaults(self.backend)

    @guarded
    def ledger(self, config: Config, clock: Clock, faults: Faults) -> RedisLedger:
        assert isinstance(clock, SharedClock), "a shared store needs its own clock"
        ledger = RedisLedger(self.backend, config, clock, faults)
        ledger.start_over("init")
        self.backend.on_lost = lambda: ledger.start_over("init")
        return ledger

    def network(self, seed: int, config: Config) -> NetworkPlan:
        return RedisNetworkPlan(self.backend, seed)

    def journal(self, capacity: int) -> Journal:
        self._journal = RedisJournal(self.backend, capacity)
        return self._journal

    def webhooks(self, scheduler: Scheduler, clock: Clock, config: Config,
                 find: Callable[[str], Prediction | None],
                 publish: Callable[..., None]) -> Webhooks:
        return SharedWebhooks(self.backend, scheduler, clock, config, find, publish)

    def relay(self, deliver: Callable[[Event], None]) -> Callable[[Event], None]:
        self._relay = EventRelay(self.backend, deliver)
        return self._relay.send

    def close(self) -> None:
        if self._relay is not None:
            self._relay.close()
        if self._journal is not None:  # what waits in this process's buffer
            with contextlib.suppress(Exception):
                self._journal.flush()
        self.backend.close()
