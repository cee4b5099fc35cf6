"""Engine events between the processes of a shared store: what happens on one process
(a submission, an interruption, a webhook attempt, a refusal, a reset) reaches the
event subscribers (SSE streams, the dashboard) of every other.

Sending stays off the request path: events wait in this process's buffer and one
thread publishes them in batches (a pipeline of ``PUBLISH`` on ``P:events``). Each
message carries its sender's id, so a process skips its own. Status transitions read
off timestamps are not relayed: every process derives them for its own watchers.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from fashn_mock.engine.events import Event
from fashn_mock.store.backend import Backend

log = logging.getLogger("fashn_mock.store")
BATCH_SECONDS = 0.005
"""How long the sender waits for more events before publishing a batch."""
MAX_BUFFERED = 10_000
"""Events waiting at most (a store that is gone drops the oldest)."""
Deliver = Callable[[Event], None]


class EventRelay:
    def __init__(self, backend: Backend, deliver: Deliver) -> None:
        self.backend = backend
        self.deliver = deliver
        self.origin = secrets.token_hex(8)
        self.channel = backend.key("events")
        self._buffer: list[str] = []
        self._wake = threading.Condition()
        self._closed = False
        self._sender: threading.Thread | None = None
        backend.subscribe(self.channel, self._heard)

    def send(self, event: Event) -> None:
        """Relay ``event`` to the other processes (soon, in the background)."""
        text = json.dumps([self.origin, event.kind, event.at, event.key,
                           event.prediction_id, dict(event.data)], default=str)
        with self._wake:
            if len(self._buffer) >= MAX_BUFFERED:
                del self._buffer[0]
            self._buffer.append(text)
            if self._sender is None and not self._closed:
                self._sender = threading.Thread(target=self._send_soon, daemon=True,
                                                name="fashn-mock-events")
                self._sender.start()
            elif len(self._buffer) == 1:
                self._wake.notify()

    def flush(self) -> None:
        """Publish what waits (the sender thread does it on its own)."""
        with self._wake:
            texts, self._buffer = self._buffer, []
        if not texts:
            return
        try:
            pipe = self.backend.client.pipeline(transaction=False)
            for text in texts:
                pipe.publish(self.channel, text)
            pipe.execute()
        except redis.RedisError:
            log.warning("fashn-mock: %d event(s) could not be relayed", len(texts))

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self.flush()

    def _send_soon(self) -> None:
        while True:
            with self._wake:
                if not self._buffer and not self._closed:
                    self._wake.wait(1.0)
                if not self._buffer:
                    self._sender = None
                    return
            if not self._closed:
                time.sleep(BATCH_SECONDS)  # one wake-up per batch, not per event
            self.flush()

    def _heard(self, text: str) -> None:
        with contextlib.suppress(ValueError, TypeError):
            origin, kind, at, key, prediction_id, data = json.loads(text)
            if origin == self.origin:
                return
            event = Event(str(kind), float(at), key, prediction_id,
                          _mapping(data))
            self.deliver(event)


def _mapping(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}
