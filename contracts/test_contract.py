"""One test per contract suite of the chosen dialect (``--dialect``, parametrized in
``conftest.py``); the suites themselves live in ``fashn_mock.contract``."""

from __future__ import annotations

import pytest

from fashn_mock.contract.report import Report

NAMES = {"links": "stateful links"}


def test_suite(contract_report: Report, suite: str) -> None:
    found = [s for s in contract_report.suites if s.name == NAMES.get(suite, suite)]
    if not found:
        pytest.skip(f"{suite} not selected (--contract-suite)")
    result = found[0]
    if not result.ran:
        pytest.skip("; ".join(result.notes))
    assert result.ok, contract_report.render()


def test_budget_respected(contract_report: Report) -> None:
    assert not [s for s in contract_report.suites if s.name == "budget"], \
        contract_report.render()
