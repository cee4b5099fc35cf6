"""The request journal in the shared store: ``P:journal`` (a list of JSON entries, capped
at the journal size; entries are small by construction, ``engine.journal.shorten``).

Recording stays cheap on the request path: entries (or their builders) wait in this
process's buffer and one thread writes them in batches (``BATCH_SECONDS``) later,
numbering them from ``P:journal:seq``. Reading writes this process's buffer first, so a
process always reads what it recorded; other processes' entries show up once their
writer ran (``BATCH_SECONDS`` at most, while the store answers)."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time

import redis

from fashn_mock.engine.journal import (
    ENTRY_BYTES,
    Builder,
    Journal,
    JournalEntry,
    _build,
    select,
)
from fashn_mock.store.backend import Backend, guarded

log = logging.getLogger("fashn_mock.store")
BATCH_SECONDS = 0.05
"""How long the writer waits for more entries before writing a batch (one wake-up of
the writer per batch, not per request: a thread woken per request costs the request
path more than the write itself)."""
MAX_BUFFERED = 10_000
"""Entries waiting at most (a store that is gone drops the oldest)."""


class RedisJournal(Journal):
    def __init__(self, backend: Backend, capacity: int = 1000) -> None:
        super().__init__(capacity)
        self.backend = backend
        self._buffer: list[JournalEntry | Builder] = []
        self._wake = threading.Condition()
        self._writing = threading.Lock()
        self._writer: threading.Thread | None = None

    # --- recording --------------------------------------------------------------------
    def record(self, entry: JournalEntry, size: int = ENTRY_BYTES) -> JournalEntry:
        self._queue(entry)
        return entry

    def record_lazy(self, build: Builder, size: int = ENTRY_BYTES) -> None:
        self._queue(build)

    def _queue(self, item: JournalEntry | Builder) -> None:
        with self._wake:
            if len(self._buffer) >= MAX_BUFFERED:
                del self._buffer[0]
            self._buffer.append(item)
            first = len(self._buffer) == 1
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_soon, daemon=True,
                                                name="fashn-mock-journal")
                self._writer.start()
            elif first:
                self._wake.notify()

    def _write_soon(self) -> None:
        while True:
            with self._wake:
                if not self._buffer:
                    self._wake.wait(1.0)
                    if not self._buffer:
                        self._writer = None
                        return
            time.sleep(BATCH_SECONDS)
            try:
                self.flush()
            except Exception:  # the store is gone: the entries wait for the next try
                log.warning("fashn-mock: journal entries could not be written yet")
                time.sleep(0.5)

    def flush(self) -> None:
        """Write this process's buffered entries, numbered in order."""
        with self._writing:
            with self._wake:
                items, self._buffer = self._buffer, []
            if not items:
                return
            backend = self.backend
            try:
                last = int(backend.client.incrby(backend.key("journal", "seq"), len(items)))
                first = last - len(items) + 1
                texts = [json.dumps(self._entry(first + i, item).as_json())
                         for i, item in enumerate(items)]
                pipe = backend.client.pipeline(transaction=True)
                pipe.rpush(backend.key("journal"), *texts)
                pipe.ltrim(backend.key("journal"), -self.capacity, -1)
                pipe.execute()
            except redis.RedisError:
                with self._wake:
                    self._buffer[:0] = items[-MAX_BUFFERED:]
                raise

    @staticmethod
    def _entry(seq: int, item: JournalEntry | Builder) -> JournalEntry:
        if isinstance(item, JournalEntry):
            item.seq = seq
            return item
        return _build(seq, item)

    # --- reading ----------------------------------------------------------------------
    @guarded
    def entries(self, *, key: str | None = None, method: str | None = None,
                path: str | None = None, status: int | None = None,
                since: float | None = None, prediction_id: str | None = None,
                limit: int | None = None, dialect: str | None = None) -> list[JournalEntry]:
        self.flush()
        texts = self.backend.client.lrange(self.backend.key("journal"), 0, -1)
        return select((JournalEntry(**json.loads(text)) for text in texts), key=key,
                      method=method, path=path, status=status, since=since,
                      prediction_id=prediction_id, limit=limit, dialect=dialect)

    @property
    def seq(self) -> int:
        with contextlib.suppress(redis.RedisError):
            self.flush()
            return int(self.backend.client.get(self.backend.key("journal", "seq")) or 0)
        return 0

    @property
    def bytes(self) -> int:
        with contextlib.suppress(redis.RedisError):
            return int(self.backend.client.memory_usage(self.backend.key("journal")) or 0)
        return 0

    @guarded
    def forget(self, key: str | None = None) -> None:
        self.flush()
        backend = self.backend
        backend.scripts.journal_forget(args=[backend.prefix, "", key or ""])

    def __len__(self) -> int:
        with contextlib.suppress(redis.RedisError):
            self.flush()
            return int(self.backend.client.llen(self.backend.key("journal")))
        return 0
