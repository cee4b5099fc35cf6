"""Timed side effects on the emulator clock: one heap, never a task per prediction.

Status needs no timer (it is read off timestamps). What must *happen* at an
instant — a status transition someone is watching, a webhook attempt — is an
``Entry`` filed here, as data (a kind, a subject, a payload), and run by the
handler registered for its kind once the clock reaches it:

- a manual (frozen) clock fires due entries as the clock is advanced, in the
  thread that advances it, before ``advance`` returns;
- a running clock has one driver thread that sleeps until the next due entry
  (woken early by a new entry or a move of the clock) and exits when the heap is
  empty;
- anyone may call ``run_due`` after filing an entry that is already due.

Handlers must be quick and must not block: they publish events or hand work to
a worker. The heap is bounded (``capacity``): ``file`` refuses beyond it.
"""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fashn_mock.clock import Clock

log = logging.getLogger("fashn_mock.scheduler")


@dataclass(order=True)
class Entry:
    due: float
    seq: int
    kind: str = field(compare=False)
    subject: str = field(compare=False)
    """What it is about: a prediction id, a delivery id."""
    data: dict[str, Any] = field(compare=False, default_factory=dict)
    canceled: bool = field(compare=False, default=False)


Handler = Callable[[Entry], None]


class SchedulerFull(Exception):
    """More entries pending than the scheduler's capacity."""


class Scheduler:
    def __init__(self, clock: Clock, capacity: int = 100_000) -> None:
        self.clock = clock
        self.capacity = capacity
        self._heap: list[Entry] = []
        self._handlers: dict[str, Handler] = {}
        self._seq = 0
        self._wake = threading.Condition()
        self._driver: threading.Thread | None = None
        self._closed = False
        clock.listen(self._clock_moved)

    def on(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def file(self, due: float, kind: str, subject: str,
             data: dict[str, Any] | None = None) -> Entry:
        """Run ``kind``'s handler with this entry once the clock reaches ``due``."""
        with self._wake:
            if len(self._heap) >= self.capacity:
                self._compact()
                if len(self._heap) >= self.capacity:
                    raise SchedulerFull(f"{self.capacity} timed entries are pending")
            self._seq += 1
            entry = Entry(due, self._seq, kind, subject, data or {})
            heapq.heappush(self._heap, entry)
            self._ensure_driver()
            self._wake.notify()
        return entry

    def cancel(self, entry: Entry) -> None:
        entry.canceled = True

    def pending(self, kind: str | None = None) -> list[Entry]:
        with self._wake:
            return sorted(e for e in self._heap
                          if not e.canceled and (kind is None or e.kind == kind))

    def run_due(self) -> int:
        """Run every entry due by now, in order; returns how many ran."""
        now = self.clock.now()
        with self._wake:
            due: list[Entry] = []
            while self._heap and self._heap[0].due <= now:
                entry = heapq.heappop(self._heap)
                if not entry.canceled:
                    due.append(entry)
        for entry in due:
            handler = self._handlers.get(entry.kind)
            if handler is None:
                continue
            try:
                handler(entry)
            except Exception:  # a broken handler must not stop the others
                log.exception("fashn-mock: the %s handler failed for %s", entry.kind,
                              entry.subject)
        return len(due)

    def next_due(self) -> float | None:
        with self._wake:
            while self._heap and self._heap[0].canceled:
                heapq.heappop(self._heap)
            return self._heap[0].due if self._heap else None

    def clear(self) -> None:
        with self._wake:
            self._heap.clear()
            self._wake.notify()

    def close(self) -> None:
        """Stop the driver thread (entries stay filed)."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        driver = self._driver
        if driver is not None and driver is not threading.current_thread():
            driver.join(timeout=5)

    def __len__(self) -> int:
        return len(self._heap)

    # --- driving ---------------------------------------------------------------------
    def _clock_moved(self) -> None:
        self.run_due()
        with self._wake:
            self._ensure_driver()
            self._wake.notify()

    def _ensure_driver(self) -> None:
        """Start the driver when a running clock has entries (call with the lock)."""
        if (self._driver is None and self._heap and not self.clock.frozen
                and not self._closed):
            self._driver = threading.Thread(target=self._drive, daemon=True,
                                            name="fashn-mock-scheduler")
            self._driver.start()

    def _drive(self) -> None:
        while True:
            with self._wake:
                while not self._closed:
                    if not self._heap or self.clock.frozen:
                        self._driver = None
                        return
                    wait = self._heap[0].due - self.clock.now()
                    if wait <= 0:
                        break
                    self._wake.wait(timeout=wait)
                if self._closed:
                    self._driver = None
                    return
            self.run_due()

    def _compact(self) -> None:
        self._heap = [e for e in self._heap if not e.canceled]
        heapq.heapify(self._heap)
