from __future__ import annotations

from fashn_mock import Emulator
from fashn_mock.validation import parse_run_body
from tests.support import tryon


def statuses(subscription) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.data["status"] for e in subscription.drain() if e.kind == "transition"]


def test_a_watched_prediction_publishes_each_transition_on_the_clock(
        emulator: Emulator) -> None:
    engine = emulator.engine
    prediction = engine.submit("k", parse_run_body(tryon(mode="quality")))
    subscription = engine.events.subscribe(prediction_id=prediction.id)
    engine.watches.watch(prediction.id)
    assert statuses(subscription) == []
    emulator.advance(prediction.queued_at - emulator.now())
    assert statuses(subscription) == ["in_queue"]
    emulator.advance(prediction.finished_at - emulator.now())
    assert statuses(subscription) == ["processing", "completed"]
    assert engine.scheduler.next_due() is None


def test_watching_a_finished_prediction_says_so_at_once() -> None:
    emulator = Emulator(manual_clock=True, time_scale=0)
    engine = emulator.engine
    prediction = engine.submit("k", parse_run_body(tryon()))
    subscription = engine.events.subscribe(prediction_id=prediction.id)
    engine.watches.watch(prediction.id)
    assert statuses(subscription) == ["completed"]


def test_the_last_watcher_leaving_cancels_the_timers(emulator: Emulator) -> None:
    engine = emulator.engine
    prediction = engine.submit("k", parse_run_body(tryon()))
    engine.watches.watch(prediction.id)
    engine.watches.watch(prediction.id)
    engine.watches.unwatch(prediction.id)
    assert engine.scheduler.next_due() is not None
    engine.watches.unwatch(prediction.id)
    assert engine.scheduler.next_due() is None


def test_an_interruption_is_published_and_timers_move(emulator: Emulator) -> None:
    engine = emulator.engine
    prediction = engine.submit("k", parse_run_body(tryon()))
    subscription = engine.events.subscribe(prediction_id=prediction.id)
    engine.watches.watch(prediction.id)
    emulator.cancel(prediction.id)
    assert statuses(subscription)[-1] == "canceled"
    emulator.advance(60)
    assert statuses(subscription) == []  # the old timers were dropped


def test_watching_everything_files_every_new_prediction(emulator: Emulator) -> None:
    engine = emulator.engine
    subscription = engine.events.subscribe(lambda e: e.kind == "transition")
    engine.watches.watch_all(True)
    engine.submit("k", parse_run_body(tryon()))
    emulator.advance(60)
    assert statuses(subscription) == ["in_queue", "processing", "completed"]
    engine.watches.watch_all(False)
    engine.submit("k", parse_run_body(tryon()))
    emulator.advance(60)
    assert statuses(subscription) == []


def test_watching_everything_never_refuses_a_prediction_when_the_scheduler_is_full() -> None:
    emulator = Emulator(manual_clock=True, limits=False)
    engine = emulator.engine
    engine.scheduler.capacity = 10
    engine.watches.watch_all(True)  # a dashboard is open
    made = [engine.submit("k", parse_run_body(tryon())) for _ in range(10)]
    assert len({p.id for p in made}) == 10
    emulator.run_until_done()
    assert all(engine.status("k", p.id).status == "completed" for p in made)
