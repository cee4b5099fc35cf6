"""Options for running the contract suites with pytest against any FASHN API:

    pytest contracts/                                   # a fresh local emulator
    pytest contracts/ --base-url http://127.0.0.1:8000  # fashn-mock serve
    FASHN_API_KEY=fa-... pytest contracts/ --base-url https://api.fashn.ai           # free checks
    FASHN_API_KEY=fa-... pytest contracts/ --base-url https://api.fashn.ai --budget 10

The suites run once per session (so ``--budget`` bounds the whole run); each suite's
result is one test, failing with the readable report and its curl lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fashn_mock.contract.report import Report
from fashn_mock.contract.runner import SUITES, Options, run_contract
from fashn_mock.contract.target import DEFAULT_KEY_ENV, OTHER_KEY_ENV, Target

LOCAL_KEY = "fa-contract-local"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fashn-contract")
    group.addoption("--base-url", default=os.environ.get("FASHN_BASE_URL"),
                    help="API under test (env FASHN_BASE_URL; default: a local emulator)")
    group.addoption("--api-key", default=os.environ.get(DEFAULT_KEY_ENV),
                    help=f"Bearer key (env {DEFAULT_KEY_ENV})")
    group.addoption("--other-api-key", default=os.environ.get(OTHER_KEY_ENV),
                    help=f"a second key (env {OTHER_KEY_ENV})")
    group.addoption("--budget", type=int, default=None,
                    help="credits the run may spend (default: 0 unless fashn-mock)")
    group.addoption("--examples", type=int, default=None,
                    help="generated examples per operation, model and mode")
    group.addoption("--contract-suite", action="append", choices=SUITES,
                    help="run only this suite; repeatable")


@pytest.fixture(scope="session")
def contract_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    base_url = request.config.getoption("--base-url")
    key = request.config.getoption("--api-key")
    other = request.config.getoption("--other-api-key")
    if base_url:
        if not key:
            pytest.fail(f"--api-key or {DEFAULT_KEY_ENV} is needed for {base_url}")
        yield Target(base_url, key, other_api_key=other)
        return
    from fashn_mock import BackgroundServer, Config, Emulator

    with BackgroundServer(Emulator(Config(time_scale=0)).app) as server:
        yield Target(server.url, key or LOCAL_KEY, other_api_key=other)


@pytest.fixture(scope="session")
def contract_report(request: pytest.FixtureRequest, contract_target: Target) -> Report:
    options = Options(budget=request.config.getoption("--budget"),
                      examples=request.config.getoption("--examples"),
                      suites=request.config.getoption("--contract-suite") or SUITES)
    return run_contract(contract_target, options)
