"""The Redis store's keys: namespaced by prefix, so emulators share one server."""

from __future__ import annotations

import pytest
import redis

from fashn_mock import Emulator
from fashn_mock.cassettes.replay import ReplaySource
from fashn_mock.engine.submission import DOCS_EXAMPLE_ID
from fashn_mock.validation import parse_run_body
from tests.support import tryon

RUN = parse_run_body(tryon())


def test_reset_removes_only_its_own_prefixs_keys(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.set("someone-else:data", "kept")
    ours, theirs = (Emulator(manual_clock=True, store=redis_url, store_prefix=prefix)
                    for prefix in ("reset-ours", "reset-theirs"))
    try:
        mine = ours.engine.submit("k", RUN)
        other = theirs.engine.submit("k", RUN)
        assert any(client.scan_iter(match="reset-ours:p:*"))
        ours.reset()
        assert ours.predictions() == []
        assert sorted(client.scan_iter(match="reset-ours:*")) == [  # a fresh start
            f"reset-ours:p:{DOCS_EXAMPLE_ID}", "reset-ours:settings"]
        assert [p.id for p in theirs.predictions()] == [other.id] != [mine.id]
        assert client.get("someone-else:data") == "kept"
    finally:
        ours.close()
        theirs.close()
        client.close()


def test_a_store_that_lost_its_keys_is_started_again(redis_url: str) -> None:
    """A server restarted without persistence (or flushed) is a fresh store, not a 500."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    emulator = Emulator(manual_clock=True, store=redis_url, store_prefix="lost-keys")
    try:
        emulator.engine.submit("k", RUN)
        emulator.advance(5)
        client.delete(*client.scan_iter(match="lost-keys:*"))
        again = emulator.engine.submit("k", RUN)
        assert [p.id for p in emulator.predictions()] == [again.id]
        assert emulator.engine.balance("k").charged == 0
    finally:
        emulator.close()
        client.close()


def test_replay_is_refused_with_a_shared_store(redis_url: str) -> None:
    emulator = Emulator(manual_clock=True, store=redis_url, store_prefix="no-replay")
    try:
        with pytest.raises(ValueError, match="cannot be combined with a shared store"):
            ReplaySource([]).attach(emulator)
    finally:
        emulator.close()
