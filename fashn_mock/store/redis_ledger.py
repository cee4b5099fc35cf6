"""Predictions and the books in the shared store (``store.redis``): ``store.base.Ledger``
over the Lua steps in ``store/lua``.

Each operation reads the shared clock (now and the settings version it came from),
runs one script with that instant and retries when the script answers that the
settings moved on (``stale``: the clock was advanced elsewhere). Admission takes one
sequence number per call and builds the prediction before the script runs (the script
stores it only if every check passes), taking another number if the id is taken.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

from fashn_mock.config import Config
from fashn_mock.engine.errors import (
    NoFreeSlot,
    OutOfCredits,
    RateLimited,
    StoreUnavailable,
    Window,
)
from fashn_mock.engine.faults import FaultRule
from fashn_mock.engine.ledger import UNLIMITED, Balance
from fashn_mock.engine.prediction import ANY_KEY, Prediction, Status
from fashn_mock.engine.retention import CDN_RETENTION_SECONDS
from fashn_mock.engine.submission import Interruption, docs_example
from fashn_mock.store.backend import Backend, SharedClock, answering, guarded
from fashn_mock.store.base import Admission, Build, Faults, KeyState, Usage
from fashn_mock.store.memory import rate_rules

ATTEMPTS = 16
"""Retries of one operation while the shared settings keep moving under it."""
BLOCK = 32
"""Sequence numbers a process takes at once."""
SAFETY_TTL = 86_400.0
"""Real seconds a prediction outlives its retention in Redis, should no process ever
evict it (its emulator clock stopped): the key expires on its own."""
PAGE = 500


def encode(prediction: Prediction) -> list[str]:
    """A prediction as the fields of its hash (floats as shortest round-trip text)."""
    p = prediction
    return ["key", p.key, "model", p.model, "inputs", p.inputs_json,
            "created", repr(p.created_at), "queued", repr(p.queued_at),
            "processing", repr(p.processing_at), "finished", repr(p.finished_at),
            "outcome", p.outcome, "error", json.dumps(p.error) if p.error else "",
            "cost", str(p.cost), "outputs", str(p.outputs), "format", p.output_format,
            "width", str(p.size[0]), "height", str(p.size[1]), "seed", str(p.seed),
            "b64", "1" if p.return_base64 else "", "webhook", p.webhook_url or "",
            "dialect", p.dialect, "usd", repr(p.price_usd),
            "usdm", str(round(p.price_usd * 1_000_000)), "settled", "1" if p.settled else "0",
            "dice", ",".join(d.hex() for d in p.dice)]


def decode(prediction_id: str, flat: list[str]) -> Prediction:
    f = dict(zip(flat[::2], flat[1::2], strict=True))
    return Prediction(
        id=prediction_id, key=f["key"], model=f["model"], inputs_source=f["inputs"],
        created_at=float(f["created"]), queued_at=float(f["queued"]),
        processing_at=float(f["processing"]), finished_at=float(f["finished"]),
        outcome=cast(Status, f["outcome"]),
        error=json.loads(f["error"]) if f["error"] else None,
        cost=int(f["cost"]), outputs=int(f["outputs"]), output_format=f["format"],
        size=(int(f["width"]), int(f["height"])), seed=int(f["seed"]),
        return_base64=f["b64"] == "1", webhook_url=f["webhook"] or None,
        dialect=f["dialect"], price_usd=float(f["usd"]), settled=f["settled"] == "1",
        dice=tuple(bytes.fromhex(d) for d in f.get("dice", "").split(",") if d))


def balance_of(values: list[str]) -> tuple[Balance, int]:
    """The balance and open slots a script answered."""
    sub, od, res, chg, wv, usd, open_ = (int(v) for v in values)
    return Balance(sub, od, res, chg, wv, usd / 1_000_000), open_


class RedisSequence:
    """Numbers from ``P:seq``, taken ``BLOCK`` at a time; a block taken before a full
    reset (an older epoch) is dropped."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._lock = threading.Lock()
        self._next, self._last, self._epoch = 1, 0, -1

    @guarded
    def take(self) -> int:
        with self._lock:
            settings = self.backend.settings
            epoch = settings.epoch if settings is not None else -1
            if self._next > self._last or self._epoch != epoch:
                last = int(self.backend.client.incrby(self.backend.key("seq"), BLOCK))
                self._next, self._last, self._epoch = last - BLOCK + 1, last, epoch
            number = self._next
            self._next += 1
            return number

    def restart(self) -> None:
        with self._lock:
            self._next, self._last = 1, 0


class RedisLedger:
    def __init__(self, backend: Backend, config: Config, clock: SharedClock,
                 faults: Faults) -> None:
        self.backend = backend
        self.config = config
        self.clock = clock
        self.faults = faults
        self.rules = rate_rules(config)
        self.sequence = RedisSequence(backend)
        self.start = str(UNLIMITED if config.credits is None else config.credits)
        self._lock = threading.RLock()

    def guard(self) -> threading.RLock:
        """Only this process's readers: other processes go on meanwhile."""
        return self._lock

    def _run(self, script: Callable[..., Any],
             values: Callable[[float], list[Any]]) -> tuple[list[Any], float]:
        """Run ``script`` with ``values(now)`` until the settings it checks are current."""
        backend = self.backend
        for _ in range(ATTEMPTS):
            now, version = self.clock.read()
            reply = script(args=[backend.prefix, version, *values(now)])
            if reply[0] != "stale":
                return reply, now
            backend.apply(reply[1])
        raise StoreUnavailable("the shared settings kept changing")

    def _window(self, rule: str, reply: list[str]) -> Window | None:
        if not reply or not reply[0]:
            return None
        found = self.rules[rule]
        passed, remaining, first_ms, wait_ms = (int(v) for v in reply)
        return Window(limit=found.limit, window=found.window, remaining=remaining,
                      reset_at=first_ms / 1000 + found.window, retry_after=wait_ms / 1000,
                      passed=passed == 1)

    # --- admission -----------------------------------------------------------------
    @guarded
    def admit(self, key: str, model: str, cost: int, build: Build, rule: str | None = None,
              faults: bool = True) -> Admission:
        config, backend = self.config, self.backend
        rule = rule if rule in self.rules else None
        number = self.sequence.take()
        counted: Window | None = None
        for _ in range(ATTEMPTS):
            now, version = self.clock.read()
            prediction = build(now, number)
            expires = prediction.finished_at + CDN_RETENTION_SECONDS
            found = self.rules[rule] if rule is not None else None
            reply = backend.scripts.admit(args=[
                backend.prefix, version, repr(now), key, rule or "",
                found.limit if found else 0, int(found.window * 1000) if found else 0,
                int(now * 1000), "1" if faults else "", model, "1" if config.limits else "",
                config.concurrency, self.start, cost, prediction.id, number,
                repr(prediction.finished_at), repr(expires), _ttl_ms(expires - now),
                *encode(prediction)])
            status = reply[0]
            if status == "stale":
                backend.apply(reply[1])
                continue
            window = (self._window(rule, reply[1]) if rule else None) or counted
            if status == "ok":
                return prediction, window, None
            if status == "limited":
                assert rule is not None and window is not None
                raise RateLimited(rule, window)
            if status == "fault":
                return None, window, FaultRule(**json.loads(reply[2]))
            if status == "dup":  # a number from before a reset elsewhere: take another
                number, rule, counted = self.sequence.take(), None, window
                continue
            refusal: NoFreeSlot | OutOfCredits = (
                NoFreeSlot(config.concurrency, float(reply[2])) if status == "slot"
                else OutOfCredits(cost, int(reply[2])))
            refusal.counted = window
            raise refusal
        raise StoreUnavailable("the shared settings kept changing")

    @guarded
    def hit(self, key: str, rule: str) -> Window | None:
        found = self.rules.get(rule)
        if found is None:
            return None
        reply, _ = self._run(self.backend.scripts.hit, lambda now: [
            key, rule, found.limit, int(found.window * 1000), int(now * 1000)])
        return self._window(rule, reply[1])

    # --- reading -------------------------------------------------------------------
    @guarded
    def status(self, key: str, prediction_id: str) -> tuple[Prediction, float] | None:
        reply, now = self._run(self.backend.scripts.read, lambda now: [
            repr(now), prediction_id, key, ANY_KEY, self.start])
        return (decode(prediction_id, reply[2]), now) if reply[0] == "ok" else None

    @guarded
    def status_counted(self, key: str, prediction_id: str, rule: str
                       ) -> tuple[tuple[Prediction, float] | None, Window | None]:
        found = self.rules.get(rule)
        if found is None:
            return self.status(key, prediction_id), None
        reply, now = self._run(self.backend.scripts.read, lambda now: [
            repr(now), prediction_id, key, ANY_KEY, self.start, rule, found.limit,
            int(found.window * 1000), int(now * 1000)])
        window = self._window(rule, reply[1])
        read = (decode(prediction_id, reply[2]), now) if reply[0] == "ok" else None
        return read, window

    def find(self, prediction_id: str) -> tuple[Prediction, float] | None:
        return self.status("", prediction_id)

    def _books(self, key: str, op: str, *values: Any) -> tuple[list[Any], float]:
        return self._run(self.backend.scripts.books,
                         lambda now: [repr(now), key, self.start, op, *values])

    @guarded
    def balance(self, key: str) -> Balance:
        return balance_of(self._books(key, "read")[0][1])[0]

    @guarded
    def set_balance(self, key: str, total: int | None, subscription: int | None,
                    on_demand: int | None) -> Balance:
        values = ["" if v is None else str(v) for v in (total, subscription, on_demand)]
        return balance_of(self._books(key, "set", *values)[0][1])[0]

    @guarded
    def slots_in_use(self, key: str) -> int:
        return balance_of(self._books(key, "read")[0][1])[1]

    @guarded
    def key_state(self, key: str, now: float) -> KeyState:
        windows = [v for name, rule in self.rules.items()
                   for v in (name, int(rule.window * 1000))]
        reply, _ = self._books(key, "state", int(now * 1000), *windows)
        balance, slots = balance_of(reply[1])
        usage: list[Usage] = []
        for name, used, oldest in reply[3]:
            reset_at = int(oldest) / 1000 + self.rules[name].window if oldest else None
            usage.append((name, int(used), reset_at))
        return KeyState(balance, slots, int(reply[2]), tuple(usage))

    @guarded
    def queue_position(self, prediction: Prediction, now: float) -> int:
        client, backend = self.backend.client, self.backend
        ids = cast(list[str], client.zrange(backend.key("k", prediction.key, "ids"), 0, -1))
        pipe = client.pipeline(transaction=False)
        for prediction_id in ids:
            pipe.hmget(backend.key("p", prediction_id), "created", "processing")
        ahead = sum(1 for created, processing in pipe.execute()
                    if created is not None and float(created) < prediction.created_at
                    and float(processing) > now)
        return ahead + 1

    @guarded
    def prediction_ids(self, key: str) -> list[str]:
        return cast(list[str], self.backend.client.zrange(self.backend.key("k", key, "ids"),
                                                          0, -1))

    @guarded
    def newest_first(self) -> Iterator[Prediction]:
        backend = self.backend
        self._run(backend.scripts.sweep, lambda now: [repr(now), self.start])
        ids = cast(list[str], backend.client.zrevrange(backend.key("all"), 0, -1))
        return self._load(ids)

    def _load(self, ids: list[str]) -> Iterator[Prediction]:
        backend = self.backend
        for at in range(0, len(ids), PAGE):
            page = ids[at:at + PAGE]
            pipe = backend.client.pipeline(transaction=False)
            for prediction_id in page:
                pipe.hgetall(backend.key("p", prediction_id))
            with answering():
                found = pipe.execute()
            for prediction_id, fields in zip(page, found, strict=True):
                if fields:
                    yield decode(prediction_id, [x for kv in fields.items() for x in kv])
                else:  # expired in real time (its emulator clock stood still): unlist it
                    with answering():
                        backend.client.zrem(backend.key("all"), prediction_id)

    @guarded
    def known_keys(self) -> set[str]:
        return cast(set[str], self.backend.client.smembers(self.backend.key("keys")))

    # --- changing ------------------------------------------------------------------
    @guarded
    def interrupt(self, prediction_id: str,
                  outcome: Interruption) -> tuple[Prediction, bool] | None:
        reply, _ = self._run(self.backend.scripts.interrupt, lambda now: [
            repr(now), prediction_id, outcome, self.start,
            _ttl_ms(CDN_RETENTION_SECONDS)])
        if reply[0] == "none":
            return None
        return decode(prediction_id, reply[1]), reply[0] == "changed"

    @guarded
    def moved(self, prediction: Prediction) -> None:
        """Poll-driven playback moved its phases (a shared store refuses replay, so this
        only keeps the stored copy in step)."""
        backend = self.backend
        pipe = backend.client.pipeline(transaction=True)
        pipe.hset(backend.key("p", prediction.id), mapping=dict(
            zip(*[iter(encode(prediction))] * 2, strict=True)))
        pipe.zadd(backend.key("k", prediction.key, "pending"),
                  {prediction.id: prediction.finished_at}, xx=True)
        pipe.zadd(backend.key("expiry"),
                  {prediction.id: prediction.finished_at + CDN_RETENTION_SECONDS})
        pipe.execute()

    @guarded
    def forget(self, key: str | None = None) -> None:
        backend = self.backend
        if key is not None:
            backend.scripts.forget_key(args=[backend.prefix, "", key, *self.rules])
            return
        backend.wipe()
        self.sequence.restart()
        self.start_over("reset")

    def start_over(self, how: str) -> None:
        """Start the store (``init``) or start it over after a wipe (``reset``)."""
        backend, config, local = self.backend, self.config, self.backend.local_clock
        frozen = repr(local.now()) if local.frozen else ""
        example = docs_example(self.clock.now() if backend.settings else local.now())
        flat = backend.scripts.init(args=[
            backend.prefix, "", how, frozen, repr(config.failure_rate), repr(config.jitter),
            json.dumps(config.network_chaos), example.id, *encode(example)])
        backend.apply(flat)


def _ttl_ms(seconds: float) -> int:
    return int((max(0.0, seconds) + SAFETY_TTL) * 1000)
