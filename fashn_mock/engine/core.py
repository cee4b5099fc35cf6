"""The engine: predictions, accounts, limits and the clock. It knows nothing of HTTP.

Every face (native /v1, gateway dialects, control API, pytest fixtures) is a
thin translation over these calls. State hangs off one ``Engine`` object; a
lock makes each call atomic, so faces on other threads may share it.
"""

from __future__ import annotations

import heapq
import math
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from fashn_mock.catalog import RUNTIME_ERRORS, ModelSpec
from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine import faults, retention
from fashn_mock.engine.control import ControlMixin
from fashn_mock.engine.faults import FaultPlan
from fashn_mock.engine.inputs import load_images
from fashn_mock.engine.journal import Journal
from fashn_mock.engine.ledger import UNLIMITED, Balance
from fashn_mock.engine.limits import RateDecision, RateWindows
from fashn_mock.engine.outputs import output_file, output_list
from fashn_mock.engine.playback import Playback, PlaybackSource
from fashn_mock.engine.prediction import ANY_KEY, TERMINAL, Prediction, Status, schedule
from fashn_mock.errors import HTTP_ERRORS, named, not_found, unauthorized
from fashn_mock.media import MediaStore
from fashn_mock.media.fetch import fetcher_for
from fashn_mock.validation import RunRequest

VERSION_MASK = ~((0xF000 << 64) | (0xC000 << 48))
VERSION_4 = (0x4000 << 64) | (0x8000 << 48)
"""UUID version 4 and RFC 4122 variant bits."""
DOCS_EXAMPLE_ID = "123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1"
"""The id in the docs' curl examples: a completed try-on visible to every key."""


@dataclass
class Account:
    """One API key's balance and its not-yet-settled predictions."""

    key: str
    balance: Balance
    pending: list[tuple[float, int, Prediction]] = field(default_factory=list)
    """Heap of (finished_at, sequence, prediction) awaiting settlement."""
    open: int = 0
    """Unfinished predictions: the concurrency slots in use."""
    ids: dict[str, None] = field(default_factory=dict)
    """This key's live predictions, in submission order (an ordered set)."""

    @property
    def prediction_ids(self) -> list[str]:
        return list(self.ids)


@dataclass(frozen=True)
class StatusView:
    """A prediction as the status endpoint shows it at one instant."""

    prediction: Prediction
    status: Status
    now: float

    @property
    def credits_used(self) -> int | None:
        return self.prediction.cost if self.status == "completed" else None


class Engine(ControlMixin):
    rates: RateWindows
    faults: FaultPlan

    def __init__(self, config: Config | None = None, clock: Clock | None = None) -> None:
        self.config = config or Config()
        self.clock = clock or Clock()
        self.fetcher = fetcher_for(self.config)
        """Downloads URL inputs when ``--fetch-inputs`` is on, else None."""
        self.media = MediaStore(self.config.media_cache_bytes, fetcher=self.fetcher)
        self.journal = Journal(self.config.journal_size)
        self.playback: PlaybackSource | None = None
        """Recorded sessions offered every run first (``fashn_mock.cassettes``)."""
        self._lock = threading.RLock()
        self.reset()

    # --- state -------------------------------------------------------------------
    def reset(self, key: str | None = None) -> None:
        """Forget all state, or one key's predictions, balance, windows and faults."""
        with self._lock:
            self.journal.forget(key)
            if key is not None:
                account = self.accounts.pop(key, None)
                for prediction_id in account.ids if account else ():
                    self.predictions.pop(prediction_id, None)
                self.rates.forget(key)
                self.faults.forget(key)
                return
            self._rng = random.Random(self.config.seed)
            self._sequence = 0
            self._expiry: list[tuple[float, int, str]] = []
            self.predictions = {}
            self.accounts = {}
            self.rates = RateWindows(self.config.rates if self.config.limits else {})
            self.faults = FaultPlan(self.config.seed, self.config.failure_rate,
                                    self.config.jitter)
            self._add_docs_example()

    def account(self, key: str) -> Account:
        with self._lock:
            account = self.accounts.get(key)
            if account is None:
                start = UNLIMITED if self.config.credits is None else self.config.credits
                account = Account(key, Balance(on_demand=start))
                self.accounts[key] = account
            return account

    # --- admission -----------------------------------------------------------------
    def authenticate(self, authorization: str | None) -> str:
        """The API key in an ``Authorization: Bearer <key>`` header, or 401."""
        if not authorization:
            raise unauthorized("Unauthorized: missing Authorization header")
        scheme, _, key = authorization.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise unauthorized("Unauthorized: Invalid token")
        if self.config.api_keys and key not in self.config.api_keys:
            raise unauthorized()
        return key

    def admit(self, key: str, route: str, scripted_error: str | None = None) \
            -> RateDecision | None:
        """Count a request against its rate window; 429 when over the limit.
        ``scripted_error`` (the X-Fashn-Mock-Error header) may ask for an HTTP error."""
        if scripted_error is not None and faults.check_name(scripted_error) in HTTP_ERRORS:
            raise faults.http_error(scripted_error)
        if route not in self.rates.rules:  # limits off: nothing to count (hot path)
            return None
        with self._lock:
            decision = self.rates.hit(key, route, self.clock.now())
        if decision is not None and not decision.allowed:
            window = self.rates.rules[route].window
            raise named("RateLimitExceeded",
                        f"Too many requests: {decision.limit} per {window:g} s on "
                        f"/v1/{route}; retry in {decision.retry_after:.3f} s",
                        headers=decision.headers())
        return decision

    # --- predictions ---------------------------------------------------------------
    def submit(self, key: str, run: RunRequest, *, webhook_url: str | None = None,
               scripted_error: str | None = None) -> Prediction:
        """Admit a validated request and schedule its timeline on the clock.

        A runtime error is chosen, in order, from: ``scripted_error`` (header), a
        marker in the inputs, a scheduled fault rule, the inputs themselves
        (unloadable image, broken rule between fields), the chaos failure rate.
        With ``playback`` set, a matching recording is played back instead.
        """
        if self.playback is not None:
            query = {"webhook_url": webhook_url} if webhook_url is not None else {}
            playback = self.playback.match(key, run, query)
            if playback is not None:
                return self._submit_playback(key, run, playback, webhook_url)
        spec = run.spec
        requested = scripted_error or faults.marker_in(run.canonical_inputs())
        if requested is not None:
            faults.check_name(requested)
        loaded = load_images(spec, run.inputs, self.fetcher)  # slow: outside the lock
        cost = spec.credits(run.inputs)
        with self._lock:
            now = self.clock.now()
            self._evict(now)
            account = self.account(key)
            self._settle(account, now)
            if requested is None:
                rule = self.faults.take(key, spec.name)
                requested = rule.error if rule else None
            if requested in HTTP_ERRORS:
                raise faults.http_error(requested)
            self._reserve(account, now, cost)
            failure = self._failure(run, requested, loaded.error, loaded.sizes)
            low, high = spec.seconds(run.inputs)
            factor = self.faults.jitter_factor()
            queued_at, processing_at, finished_at = schedule(
                now, (low * factor, high * factor), self._rng, self.config.time_scale,
                RUNTIME_ERRORS.get(failure[0]) if failure else None)
            prediction = Prediction(
                id=self._new_id(), key=key, model=spec.name,
                inputs_json=run.canonical_inputs(), created_at=now, queued_at=queued_at,
                processing_at=processing_at, finished_at=finished_at,
                outcome="failed" if failure else "completed",
                error={"name": failure[0], "message": failure[1]} if failure else None,
                cost=cost, outputs=_output_count(spec, run.inputs),
                output_format=spec.output_format(run.inputs),
                size=spec.geometry(run.inputs, loaded.sizes),
                seed=int(run.inputs.get("seed", 42)),
                return_base64=bool(run.inputs.get("return_base64", False)),
                webhook_url=webhook_url)
            self._track(account, prediction)
            if finished_at <= now:  # --time-scale 0: settle it at once
                self._settle(account, now)
            return prediction

    def _submit_playback(self, key: str, run: RunRequest, playback: Playback,
                         webhook_url: str | None) -> Prediction:
        """Admit a request answered by a recording: the books as usual, the rest replayed."""
        spec = run.spec
        cost = spec.credits(run.inputs) if playback.cost is None else playback.cost
        with self._lock:
            now = self.clock.now()
            self._evict(now)
            account = self.account(key)
            self._settle(account, now)
            self._reserve(account, now, cost)
            queued_at, processing_at, finished_at = playback.schedule(
                now, self.config.time_scale)
            prediction = Prediction(
                id=self._new_id(), key=key, model=spec.name,
                inputs_json=run.canonical_inputs(), created_at=now, queued_at=queued_at,
                processing_at=processing_at, finished_at=finished_at,
                outcome=playback.outcome, error=playback.error, cost=cost,
                outputs=playback.outputs, output_format=spec.output_format(run.inputs),
                size=spec.geometry(run.inputs, {}), seed=int(run.inputs.get("seed", 42)),
                return_base64=bool(run.inputs.get("return_base64", False)),
                webhook_url=webhook_url, playback=playback)
            self._track(account, prediction)
            self._settle(account, now)
            return prediction

    def status(self, key: str, prediction_id: str) -> StatusView:
        with self._lock:
            now = self.clock.now()
            self._evict(now)
            prediction = self.predictions.get(prediction_id)
            if prediction is None or prediction.key not in (key, ANY_KEY):
                raise not_found()
            if prediction.playback is not None and prediction.status_at(now) not in TERMINAL:
                finishes_at = prediction.finished_at
                prediction.playback.poll(prediction, now)
                if prediction.finished_at != finishes_at:
                    self._refile(prediction)
            if prediction.key != ANY_KEY:
                self._settle(self.account(key), now)
            return StatusView(prediction, prediction.status_at(now), now)

    def balance(self, key: str) -> Balance:
        with self._lock:
            account = self.account(key)
            self._settle(account, self.clock.now())
            return account.balance

    def payload(self, view: StatusView, base_url: str) -> dict[str, Any]:
        """The status body ``{id, status, output, error}`` (DOCS-OAS StatusResponse)."""
        prediction = view.prediction
        if prediction.playback is not None:
            return prediction.playback.payload(prediction, view.status, base_url, view.now)
        output = (output_list(prediction, base_url, self.media, view.now)
                  if view.status == "completed" else None)
        error = prediction.error if view.status in TERMINAL else None
        return {"id": prediction.id, "status": view.status, "output": output, "error": error}

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

    # --- internals -----------------------------------------------------------------
    def _reserve(self, account: Account, now: float, cost: int) -> None:
        """Take a concurrency slot and reserve ``cost`` credits, or raise the 429."""
        self._check_slots(account, now)
        if not account.balance.reserve(cost):
            raise named("OutOfCredits", f"Out of credits: this request costs {cost}, "
                        f"{account.balance.available} available")

    def _check_slots(self, account: Account, now: float) -> None:
        limit = self.config.concurrency
        if not self.config.limits or account.open < limit:
            return
        next_free = min((p.finished_at for _, _, p in account.pending if not p.settled),
                        default=now)
        wait = max(0.0, next_free - now)
        raise named("ConcurrencyLimitExceeded",
                    f"Concurrency limit exceeded: {limit} predictions in progress; "
                    f"the next slot frees in {wait:.3f} s",
                    headers={"Retry-After": str(max(1, math.ceil(wait)))})

    def _failure(self, run: RunRequest, requested: str | None, load_error: str | None,
                 sizes: dict[str, Any]) -> tuple[str, str] | None:
        if requested is not None:
            return requested, RUNTIME_ERRORS[requested].message
        if load_error:
            return "ImageLoadError", load_error
        for check in run.spec.checks:
            message = check(run.inputs, sizes)
            if message:
                return "InputValidationError", message
        chaos = self.faults.chaos(run.spec)
        return (chaos, RUNTIME_ERRORS[chaos].message) if chaos else None

    def _new_id(self) -> str:
        """A seeded UUIDv4 string, formatted as ``str(uuid.UUID(int=..., version=4))``
        would (without building the UUID object: this is on the hot path)."""
        bits = self._rng.getrandbits(128) & VERSION_MASK | VERSION_4
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def _track(self, account: Account, prediction: Prediction) -> None:
        self._sequence += 1
        self.predictions[prediction.id] = prediction
        account.ids[prediction.id] = None
        account.open += 1
        heapq.heappush(account.pending, (prediction.finished_at, self._sequence, prediction))
        heapq.heappush(self._expiry, (retention.expires_at(prediction), self._sequence,
                                      prediction.id))

    def _refile(self, prediction: Prediction) -> None:
        """File again a prediction whose finish moved (poll-driven playback), so the
        ledger settles it and retention forgets it on time."""
        account = self.accounts.get(prediction.key)
        if account is not None:
            account.pending = [e for e in account.pending if e[2] is not prediction]
            heapq.heapify(account.pending)
            self._sequence += 1
            heapq.heappush(account.pending,
                           (prediction.finished_at, self._sequence, prediction))
        self._sequence += 1
        heapq.heappush(self._expiry, (retention.expires_at(prediction), self._sequence,
                                      prediction.id))

    def _evict(self, now: float) -> None:
        """Forget predictions past retention (72 h after finishing), so memory
        stays bounded over long runs; their status answers 404 from then on."""
        while self._expiry and self._expiry[0][0] <= now:
            _, _, prediction_id = heapq.heappop(self._expiry)
            prediction = self.predictions.get(prediction_id)
            if prediction is None:
                continue
            account = self.accounts.get(prediction.key)
            if account is not None:
                self._settle(account, now)
                account.ids.pop(prediction_id, None)
            del self.predictions[prediction_id]

    def _settle(self, account: Account, now: float) -> None:
        """Charge completed and release failed predictions whose time has come."""
        while account.pending and account.pending[0][0] <= now:
            _, _, prediction = heapq.heappop(account.pending)
            self._close(account, prediction)

    def _close(self, account: Account, prediction: Prediction) -> None:
        if prediction.settled:
            return
        prediction.settled = True
        account.open -= 1
        if prediction.outcome == "completed":
            account.balance.charge(prediction.cost)
        else:
            account.balance.release(prediction.cost)

    def _add_docs_example(self) -> None:
        at = self.clock.now() - 10.0
        self.predictions[DOCS_EXAMPLE_ID] = Prediction(
            id=DOCS_EXAMPLE_ID, key=ANY_KEY, model="tryon-v1.6",
            inputs_json='{"model_image":"docs-example","garment_image":"docs-example"}',
            created_at=at, queued_at=at + 0.4, processing_at=at + 1.2, finished_at=at + 8.0,
            outcome="completed", error=None, cost=1, outputs=1, output_format="png",
            size=(864, 1296), seed=42, settled=True)


def _output_count(spec: ModelSpec, inputs: dict[str, Any]) -> int:
    if spec.output_kind == "video":
        return 1
    return int(inputs.get("num_images", inputs.get("num_samples", 1)))
