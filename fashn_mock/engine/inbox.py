"""Webhook receivers for tests, on the emulator itself (``/_mock/inbox/{name}``).

An inbox keeps what was POSTed to it (bounded), answers 200 (or a scripted
failure status, to exercise retries) and lets a test wait until enough payloads
arrived, so code that expects webhooks is tested with no server of its own.
Plain data: the control face does the HTTP.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from fashn_mock.engine.errors import InvalidRequest

NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
MAX_INBOXES = 16
CAPACITY = 1000
"""Deliveries kept per inbox (the oldest are dropped)."""
BUDGET_BYTES = 32 * 1024 * 1024
"""Body bytes kept per inbox (the oldest are dropped; the newest is always kept)."""
MAX_FAILURES = 1000
WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class Received:
    seq: int
    at: float
    """Emulator-clock seconds when it arrived."""
    wall_time: float
    headers: dict[str, str]
    body: Any
    """The parsed JSON, or the text when it was not JSON."""
    answered: int
    """The status code the inbox answered."""
    size: int = 0
    """Bytes of the body as it arrived."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Inbox:
    def __init__(self, name: str, capacity: int = CAPACITY,
                 budget: int = BUDGET_BYTES) -> None:
        self.name = name
        self.budget = budget
        self._bytes = 0
        self._items: deque[Received] = deque(maxlen=capacity)
        self._failures: deque[int] = deque()
        self._seq = 0
        self._changed = threading.Condition()

    def receive(self, at: float, headers: dict[str, str], body: Any, size: int = 0) -> int:
        """Keep one delivery (``size`` bytes long); the status code to answer it with."""
        with self._changed:
            answer = self._failures.popleft() if self._failures else 200
            self._seq += 1
            if len(self._items) == self._items.maxlen:
                self._bytes -= self._items[0].size
            self._items.append(Received(self._seq, at, time.time(), headers, body, answer,
                                        size))
            self._bytes += size
            while self._bytes > self.budget and len(self._items) > 1:
                self._bytes -= self._items.popleft().size
            self._changed.notify_all()
        return answer

    @property
    def received(self) -> list[Received]:
        """Every delivery kept, oldest first (also those answered with a failure)."""
        with self._changed:
            return list(self._items)

    @property
    def payloads(self) -> list[Any]:
        """The bodies of the deliveries it accepted (answered 2xx), oldest first."""
        return [item.body for item in self.received if item.answered < 300]

    def wait(self, count: int = 1, timeout: float = WAIT_SECONDS) -> list[Any]:
        """Block until ``count`` payloads were accepted (at most ``timeout`` wall
        seconds); the payloads, or ``AssertionError`` saying what did arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(1 for i in self._items if i.answered < 300) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(i.answered, _status(i.body)) for i in self._items]
                    raise AssertionError(
                        f"fashn-mock: inbox {self.name!r} accepted "
                        f"{sum(1 for i in self._items if i.answered < 300)} of {count} "
                        f"payload(s) within {timeout:g} s; received (answer, status): "
                        f"{seen}")
                self._changed.wait(left)
        return self.payloads

    def fail_next(self, times: int = 1, status: int = 500) -> None:
        """Answer the next ``times`` deliveries with ``status`` (so they are retried)."""
        check_failures(times, status)
        with self._changed:
            self._failures.extend([status] * times)

    def clear(self) -> None:
        with self._changed:
            self._items.clear()
            self._failures.clear()
            self._bytes = 0

    def as_json(self) -> dict[str, Any]:
        with self._changed:
            return {"name": self.name, "pending_failures": list(self._failures),
                    "received": [item.as_json() for item in self._items]}


def check_failures(times: object, status: object) -> None:
    """``InvalidRequest`` unless ``times`` and ``status`` can script failures."""
    if not isinstance(times, int) or isinstance(times, bool) \
            or not 1 <= times <= MAX_FAILURES:
        raise InvalidRequest(f"times: expected an integer within 1..{MAX_FAILURES}",
                             field="times")
    if not isinstance(status, int) or isinstance(status, bool) \
            or not 300 <= status <= 599:
        raise InvalidRequest("status: expected a failure status within 300..599",
                             field="status")


def _status(body: Any) -> Any:
    return body.get("status") if isinstance(body, dict) else None


def check_name(name: object) -> None:
    """Refuse an inbox name that is not 1-64 letters, digits, '.', '_' or '-'."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise InvalidRequest("inbox name: 1-64 letters, digits, '.', '_' or '-'",
                             field="name")


class Inboxes:
    """Named inboxes, created on first use (at most ``MAX_INBOXES``)."""

    def __init__(self) -> None:
        self._boxes: dict[str, Inbox] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Inbox:
        check_name(name)
        with self._lock:
            inbox = self._boxes.get(name)
            if inbox is None:
                if len(self._boxes) >= MAX_INBOXES:
                    raise InvalidRequest(f"at most {MAX_INBOXES} inboxes; DELETE one first",
                                         field="name")
                inbox = self._boxes[name] = Inbox(name)
            return inbox

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._boxes)

    def drop(self, name: str) -> None:
        with self._lock:
            self._boxes.pop(name, None)

    def forget(self) -> None:
        with self._lock:
            self._boxes.clear()
