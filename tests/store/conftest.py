"""The ``make`` fixture: emulators on either store (the Redis server: ``redis_url``,
tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fashn_mock import Config, Emulator
from fashn_mock.clock import Clock
from fashn_mock.engine import Engine
from tests.redis_server import prefix_for

Make = Callable[..., Emulator]


@pytest.fixture(params=["memory", "redis"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make(store_kind: str, request: pytest.FixtureRequest) -> Iterator[Make]:
    """``make(**settings)``: an emulator on this test's store (memory, or the test's own
    prefix of the session's Redis); emulators made again share the Redis state."""
    made: list[Emulator] = []
    url = request.getfixturevalue("redis_url") if store_kind == "redis" else None
    prefix = prefix_for(request) if url is not None else ""

    def build(config: Config | None = None, *, manual_clock: bool = True,
              **settings: Any) -> Emulator:
        settings.setdefault("seed", 0)
        if url is not None:
            settings.setdefault("store_prefix", prefix)
            settings["store"] = url
        emulator = Emulator(config, manual_clock=manual_clock, **settings)
        made.append(emulator)
        return emulator

    yield build
    for emulator in made:
        emulator.close()


@pytest.fixture
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one Redis store (as two processes would be), on a manual clock."""
    config = Config(time_scale=1, seed=0, store=request.getfixturevalue("redis_url"),
                    store_prefix=prefix_for(request))
    engines = (Engine(config, Clock.manual()), Engine(config, Clock.manual()))
    yield engines
    for engine in engines:
        engine.close()
