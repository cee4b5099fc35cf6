"""What happened, published to bounded subscribers (SSE streams, the dashboard).

Publishing never waits: each subscriber has its own bounded queue; when it is
full the oldest event is dropped and counted, so a slow subscriber skips, it
never slows the engine. Consumers treat events as hints and read the truth
(a prediction's state) from the engine, so a skipped event loses nothing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

EventKind = str
"""``submitted``, ``transition``, ``refused``, ``webhook``, ``reset``, ``clock``."""


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    at: float
    """Emulator-clock seconds."""
    key: str | None = None
    prediction_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": self.at, "key": self.key,
                "prediction_id": self.prediction_id, **self.data}


Match = Callable[[Event], bool]


class Subscription:
    """One subscriber's bounded queue; ``notify`` is called (from any thread) on news."""

    def __init__(self, bus: EventBus, match: Match | None, capacity: int,
                 notify: Callable[[], None] | None, prediction_id: str | None) -> None:
        self._bus = bus
        self._match = match
        self.prediction_id = prediction_id
        self._queue: deque[Event] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self.notify = notify
        self.dropped = 0

    def offer(self, event: Event) -> None:
        if self._match is not None and not self._match(event):
            return
        with self._lock:
            if len(self._queue) == self._queue.maxlen:
                self.dropped += 1
            self._queue.append(event)
        if self.notify is not None:
            self.notify()

    def drain(self) -> list[Event]:
        with self._lock:
            events = list(self._queue)
            self._queue.clear()
        return events

    def close(self) -> None:
        self._bus.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    """Subscribers to everything (optionally filtered by ``match``), and subscribers
    to one prediction (indexed, so a thousand of them cost nothing to the others)."""

    def __init__(self, max_subscribers: int = 10_000) -> None:
        self.max_subscribers = max_subscribers
        self._everything: tuple[Subscription, ...] = ()
        self._by_prediction: dict[str, tuple[Subscription, ...]] = {}
        self._count = 0
        self._lock = threading.Lock()

    @property
    def active(self) -> bool:
        """Whether anybody listens (publishers skip building events otherwise)."""
        return self._count > 0

    def subscribe(self, match: Match | None = None, *, prediction_id: str | None = None,
                  capacity: int = 1000,
                  notify: Callable[[], None] | None = None) -> Subscription:
        subscription = Subscription(self, match, capacity, notify, prediction_id)
        with self._lock:
            if self._count >= self.max_subscribers:
                raise OverflowError(f"{self.max_subscribers} event subscribers already")
            self._count += 1
            if prediction_id is None:
                self._everything = (*self._everything, subscription)
            else:
                self._by_prediction[prediction_id] = (
                    *self._by_prediction.get(prediction_id, ()), subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            key = subscription.prediction_id
            if key is None:
                kept = tuple(s for s in self._everything if s is not subscription)
                self._count -= len(self._everything) - len(kept)
                self._everything = kept
                return
            group = self._by_prediction.get(key, ())
            kept = tuple(s for s in group if s is not subscription)
            self._count -= len(group) - len(kept)
            if kept:
                self._by_prediction[key] = kept
            else:
                self._by_prediction.pop(key, None)

    def watchers(self, prediction_id: str) -> int:
        return len(self._by_prediction.get(prediction_id, ()))

    def publish(self, event: Event) -> None:
        # tuples are replaced, never mutated: iterating a snapshot needs no lock
        for subscriber in self._everything:
            subscriber.offer(event)
        if event.prediction_id is not None:
            for subscriber in self._by_prediction.get(event.prediction_id, ()):
                subscriber.offer(event)
