"""The emulator's clock: real time for ``serve``, a manual clock for tests.

Every time-dependent behaviour (lifecycle, rate windows, retention) reads
``Clock.now()``; nothing sleeps. The clock can be advanced and frozen, which is
what the control API and the pytest fixture expose. Listeners hear every such
move (the scheduler fires what fell due), after it happened and outside the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_ADVANCE = 100 * 365 * 86_400.0
"""The largest single move of the clock (a century): far beyond any retention, small
enough that timestamps keep sub-millisecond precision."""
MANUAL_EPOCH = 1_767_225_600.0
"""Where a manual clock starts: 2026-01-01T00:00:00Z, so test output is stable."""


class Clock:
    """Seconds since the Unix epoch, from ``source`` plus an offset; may be frozen."""

    def __init__(self, source: Callable[[], float] = time.time, *,
                 frozen_at: float | None = None) -> None:
        self._source = source
        self._offset = 0.0
        self._frozen_at = frozen_at
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    @classmethod
    def manual(cls, start: float = MANUAL_EPOCH) -> Clock:
        """A clock that only moves when advanced."""
        return cls(frozen_at=start)

    def now(self) -> float:
        frozen = self._frozen_at
        return frozen if frozen is not None else self._source() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def listen(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every advance, freeze and unfreeze."""
        self._listeners.append(listener)

    def advance(self, seconds: float) -> float:
        if not 0 <= seconds <= MAX_ADVANCE:  # also refuses NaN
            raise ValueError(f"the clock moves forward by 0..{MAX_ADVANCE:.0f} seconds")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
            now = self.now()
        self._moved()
        return now

    def freeze(self) -> float:
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = self._source() + self._offset
            frozen_at = self._frozen_at
        self._moved()
        return frozen_at

    def unfreeze(self) -> float:
        """Resume from the frozen instant (time does not jump forward)."""
        with self._lock:
            resumed_at = self.now()
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None
        self._moved()
        return resumed_at

    def _moved(self) -> None:
        for listener in list(self._listeners):
            listener()
