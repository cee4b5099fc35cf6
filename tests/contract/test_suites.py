"""The contract suites against the emulator, in-process and on a real loopback port.

They must pass, except for emulator bugs reported to the lead and listed in
``KNOWN_ISSUES`` (strict: a known issue that stops happening fails the test, so
the list cannot go stale).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fashn_mock import BackgroundServer, Config, Emulator
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.contract.report import Failure, Report
from fashn_mock.contract.runner import Options, run_contract
from fashn_mock.contract.target import Target

KEY = "fa-contract-ci"
KNOWN_ISSUES: dict[str, tuple[str, str]] = {}
"""Reported, not yet fixed emulator bugs: description -> (failure check, message text).
Fixed so far: webhook_url not a URI accepted; OutOfCredits and scripted 429s without
Retry-After."""
TIGHT = Config(credits=4, concurrency=1, journal_size=100_000, rates={
    "run": RateRule(3, 60), "status": RateRule(30, 10), "credits": RateRule(10, 10)})


def known(failure: Failure) -> str | None:
    for issue, (check, text) in KNOWN_ISSUES.items():
        if failure.check == check and text in failure.message:
            return issue
    return None


def assert_only_known(report: Report, expected: set[str]) -> None:
    unexpected = [f for f in report.failures if known(f) is None]
    assert not unexpected, report.render()
    seen = {known(f) for f in report.failures}
    fixed = expected - seen
    assert not fixed, f"known issue(s) no longer happen, remove from KNOWN_ISSUES: {fixed}"


def in_process(emulator: Emulator) -> Target:
    return Target("http://fashn-mock.local", KEY, client_factory=emulator.httpx_client)



def test_schemathesis_probes_and_links_in_process() -> None:
    report = run_contract(in_process(Emulator(Config(limits=False, time_scale=0))),
                          Options(suites=("probes", "schemathesis", "links")))
    assert_only_known(report, set())
    probes, fuzz, links = report.suites
    assert probes.cases >= 15 and fuzz.cases > 2000 and links.cases > 20
    assert all(suite.ran for suite in report.suites)


def test_lifecycle_in_process_with_a_manual_clock_and_tight_quotas() -> None:
    """Real timings on a clock the suite moves through /_mock: every status is seen,
    and rate, concurrency and credit limits are all hit."""
    emulator = Emulator(TIGHT, manual_clock=True)
    report = run_contract(in_process(emulator), Options(suites=("lifecycle",), examples=25))
    assert_only_known(report, set())
    seen = {entry.status for entry in emulator.journal()}
    assert {200, 404, 429} <= seen
    errors = {entry.error for entry in emulator.journal() if entry.status == 429}
    assert errors == {"RateLimitExceeded", "ConcurrencyLimitExceeded", "OutOfCredits"}


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """``fashn-mock serve --time-scale 0`` on a free loopback port."""
    with BackgroundServer(Emulator(time_scale=0).app) as server:
        yield server.url


def test_every_suite_on_a_real_port(served: str) -> None:
    report = run_contract(Target(served, KEY), Options(examples=5, coverage=40))
    assert_only_known(report, set())
    assert [s.name for s in report.suites] == ["probes", "schemathesis", "stateful links",
                                               "lifecycle", "webhooks"]
    assert report.target.endswith("(fashn-mock emulator, clock control via /_mock)")
    assert "moved the emulator's clock" in "\n".join(report.notes)
