"""The engine: predictions, books, limits and the clock. It knows nothing of HTTP.

Every face (native /v1, the gateway dialects, the control API, the pytest
fixture) is a thin translation over these calls: a face authenticates in its own
way and passes the key; the engine refuses with domain errors
(``engine.errors``) and answers with what a prediction *is* at an instant
(``PredictionState``). State hangs off one ``Engine``; a lock makes each call
atomic, so faces on other threads may share it.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fashn_mock.catalog.gateways.concurred import RATES as CONCURRED_RATES
from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine import faults, retention
from fashn_mock.engine.accounts import Account, Books
from fashn_mock.engine.errors import (
    InvalidRequest,
    RateLimited,
    Unauthenticated,
    UnknownPrediction,
    Window,
)
from fashn_mock.engine.events import Event, EventBus
from fashn_mock.engine.faults import FaultPlan, FaultRule
from fashn_mock.engine.inputs import load_run
from fashn_mock.engine.journal import Journal
from fashn_mock.engine.ledger import Balance
from fashn_mock.engine.limits import RateWindows
from fashn_mock.engine.network import NetworkPlan
from fashn_mock.engine.outputs import output_file
from fashn_mock.engine.playback import PARKED, Playback, PlaybackSource
from fashn_mock.engine.prediction import ANY_KEY, TERMINAL, Prediction
from fashn_mock.engine.scheduler import Scheduler
from fashn_mock.engine.submission import Interruption, Submission, docs_example
from fashn_mock.engine.views import (
    PredictionDetails,
    PredictionState,
    PredictionSummary,
    describe,
    summary,
)
from fashn_mock.engine.watching import Watches
from fashn_mock.engine.webhooks import Order, Webhooks
from fashn_mock.media import MediaStore
from fashn_mock.media.fetch import fetcher_for
from fashn_mock.validation import RunRequest

T = TypeVar("T")
SWEEP_EVERY = 60.0
"""Emulator seconds between sweeps of idle keys and empty rate windows."""
SWEEP_AFTER_NEW_KEYS = 10_000
"""New keys that trigger a sweep early (a client inventing a key per request)."""


class Engine:
    rates: RateWindows
    faults: FaultPlan
    network: NetworkPlan
    """Network faults (rules, chaos) the HTTP layer injects (``faces.network``)."""
    predictions: dict[str, Prediction]

    def __init__(self, config: Config | None = None, clock: Clock | None = None) -> None:
        self.config = config or Config()
        self.clock = clock or Clock()
        self.fetcher = fetcher_for(self.config)
        """Downloads URL inputs when ``--fetch-inputs`` is on, else None."""
        self.media = MediaStore(self.config.media_cache_bytes, fetcher=self.fetcher,
                                input_budget_bytes=self.config.input_cache_bytes)
        self.journal = Journal(self.config.journal_size)
        self.events = EventBus()
        self.scheduler = Scheduler(self.clock)
        self.watches = Watches(self.scheduler, self.clock, self._lookup, self.publish)
        self.webhooks = Webhooks(self.scheduler, self.clock, self.config, self._lookup,
                                 self.publish)
        """Webhook schedule, attempts journal and test inboxes (``engine.webhooks``)."""
        self.playback: PlaybackSource | None = None
        """Recorded sessions offered every run first (``fashn_mock.cassettes``)."""
        self.books = Books(self.config.credits, self.config.concurrency, self.config.limits)
        self.submission = Submission(self.config)
        self._lock = threading.RLock()
        self.reset()

    # --- state -------------------------------------------------------------------
    def reset(self, key: str | None = None) -> None:
        """Forget all state, or one key's predictions, balance, windows and faults."""
        with self._lock:
            self.journal.forget(key)
            self.webhooks.forget(key)
            if key is not None:
                for prediction_id in self.books.forget(key):
                    self.predictions.pop(prediction_id, None)
                self.rates.forget(key)
                self.faults.forget(key)
                self.network.forget(key)
            else:
                self.submission.reseed()
                self.books.forget()
                self._expiry: list[tuple[float, int, str]] = []
                self._sequence = 0
                self._next_sweep = self.clock.now() + SWEEP_EVERY
                self.predictions = {}
                self.rates = RateWindows({**CONCURRED_RATES, **self.config.rates}
                                         if self.config.limits else {})
                self.faults = FaultPlan(self.submission.seed, self.config.failure_rate,
                                        self.config.jitter)
                self.network = NetworkPlan(self.submission.seed, self.config.network_chaos)
                self.scheduler.clear()
                example = docs_example(self.clock.now())
                self.predictions[example.id] = example
        self.publish("reset", key=key)

    @property
    def accounts(self) -> dict[str, Account]:
        return self.books.accounts

    def account(self, key: str) -> Account:
        with self._lock:
            return self.books.account(key)

    def publish(self, kind: str, *, key: str | None = None, prediction_id: str | None = None,
                **data: Any) -> None:
        """Tell event subscribers (skipped cheaply when nobody listens)."""
        if self.events.active:
            self.events.publish(Event(kind, self.clock.now(), key, prediction_id, data))

    # --- admission -----------------------------------------------------------------
    def check_key(self, key: str) -> str:
        """``key`` if this emulator accepts it (``--api-key``), else ``Unauthenticated``."""
        if self.config.api_keys and key not in self.config.api_keys:
            raise Unauthenticated("unknown")
        return key

    def admit(self, key: str, route: str, scripted_error: str | None = None) -> Window | None:
        """Count a request against its rate window (``route`` names the rule); refuse it
        when over the limit. ``scripted_error`` (a header) may ask for any refusal."""
        if scripted_error is not None and faults.check_name(scripted_error) in faults.REFUSALS:
            raise faults.refusal(scripted_error)
        if route not in self.rates.rules:  # limits off: nothing to count (hot path)
            return None
        with self._lock:
            window = self.rates.hit(key, route, self.clock.now())
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
        if self.playback is not None and dialect == "native":
            query = {"webhook_url": webhook_url} if webhook_url is not None else {}
            playback = self.playback.match(key, run, query)
            if playback is not None:
                return self._submit_playback(key, run, playback, webhook_url, webhook)
        requested = scripted_error or faults.marker_in(run.canonical_inputs())
        if requested is not None:
            faults.check_name(requested)
        loaded = load_run(run, self.fetcher, self.media.inputs)  # slow: outside the lock
        cost = run.spec.credits(run.inputs) if cost is None else cost
        with self._lock:
            now = self.clock.now()
            self._evict(now)
            account = self.books.account(key)
            self.books.settle(account, now)
            if requested is None:
                rule = self.faults.take(key, run.spec.name)
                requested = rule.error if rule else None
            if requested in faults.REFUSALS:
                raise faults.refusal(requested)
            self._reserve(key, account, now, cost)
            prediction = self.submission.create(
                key, run, now, cost=cost, requested=requested, loaded=loaded,
                plan=self.faults, dialect=dialect, price_usd=price_usd,
                webhook_url=webhook_url)
            self._track(account, prediction)
            if prediction.finished_at <= now:  # --time-scale 0: settle it at once
                self.books.settle(account, now)
        self._announce(prediction, webhook)
        return prediction

    def _submit_playback(self, key: str, run: RunRequest, playback: Playback,
                         webhook_url: str | None, webhook: Order | None) -> Prediction:
        """Admit a request answered by a recording: the books as usual, the rest replayed."""
        cost = run.spec.credits(run.inputs) if playback.cost is None else playback.cost
        with self._lock:
            now = self.clock.now()
            self._evict(now)
            account = self.books.account(key)
            self.books.settle(account, now)
            self._reserve(key, account, now, cost)
            prediction = self.submission.replay(key, run, now, playback, cost=cost,
                                                webhook_url=webhook_url)
            self._track(account, prediction)
            self.books.settle(account, now)
        self._announce(prediction, webhook)
        return prediction

    def status(self, key: str, prediction_id: str) -> PredictionState:
        """What ``key``'s prediction is now (``UnknownPrediction`` when it cannot see it)."""
        with self._lock:
            now = self.clock.now()
            self._evict(now)
            prediction = self._visible(key, prediction_id)
            if prediction.playback is not None and prediction.status_at(now) not in TERMINAL:
                finishes_at = prediction.finished_at
                prediction.playback.poll(prediction, now)
                if prediction.finished_at != finishes_at:
                    self._refile(prediction)
            if prediction.key != ANY_KEY:
                self.books.settle(self.books.account(key), now)
            return PredictionState(prediction, prediction.status_at(now), now)

    def queue_position(self, state: PredictionState) -> int:
        """1 + the key's predictions submitted earlier and still waiting to be processed
        (0 once processing has begun): a queue per key, as concurrency slots are."""
        if state.status not in ("starting", "in_queue"):
            return 0
        with self._lock:
            account = self.books.accounts.get(state.prediction.key)
            ids = account.ids if account else {}
            created = state.prediction.created_at
            ahead = sum(1 for i in ids if (p := self.predictions.get(i)) is not None
                        and p.created_at < created and p.processing_at > state.now)
        return ahead + 1

    def balance(self, key: str) -> Balance:
        with self._lock:
            account = self.books.account(key)
            self.books.settle(account, self.clock.now())
            return account.balance

    def output(self, prediction_id: str, name: str) -> tuple[bytes, str] | None:
        """The bytes and media type of one output, once its prediction completed.
        The CDN is public: no key is needed, as with cdn.fashn.ai."""
        with self._lock:
            now = self.clock.now()
            self._evict(now)
            prediction = self.predictions.get(prediction_id)
            if prediction is None or prediction.status_at(now) != "completed":
                return None
        return output_file(prediction, name, self.media, now)

    # --- steering ------------------------------------------------------------------
    def set_credits(self, key: str, total: int | None = None, *,
                    subscription: int | None = None, on_demand: int | None = None) -> Balance:
        """Set a key's balance; ``total`` alone puts it all in on-demand credits."""
        values = [v for v in (total, subscription, on_demand) if v is not None]
        if not values or any(not isinstance(v, int) or isinstance(v, bool)
                             or not 0 <= v <= 10**15 for v in values):
            raise InvalidRequest("credits: give total, subscription or on_demand as "
                                 "integers within 0..10^15", field="credits")
        with self._lock:
            account = self.books.account(key)
            self.books.settle(account, self.clock.now())
            account.balance.set(total, subscription=subscription, on_demand=on_demand)
            return account.balance

    def fail_next(self, error: str, *, model: str | None = None, times: int = 1,
                  key: str | None = None) -> FaultRule:
        """Fail the next ``times`` predictions (of ``model``, of ``key``) with ``error``:
        a runtime name fails the prediction, a refusal name refuses the run request."""
        with self._lock:
            return self.faults.schedule(FaultRule(error=error, model=model, key=key,
                                                  times=times))

    def set_chaos(self, failure_rate: float | None = None,
                  jitter: float | None = None) -> dict[str, float]:
        with self._lock:
            return self.faults.set_chaos(failure_rate, jitter)

    def interrupt(self, prediction_id: str, outcome: Interruption) -> Prediction:
        """End an unfinished prediction now as ``canceled`` or ``time_out`` (free).
        A terminal prediction is left as it is: terminal states are stable."""
        with self._lock:
            prediction = self._find(prediction_id)
            now = self.clock.now()
            if prediction.status_at(now) in TERMINAL or prediction.key not in self.accounts:
                return prediction
            Submission.interrupt(prediction, outcome, now)
            self.books.close(self.accounts[prediction.key], prediction)
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
        with self._lock:
            now = self.clock.now()
            found = [summary(p, now) for p in self.predictions.values()
                     if p.key != ANY_KEY and (key is None or p.key == key)
                     and (model is None or p.model == model)
                     and (dialect is None or p.dialect == dialect)]
        return [s for s in found if status is None or s.status == status]

    def describe(self, prediction_id: str) -> PredictionDetails:
        """Everything about one prediction, including its full timeline."""
        with self._lock:
            return describe(self._find(prediction_id), self.clock.now())

    def last_finish(self, key: str | None = None) -> float | None:
        """When the last unfinished prediction (of ``key``) finishes on the clock, or
        None when none is pending. Poll-driven playback (parked) is not waited for."""
        with self._lock:
            now = self.clock.now()
            pending = [p.finished_at for p in self.predictions.values()
                       if (key is None or p.key == key) and now < p.finished_at < PARKED]
        return max(pending) if pending else None

    def run_until_done(self, key: str | None = None) -> float:
        """Advance the clock to the moment every unfinished prediction (of ``key``)
        has finished; returns the new time. Poll-driven playback is not waited for."""
        last = self.last_finish(key)
        now = self.clock.now()
        return self.clock.advance(last - now) if last is not None and last > now else now

    def inspect(self, read: Callable[[Engine, float], T]) -> T:
        """Run a read-only inspection (``engine.inspection``) under the lock, at one
        instant of the clock."""
        with self._lock:
            return read(self, self.clock.now())

    def unfinished(self, key: str) -> int:
        with self._lock:
            return self.books.slots_in_use(key, self.clock.now())

    # --- internals -----------------------------------------------------------------
    def _lookup(self, prediction_id: str) -> Prediction | None:
        return self.predictions.get(prediction_id)

    def _visible(self, key: str, prediction_id: str) -> Prediction:
        prediction = self.predictions.get(prediction_id)
        if prediction is None or prediction.key not in (key, ANY_KEY):
            raise UnknownPrediction(prediction_id)
        return prediction

    def _find(self, prediction_id: str) -> Prediction:
        """Any key's prediction (the control plane sees them all)."""
        prediction = self.predictions.get(prediction_id)
        if prediction is None:
            raise UnknownPrediction(prediction_id)
        return prediction

    def _reserve(self, key: str, account: Account, now: float, cost: int) -> None:
        try:
            self.books.reserve(account, now, cost)
        except Exception as refused:
            self.publish("refused", key=key, reason=type(refused).__name__)
            raise

    def _track(self, account: Account, prediction: Prediction) -> None:
        sequence = self.books.track(account, prediction)
        self.predictions[prediction.id] = prediction
        heapq.heappush(self._expiry, (retention.expires_at(prediction), sequence,
                                      prediction.id))

    def _announce(self, prediction: Prediction, webhook: Order | None = None) -> None:
        """After a new prediction is filed (outside the lock): events and timers."""
        self.publish("submitted", key=prediction.key, prediction_id=prediction.id,
                     model=prediction.model, dialect=prediction.dialect)
        self.watches.filed(prediction)
        self.webhooks.filed(prediction, webhook)

    def _refile(self, prediction: Prediction) -> None:
        """File again a prediction whose finish moved (poll-driven playback), so the
        books settle it and retention forgets it on time."""
        self.books.refile(prediction)
        self._sequence += 1
        heapq.heappush(self._expiry, (retention.expires_at(prediction), -self._sequence,
                                      prediction.id))
        self.watches.moved(prediction)
        self.webhooks.moved(prediction)

    def _evict(self, now: float) -> None:
        """Forget predictions past retention (72 h after finishing), so memory
        stays bounded over long runs; their status answers 404 from then on."""
        while self._expiry and self._expiry[0][0] <= now:
            _, _, prediction_id = heapq.heappop(self._expiry)
            prediction = self.predictions.get(prediction_id)
            if prediction is None or retention.expires_at(prediction) > now:
                continue
            account = self.accounts.get(prediction.key)
            if account is not None:
                self.books.settle(account, now)
                account.ids.pop(prediction_id, None)
            del self.predictions[prediction_id]
        if now >= self._next_sweep or self.books.created >= SWEEP_AFTER_NEW_KEYS:
            self._next_sweep = now + SWEEP_EVERY
            self.books.sweep()
            self.rates.sweep(now)
