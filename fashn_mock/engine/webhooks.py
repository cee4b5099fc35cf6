"""Webhook deliveries on the emulator clock: when, how often, and what happened.

A prediction submitted with a ``webhook_url`` is registered here; its first
attempt is a scheduler entry at the instant it finishes (refiled when that
instant moves: an interruption, poll-driven playback). When the clock reaches
an attempt, a ``Job`` is handed to the ``dispatcher`` (outside the engine: it
renders the body, does the HTTP and reports an ``Outcome`` back through
``record``). The engine builds no body and speaks no HTTP.

Policy (docs/api-facts.md#webhooks; the real spacing is not documented):

- only ``completed`` and ``failed`` predictions are delivered (the only payloads
  the docs show); ``canceled`` and ``time_out`` are journaled as ``skipped``;
- a failed attempt (non-2xx, connection error, timeout) is retried 5 times, 10,
  30, 60, 90 and 110 s apart (each multiplied by ``--time-scale``), counted from
  when the previous attempt was due plus the time its receiver took to answer:
  so the attempts come +0, +10, +40, +100, +190 and +300 s after the finish plus
  the receivers' answer times (a timeout adds its 10 s). On a manual clock an
  answer takes no emulator time, so the offsets are exact and one long jump of
  the clock plays the whole schedule;
- a refused URL (host not allowed) is journaled as ``refused`` and not retried.

Everything is bounded: active registrations (``MAX_PENDING``), attempts in flight
(``MAX_IN_FLIGHT``), finished registrations kept for redelivery and the attempt
journal (``journal_size`` each). What does not fit is journaled as refused.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine.errors import InvalidRequest, UnknownPrediction
from fashn_mock.engine.inbox import Inboxes
from fashn_mock.engine.prediction import TERMINAL, Prediction
from fashn_mock.engine.scheduler import Entry, Scheduler, SchedulerFull
from fashn_mock.engine.webhook_records import (
    Attempt,
    Job,
    Order,
    Outcome,
    Registration,
    Result,
)
from fashn_mock.engine.webhook_script import REORDER_LIMIT, Rules, Script

__all__ = ["DELIVERABLE", "KIND", "RETRY_DELAYS", "Attempt", "Dispatcher", "Job", "Order",
           "Outcome", "Registration", "Result", "Webhooks"]

KIND = "webhook"
RETRY_DELAYS = (10.0, 30.0, 60.0, 90.0, 110.0)
"""Emulator seconds (times ``--time-scale``) between attempts: 5 retries in 5 minutes."""
DELIVERABLE = ("completed", "failed")
MAX_PENDING = 10_000
TOO_MANY = f"{MAX_PENDING} webhook deliveries are pending already"
"""Why a webhook is refused once ``MAX_PENDING`` deliveries wait."""
MAX_IN_FLIGHT = 10_000


Find = Callable[[str], Prediction | None]
Publish = Callable[..., None]
Dispatcher = Callable[[Job], None]
"""Starts one attempt without blocking; reports through ``Webhooks.record``."""
FINAL = {"delivered": "delivered", "failed": "gave_up", "refused": "refused",
         "skipped": "skipped"}


class Webhooks:
    """``find`` looks a prediction up by id; ``publish(kind, key=, prediction_id=,
    **data)`` tells event subscribers (the engine's own)."""

    def __init__(self, scheduler: Scheduler, clock: Clock, config: Config, find: Find,
                 publish: Publish) -> None:
        self.scheduler = scheduler
        self.clock = clock
        self.config = config
        self.find = find
        self.publish = publish
        self.dispatcher: Dispatcher | None = None
        self.rules = Rules()
        self.inboxes = Inboxes()
        self.capacity = config.journal_size
        self._active: dict[str, Registration] = {}
        self._done: OrderedDict[str, Registration] = OrderedDict()
        self._held: dict[str, list[Registration]] = {}
        self._journal: deque[Attempt] = deque(maxlen=self.capacity)
        self._seq = 0
        self._in_flight = 0
        self._lock = threading.Condition(threading.RLock())
        scheduler.on(KIND, self._fire)

    # --- registering ------------------------------------------------------------------
    def filed(self, prediction: Prediction, order: Order | None = None) -> None:
        """A new prediction: schedule its webhook, if it has one."""
        reg = self._registration(prediction, order)
        if reg is None:
            return
        with self._lock:
            full = len(self._active) >= MAX_PENDING
            if not full:
                self._active[prediction.id] = reg
        if full:
            self._unsent(reg.job(due=prediction.finished_at), "refused", TOO_MANY)
            return
        self._schedule(reg, prediction.finished_at + reg.script.delay)

    def _registration(self, prediction: Prediction, order: Order | None
                      ) -> Registration | None:
        """What delivering ``prediction``'s webhook takes (None: it has none): the
        order's receiver faults, else a rule scheduled for its key (one use taken)."""
        url = prediction.webhook_url
        if url is None:
            return None
        order = order or Order()
        script = order.script or self.rules.take(prediction.key) or Script()
        return Registration(prediction.id, prediction.key, url,
                            order.base_url or self.config.public_url or "", script)

    def moved(self, prediction: Prediction) -> None:
        """Its finish moved (interrupted, playback): the first attempt moves with it."""
        with self._lock:
            reg = self._active.get(prediction.id)
            if reg is None or reg.state != "scheduled":
                return
            if reg.entry is not None:
                self.scheduler.cancel(reg.entry)
        self._schedule(reg, prediction.finished_at + reg.script.delay)

    def redeliver(self, prediction_id: str) -> Registration:
        """Send a finished prediction's webhook once more, now (one attempt, no retries)."""
        now = self.clock.now()
        prediction, webhook_url = redeliverable(prediction_id, self.find(prediction_id), now)
        with self._lock:
            reg = self._active.get(prediction_id) or self._done.get(prediction_id)
        if reg is None:  # forgotten: rebuild it (output links then use --public-url)
            reg = Registration(prediction_id, prediction.key, webhook_url,
                               self.config.public_url or "", Script(), state="delivered")
        self._dispatch(reg.job("redeliver", due=now))
        return reg

    # --- reporting back ---------------------------------------------------------------
    def record(self, job: Job, outcome: Outcome) -> Attempt:
        """The dispatcher's report of one attempt: journal it, plan what follows."""
        try:
            return self._record(job, outcome)
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()

    def _record(self, job: Job, outcome: Outcome) -> Attempt:
        retry_at: float | None = None
        follow: list[Job] = []
        with self._lock:
            reg = self._active.get(job.prediction_id) if job.kind == "delivery" else None
            current = reg is not None and reg.state == "sending" and reg.attempt == job.attempt
            if reg is not None and current:
                if outcome.result == "failed" and job.attempt <= len(RETRY_DELAYS):
                    delay = RETRY_DELAYS[job.attempt - 1] * self.config.time_scale
                    answering = max(0.0, self.clock.now() - outcome.at)
                    retry_at = job.due + answering + delay
                    reg.attempt += 1
                    reg.state = "retrying"
                else:
                    self._close(reg, FINAL[outcome.result])
                if job.attempt == 1:
                    follow += [reg.job("duplicate", due=job.due)] * reg.script.duplicate
                    follow += [held.job(due=outcome.at) for held in self._release(job.key)]
            self._seq += 1
            attempt = Attempt(
                self._seq, job.prediction_id, job.key, job.url, job.attempt, job.kind,
                job.due, outcome.at, outcome.wall_time, outcome.result, outcome.status_code,
                outcome.error, None if outcome.latency is None
                else round(outcome.latency * 1000, 3), outcome.prediction_status, retry_at,
                gave_up=current and outcome.result == "failed" and retry_at is None)
            self._journal.append(attempt)
        for followed in follow:
            self._dispatch(followed)
        if reg is not None and retry_at is not None:
            self._schedule(reg, retry_at)
        self.publish(KIND, key=job.key, prediction_id=job.prediction_id,
                            attempt=job.attempt, result=outcome.result,
                            status_code=outcome.status_code)
        return attempt

    # --- inspecting -------------------------------------------------------------------
    def attempts(self, *, prediction_id: str | None = None, key: str | None = None,
                 limit: int | None = None) -> list[Attempt]:
        """Journaled attempts, oldest first."""
        with self._lock:
            found = [a for a in self._journal
                     if (prediction_id is None or a.prediction_id == prediction_id)
                     and (key is None or a.key == key)]
        return found[-limit:] if limit else found

    def pending(self, key: str | None = None) -> list[dict[str, Any]]:
        """Registrations still to be (re)tried."""
        with self._lock:
            return [reg.as_json() for reg in self._active.values()
                    if key is None or reg.key == key]

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no attempt is in flight (at most ``timeout`` wall seconds)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def forget(self, key: str | None = None) -> None:
        """Drop registrations, rules and journal (of ``key``); all inboxes on a full reset."""
        with self._lock:
            for reg in [r for r in self._active.values() if key in (None, r.key)]:
                if reg.entry is not None:
                    self.scheduler.cancel(reg.entry)
                del self._active[reg.prediction_id]
            for gone in [i for i, r in self._done.items() if key in (None, r.key)]:
                del self._done[gone]
            for held_key in [k for k in self._held if key in (None, k)]:
                del self._held[held_key]
            kept = [a for a in self._journal if key is not None and a.key != key]
            self._journal.clear()
            self._journal.extend(kept)
        self.rules.forget(key)
        if key is None:
            self.inboxes.forget()

    # --- internals --------------------------------------------------------------------
    def _schedule(self, reg: Registration, due: float) -> None:
        """File ``reg``'s next attempt at ``due`` (run at once when already due). Filed
        under the lock, so the entry is known before its handler can look for it."""
        with self._lock:
            try:
                reg.entry = self.scheduler.file(due, KIND, reg.prediction_id)
                reg.due = due
                full = None
            except SchedulerFull as exc:
                self._close(reg, "refused")
                full = str(exc)
        if full is not None:
            self._unsent(reg.job(due=due), "refused", full)
        elif due <= self.clock.now():
            self.scheduler.run_due()

    def _fire(self, entry: Entry) -> None:
        """The scheduler reached an attempt (or a reorder hold's time limit)."""
        with self._lock:
            reg = self._active.get(entry.subject)
            if reg is None or reg.entry is not entry:
                return  # canceled, moved or forgotten meanwhile
            reg.entry = None
            prediction = self.find(reg.prediction_id)
            now = self.clock.now()
            status = prediction.status_at(now) if prediction is not None else None
            job = reg.job(due=entry.due)
            if prediction is not None and status not in TERMINAL:
                return  # its finish moved later: moved() files it again
            if status is None or status not in DELIVERABLE:
                self._close(reg, "skipped" if status else "gave_up")
            elif reg.state == "held":  # nothing else was sent in time: send it now
                self._held[reg.key].remove(reg)
                reg.state = "sending"
            elif reg.script.reorder and reg.attempt == 1:
                reg.state = "held"
                self._held.setdefault(reg.key, []).append(reg)
            else:
                reg.state = "sending"
            state = reg.state
        if state == "sending":
            self._dispatch(job)
        elif state == "held":
            self._hold(reg, entry.due)
        elif status is None:
            self._unsent(job, "failed", "the prediction no longer exists")
        else:
            self._unsent(job, "skipped", f"not delivered: the prediction ended {status}; "
                          "FASHN documents webhooks for completed and failed predictions",
                          status)

    def _hold(self, reg: Registration, due: float) -> None:
        """Keep a ``reorder`` delivery back until another one is sent, or the limit."""
        with self._lock:
            if reg.state != "held":
                return  # released meanwhile
            try:
                reg.entry = self.scheduler.file(due + REORDER_LIMIT, KIND,
                                                       reg.prediction_id)
                late = due + REORDER_LIMIT <= self.clock.now()
            except SchedulerFull:  # no room to wait: send it now
                self._held[reg.key].remove(reg)
                reg.state = "sending"
                late = None
        if late is None:
            self._dispatch(reg.job(due=due))
        elif late:
            self.scheduler.run_due()

    def _release(self, key: str) -> list[Registration]:
        """Held deliveries of ``key``, now to be sent (call with the lock)."""
        released = self._held.pop(key, [])
        for reg in released:
            if reg.entry is not None:
                self.scheduler.cancel(reg.entry)
                reg.entry = None
            reg.state = "sending"
        return released

    def _close(self, reg: Registration, state: str) -> None:
        """The registration is over (call with the lock): keep it for redelivery."""
        reg.state = state
        self._active.pop(reg.prediction_id, None)
        held = self._held.get(reg.key)
        if held and reg in held:
            held.remove(reg)
        self._done[reg.prediction_id] = reg
        while len(self._done) > self.capacity:
            self._done.popitem(last=False)

    def _dispatch(self, job: Job) -> None:
        with self._lock:
            self._in_flight += 1
            overloaded = self._in_flight > MAX_IN_FLIGHT
        dispatcher = self.dispatcher
        if overloaded or dispatcher is None:
            reason = (f"{MAX_IN_FLIGHT} webhook attempts are in flight already" if overloaded
                      else "no delivery worker is attached to this engine")
            self.record(job, self._outcome("refused", reason))
            return
        try:
            dispatcher(job)
        except Exception as exc:  # a broken dispatcher must not lose the attempt
            self.record(job, self._outcome("failed", f"{type(exc).__name__}: {exc}"))

    def _unsent(self, job: Job, result: Result, error: str,
                 status: str | None = None) -> None:
        """Journal an attempt that was never sent."""
        with self._lock:
            self._in_flight += 1
        self.record(job, replace(self._outcome(result, error), prediction_status=status))

    def _outcome(self, result: Result, error: str) -> Outcome:
        return Outcome(result, self.clock.now(), time.time(), error=error)


def redeliverable(prediction_id: str, prediction: Prediction | None, now: float
                  ) -> tuple[Prediction, str]:
    """A finished prediction and the webhook URL it is sent to once more; ``UnknownPrediction``
    or ``InvalidRequest`` when it cannot be (no such prediction, no webhook_url, not
    completed or failed)."""
    if prediction is None:
        raise UnknownPrediction(prediction_id)
    if prediction.webhook_url is None:
        raise InvalidRequest(f"prediction {prediction_id} has no webhook_url",
                             field="prediction_id")
    status = prediction.status_at(now)
    if status not in DELIVERABLE:
        raise InvalidRequest(f"prediction {prediction_id} is {status}: only completed "
                             "and failed predictions are delivered", field="prediction_id")
    return prediction, prediction.webhook_url
