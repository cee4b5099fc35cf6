"""The pytest plugin (registered through the ``pytest11`` entry point).

- ``fashn_mock``: a fresh, isolated emulator per test (default ``time_scale=0``),
  reachable in-process and over ``FASHN_BASE_URL``; steer it with the
  ``@pytest.mark.fashn_mock(...)`` marker and the handle's methods.
- ``fashn_mock_server``: one real uvicorn server per session (per xdist worker).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from fashn_mock.config import Config
from fashn_mock.emulator import Emulator
from fashn_mock.environment import environment
from fashn_mock.server import BackgroundServer
from fashn_mock.testing import FashnMock, SwitchableApp

MARKER = "fashn_mock"
MARKER_FIELDS = {"time_scale", "credits", "limits", "seed", "api_keys", "concurrency",
                 "failure_rate", "jitter", "rates", "journal_size", "strict"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("fashn-mock").addoption(
        "--fashn-mock-strict", action="store_true", default=False,
        help="fail tests whose requests violate the FASHN contract")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(time_scale=0, credits=None, limits=True, seed=0, ...): "
        "configure the fashn_mock fixture's emulator")


@pytest.fixture(scope="session")
def fashn_mock_server() -> Iterator[BackgroundServer]:
    """A real server on a free loopback port, serving the current test's emulator."""
    with BackgroundServer(SwitchableApp()) as server:
        yield server


@pytest.fixture
def fashn_mock(request: pytest.FixtureRequest,
               fashn_mock_server: BackgroundServer) -> Iterator[FashnMock]:
    """An isolated emulator for this test; ``FASHN_BASE_URL``/``FASHN_API_KEY`` point
    at it while the test runs."""
    strict = bool(request.config.getoption("--fashn-mock-strict"))
    settings: dict[str, object] = {"time_scale": 0.0, "strict": strict}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        unknown = set(marker.kwargs) - MARKER_FIELDS
        if unknown:
            raise pytest.UsageError(f"@pytest.mark.{MARKER}: unknown {sorted(unknown)}")
        settings.update(marker.kwargs)
    emulator = Emulator(Config(**settings), manual_clock=True)  # type: ignore[arg-type]
    api_key = "fa-test-" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]
    switch = fashn_mock_server.app
    assert isinstance(switch, SwitchableApp)
    switch.target = emulator.app
    handle = FashnMock(emulator, api_key, fashn_mock_server.url)
    try:
        with environment(fashn_mock_server.url, api_key):
            yield handle
    finally:
        switch.target = None
    if strict and handle.violations:
        lines = "\n".join(f"  {v['location']} {v['field']}: {v['problem']} "
                          f"(contract: {v['contract']})" for v in handle.violations)
        pytest.fail(f"fashn-mock: requests violated the FASHN contract:\n{lines}",
                    pytrace=False)
