"""Each gateway's suites report a deliberately broken emulator, with a curl line to
replay it: rewritten bodies and headers, broken streams, wrong ledgers and leaks."""

from __future__ import annotations

from typing import Any

import pytest

from fashn_mock import Config, Emulator
from fashn_mock.contract.report import Report
from fashn_mock.contract.runner import Options, run_contract
from fashn_mock.contract.target import Target
from fashn_mock.faces.pixazo import bodies
from fashn_mock.validation import RunRequest
from tests.contract import broken
from tests.contract.test_suites_can_fail import assert_reported

QUICK = {"coverage": 20, "examples": 5}


def run(emulator: Emulator, dialect: str, *suites: str, **options: Any) -> Report:
    target = Target("http://fashn-mock.local", "fa-broken", dialect=dialect,
                    client_factory=emulator.httpx_client)
    return run_contract(target, Options(suites=suites, **{**QUICK, **options}))


def rewritten(edit: broken.Edit, *, manual_clock: bool = False, **settings: Any) -> Emulator:
    emulator = Emulator(Config(**settings), manual_clock=manual_clock)
    emulator.app = broken.Rewrite(emulator.app, edit)  # type: ignore[assignment]
    return emulator


# --- Concurred ----------------------------------------------------------------------------
@pytest.mark.parametrize(("suite", "edit", "check"), [
    ("probes", broken.forbids_instead_of_401, "without a key -> 401"),
    ("probes", broken.no_rate_headers, "unknown id -> 404"),
    ("schemathesis", broken.no_rate_headers, "Missing required response headers"),
    ("links", broken.status_without_success, "Response violates schema"),
    ("lifecycle", broken.status_without_success, "response conforms to the contract"),
    ("lifecycle", broken.extra_output_in_data, "outputs = num_images/num_samples"),
    ("sse", broken.stream_without_done, "conforms to the contract"),
    ("sse", broken.stream_names_another_model, "events say what happened"),
], ids=["401 as 403", "no rate headers (probes)", "no rate headers (schemathesis)",
        "no success (links)", "no success (lifecycle)", "output count", "no [DONE]",
        "another model"])
def test_concurred_suites_report_broken_responses(suite: str, edit: broken.Edit,
                                                  check: str) -> None:
    manual = suite == "lifecycle"
    emulator = rewritten(edit, manual_clock=manual, **({} if manual else {"time_scale": 0}))
    assert_reported(run(emulator, "concurred", suite), check)


def test_concurred_sse_reports_status_updates_out_of_order() -> None:
    emulator = rewritten(broken.stream_out_of_order, manual_clock=True)
    report = run(emulator, "concurred", "sse")
    assert_reported(report, "conforms to the contract")
    assert "does not strictly ascend" in report.render()


@pytest.mark.parametrize(("breakage", "check"), [
    (lambda: broken.charges_failures(Emulator(manual_clock=True)),
     "credits charged exactly once, never for failures"),
    (lambda: broken.shows_everyones_predictions(Emulator(manual_clock=True)),
     "another key never sees my predictions"),
    (lambda: broken.reuses_ids(Emulator(Config(limits=True), manual_clock=True)),
     "ids unique"),
], ids=["charges failures", "leaks across keys", "duplicate ids"])
def test_concurred_lifecycle_reports_broken_invariants(breakage: Any, check: str) -> None:
    assert_reported(run(breakage(), "concurred", "lifecycle", examples=15), check)


# --- Pixazo -------------------------------------------------------------------------------
@pytest.mark.parametrize(("suite", "edit", "check"), [
    ("probes", broken.error_with_message, "without a subscription key -> 401"),
    ("probes", broken.rejects_with_422, "without garment_image -> 400"),
    ("links", broken.request_id_without_prefix, "Response violates schema"),
    ("lifecycle", broken.images_without_width, "response conforms to the contract"),
], ids=["error body not exactly one text", "422", "request id (links)",
        "image size (lifecycle)"])
def test_pixazo_suites_report_broken_responses(suite: str, edit: broken.Edit,
                                               check: str) -> None:
    manual = suite == "lifecycle"
    emulator = rewritten(edit, manual_clock=manual, **({} if manual else {"time_scale": 0}))
    assert_reported(run(emulator, "pixazo", suite), check)


def test_pixazo_schemathesis_reports_accepted_negative_data(
        monkeypatch: pytest.MonkeyPatch) -> None:
    original = bodies.parse_request

    def lenient(body: Any) -> RunRequest:
        try:
            return original(body)
        except Exception:
            return original({"model_image": "https://example.com/m.jpg",
                             "garment_image": "https://example.com/g.jpg"})

    monkeypatch.setattr(bodies, "parse_request", lenient)
    report = run(Emulator(Config(time_scale=0)), "pixazo", "schemathesis")
    assert_reported(report, "Schema-violating request accepted")


@pytest.mark.parametrize(("breakage", "check"), [
    (lambda: broken.charges_failures_in_usd(Emulator(manual_clock=True)),
     "credits charged exactly once, never for failures"),
    (lambda: broken.shows_everyones_predictions(Emulator(manual_clock=True)),
     "another key never sees my predictions"),
    (lambda: broken.reuses_ids(Emulator(manual_clock=True)), "ids unique"),
], ids=["charges failures", "leaks across keys", "duplicate ids"])
def test_pixazo_lifecycle_reports_broken_invariants(breakage: Any, check: str) -> None:
    assert_reported(run(breakage(), "pixazo", "lifecycle", examples=15), check)
