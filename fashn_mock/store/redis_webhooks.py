"""Webhook deliveries in the shared store: the same policy as ``engine.webhooks`` (read
its docstring), with the registrations, their timers, the attempt journal, the rules
and the test inboxes in Redis (``lua/webhooks.lua``, ``lua/timers.lua``).

Exactly one process makes each attempt: an attempt is a member of ``P:timers`` that
carries the registration's current token; the process whose ``timers.lua`` removes it
(``ZREM``) fires it, and firing checks the token, so a timer moved meanwhile (an
interruption elsewhere) fires nothing. Every process keeps one entry in its own
scheduler at the earliest instant of ``P:timers`` (told of new ones on the control
channel), so whichever wakes first claims what fell due. What follows an attempt
(retries, duplicates, held reorders) is planned by the process that made it. A
process killed in the middle of an attempt loses that attempt; registrations and
their timers outlive every process. Attempts in flight (``wait_idle``) are counted
per process.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from fashn_mock.clock import Clock
from fashn_mock.config import Config
from fashn_mock.engine import webhooks as policy
from fashn_mock.engine.errors import InvalidRequest, StoreUnavailable
from fashn_mock.engine.prediction import Prediction
from fashn_mock.engine.scheduler import Entry, Scheduler
from fashn_mock.engine.webhook_records import Attempt, Job, Order, Outcome, Registration
from fashn_mock.engine.webhook_script import (
    MAX_RULES,
    REORDER_LIMIT,
    Rule,
    Rules,
    Script,
    check_rule,
)
from fashn_mock.engine.webhooks import (
    FINAL,
    KIND,
    RETRY_DELAYS,
    Dispatcher,
    Find,
    Publish,
    Webhooks,
    redeliverable,
)
from fashn_mock.store.backend import Backend, guarded
from fashn_mock.store.redis_inbox import RedisInboxes

log = logging.getLogger("fashn_mock.store")
POLL = "store-timers"
"""The kind of this process's scheduler entry that claims shared timers."""
Fire = Callable[[str, str, float], None]
"""(subject, token, due) of a claimed timer."""


class SharedTimers:
    """Timed side effects any process may run, claimed by exactly one (``P:timers``)."""

    def __init__(self, backend: Backend, scheduler: Scheduler, clock: Clock) -> None:
        self.backend = backend
        self.scheduler = scheduler
        self.clock = clock
        self._handlers: dict[str, Fire] = {}
        self._entry: Entry | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition()
        self._busy = 0
        """Claims under way (their attempts are not in flight yet)."""
        self._started = False
        scheduler.on(POLL, self._poll)
        backend.listen(self._heard)
        clock.listen(self._clock_moved)

    def on(self, kind: str, fire: Fire) -> None:
        self._handlers[kind] = fire

    def start(self) -> None:
        """Claim timers from now on, first at the earliest one already filed (a restart
        picks up pending ones)."""
        self._started = True
        try:
            first = self.backend.client.zrange(self.backend.key("timers"), 0, 0,
                                               withscores=True)
        except Exception:
            log.warning("fashn-mock: could not read the shared timers yet")
            return
        if first:
            self.poke(float(cast(list[tuple[str, float]], first)[0][1]))

    def poke(self, due: float, run: bool = True) -> None:
        """Make sure this process wakes at ``due`` at the latest (``run``: and claim now
        what is already due; the control channel's thread does not, the process that
        filed a timer claims it itself)."""
        with self._lock:
            entry = self._entry
            if entry is None or entry.canceled or entry.due > due:
                if entry is not None:
                    self.scheduler.cancel(entry)
                self._entry = self.scheduler.file(due, POLL, "")
        if run and due <= self.clock.now():
            self.scheduler.run_due()

    def forget(self) -> None:
        """A full reset: the scheduler is cleared too, so file anew from now on."""
        with self._lock:
            self._entry = None

    def _clock_moved(self) -> None:
        """The clock moved (here, or told by another process): claim what fell due, in
        this thread (a manual clock fires what fell due inside ``advance``), whether or
        not this process heard of those timers yet."""
        self.poke(self.clock.now())

    def _heard(self, kind: str, detail: str) -> None:
        if kind == "timers":
            self.poke(float(detail), run=False)

    def wait_idle(self, timeout: float) -> bool:
        """Block until no claim of this process is under way (at most ``timeout`` s)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._busy, timeout)

    def _poll(self, entry: Entry) -> None:
        with self._idle:
            self._busy += 1
        try:
            self._claim(entry)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def _claim(self, entry: Entry) -> None:
        with self._lock:
            if self._entry is entry:
                self._entry = None
        if not self._started:
            return  # start() files a claim again
        backend = self.backend
        try:
            claimed = backend.scripts.timers(args=[backend.prefix, "",
                                                   repr(self.clock.now())])
        except Exception:
            log.warning("fashn-mock: the shared timers could not be claimed; retrying")
            self.poke(self.clock.now() + 1.0)
            return
        *pairs, following = claimed
        for member, due in zip(pairs[::2], pairs[1::2], strict=True):
            kind, _, rest = str(member).partition("|")
            subject, _, token = rest.rpartition("|")
            fire = self._handlers.get(kind)
            if fire is None:
                continue
            try:
                fire(subject, token, float(due))
            except Exception:
                log.exception("fashn-mock: the %s timer failed for %s", kind, subject)
        if following:
            self.poke(float(following))


class RedisRules(Rules):
    """Pending scripted-webhook rules in ``P:wh:rules``."""

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend

    @guarded
    def add(self, rule: Rule) -> Rule:
        check_rule(rule)
        backend = self.backend
        if not backend.scripts.rules(args=[backend.prefix, "", "wh:rules", "add",
                                           json.dumps(rule.as_json()), MAX_RULES]):
            raise InvalidRequest(f"at most {MAX_RULES} webhook rules may be pending",
                                 field="times")
        return rule

    @guarded
    def take(self, key: str) -> Script | None:
        backend = self.backend
        taken = backend.scripts.wh_take(args=[backend.prefix, "", key])
        return _rule(json.loads(taken)).script if taken else None

    @guarded
    def forget(self, key: str | None = None) -> None:
        backend = self.backend
        backend.scripts.rules(args=[backend.prefix, "", "wh:rules", "forget", key or ""])

    @guarded
    def as_json(self) -> list[dict[str, Any]]:
        texts = self.backend.client.lrange(self.backend.key("wh", "rules"), 0, -1)
        return [_rule(json.loads(text)).as_json() for text in texts]


def _rule(data: dict[str, Any]) -> Rule:
    script = Script(int(data["duplicate"]), float(data["delay"]), bool(data["reorder"]))
    return Rule(script, data["key"], int(data["times"]))


def registration(prediction_id: str, flat: list[str]) -> Registration:
    f = dict(zip(flat[::2], flat[1::2], strict=True))
    script = json.loads(f["script"])
    return Registration(prediction_id, f["key"], f["url"], f["base"],
                        Script(int(script["duplicate"]), float(script["delay"]),
                               bool(script["reorder"])),
                        attempt=int(f["attempt"]), state=f["state"], due=float(f["due"]))


class SharedWebhooks(Webhooks):
    def __init__(self, backend: Backend, scheduler: Scheduler, clock: Clock, config: Config,
                 find: Find, publish: Publish) -> None:
        super().__init__(scheduler, clock, config, find, publish)
        self.backend = backend
        self.rules = RedisRules(backend)
        self.inboxes = RedisInboxes(backend)
        self.timers = SharedTimers(backend, scheduler, clock)
        self.timers.on(KIND, self._fire_shared)

    @property
    def dispatcher(self) -> Dispatcher | None:
        return self._dispatcher

    @dispatcher.setter
    def dispatcher(self, dispatcher: Dispatcher | None) -> None:
        """Timers are claimed once something can deliver them: a restarted process
        must not claim what fell due meanwhile before its delivery worker is there."""
        self._dispatcher = dispatcher
        if dispatcher is not None and hasattr(self, "timers"):
            self.timers.start()

    def _op(self, op: str, prediction_id: str, *values: Any) -> Any:
        backend = self.backend
        return backend.scripts.webhooks(args=[backend.prefix, "", op, prediction_id,
                                              *values])

    # --- registering ------------------------------------------------------------------
    @guarded
    def filed(self, prediction: Prediction, order: Order | None = None) -> None:
        reg = self._registration(prediction, order)
        if reg is None:
            return
        if not self._op("register", reg.prediction_id, policy.MAX_PENDING, *_fields(reg)):
            self._unsent(reg.job(due=prediction.finished_at), "refused", policy.TOO_MANY)
            return
        self._arm(reg.prediction_id, prediction.finished_at + reg.script.delay, "scheduled")

    @guarded
    def moved(self, prediction: Prediction) -> None:
        found = self._load(prediction.id)
        if found is not None and found.state == "scheduled":
            self._arm(prediction.id, prediction.finished_at + found.script.delay,
                      "scheduled")

    def _arm(self, prediction_id: str, due: float, *states: str) -> None:
        token = secrets.token_hex(8)
        self._op("arm", prediction_id, repr(due), token, f",{','.join(states)},")
        self.timers.poke(due)

    def _load(self, prediction_id: str) -> Registration | None:
        flat = cast(dict[str, str], self.backend.client.hgetall(
            self.backend.key("wh", "r", prediction_id)))
        if not flat:
            return None
        return registration(prediction_id, [x for kv in flat.items() for x in kv])

    @guarded
    def redeliver(self, prediction_id: str) -> Registration:
        now = self.clock.now()
        prediction, webhook_url = redeliverable(prediction_id, self.find(prediction_id), now)
        reg = self._load(prediction_id) or Registration(
            prediction_id, prediction.key, webhook_url,
            self.config.public_url or "", Script(), state="delivered")
        self._dispatch(reg.job("redeliver", due=now))
        return reg

    # --- firing -----------------------------------------------------------------------
    def _fire_shared(self, prediction_id: str, token: str, due: float) -> None:
        try:
            reply = self._op("fire", prediction_id, token, repr(self.clock.now()),
                             self.capacity)
        except StoreUnavailable:
            log.warning("fashn-mock: webhook of %s not fired: the store is gone",
                        prediction_id)
            return
        action = reply[0]
        if action in ("gone", "later"):
            return
        reg = registration(prediction_id, reply[1])
        job = reg.job(due=due)
        if action == "send":
            self._dispatch(job)
        elif action == "hold":
            self._arm(prediction_id, due + REORDER_LIMIT, "held")
        elif action == "missing":
            self._unsent(job, "failed", "the prediction no longer exists")
        else:
            status = str(reply[2])
            self._unsent(job, "skipped", f"not delivered: the prediction ended {status}; "
                         "FASHN documents webhooks for completed and failed predictions",
                         status)

    def _record(self, job: Job, outcome: Outcome) -> Attempt:
        retry_at: float | None = None
        if outcome.result == "failed" and job.attempt <= len(RETRY_DELAYS):
            delay = RETRY_DELAYS[job.attempt - 1] * self.config.time_scale
            retry_at = job.due + max(0.0, self.clock.now() - outcome.at) + delay
        reply = self._op("record", job.prediction_id, job.kind, job.attempt,
                         "" if retry_at is None else repr(retry_at), FINAL[outcome.result],
                         self.capacity)
        current = reply[0] == 1
        retry_at = retry_at if current else None
        follow: list[Job] = []
        if current and job.attempt == 1:
            duplicates = self._load(job.prediction_id)
            script = duplicates.script if duplicates is not None else Script()
            follow += [Job(job.prediction_id, job.key, job.url, job.base_url, 1,
                           "duplicate", job.due)] * script.duplicate
            follow += [registration(other, flat).job(due=outcome.at)
                       for other, flat in reply[1:]]
        attempt = Attempt(
            0, job.prediction_id, job.key, job.url, job.attempt, job.kind, job.due,
            outcome.at, outcome.wall_time, outcome.result, outcome.status_code, outcome.error,
            None if outcome.latency is None else round(outcome.latency * 1000, 3),
            outcome.prediction_status, retry_at,
            gave_up=current and outcome.result == "failed" and retry_at is None)
        text = json.dumps({"seq": 0, **{k: v for k, v in attempt.as_json().items()
                                        if k != "seq"}})
        seq = int(self._op("journal", job.prediction_id, text, self.capacity))
        for followed in follow:
            self._dispatch(followed)
        if retry_at is not None:
            self._arm(job.prediction_id, retry_at, "retrying")
        self.publish(KIND, key=job.key, prediction_id=job.prediction_id,
                     attempt=job.attempt, result=outcome.result,
                     status_code=outcome.status_code)
        return replace(attempt, seq=seq)

    # --- inspecting -------------------------------------------------------------------
    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        return self.timers.wait_idle(timeout) and super().wait_idle(
            max(0.0, deadline - time.monotonic()))

    @guarded
    def attempts(self, *, prediction_id: str | None = None, key: str | None = None,
                 limit: int | None = None) -> list[Attempt]:
        texts = self.backend.client.lrange(self.backend.key("wh", "journal"), 0, -1)
        found = sorted((Attempt(**json.loads(text)) for text in texts),
                       key=lambda a: a.seq)
        found = [a for a in found if (prediction_id is None or a.prediction_id == prediction_id)
                 and (key is None or a.key == key)]
        return found[-limit:] if limit else found

    @guarded
    def pending(self, key: str | None = None) -> list[dict[str, Any]]:
        client, backend = self.backend.client, self.backend
        ids = cast(list[str], client.zrange(backend.key("wh", "active"), 0, -1))
        pipe = client.pipeline(transaction=False)
        for prediction_id in ids:
            pipe.hgetall(backend.key("wh", "r", prediction_id))
        found = [registration(i, [x for kv in flat.items() for x in kv])
                 for i, flat in zip(ids, pipe.execute(), strict=True) if flat]
        return [reg.as_json() for reg in found if key is None or reg.key == key]

    @guarded
    def forget(self, key: str | None = None) -> None:
        self._op("forget", key or "")
        self.rules.forget(key)
        if key is None:
            self.inboxes.forget()
            self.timers.forget()


def _fields(reg: Registration) -> list[str]:
    return ["key", reg.key, "url", reg.url, "base", reg.base_url,
            "script", json.dumps(reg.script.as_json()), "attempt", str(reg.attempt),
            "state", reg.state, "due", repr(reg.due), "token", ""]
