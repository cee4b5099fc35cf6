"""The engine: predictions, books, limits and the clock. It knows nothing of HTTP.

Every face (native /v1, the gateway dialects, the control API, the pytest
fixture) is a thin translation over these calls: a face authenticates in its own
way and passes the key; the engine refuses with domain errors
(``engine.errors``) and answers with what a prediction *is* at an instant
(``PredictionState``). The state lives in a store (``fashn_mock.store``: this
process's memory by default, or Redis/Valkey shared by several processes); each
store operation is atomic, so faces on other threads (or processes) may share it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine import faults
from fashn_mock.engine.accounts import Account, Books
from fashn_mock.engine.errors import (
    DomainError,
    InvalidRequest,
    RateLimited,
    Unauthenticated,
    UnknownPrediction,
    Window,
)
from fashn_mock.engine.events import Event, EventBus
from fashn_mock.engine.faults import FaultRule
from fashn_mock.engine.inputs import load_run
from fashn_mock.engine.ledger import Balance
from fashn_mock.engine.limits import RateWindows
from fashn_mock.engine.network import NetworkPlan
from fashn_mock.engine.outputs import output_file
from fashn_mock.engine.playback import PARKED, Playback, PlaybackSource
from fashn_mock.engine.prediction import TERMINAL, Prediction
from fashn_mock.engine.scheduler import Scheduler
from fashn_mock.engine.submission import Interruption, Submission
from fashn_mock.engine.views import (
    PredictionDetails,
    PredictionState,
    PredictionSummary,
    describe,
    summary,
)
from fashn_mock.engine.watching import Watches
from fashn_mock.engine.webhooks import Order
from fashn_mock.media import MediaStore
from fashn_mock.media.fetch import fetcher_for
from fashn_mock.store import Store, open_store
from fashn_mock.store.base import Faults, Ledger, Sequence
from fashn_mock.store.memory import MemoryLedger
from fashn_mock.validation import RunRequest

T = TypeVar("T")


class Submitted(NamedTuple):
    """A prediction admitted, and the rate window its request was counted in."""

    prediction: Prediction
    window: Window | None


class Engine:
    network: NetworkPlan
    """Network faults (rules, chaos) the HTTP layer injects (``faces.network``)."""

    def __init__(self, config: Config | None = None, clock: Clock | None = None,
                 store: Store | None = None) -> None:
        self.config = config or Config()
        self.store = store or open_store(self.config.store, self.config.store_prefix)
        """Where the state lives (``fashn_mock.store``)."""
        self.clock = self.store.clock(clock or Clock())
        self.fetcher = fetcher_for(self.config)
        """Downloads URL inputs when ``--fetch-inputs`` is on, else None."""
        self.media = MediaStore(self.config.media_cache_bytes, fetcher=self.fetcher,
                                input_budget_bytes=self.config.input_cache_bytes)
        self.journal = self.store.journal(self.config.journal_size)
        self.events = EventBus()
        self._relay = self.store.relay(self._relayed)
        """Sends this process's events to the others of a shared store (else None)."""
        self.scheduler = Scheduler(self.clock)
        self.watches = Watches(self.scheduler, self.clock, self._lookup, self._publish_here)
        self.webhooks = self.store.webhooks(self.scheduler, self.clock, self.config,
                                            self._lookup, self.publish)
        """Webhook schedule, attempts journal and test inboxes (``engine.webhooks``)."""
        self._playback: PlaybackSource | None = None
        self.submission = Submission(self.config)
        self.faults: Faults = self.store.faults(self.config)
        self.ledger: Ledger = self.store.ledger(self.config, self.clock, self.faults)
        """Predictions and the books (``store.base.Ledger``)."""
        self.network = self.store.network(self.submission.seed, self.config)
        if not self.store.shared:  # a shared store keeps what it holds
            self.reset()

    @property
    def playback(self) -> PlaybackSource | None:
        """Recorded sessions offered every run first (``fashn_mock.cassettes``)."""
        return self._playback

    @playback.setter
    def playback(self, source: PlaybackSource | None) -> None:
        if source is not None and self.store.shared:
            raise ValueError("replaying recordings keeps them in one process: it cannot be "
                             "combined with a shared store")
        self._playback = source

    # --- state -------------------------------------------------------------------
    def reset(self, key: str | None = None) -> None:
        """Forget all state, or one key's predictions, balance, windows and faults."""
        self.journal.forget(key)
        self.webhooks.forget(key)
        if key is not None:
            self.ledger.forget(key)
            self.network.forget(key)
        else:
            self.submission.reseed()
            self.ledger.forget()
            self.faults.set_chaos(self.config.failure_rate, self.config.jitter)
            self.network = self.store.network(self.submission.seed, self.config)
            self.scheduler.clear()
        self.publish("reset", key=key)

    def close(self) -> None:
        """Stop this engine's threads and let go of its store (the state stays in it)."""
        self.scheduler.close()
        self.store.close()

    @property
    def predictions(self) -> dict[str, Prediction]:
        """Every stored prediction by id (the in-memory store's own dict)."""
        return self._memory().predictions

    @property
    def sequence(self) -> Sequence:
        """Numbers each new prediction (``engine.draws``)."""
        return self.ledger.sequence

    @property
    def books(self) -> Books:
        return self._memory().books

    @property
    def rates(self) -> RateWindows:
        return self._memory().rates

    @property
    def accounts(self) -> dict[str, Account]:
        return self.books.accounts

    def account(self, key: str) -> Account:
        with self.ledger.guard():
            return self.books.account(key)

    def publish(self, kind: str, *, key: str | None = None, prediction_id: str | None = None,
                **data: Any) -> None:
        """Tell event subscribers, of every process on a shared store (skipped cheaply
        when nobody listens)."""
        if self.events.active or self._relay is not None:
            event = Event(kind, self.clock.now(), key, prediction_id, data)
            if self.events.active:
                self.events.publish(event)
            if self._relay is not None:
                self._relay(event)

    def _publish_here(self, kind: str, *, key: str | None = None,
                      prediction_id: str | None = None, **data: Any) -> None:
        """Tell this process's subscribers only (transitions read off timestamps: every
        process derives them for its own watchers)."""
        if self.events.active:
            self.events.publish(Event(kind, self.clock.now(), key, prediction_id, data))

    def _relayed(self, event: Event) -> None:
        """Another process's event (a shared store): file what this process's watchers
        need, then tell its subscribers."""
        if event.prediction_id is not None and event.kind in ("submitted", "transition"):
            prediction = self._lookup(event.prediction_id)
            if prediction is not None:
                if event.kind == "submitted":
                    self.watches.filed(prediction)
                else:  # an interruption: its phases moved
                    self.watches.moved(prediction)
        if self.events.active:
            self.events.publish(event)

    # --- admission -----------------------------------------------------------------
    def check_key(self, key: str) -> str:
        """``key`` if this emulator accepts it (``--api-key``), else ``Unauthenticated``."""
        if self.config.api_keys and key not in self.config.api_keys:
            raise Unauthenticated("unknown")
        return key

    def screen(self, scripted_error: str | None) -> None:
        """Refuse a request whose ``X-Fashn-Mock-Error`` header asks for a refusal."""
        if scripted_error is not None and faults.check_name(scripted_error) in faults.REFUSALS:
            raise faults.refusal(scripted_error)

    def admit(self, key: str, route: str, scripted_error: str | None = None) -> Window | None:
        """Count a request against its rate window (``route`` names the rule); refuse it
        when over the limit. ``scripted_error`` (a header) may ask for any refusal."""
        if scripted_error is not None:
            self.screen(scripted_error)
        if route not in self.ledger.rules:  # limits off: nothing to count (hot path)
            return None
        window = self.ledger.hit(key, route)
        if window is not None and not window.passed:
            self.publish("refused", key=key, route=route, reason="RateLimited")
            raise RateLimited(route, window)
        return window

    # --- predictions ---------------------------------------------------------------
    def submit(self, key: str, run: RunRequest, *, dialect: str = "native",
               cost: int | None = None, price_usd: float = 0.0,
               webhook_url: str | None = None, webhook: Order | None = None,
               scripted_error: str | None = None) -> Prediction:
        """Admit a validated request and schedule its timeline on the clock.

        ``cost`` is what the dialect charges in credits (default: the native catalog
        price); ``price_usd`` what it charges in money. A runtime error is chosen, in
        order, from: ``scripted_error`` (a header), a marker in the inputs, a scheduled
        fault rule, the inputs themselves (an unloadable image, a broken rule between
        fields), the chaos failure rate. With ``playback`` set (and the native dialect),
        a matching recording is played back instead. ``webhook`` says how the face
        wants ``webhook_url`` delivered (``engine.webhooks``).
        """
        return self._submit(key, run, None, dialect, cost, price_usd, webhook_url, webhook,
                            scripted_error)[0]

    def submit_counted(self, key: str, run: RunRequest, *, rule: str | None = None,
                       dialect: str = "native", cost: int | None = None,
                       price_usd: float = 0.0, webhook_url: str | None = None,
                       webhook: Order | None = None,
                       scripted_error: str | None = None) -> Submitted:
        """``submit``, counting the request in the rate window ``rule`` in the same
        atomic step as its concurrency slot and credit reservation. A refusal after the
        window counted it carries that window (``DomainError.counted``)."""
        return Submitted(*self._submit(key, run, rule, dialect, cost, price_usd, webhook_url,
                                       webhook, scripted_error))

    def _submit(self, key: str, run: RunRequest, rule: str | None, dialect: str,
                cost: int | None, price_usd: float, webhook_url: str | None,
                webhook: Order | None, scripted_error: str | None
                ) -> tuple[Prediction, Window | None]:
        if self._playback is not None and dialect == "native":
            query = {"webhook_url": webhook_url} if webhook_url is not None else {}
            playback = self._playback.match(key, run, query)
            if playback is not None:
                window = self.admit(key, rule) if rule is not None else None
                return self._submit_playback(key, run, playback, webhook_url, webhook,
                                             window), window
        # a marker is in a string the client sent (no default holds one)
        requested = scripted_error or faults.marker_in(run.sent_json())
        if requested is not None:
            faults.check_name(requested)
        loaded = load_run(run, self.fetcher, self.media.inputs)  # slow: outside the lock
        cost = run.spec.credits(run.inputs) if cost is None else cost
        if requested in faults.REFUSALS:
            raise faults.refusal(requested)
        window = None
        count = rule if rule in self.ledger.rules else None
        while True:
            def build(now: float, sequence: int, wanted: str | None = requested
                      ) -> Prediction:
                return self.submission.create(
                    key, run, now, sequence=sequence, cost=cost, requested=wanted,
                    loaded=loaded,
                    plan=self.faults, dialect=dialect, price_usd=price_usd,
                    webhook_url=webhook_url)

            try:
                prediction, counted, taken = self.ledger.admit(
                    key, run.spec.name, cost, build, count, requested is None)
            except DomainError as refused:
                self._refused(key, refused, window)
                raise
            window = counted or window
            if prediction is not None:
                break
            assert taken is not None
            requested, count = taken.error, None
            if requested in faults.REFUSALS:
                refusal = faults.refusal(requested)
                refusal.counted = window
                raise refusal
        self._announce(prediction, webhook)
        return prediction, window

    def _submit_playback(self, key: str, run: RunRequest, playback: Playback,
                         webhook_url: str | None, webhook: Order | None,
                         window: Window | None) -> Prediction:
        """Admit a request answered by a recording: the books as usual, the rest replayed."""
        cost = run.spec.credits(run.inputs) if playback.cost is None else playback.cost

        def build(now: float, sequence: int) -> Prediction:
            return self.submission.replay(key, run, now, playback, sequence=sequence,
                                          cost=cost, webhook_url=webhook_url)

        try:
            prediction = self.ledger.admit(key, run.spec.name, cost, build, None, False)[0]
        except DomainError as refused:
            self._refused(key, refused, window)
            raise
        assert prediction is not None
        self._announce(prediction, webhook)
        return prediction

    def _refused(self, key: str, refused: DomainError, window: Window | None) -> None:
        if isinstance(refused, RateLimited):
            self.publish("refused", key=key, route=refused.route, reason="RateLimited")
            return
        refused.counted = refused.counted or window
        self.publish("refused", key=key, reason=type(refused).__name__)

    def status(self, key: str, prediction_id: str) -> PredictionState:
        """What ``key``'s prediction is now (``UnknownPrediction`` when it cannot see it)."""
        found = self.ledger.status(key, prediction_id)
        if found is None:
            raise UnknownPrediction(prediction_id)
        return self._state(*found)

    def status_counted(self, key: str, prediction_id: str, route: str,
                       scripted_error: str | None = None
                       ) -> tuple[PredictionState, Window | None]:
        """``admit`` then ``status`` in one step of the store (one round trip when it is
        shared); the state and the window counted. ``UnknownPrediction`` carries the
        window (``DomainError.counted``)."""
        if scripted_error is not None:
            self.screen(scripted_error)
        if route not in self.ledger.rules:  # limits off: nothing to count (hot path)
            return self.status(key, prediction_id), None
        found, window = self.ledger.status_counted(key, prediction_id, route)
        if window is not None and not window.passed:
            self.publish("refused", key=key, route=route, reason="RateLimited")
            raise RateLimited(route, window)
        if found is None:
            unknown = UnknownPrediction(prediction_id)
            unknown.counted = window
            raise unknown
        return self._state(*found), window

    def _state(self, prediction: Prediction, now: float) -> PredictionState:
        """A prediction's state at ``now`` (a playback moves on when it is polled)."""
        if prediction.playback is not None and prediction.status_at(now) not in TERMINAL:
            with self.ledger.guard():
                finishes_at = prediction.finished_at
                prediction.playback.poll(prediction, now)
                if prediction.finished_at != finishes_at:
                    self._refile(prediction)
        return PredictionState(prediction, prediction.status_at(now), now)

    def queue_position(self, state: PredictionState) -> int:
        """1 + the key's predictions submitted earlier and still waiting to be processed
        (0 once processing has begun): a queue per key, as concurrency slots are."""
        if state.status not in ("starting", "in_queue"):
            return 0
        return self.ledger.queue_position(state.prediction, state.now)

    def balance(self, key: str) -> Balance:
        return self.ledger.balance(key)

    def output(self, prediction_id: str, name: str) -> tuple[bytes, str] | None:
        """The bytes and media type of one output, once its prediction completed.
        The CDN is public: no key is needed, as with cdn.fashn.ai."""
        found = self.ledger.find(prediction_id)
        if found is None or found[0].status_at(found[1]) != "completed":
            return None
        return output_file(found[0], name, self.media, found[1])

    # --- steering ------------------------------------------------------------------
    def set_credits(self, key: str, total: int | None = None, *,
                    subscription: int | None = None, on_demand: int | None = None) -> Balance:
        """Set a key's balance; ``total`` alone puts it all in on-demand credits."""
        values = [v for v in (total, subscription, on_demand) if v is not None]
        if not values or any(not isinstance(v, int) or isinstance(v, bool)
                             or not 0 <= v <= 10**15 for v in values):
            raise InvalidRequest("credits: give total, subscription or on_demand as "
                                 "integers within 0..10^15", field="credits")
        return self.ledger.set_balance(key, total, subscription, on_demand)

    def fail_next(self, error: str, *, model: str | None = None, times: int = 1,
                  key: str | None = None) -> FaultRule:
        """Fail the next ``times`` predictions (of ``model``, of ``key``) with ``error``:
        a runtime name fails the prediction, a refusal name refuses the run request."""
        return self.faults.schedule(FaultRule(error=error, model=model, key=key, times=times))

    def set_chaos(self, failure_rate: float | None = None,
                  jitter: float | None = None) -> dict[str, float]:
        return self.faults.set_chaos(failure_rate, jitter)

    def interrupt(self, prediction_id: str, outcome: Interruption) -> Prediction:
        """End an unfinished prediction now as ``canceled`` or ``time_out`` (free).
        A terminal prediction is left as it is: terminal states are stable."""
        found = self.ledger.interrupt(prediction_id, outcome)
        if found is None:
            raise UnknownPrediction(prediction_id)
        prediction, changed = found
        if changed:
            self.watches.moved(prediction)
            self.webhooks.moved(prediction)
            self.publish("transition", key=prediction.key, prediction_id=prediction.id,
                         status=outcome)
        return prediction

    # --- inspection ----------------------------------------------------------------
    def list_predictions(self, *, key: str | None = None, model: str | None = None,
                         status: str | None = None,
                         dialect: str | None = None) -> list[PredictionSummary]:
        """Predictions oldest first, filtered (every given field must match)."""
        with self.ledger.guard():
            now = self.clock.now()
            found = [summary(p, now) for p in self.ledger.newest_first()
                     if (key is None or p.key == key) and (model is None or p.model == model)
                     and (dialect is None or p.dialect == dialect)]
        found.reverse()
        return [s for s in found if status is None or s.status == status]

    def describe(self, prediction_id: str) -> PredictionDetails:
        """Everything about one prediction, including its full timeline."""
        prediction, now = self._find(prediction_id)
        return describe(prediction, now)

    def prediction_ids(self, key: str) -> list[str]:
        """``key``'s predictions not yet forgotten, in submission order."""
        return self.ledger.prediction_ids(key)

    def last_finish(self, key: str | None = None) -> float | None:
        """When the last unfinished prediction (of ``key``) finishes on the clock, or
        None when none is pending. Poll-driven playback (parked) is not waited for."""
        with self.ledger.guard():
            now = self.clock.now()
            pending = [p.finished_at for p in self.ledger.newest_first()
                       if (key is None or p.key == key) and now < p.finished_at < PARKED]
        return max(pending) if pending else None

    def run_until_done(self, key: str | None = None) -> float:
        """Advance the clock to the moment every unfinished prediction (of ``key``)
        has finished; returns the new time. Poll-driven playback is not waited for."""
        last = self.last_finish(key)
        now = self.clock.now()
        return self.clock.advance(last - now) if last is not None and last > now else now

    def inspect(self, read: Callable[[Engine, float], T]) -> T:
        """Run a read-only inspection (``engine.inspection``) at one instant of the
        clock, holding the store's guard."""
        with self.ledger.guard():
            return read(self, self.clock.now())

    def unfinished(self, key: str) -> int:
        return self.ledger.slots_in_use(key)

    # --- internals -----------------------------------------------------------------
    def _memory(self) -> MemoryLedger:
        if not isinstance(self.ledger, MemoryLedger):
            raise AttributeError("only the in-memory store keeps Python objects to inspect")
        return self.ledger

    def _lookup(self, prediction_id: str) -> Prediction | None:
        found = self.ledger.find(prediction_id)
        return found[0] if found is not None else None

    def _find(self, prediction_id: str) -> tuple[Prediction, float]:
        """Any key's prediction (the control plane sees them all)."""
        found = self.ledger.find(prediction_id)
        if found is None:
            raise UnknownPrediction(prediction_id)
        return found

    def _announce(self, prediction: Prediction, webhook: Order | None = None) -> None:
        """After a new prediction is filed (outside the lock): events and timers."""
        self.publish("submitted", key=prediction.key, prediction_id=prediction.id,
                     model=prediction.model, dialect=prediction.dialect)
        self.watches.filed(prediction)
        self.webhooks.filed(prediction, webhook)

    def _refile(self, prediction: Prediction) -> None:
        """File again a prediction whose finish moved (poll-driven playback), so the
        books settle it and retention forgets it on time."""
        self.ledger.moved(prediction)
        self.watches.moved(prediction)
        self.webhooks.moved(prediction)
