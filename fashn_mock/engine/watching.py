"""Status transitions as events, for those who watch a prediction (SSE streams, the
dashboard).

Status is read off timestamps, so nothing happens at a transition unless somebody
listens. Watching a prediction files its future phase instants in the scheduler;
each one publishes a ``transition`` event when the clock reaches it. Watching
everything (``watch_all``) does the same for every new prediction. The entries are
dropped when the last watcher leaves.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from fashn_mock.clock import Clock
from fashn_mock.engine.prediction import Prediction
from fashn_mock.engine.scheduler import Entry, Scheduler, SchedulerFull

KIND = "transition"
Find = Callable[[str], Prediction | None]
Publish = Callable[..., None]


class Watches:
    """``find`` looks a prediction up by id; ``publish(kind, key=, prediction_id=,
    **data)`` tells event subscribers (the engine's own)."""

    def __init__(self, scheduler: Scheduler, clock: Clock, find: Find,
                 publish: Publish) -> None:
        self.scheduler = scheduler
        self.clock = clock
        self.find = find
        self.publish = publish
        self._counts: dict[str, int] = {}
        self._entries: dict[str, list[Entry]] = {}
        self._everything = 0
        self._lock = threading.Lock()
        scheduler.on(KIND, self._fire)

    def watch(self, prediction_id: str) -> None:
        """Start (or count one more) watcher of one prediction."""
        with self._lock:
            self._counts[prediction_id] = self._counts.get(prediction_id, 0) + 1
            first = self._counts[prediction_id] == 1
        prediction = self.find(prediction_id)
        if first and prediction is not None:
            self._file(prediction)

    def unwatch(self, prediction_id: str) -> None:
        with self._lock:
            left = self._counts.get(prediction_id, 0) - 1
            if left > 0:
                self._counts[prediction_id] = left
                return
            self._counts.pop(prediction_id, None)
            entries = self._entries.pop(prediction_id, []) if not self._everything else []
        for entry in entries:
            self.scheduler.cancel(entry)

    def watch_all(self, on: bool) -> None:
        """Count one more (``on``) or one fewer watcher of every new prediction."""
        with self._lock:
            self._everything += 1 if on else -1

    def filed(self, prediction: Prediction) -> None:
        """A new prediction: file its transitions if anybody watches everything. A full
        scheduler skips them rather than refuse the prediction: watchers of everything
        (the dashboard) also re-read on their own."""
        if self._everything:
            with contextlib.suppress(SchedulerFull):
                self._file(prediction)

    def moved(self, prediction: Prediction) -> None:
        """Its phase instants changed (interrupted, playback): file them again."""
        with self._lock:
            watched = prediction.id in self._counts or self._everything > 0
            entries = self._entries.pop(prediction.id, [])
        for entry in entries:
            self.scheduler.cancel(entry)
        if watched:
            self._file(prediction)

    def _file(self, prediction: Prediction) -> None:
        now = self.clock.now()
        instants = (("in_queue", prediction.queued_at),
                    ("processing", prediction.processing_at),
                    (prediction.outcome, prediction.finished_at))
        entries = [self.scheduler.file(at, KIND, prediction.id, {"status": status})
                   for status, at in instants if at > now]
        with self._lock:
            self._entries[prediction.id] = entries
        if len(entries) < len(instants):  # some already happened: say so now
            self.publish(KIND, key=prediction.key, prediction_id=prediction.id,
                                status=prediction.status_at(now))

    def _fire(self, entry: Entry) -> None:
        prediction = self.find(entry.subject)
        if prediction is None:
            return
        with self._lock:
            entries = self._entries.get(entry.subject)
            if entries is not None and entry in entries:
                entries.remove(entry)
                if not entries:
                    del self._entries[entry.subject]
        self.publish(KIND, key=prediction.key, prediction_id=prediction.id,
                            status=entry.data["status"])
