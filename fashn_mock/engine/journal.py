"""The request journal: a bounded record of every API exchange, for inspection
and for the client-behaviour report.

Bounded twice: at most ``capacity`` entries and about ``max_bytes`` bytes (each
recording states its size; the oldest go first). What an entry keeps of a body
is ``shorten``-ed into a small value that always encodes as strict JSON, so an
odd request can never make the journal unreadable.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from fashn_mock.safejson import LONE_SURROGATE

MAX_STRING = 200
"""Longer strings in recorded bodies (base64 images) are shortened."""
MAX_DEPTH = 8
"""Deeper arrays and objects are summarised (``<array of 3 items>``)."""
MAX_VALUES = 256
"""Values kept from one body; the rest are summarised."""
MAX_ITEMS = 64
"""Items kept from one array or object."""
MAX_INT_BITS = 256
MAX_BYTES = 32 * 1024 * 1024
"""The journal's default byte budget."""
ENTRY_BYTES = 1024
"""What an entry recorded without a stated size is counted as."""
log = logging.getLogger(__name__)


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
    """A small copy of a JSON-like value that encodes as strict JSON: long strings
    cut, lone surrogates replaced, non-finite numbers and huge integers spelled
    out, deep or large arrays and objects summarised."""
    return _Shortener().value(value, 1)


class _Shortener:
    def __init__(self) -> None:
        self.left = MAX_VALUES

    def value(self, value: Any, depth: int) -> Any:
        self.left -= 1
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return text(value)
        if isinstance(value, int):
            return value if value.bit_length() <= MAX_INT_BITS \
                else f"<integer of {value.bit_length()} bits>"
        if isinstance(value, float):
            return value if math.isfinite(value) else json.dumps(value)
        if isinstance(value, dict):
            if depth > MAX_DEPTH or self.left <= 0:
                return f"<object of {len(value)} keys>"
            kept: dict[str, Any] = {}
            for key, item in value.items():
                if self.left <= 0 or len(kept) == MAX_ITEMS:
                    kept["..."] = f"<{len(value) - len(kept)} more keys>"
                    break
                kept[text(str(key))] = self.value(item, depth + 1)
            return kept
        if isinstance(value, (list, tuple)):
            if depth > MAX_DEPTH or self.left <= 0:
                return f"<array of {len(value)} items>"
            items: list[Any] = []
            for item in value:
                if self.left <= 0 or len(items) == MAX_ITEMS:
                    items.append(f"<{len(value) - len(items)} more items>")
                    break
                items.append(self.value(item, depth + 1))
            return items
        return text(repr(value))


def text(value: str) -> str:
    """``value`` cut to ``MAX_STRING`` characters, any lone surrogate replaced."""
    if len(value) > MAX_STRING:
        value = f"{value[:60]}...<{len(value)} chars>"
    if not value.isascii():
        value = LONE_SURROGATE.sub("\ufffd", value)
    return value


Builder = Callable[[int], JournalEntry]
"""Builds an entry, given its sequence number, when the journal is first read."""


class Journal:
    """Bounded in entries and bytes; recording is cheap (entries may be built
    lazily, on first read)."""

    def __init__(self, capacity: int = 1000, max_bytes: int = MAX_BYTES) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._entries: deque[tuple[int, int, JournalEntry | Builder]] = deque()
        """(sequence number, size in bytes, the entry or what builds it), oldest first."""
        self._bytes = 0
        self._seq = 0
        self._lock = threading.Lock()

    @property
    def bytes(self) -> int:
        """The recorded sizes of the entries kept."""
        return self._bytes

    def record(self, entry: JournalEntry, size: int = ENTRY_BYTES) -> JournalEntry:
        with self._lock:
            self._seq += 1
            entry.seq = self._seq
            self._add(size, entry)
        return entry

    def record_lazy(self, build: Builder, size: int = ENTRY_BYTES) -> None:
        """Record an exchange of about ``size`` bytes whose entry is built only if
        somebody reads it."""
        with self._lock:
            self._seq += 1
            self._add(size, build)

    def _add(self, size: int, item: JournalEntry | Builder) -> None:
        entries = self._entries
        while len(entries) >= self.capacity:  # full (the steady state): the oldest goes
            self._bytes -= entries.popleft()[1]
        entries.append((self._seq, size, item))
        self._bytes += size
        while self._bytes > self.max_bytes and len(entries) > 1:
            self._bytes -= entries.popleft()[1]

    def _snapshot(self) -> list[JournalEntry]:
        """Every entry, building pending ones (call with the lock held)."""
        built = [(seq, size, item if isinstance(item, JournalEntry) else _build(seq, item))
                 for seq, size, item in self._entries]
        self._entries.clear()
        self._entries.extend(built)
        return [entry for _, _, entry in built]

    def entries(self, *, key: str | None = None, method: str | None = None,
                path: str | None = None, status: int | None = None,
                since: float | None = None, prediction_id: str | None = None,
                limit: int | None = None, dialect: str | None = None) -> list[JournalEntry]:
        """Entries oldest first, filtered; ``path`` matches as a prefix."""
        with self._lock:
            snapshot = self._snapshot()
        return select(snapshot, key=key, method=method, path=path, status=status, since=since,
                      prediction_id=prediction_id, limit=limit, dialect=dialect)

    @property
    def seq(self) -> int:
        """The sequence number of the last exchange recorded (0: none yet)."""
        return self._seq

    def forget(self, key: str | None = None) -> None:
        with self._lock:
            self._snapshot()  # every item is a built entry from here on
            kept = [(seq, size, entry) for seq, size, entry in self._entries
                    if key is not None and isinstance(entry, JournalEntry) and entry.key != key]
            self._entries.clear()
            self._entries.extend(kept)
            self._bytes = sum(size for _, size, _ in kept)

    def __len__(self) -> int:
        return len(self._entries)


def _build(seq: int, build: Builder) -> JournalEntry:
    """Build an entry; should that fail, a stand-in says so instead of every later
    read failing."""
    try:
        return build(seq)
    except Exception as exc:
        log.exception("fashn-mock: a journal entry could not be built")
        return JournalEntry(seq=seq, at=0.0, method="", path="", query={}, key=None,
                            body=None,
                            error=text(f"this exchange could not be recorded: {exc!r}"))


def select(entries: Iterable[JournalEntry], *, key: str | None = None,
           method: str | None = None, path: str | None = None, status: int | None = None,
           since: float | None = None, prediction_id: str | None = None,
           limit: int | None = None, dialect: str | None = None) -> list[JournalEntry]:
    """The entries that match every filter given (``path`` as a prefix), the last
    ``limit`` of them when a limit is given."""
    found = [e for e in entries
             if (key is None or e.key == key)
             and (method is None or e.method == method.upper())
             and (path is None or e.path.startswith(path))
             and (status is None or e.status == status)
             and (since is None or e.at >= since)
             and (prediction_id is None or e.prediction_id == prediction_id)
             and (dialect is None or e.dialect == dialect)]
    return found[-limit:] if limit else found
