"""Options for running the contract suites with pytest against any FASHN API, in any
of its dialects:

    pytest contracts/                                   # a fresh local emulator
    pytest contracts/ --base-url http://127.0.0.1:8000  # fashn-mock serve
    FASHN_API_KEY=fa-... pytest contracts/ --base-url https://api.fashn.ai           # free checks
    FASHN_API_KEY=fa-... pytest contracts/ --base-url https://api.fashn.ai --budget 10
    pytest contracts/ --dialect concurred               # the Concurred gateway's contract
    FASHN_API_KEY=... pytest contracts/ --dialect pixazo \\
        --base-url https://gateway.pixazo.ai/fashn-virtual-try-on-917/v1       # free checks

The suites run once per session (so ``--budget`` bounds the whole run); each suite of
the dialect is one test, failing with the readable report and its curl lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fashn_mock.contract.known_dialects import get
from fashn_mock.contract.openapi import DIALECTS
from fashn_mock.contract.report import Report
from fashn_mock.contract.runner import ALL_SUITES, Options, run_contract
from fashn_mock.contract.target import DEFAULT_KEY_ENV, OTHER_KEY_ENV, Target

LOCAL_KEY = "fa-contract-local"
DIALECT_ENV = "FASHN_MOCK_CONTRACT_DIALECT"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fashn-contract")
    group.addoption("--base-url", default=os.environ.get("FASHN_BASE_URL"),
                    help="API under test (env FASHN_BASE_URL; default: a local emulator)")
    group.addoption("--dialect", default=os.environ.get(DIALECT_ENV) or "native",
                    choices=DIALECTS, help=f"whose contract (env {DIALECT_ENV})")
    group.addoption("--api-key", default=os.environ.get(DEFAULT_KEY_ENV),
                    help=f"API key (env {DEFAULT_KEY_ENV})")
    group.addoption("--other-api-key", default=os.environ.get(OTHER_KEY_ENV),
                    help=f"a second key (env {OTHER_KEY_ENV})")
    group.addoption("--budget", type=int, default=None,
                    help="credits (Pixazo: paid requests) the run may spend (default: 0 "
                         "unless fashn-mock)")
    group.addoption("--examples", type=int, default=None,
                    help="generated examples per operation, model and mode")
    group.addoption("--contract-suite", action="append", choices=ALL_SUITES,
                    help="run only this suite; repeatable")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per suite of the chosen dialect."""
    if "suite" in metafunc.fixturenames:
        metafunc.parametrize("suite", get(metafunc.config.getoption("--dialect")).suites)


@pytest.fixture(scope="session")
def contract_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    base_url = request.config.getoption("--base-url")
    dialect = request.config.getoption("--dialect")
    key = request.config.getoption("--api-key")
    other = request.config.getoption("--other-api-key")
    if base_url:
        if not key:
            pytest.fail(f"--api-key or {DEFAULT_KEY_ENV} is needed for {base_url}")
        yield Target(base_url, key, other_api_key=other, dialect=dialect)
        return
    from fashn_mock import BackgroundServer, Config, Emulator

    with BackgroundServer(Emulator(Config(time_scale=0)).app) as server:
        yield Target(server.url, key or LOCAL_KEY, other_api_key=other, dialect=dialect)


@pytest.fixture(scope="session")
def contract_report(request: pytest.FixtureRequest, contract_target: Target) -> Report:
    dialect = contract_target.speaks
    chosen = request.config.getoption("--contract-suite")
    options = Options(budget=request.config.getoption("--budget"),
                      examples=request.config.getoption("--examples"),
                      suites=[s for s in chosen if s in dialect.suites] if chosen else None)
    return run_contract(contract_target, options)
