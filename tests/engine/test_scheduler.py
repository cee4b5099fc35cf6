from __future__ import annotations

import threading

import pytest

from fashn_mock.clock import Clock
from fashn_mock.engine.scheduler import Entry, Scheduler, SchedulerFull


def recorder(scheduler: Scheduler, kind: str = "tick") -> list[Entry]:
    fired: list[Entry] = []
    scheduler.on(kind, fired.append)
    return fired


def test_a_manual_clock_fires_due_entries_inside_advance() -> None:
    clock = Clock.manual()
    scheduler = Scheduler(clock)
    fired = recorder(scheduler)
    t0 = clock.now()
    scheduler.file(t0 + 10, "tick", "b")
    scheduler.file(t0 + 5, "tick", "a")
    clock.advance(4.9)
    assert fired == []
    clock.advance(0.1)
    assert [e.subject for e in fired] == ["a"]
    clock.advance(100)
    assert [e.subject for e in fired] == ["a", "b"]
    assert len(scheduler) == 0


def test_canceled_entries_never_fire_and_unknown_kinds_are_dropped() -> None:
    clock = Clock.manual()
    scheduler = Scheduler(clock)
    fired = recorder(scheduler)
    entry = scheduler.file(clock.now() + 1, "tick", "x")
    scheduler.file(clock.now() + 1, "nobody-listens", "y")
    scheduler.cancel(entry)
    clock.advance(2)
    assert fired == [] and scheduler.next_due() is None


def test_a_failing_handler_does_not_stop_the_others() -> None:
    clock = Clock.manual()
    scheduler = Scheduler(clock)
    fired = recorder(scheduler, "ok")

    def broken(entry: Entry) -> None:
        raise RuntimeError("boom")

    scheduler.on("broken", broken)
    scheduler.file(clock.now(), "broken", "x")
    scheduler.file(clock.now(), "ok", "y")
    assert scheduler.run_due() == 2
    assert [e.subject for e in fired] == ["y"]


def test_the_heap_is_bounded() -> None:
    clock = Clock.manual()
    scheduler = Scheduler(clock, capacity=3)
    entries = [scheduler.file(clock.now() + 1, "tick", str(i)) for i in range(3)]
    with pytest.raises(SchedulerFull):
        scheduler.file(clock.now() + 1, "tick", "one too many")
    scheduler.cancel(entries[0])  # canceled entries make room again
    scheduler.file(clock.now() + 1, "tick", "fits")


def test_a_running_clock_has_a_driver_thread_that_fires_on_time() -> None:
    clock = Clock()
    scheduler = Scheduler(clock)
    done = threading.Event()
    scheduler.on("tick", lambda entry: done.set())
    scheduler.file(clock.now() + 0.05, "tick", "soon")
    assert done.wait(timeout=5)
    scheduler.close()


def test_freezing_parks_the_driver_and_advancing_fires() -> None:
    clock = Clock()
    clock.freeze()
    scheduler = Scheduler(clock)
    fired = recorder(scheduler)
    scheduler.file(clock.now() + 3600, "tick", "later")
    assert scheduler._driver is None  # frozen: nothing runs by itself
    clock.advance(3600)
    assert [e.subject for e in fired] == ["later"]
