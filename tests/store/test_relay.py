"""Engine events relayed between the processes of a shared store."""

from __future__ import annotations

import threading

from fashn_mock.engine import Engine
from fashn_mock.engine.events import Event, Subscription
from fashn_mock.validation import parse_run_body
from tests.support import tryon

RUN = parse_run_body(tryon())
WAIT = 10.0
"""Wall seconds a relayed event may take at most (pub/sub is asynchronous)."""


def until(subscription: Subscription, woken: threading.Event, count: int,
          kind: str | None = None) -> list[Event]:
    """The events (of ``kind``) ``subscription`` got, once there are ``count`` (or the
    wait ran out: then the test's assertion says what came)."""
    seen: list[Event] = []
    while len(seen) < count and woken.wait(WAIT):
        woken.clear()
        seen += [e for e in subscription.drain() if kind is None or e.kind == kind]
    return seen


def test_a_subscriber_on_one_process_hears_the_others(pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    woken = threading.Event()
    with b.events.subscribe(notify=woken.set, capacity=100) as heard:
        prediction = a.submit("k", RUN)
        a.interrupt(prediction.id, "canceled")
        events = until(heard, woken, 2)
    assert [(e.kind, e.prediction_id, e.data.get("status")) for e in events] == [
        ("submitted", prediction.id, None), ("transition", prediction.id, "canceled")]


def test_transitions_are_derived_by_each_process_not_relayed(
        pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    prediction = a.submit("k", RUN)
    woken = threading.Event()
    with b.events.subscribe(prediction_id=prediction.id, notify=woken.set,
                            capacity=100) as heard:
        b.watches.watch(prediction.id)
        a.watches.watch(prediction.id)  # a's own transitions stay on a
        a.clock.advance(600)  # b hears the clock move and runs its own watch entries
        events = until(heard, woken, 3, "transition")
    assert [e.data["status"] for e in events] == ["in_queue", "processing", "completed"]
