"""Test inboxes (``engine.inbox``) in the shared store: a delivery POSTed to any process
is seen from every process. ``P:inboxes`` names them; each keeps its deliveries
(``P:inbox:<name>:items``, JSON, bounded in count and bytes) and the failure statuses
still to answer (``...:fail``). Waiting polls the list (a few ms apart)."""

from __future__ import annotations

import json
import time
from typing import Any, cast

from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.engine.inbox import (
    CAPACITY,
    MAX_INBOXES,
    WAIT_SECONDS,
    Inbox,
    Inboxes,
    Received,
    check_failures,
    check_name,
)
from fashn_mock.store.backend import Backend, guarded

POLL_SECONDS = 0.01


class RedisInbox(Inbox):
    def __init__(self, backend: Backend, name: str) -> None:
        super().__init__(name)
        self.backend = backend

    def _key(self, part: str) -> str:
        return self.backend.key("inbox", self.name, part)

    @guarded
    def receive(self, at: float, headers: dict[str, str], body: Any, size: int = 0) -> int:
        backend = self.backend
        text = json.dumps({"answered": 0, "seq": 0, "at": at, "wall_time": time.time(),
                           "headers": headers, "body": body, "size": size})
        return int(backend.scripts.inbox(args=[backend.prefix, "", "receive", self.name,
                                               CAPACITY, self.budget, text, size]))

    @property
    @guarded
    def received(self) -> list[Received]:
        texts = cast(list[str], self.backend.client.lrange(self._key("items"), 0, -1))
        return [Received(**json.loads(text)) for text in texts]

    def wait(self, count: int = 1, timeout: float = WAIT_SECONDS) -> list[Any]:
        deadline = time.monotonic() + timeout
        while True:
            received = self.received
            accepted = [item.body for item in received if item.answered < 300]
            if len(accepted) >= count:
                return accepted
            if time.monotonic() >= deadline:
                seen = [(item.answered, _status(item.body)) for item in received]
                raise AssertionError(
                    f"fashn-mock: inbox {self.name!r} accepted {len(accepted)} of {count} "
                    f"payload(s) within {timeout:g} s; received (answer, status): {seen}")
            time.sleep(POLL_SECONDS)

    @guarded
    def fail_next(self, times: int = 1, status: int = 500) -> None:
        check_failures(times, status)
        self.backend.client.rpush(self._key("fail"), *[status] * times)

    @guarded
    def clear(self) -> None:
        self.backend.client.delete(*(self._key(part) for part in ("items", "fail", "sizes",
                                                                  "bytes")))

    @guarded
    def as_json(self) -> dict[str, Any]:
        failures = cast(list[str], self.backend.client.lrange(self._key("fail"), 0, -1))
        return {"name": self.name, "pending_failures": [int(f) for f in failures],
                "received": [item.as_json() for item in self.received]}


class RedisInboxes(Inboxes):
    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend

    @guarded
    def get(self, name: str) -> RedisInbox:
        check_name(name)
        backend = self.backend
        if not backend.scripts.inbox(args=[backend.prefix, "", "open", name, MAX_INBOXES]):
            raise InvalidRequest(f"at most {MAX_INBOXES} inboxes; DELETE one first",
                                 field="name")
        return RedisInbox(backend, name)

    @guarded
    def names(self) -> list[str]:
        return sorted(cast(set[str], self.backend.client.smembers(
            self.backend.key("inboxes"))))

    @guarded
    def drop(self, name: str) -> None:
        RedisInbox(self.backend, name).clear()
        self.backend.client.srem(self.backend.key("inboxes"), name)

    @guarded
    def forget(self) -> None:
        for name in self.names():
            self.drop(name)


def _status(body: Any) -> Any:
    return body.get("status") if isinstance(body, dict) else None
