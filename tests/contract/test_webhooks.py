"""The contract's webhook suite: passes against fashn-mock, fails against emulators that
send a wrong payload, none, or never retry; stays out of reach of remote APIs."""

from __future__ import annotations

from typing import Any

import pytest

from fashn_mock import BackgroundServer, Config, Emulator
from fashn_mock.contract.report import Report, SuiteResult
from fashn_mock.contract.runner import Options, run_contract
from fashn_mock.contract.target import Target
from fashn_mock.engine import Engine, PredictionState
from fashn_mock.engine.webhooks import Job
from fashn_mock.faces.native import payload
from fashn_mock.webhooks import worker as worker_module

KEY = "fa-contract-webhooks"


def in_process(emulator: Emulator) -> Target:
    return Target("http://fashn-mock.local", KEY, client_factory=emulator.httpx_client)


def suite_of(report: Report) -> SuiteResult:
    [suite] = report.suites
    assert suite.name == "webhooks"
    return suite


def webhooks(target: Target, **options: Any) -> SuiteResult:
    return suite_of(run_contract(target, Options(suites=("webhooks",), **options)))


@pytest.mark.parametrize("emulator", [
    pytest.param(lambda: Emulator(manual_clock=True), id="manual clock"),
    pytest.param(lambda: Emulator(time_scale=0), id="time scale 0"),
    pytest.param(lambda: Emulator(time_scale=0.01), id="time scale 0.01"),
])
def test_passes_against_the_emulator_in_process(emulator: Any) -> None:
    suite = webhooks(in_process(emulator()))
    assert suite.ran and suite.ok, suite.failures
    assert suite.cases == 3 and suite.requests >= 6


def test_passes_on_a_real_port() -> None:
    with BackgroundServer(Emulator(time_scale=0).app) as server:
        suite = webhooks(Target(server.url, KEY))
    assert suite.ran and suite.ok, suite.failures


def test_a_zero_budget_runs_the_free_cases_only() -> None:
    suite = webhooks(in_process(Emulator(time_scale=0)), budget=0)
    assert suite.ok and suite.cases == 2
    assert sum(suite.skipped.values()) == 1


def test_remote_apis_are_not_asked_to_call_this_machine() -> None:
    target = Target("https://api.fashn.ai", KEY,
                    client_factory=Emulator(time_scale=0).httpx_client)
    suite = webhooks(target)
    assert not suite.ran and "cannot reach a receiver" in suite.notes[0]


def checks(suite: SuiteResult) -> set[str]:
    return {failure.check for failure in suite.failures}


def test_fails_when_nothing_is_delivered() -> None:
    emulator = Emulator(manual_clock=True)
    emulator.engine.webhooks.dispatcher = lambda job: None
    suite = webhooks(in_process(emulator))
    assert checks(suite) == {"a webhook is delivered when a prediction finishes"}
    assert [f.seen_in for f in suite.failures] == [
        ["completes"], ["fails to load"], ["receiver fails once"]]
    assert suite.failures[0].curl.startswith("curl ") and "webhook_url" in \
        suite.failures[0].curl


@pytest.mark.parametrize(("render", "check"), [
    (lambda body: {**body, "status": "done"},
     "the payload conforms to the contract (webhooks)"),
    (lambda body: {k: v for k, v in body.items() if k != "error"},
     "the payload conforms to the contract (webhooks)"),
    (lambda body: {**body, "output": None},
     "the payload is what /v1/status shows"),
], ids=["undocumented status", "missing error", "differs from status"])
def test_fails_on_a_wrong_payload(render: Any, check: str) -> None:
    emulator = Emulator(manual_clock=True)

    def wrong(engine: Engine, state: PredictionState, base: str) -> dict[str, Any]:
        return dict(render(payload(engine, state, base)))

    emulator.deliverer.render = wrong
    suite = webhooks(in_process(emulator))
    assert check in checks(suite), suite.failures


def test_fails_on_a_wrong_content_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_module, "JSON", {"content-type": "text/plain"})
    suite = webhooks(in_process(Emulator(manual_clock=True)))
    assert checks(suite) == {"Content-Type: application/json"}, suite.failures


def test_fails_when_a_failed_delivery_is_never_retried() -> None:
    emulator = Emulator(manual_clock=True)
    webhooks_of = emulator.engine.webhooks
    original = webhooks_of.record

    def no_retry(job: Job, outcome: Any) -> Any:
        if outcome.result == "failed":
            outcome = type(outcome)("refused", outcome.at, outcome.wall_time)
        return original(job, outcome)

    webhooks_of.record = no_retry  # type: ignore[method-assign]
    suite = webhooks(in_process(emulator))
    assert checks(suite) == {"a delivery answered 500 is retried"}, suite.failures


def test_the_suite_is_registered() -> None:
    report = run_contract(in_process(Emulator(Config(time_scale=0))),
                          Options(suites=("webhooks",)))
    assert report.ok, report.render()
    assert "[ok] webhooks" in report.render()
