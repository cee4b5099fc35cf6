"""Every suite reports a deliberately broken emulator, with a curl line to replay it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from fashn_mock import Config, Emulator
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.contract.report import Report
from fashn_mock.contract.runner import Options, run_contract
from fashn_mock.contract.target import Target
from fashn_mock.validation import RunRequest, parse_run_body
from tests.contract import broken

QUICK = {"models": ["tryon-v1.6"], "coverage": 40, "examples": 5}


def run(emulator: Emulator, *suites: str, **options: Any) -> Report:
    target = Target("http://fashn-mock.local", "fa-broken", client_factory=emulator.httpx_client)
    return run_contract(target, Options(suites=suites, **{**QUICK, **options}))


def assert_reported(report: Report, check: str) -> None:
    matching = [f for f in report.failures if check in f.check]
    assert matching, f"expected a failure of {check!r}:\n{report.render()}"
    assert matching[0].curl.startswith(("curl ", "printf ")) or matching[0].curl == \
        "(no request)", matching[0].curl
    assert not report.ok and "FAILURE 1" in report.render()


@pytest.mark.parametrize(("edit", "check"), [
    (broken.rejects_with_422, "Undocumented status code"),
    (broken.plain_text_500, "Server error"),
    (broken.plain_text_500, "Undocumented Content-Type"),
])
def test_schemathesis_reports_broken_responses(edit: broken.Edit, check: str) -> None:
    assert_reported(run(broken.rewritten(edit, time_scale=0), "schemathesis"), check)


def test_schemathesis_reports_a_missing_required_header() -> None:
    rates = {"run": RateRule(5, 60), "status": RateRule(50, 10), "credits": RateRule(30, 10)}
    emulator = broken.rewritten(broken.no_retry_after, Config(time_scale=0, rates=rates))
    assert_reported(run(emulator, "schemathesis"), "Missing required response headers")


def test_schemathesis_reports_accepted_negative_data(monkeypatch: pytest.MonkeyPatch) -> None:
    def lenient(body: Any) -> RunRequest:
        try:
            return parse_run_body(body)
        except Exception:
            return parse_run_body({"model_name": "background-remove",
                                   "inputs": {"image": "https://example.com/x.jpg"}})

    monkeypatch.setattr("fashn_mock.faces.native.parse_run_body", lenient)
    report = run(Emulator(Config(limits=False, time_scale=0)), "schemathesis")
    assert_reported(report, "Schema-violating request accepted")


def test_probes_report_wrong_auth_errors() -> None:
    report = run(broken.rewritten(broken.forbids_instead_of_401, time_scale=0), "probes")
    assert_reported(report, "without Authorization -> 401")
    assert "expected HTTP 401, got 403" in report.render()


def test_links_report_an_undocumented_status_value() -> None:
    report = run(broken.rewritten(broken.undocumented_status_value, time_scale=0), "links")
    assert_reported(report, "GET /v1/status/{id} Response violates schema")


@pytest.mark.parametrize(("breakage", "check"), [
    (lambda: broken.rewritten(broken.undocumented_status_value, manual_clock=True),
     "response conforms to the contract"),
    (lambda: broken.rewritten(broken.extra_output, manual_clock=True),
     "outputs = num_images/num_samples"),
    (lambda: broken.charges_failures(Emulator(Config(limits=False), manual_clock=True)),
     "credits charged exactly once, never for failures"),
    (lambda: broken.shows_everyones_predictions(Emulator(manual_clock=True)),
     "another key never sees my predictions"),
    (lambda: broken.reuses_ids(Emulator(Config(limits=False), manual_clock=True)),
     "ids unique"),
    (lambda: broken.rewritten(broken.no_retry_after, Config(
        rates={"run": RateRule(2, 60), "status": RateRule(50, 10),
               "credits": RateRule(30, 10)}), manual_clock=True),
     "429s carry a usable Retry-After"),
], ids=["status value", "output count", "charges failures", "leaks across keys",
        "duplicate ids", "no Retry-After"])
def test_lifecycle_reports_broken_invariants(breakage: Any, check: str) -> None:
    assert_reported(run(breakage(), "lifecycle", examples=15), check)


def test_lifecycle_reports_statuses_moving_backwards() -> None:
    counter = itertools.count()

    def flaky(method: str, path: str, status: int, headers: dict[str, str], body: Any
              ) -> tuple[int, dict[str, str], Any]:
        if isinstance(body, dict) and body.get("status") == "completed" \
                and next(counter) % 2:
            body = {**body, "status": "processing", "output": None}
        return status, headers, body

    report = run(broken.rewritten(flaky, manual_clock=True), "lifecycle", examples=15)
    assert_reported(report, "terminal statuses are stable")
