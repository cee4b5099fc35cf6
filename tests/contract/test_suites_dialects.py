"""The gateways' contract suites against the emulator: in-process, on a real loopback
port (the SSE suite reading real streams while a manual clock advances), with tight
quotas, and credit-safe against a gateway that does not look like fashn-mock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fashn_mock import BackgroundServer, Config, Emulator
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.contract.report import Report
from fashn_mock.contract.runner import Options, run_contract
from fashn_mock.contract.target import Target

KEY = "fa-contract-ci"
QUICK: dict[str, Any] = {"examples": 5, "coverage": 40}
NAMES = {"concurred": ["probes", "schemathesis", "stateful links", "lifecycle", "sse"],
         "pixazo": ["probes", "schemathesis", "stateful links", "lifecycle"]}


def in_process(emulator: Emulator, dialect: str, url: str = "http://fashn-mock.local"
               ) -> Target:
    return Target(url, KEY, client_factory=emulator.httpx_client, dialect=dialect)


def assert_ok(report: Report) -> None:
    assert report.ok, report.render()
    assert all(suite.ran for suite in report.suites), report.render()


@pytest.mark.parametrize("dialect", ["concurred", "pixazo"])
def test_every_suite_passes_in_process(dialect: str) -> None:
    report = run_contract(in_process(Emulator(Config(time_scale=0)), dialect),
                          Options(**QUICK))
    assert_ok(report)
    assert [s.name for s in report.suites] == NAMES[dialect]
    probes, fuzz, links, lifecycle = report.suites[:4]
    assert probes.cases >= 15 and fuzz.cases > 70 and links.cases > 20
    assert lifecycle.cases >= 5 and report.dialect == dialect
    assert f"dialect: {dialect}" in report.render()


def test_concurred_fuzzes_every_model_and_both_routes() -> None:
    emulator = Emulator(Config(time_scale=0, journal_size=100_000))
    report = run_contract(in_process(emulator, "concurred"),
                          Options(suites=("schemathesis",), **QUICK))
    assert_ok(report)
    sent = {(entry.method, entry.path.split("/")[4]) for entry in emulator.journal()}
    assert sent == {("POST", "run"), ("GET", "status")}
    models = {entry.body.get("model_name") for entry in emulator.journal()
              if entry.status == 200 and entry.method == "POST"}
    assert models == {"tryon-v1.6", "product-to-model", "face-to-model", "model-create",
                      "model-variation", "model-swap", "reframe", "background-change",
                      "background-remove", "image-to-video"}


@pytest.mark.parametrize("dialect", ["concurred", "pixazo"])
def test_lifecycle_with_a_manual_clock_and_tight_quotas(dialect: str) -> None:
    """Real timings on a clock the suites move through /_mock; rate and concurrency
    limits are hit (and their Retry-After honoured)."""
    rates = {"concurred.run": RateRule(3, 60), "concurred.status": RateRule(10, 10),
             "concurred.subscribe": RateRule(3, 60), "pixazo-request": RateRule(3, 60),
             "pixazo-result": RateRule(10, 10)}
    emulator = Emulator(Config(concurrency=1, journal_size=100_000, rates=rates),
                        manual_clock=True)
    suites = ("lifecycle", "sse") if dialect == "concurred" else ("lifecycle",)
    report = run_contract(in_process(emulator, dialect),
                          Options(suites=suites, examples=20))
    assert_ok(report)
    entries = [e for e in emulator.journal() if e.dialect == dialect]
    assert {200, 404, 429} <= {e.status for e in entries}
    seen = {e.prediction_status for e in entries if e.prediction_status}
    assert {"completed", "COMPLETED"} & seen and len(seen) >= 3, seen


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """``fashn-mock serve --time-scale 0`` on a free loopback port."""
    with BackgroundServer(Emulator(time_scale=0).app) as server:
        yield server.url


@pytest.mark.parametrize(("dialect", "path"), [
    ("concurred", "/api/v1/fashion"), ("pixazo", "/fashn-virtual-try-on/v1")])
def test_every_suite_on_a_real_port(served: str, dialect: str, path: str) -> None:
    report = run_contract(Target(served + path, KEY, dialect=dialect), Options(**QUICK))
    assert_ok(report)
    assert report.target == f"{served}{path if dialect == 'pixazo' else ''} " \
                            "(fashn-mock emulator, clock control via /_mock)"


def test_sse_reads_real_streams_while_a_manual_clock_advances() -> None:
    emulator = Emulator(manual_clock=True, time_scale=1)
    with emulator, BackgroundServer(emulator.app) as server:
        report = run_contract(Target(server.url, KEY, dialect="concurred"),
                              Options(suites=("sse",)))
    assert_ok(report)
    [sse] = report.suites
    assert sse.cases == 9  # 3 refusals, 5 templates, 1 longer than the stream's timeout
    assert "moved the emulator's clock" in "\n".join(report.notes)
    kinds = {(e.path, e.status) for e in emulator.journal()}
    assert ("/api/v1/fashion/subscribe", 200) in kinds


UNLIMITED = {"concurred.run": RateRule(10**6, 60), "concurred.status": RateRule(10**6, 10),
             "concurred.subscribe": RateRule(10**6, 60)}
"""Concurred documents its rate headers on every response: they need windows."""


def real_looking(emulator: Emulator, dialect: str) -> Target:
    """The emulator in-process, presented as a real gateway: no clock control, no
    control API, no balance route."""
    return Target("http://gateway.example", KEY, client_factory=emulator.httpx_client,
                  is_emulator=False, clock_control=False, dialect=dialect)


@pytest.mark.parametrize("dialect", ["concurred", "pixazo"])
def test_by_default_a_real_gateway_is_sent_nothing_it_could_charge(dialect: str) -> None:
    emulator = Emulator(Config(rates=UNLIMITED, time_scale=0, credits=50, api_keys=(KEY,)))
    report = run_contract(real_looking(emulator, dialect),
                          Options(max_sleep=0.01, **QUICK))
    assert report.budget.startswith("0 ")
    assert report.ok, report.render()
    assert [p for p in emulator.predictions() if p.key == KEY] == []
    fuzz = report.suites[1]
    assert fuzz.ran and fuzz.skipped and not report.suites[2].ran
    assert not report.suites[3].ran
    if dialect == "concurred":
        assert report.suites[4].ran and report.suites[4].cases == 3  # refusals only
    assert "balance unknown" in "\n".join(report.notes)


@pytest.mark.parametrize(("dialect", "budget"), [("concurred", 7), ("pixazo", 2)])
def test_an_explicit_budget_is_never_exceeded(dialect: str, budget: int) -> None:
    emulator = Emulator(Config(rates=UNLIMITED, time_scale=0, credits=100, api_keys=(KEY,)))
    report = run_contract(real_looking(emulator, dialect),
                          Options(budget=budget, max_sleep=0.01, **QUICK))
    assert report.ok, report.render()
    mine = emulator.predictions(key=KEY)
    completed = [p for p in mine if p.status == "completed"]
    assert completed, "a budget lets predictions complete"
    if dialect == "concurred":
        assert 100 - emulator.credits(KEY).total <= budget
    else:
        assert len(completed) <= budget
        assert emulator.credits(KEY).spent_usd == pytest.approx(0.075 * len(completed))
