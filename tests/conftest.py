from __future__ import annotations

from collections.abc import Iterator

import httpcore  # noqa: F401 - see below
import httpx
import pytest
from hypothesis import HealthCheck, settings

from fashn_mock import Emulator
from tests.support import AUTH

pytest_plugins = ["pytester"]
# httpx imports httpcore lazily and caches its exception classes on first use. A
# pytester run in this process drops the modules it imported when it ends, so an
# httpcore first imported there would come back as new classes that the cache no
# longer maps (an httpcore error instead of httpx's): import it here, once.

settings.register_profile("fashn-mock", deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fashn-mock")


@pytest.fixture
def emulator() -> Emulator:
    """Real timings on a manual clock: time moves only through ``advance``."""
    return Emulator(manual_clock=True, time_scale=1, seed=0)


@pytest.fixture
def client(emulator: Emulator) -> Iterator[httpx.Client]:
    with emulator.httpx_client(headers=AUTH) as client:
        yield client
