"""The pytest plugin (registered through the ``pytest11`` entry point).

- ``fashn_mock``: a fresh, isolated emulator per test (default ``time_scale=0``),
  reachable in-process and over ``FASHN_BASE_URL``; steer it with the
  ``@pytest.mark.fashn_mock(...)`` marker and the handle's methods.
- ``fashn_mock_server``: one real uvicorn server per session (per xdist worker),
  serving the current test's emulator, or a shared default one (``time_scale=0``)
  when no ``fashn_mock`` test is running (``base_url``).
- ``@pytest.mark.fashn_cassette("name")``: replay (or record) ``<dir>/name.yaml``
  through that emulator (``fashn_mock.cassettes.CassetteSession``);
  ``fashn_cassette`` is the session.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from typing import Any

import pytest

from fashn_mock.cassettes import CassetteSession, Matcher, RecordMode
from fashn_mock.cassettes.session import DEFAULT_UPSTREAM
from fashn_mock.config import Config
from fashn_mock.emulator import Emulator
from fashn_mock.environment import ENV_API_KEY, environment
from fashn_mock.server import BackgroundServer
from fashn_mock.testing import FashnMock, SwitchableApp

MARKER = "fashn_mock"
MARKER_FIELDS = frozenset(f.name for f in dataclasses.fields(Config))
"""The marker takes every ``Config`` setting."""
CASSETTE_MARKER = "fashn_cassette"
CASSETTE_FIELDS = {"mode", "replay_by", "match", "ignore", "redact"}
SESSION = pytest.StashKey[CassetteSession]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fashn-mock")
    group.addoption("--fashn-mock-strict", action="store_true", default=False,
                    help="fail tests whose requests violate the FASHN contract")
    group.addoption("--fashn-cassette-dir", default=None,
                    help="directory of @fashn_cassette cassettes (ini fashn_cassette_dir; "
                         "default tests/cassettes)")
    group.addoption("--fashn-record-mode", default=None,
                    choices=[mode.value for mode in RecordMode],
                    help="none (replay only, default), once, new_episodes or all")
    group.addoption("--fashn-upstream", default=None,
                    help=f"the API recorded from (default {DEFAULT_UPSTREAM}); recording "
                         "uses the real key in FASHN_API_KEY")
    parser.addini("fashn_cassette_dir", "directory of @fashn_cassette cassettes",
                  default="tests/cassettes")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(time_scale=0, credits=None, limits=True, seed=0, ...): "
        "configure the fashn_mock fixture's emulator")
    config.addinivalue_line(
        "markers", f"{CASSETTE_MARKER}(name=None, mode=None, replay_by='polls', match=None, "
        "ignore=(), redact=()): replay or record FASHN traffic in a cassette")


@pytest.fixture(scope="session")
def fashn_mock_server() -> Iterator[BackgroundServer]:
    """A real server on a free loopback port (``base_url``): it serves the current
    test's ``fashn_mock`` emulator, else a shared default one (``time_scale=0``)."""
    default = Emulator(time_scale=0)
    with BackgroundServer(SwitchableApp(default.app)) as server:
        yield server


@pytest.fixture(autouse=True)
def _fashn_cassette_marker(request: pytest.FixtureRequest) -> None:
    """A ``fashn_cassette`` marker alone is enough to activate ``fashn_mock``."""
    if request.node.get_closest_marker(CASSETTE_MARKER) is not None:
        request.getfixturevalue("fashn_mock")


@pytest.fixture
def fashn_cassette(request: pytest.FixtureRequest, fashn_mock: FashnMock) -> CassetteSession:
    """The ``@pytest.mark.fashn_cassette`` session of this test (path, mode, misses)."""
    if SESSION not in request.node.stash:
        raise pytest.UsageError(f"fashn_cassette needs @pytest.mark.{CASSETTE_MARKER}")
    session: CassetteSession = request.node.stash[SESSION]
    return session


@pytest.fixture
def fashn_mock(request: pytest.FixtureRequest,
               fashn_mock_server: BackgroundServer) -> Iterator[FashnMock]:
    """An isolated emulator for this test; ``FASHN_BASE_URL``/``FASHN_API_KEY`` point
    at it while the test runs."""
    strict = bool(request.config.getoption("--fashn-mock-strict"))
    settings: dict[str, Any] = {"time_scale": 0.0, "seed": 0, "strict": strict}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        settings.update(marker_settings(marker.args, marker.kwargs))
    emulator = _emulator(settings)
    api_key = exported_key(request.node.nodeid, emulator.config.api_keys)
    base_url = fashn_mock_server.base_url
    switch = fashn_mock_server.app
    assert isinstance(switch, SwitchableApp)
    switch.target = emulator.app
    with ExitStack() as stack:
        stack.callback(setattr, switch, "target", None)
        cassette = _cassette_session(request, emulator)
        if cassette is not None:
            request.node.stash[SESSION] = stack.enter_context(cassette)
            if cassette.recording:
                base_url, api_key = cassette.base_url, _real_key()
        handle = FashnMock(emulator, api_key, base_url)
        with environment(base_url, api_key):
            yield handle
    violations = handle.violations() if strict else []
    if violations:
        lines = "\n".join(f"  {violation}" for violation in violations)
        pytest.fail(f"fashn-mock: requests violated the FASHN contract:\n{lines}",
                    pytrace=False)
    if cassette is not None and cassette.miss_count:
        pytest.fail(f"fashn-mock: {cassette.miss_count} request(s) matched no recording in "
                    f"{cassette.path}:\n" + "\n".join(cassette.misses), pytrace=False)


def marker_settings(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The ``Config`` settings of one ``fashn_mock`` marker; unknown names refused."""
    if args:
        pytest.fail(f"@pytest.mark.{MARKER} takes settings by name, e.g. "
                    f"@pytest.mark.{MARKER}(time_scale=1)", pytrace=False)
    unknown = set(kwargs) - MARKER_FIELDS
    if unknown:
        pytest.fail(f"@pytest.mark.{MARKER}: unknown {sorted(unknown)}; the settings are "
                    f"{', '.join(sorted(MARKER_FIELDS))}", pytrace=False)
    settings = dict(kwargs)
    if isinstance(settings.get("api_keys"), str):
        settings["api_keys"] = (settings["api_keys"],)
    if "api_keys" in settings:
        settings["api_keys"] = tuple(settings["api_keys"])
    return settings


def _emulator(settings: dict[str, Any]) -> Emulator:
    """The test's emulator, or one line saying which setting is wrong."""
    try:
        return Emulator(Config(**settings), manual_clock=True)
    except (TypeError, ValueError) as error:
        problem = str(error)
    pytest.fail(f"@pytest.mark.{MARKER}: {problem}", pytrace=False)


def exported_key(nodeid: str, accepted: tuple[str, ...]) -> str:
    """The key a test exports: the first accepted key when the marker restricts keys
    (``api_keys=[...]``), else one derived from the test's id."""
    if accepted:
        return accepted[0]
    return "fa-test-" + hashlib.sha1(nodeid.encode()).hexdigest()[:16]


def _cassette_session(request: pytest.FixtureRequest,
                      emulator: Emulator) -> CassetteSession | None:
    marker = request.node.get_closest_marker(CASSETTE_MARKER)
    if marker is None:
        return None
    unknown = set(marker.kwargs) - CASSETTE_FIELDS
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.{CASSETTE_MARKER}: unknown {sorted(unknown)}")
    config = request.config
    folder = config.getoption("--fashn-cassette-dir") or config.getini("fashn_cassette_dir")
    name = marker.args[0] if marker.args else re.sub(r"[^\w.-]+", "_", request.node.name)
    options = marker.kwargs
    return CassetteSession(
        config.rootpath / folder / f"{name}.yaml",
        config.getoption("--fashn-record-mode") or options.get("mode", RecordMode.NONE),
        emulator=emulator, upstream=config.getoption("--fashn-upstream") or DEFAULT_UPSTREAM,
        redact=tuple(options.get("redact", ())),
        matcher=Matcher.parse(options.get("match"), tuple(options.get("ignore", ()))),
        by_polls=options.get("replay_by", "polls") == "polls")


def _real_key() -> str:
    key = os.environ.get(ENV_API_KEY)
    if not key:
        pytest.fail(f"fashn-mock: recording a cassette needs the real API key in {ENV_API_KEY}",
                    pytrace=False)
    return key
