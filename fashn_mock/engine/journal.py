"""The request journal: a bounded record of every API exchange, for inspection
and for the client-behaviour report."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_STRING = 200
"""Longer strings in recorded bodies (base64 images) are shortened."""


@dataclass
class JournalEntry:
    seq: int
    at: float
    """Emulator-clock seconds when the request arrived."""
    method: str
    path: str
    query: dict[str, str]
    key: str | None
    body: Any
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    prediction_id: str | None = None
    prediction_status: str | None = None
    """The status a ``/v1/status`` answer reported."""
    error: str | None = None
    violations: list[dict[str, Any]] = field(default_factory=list)
    dialect: str = "native"
    """The wire dialect of the request (native, concurred, pixazo)."""
    network_fault: dict[str, Any] | None = None
    """The network fault injected into this exchange (kind, spec, source, processed,
    seconds, via), if any."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def shorten(value: Any) -> Any:
    """A copy of a JSON value with long strings cut, so entries stay small."""
    if isinstance(value, str) and len(value) > MAX_STRING:
        return f"{value[:60]}...<{len(value)} chars>"
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten(v) for v in value]
    return value


Builder = Callable[[int], JournalEntry]
"""Builds an entry, given its sequence number, when the journal is first read."""


class Journal:
    """Bounded; recording is cheap (entries may be built lazily, on first read)."""

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self._entries: deque[JournalEntry | tuple[int, Builder]] = deque(maxlen=capacity)
        self._seq = 0
        self._lock = threading.Lock()

    def record(self, entry: JournalEntry) -> JournalEntry:
        with self._lock:
            self._seq += 1
            entry.seq = self._seq
            self._entries.append(entry)
        return entry

    def record_lazy(self, build: Builder) -> None:
        """Record an exchange whose entry is built only if somebody reads it."""
        with self._lock:
            self._seq += 1
            self._entries.append((self._seq, build))

    def _snapshot(self) -> list[JournalEntry]:
        """Every entry, building pending ones (call with the lock held)."""
        built = [item if isinstance(item, JournalEntry) else item[1](item[0])
                 for item in self._entries]
        self._entries.clear()
        self._entries.extend(built)
        return built

    def entries(self, *, key: str | None = None, method: str | None = None,
                path: str | None = None, status: int | None = None,
                since: float | None = None, prediction_id: str | None = None,
                limit: int | None = None, dialect: str | None = None) -> list[JournalEntry]:
        """Entries oldest first, filtered; ``path`` matches as a prefix."""
        with self._lock:
            snapshot = self._snapshot()
        found = [e for e in snapshot
                 if (key is None or e.key == key)
                 and (method is None or e.method == method.upper())
                 and (path is None or e.path.startswith(path))
                 and (status is None or e.status == status)
                 and (since is None or e.at >= since)
                 and (prediction_id is None or e.prediction_id == prediction_id)
                 and (dialect is None or e.dialect == dialect)]
        return found[-limit:] if limit else found

    def forget(self, key: str | None = None) -> None:
        with self._lock:
            kept = [e for e in self._snapshot() if key is not None and e.key != key]
            self._entries.clear()
            self._entries.extend(kept)

    def __len__(self) -> int:
        return len(self._entries)
