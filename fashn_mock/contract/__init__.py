"""The contract: the OpenAPI document generated from the catalog, and the tools that
hold clients and servers to it.

- ``openapi``: generate the contract (``fashn-mock openapi``).
- ``document``: the shipped contract; ``check_response`` for one exchange.
- ``strict.check_request``: how one incoming request departs from the contract.
- ``behaviour.analyse``: a client-behaviour report from journal entries.
- ``runner.run_contract``: the suites (probes, schemathesis, links, lifecycle)
  against any base URL (``fashn-mock contract``); they need the ``contract`` extra.
"""

from fashn_mock.contract.behaviour import BehaviourReport, Finding, analyse
from fashn_mock.contract.document import check_response, load
from fashn_mock.contract.openapi import build, render_yaml
from fashn_mock.contract.report import Report
from fashn_mock.contract.runner import Options, run_contract
from fashn_mock.contract.strict import Violation, check_request
from fashn_mock.contract.target import Target

__all__ = [
    "BehaviourReport", "Finding", "Options", "Report", "Target", "Violation", "analyse",
    "build", "check_request", "check_response", "load", "render_yaml", "run_contract",
]
