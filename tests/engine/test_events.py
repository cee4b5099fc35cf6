from __future__ import annotations

import pytest

from fashn_mock.engine.events import Event, EventBus


def event(kind: str = "transition", prediction_id: str | None = "p1") -> Event:
    return Event(kind, 0.0, "k", prediction_id, {"status": "processing"})


def test_subscribers_get_what_matches() -> None:
    bus = EventBus()
    everything = bus.subscribe()
    only_p1 = bus.subscribe(prediction_id="p1")
    refusals = bus.subscribe(lambda e: e.kind == "refused")
    bus.publish(event())
    bus.publish(event(prediction_id="p2"))
    bus.publish(event("refused", None))
    assert len(everything.drain()) == 3
    assert [e.prediction_id for e in only_p1.drain()] == ["p1"]
    assert [e.kind for e in refusals.drain()] == ["refused"]


def test_a_slow_subscriber_skips_instead_of_slowing_anyone() -> None:
    bus = EventBus()
    slow = bus.subscribe(capacity=2)
    for _ in range(5):
        bus.publish(event())
    assert len(slow.drain()) == 2 and slow.dropped == 3


def test_notify_and_unsubscribe() -> None:
    bus = EventBus()
    calls: list[int] = []
    with bus.subscribe(prediction_id="p1", notify=lambda: calls.append(1)):
        assert bus.active and bus.watchers("p1") == 1
        bus.publish(event())
    assert not bus.active and bus.watchers("p1") == 0
    bus.publish(event())
    assert calls == [1]


def test_subscribers_are_bounded() -> None:
    bus = EventBus(max_subscribers=2)
    bus.subscribe()
    bus.subscribe(prediction_id="x")
    with pytest.raises(OverflowError):
        bus.subscribe()


def test_events_serialise() -> None:
    assert event().as_json() == {"kind": "transition", "at": 0.0, "key": "k",
                                 "prediction_id": "p1", "status": "processing"}
