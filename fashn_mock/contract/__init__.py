"""The contracts: one OpenAPI document per wire dialect (native, Concurred, Pixazo),
generated from the catalog, and the tools that hold clients and servers to them.

- ``openapi``: generate a contract (``fashn-mock openapi [--dialect NAME]``).
- ``document``: the shipped contracts (``document(dialect)``); ``check_response`` for
  one exchange, event streams included (``streams``).
- ``strict.check_request``: how one incoming request departs from its dialect's contract.
- ``behaviour.analyse``: a client-behaviour report from journal entries.
- ``dialects``: how the suites speak each dialect (``Target(..., dialect=...)``).
- ``runner.run_contract``: the suites (probes, schemathesis, links, lifecycle, and sse
  for Concurred) against any base URL (``fashn-mock contract``); they need the
  ``contract`` extra.
"""

from fashn_mock.contract.behaviour import BehaviourReport, Finding, analyse
from fashn_mock.contract.document import check_response, document, load
from fashn_mock.contract.openapi import build, render_yaml
from fashn_mock.contract.report import Report
from fashn_mock.contract.runner import Options, run_contract
from fashn_mock.contract.strict import Violation, check_request
from fashn_mock.contract.target import Target

__all__ = [
    "BehaviourReport", "Finding", "Options", "Report", "Target", "Violation", "analyse",
    "build", "check_request", "check_response", "document", "load", "render_yaml",
    "run_contract",
]
