"""Webhooks in the shared store: each attempt made by exactly one process, and pending
deliveries outlive the process that scheduled them."""

from __future__ import annotations

import threading
from collections import Counter

from fashn_mock.clock import Clock
from fashn_mock.engine import Engine
from fashn_mock.engine.webhooks import Job, Order, Outcome
from fashn_mock.validation import parse_run_body
from tests.support import tryon

HOOK = "http://127.0.0.1:9/hook"


def collect(engine: Engine, jobs: list[tuple[str, Job]], name: str) -> None:
    lock = threading.Lock()

    def dispatch(job: Job) -> None:
        with lock:
            jobs.append((name, job))
        engine.webhooks.record(job, Outcome("delivered", engine.clock.now(), 0.0,
                                            status_code=200))
    engine.webhooks.dispatcher = dispatch


def submit(engine: Engine, key: str = "k") -> str:
    return engine.submit(key, parse_run_body(tryon()), webhook_url=HOOK,
                         webhook=Order("http://emulator")).id


def test_each_attempt_is_made_by_exactly_one_process(pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    jobs: list[tuple[str, Job]] = []
    collect(a, jobs, "a")
    collect(b, jobs, "b")
    ids = [submit(engine, f"k{n}") for n in range(20) for engine in (a, b)]
    a.clock.advance(600)
    # both processes race to claim whatever is due, many times over
    racers = [threading.Thread(target=e.webhooks.timers.poke,  # type: ignore[attr-defined]
                               args=(e.clock.now(),)) for e in (a, b) * 4]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert a.webhooks.wait_idle() and b.webhooks.wait_idle()
    assert Counter(job.prediction_id for _, job in jobs) == Counter(ids)
    assert sorted(at.prediction_id for at in b.webhooks.attempts()) == sorted(ids)
    assert a.webhooks.pending() == []


def test_a_pending_webhook_outlives_its_process(pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    prediction_id = submit(a)
    a.close()  # the process that scheduled it is gone
    jobs: list[tuple[str, Job]] = []
    collect(b, jobs, "b")
    assert [r["prediction_id"] for r in b.webhooks.pending()] == [prediction_id]
    b.clock.advance(600)
    assert [job.prediction_id for _, job in jobs] == [prediction_id]


def test_a_process_started_later_claims_nothing_before_it_can_deliver(
        pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    prediction_id = submit(a)
    a.close()
    b.close()
    # a new process: its clock is the shared one from the start (not its wall clock),
    # and it claims no timer before its delivery worker is attached
    late = Engine(a.config, Clock.manual())
    try:
        assert [r["prediction_id"] for r in late.webhooks.pending()] == [prediction_id]
        assert late.clock.now() == a.clock.now()
        jobs: list[tuple[str, Job]] = []
        collect(late, jobs, "late")
        late.clock.advance(600)
        assert [job.prediction_id for _, job in jobs] == [prediction_id]
        assert [at.result for at in late.webhooks.attempts()] == ["delivered"]
    finally:
        late.close()
