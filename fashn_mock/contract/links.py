"""Schemathesis stateful suite: chains of calls that follow the contract's links.

Run → ``GetStatus`` → ``PollAgain`` (natively ``POST /v1/run`` then
``GET /v1/status/{id}``; each dialect's contract has the same links): the ids a run
returns are fed to the status operation, and every response is checked. Each run
creates a prediction, so against a real API the suite needs ``--budget``, and its
runs are sent with unloadable images: they fail at load time, which is free.
"""

from __future__ import annotations

import copy
import itertools
import time
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, Response, stateful
from schemathesis.errors import FailureGroup

from fashn_mock.contract.budget import Pricing
from fashn_mock.contract.context import Context
from fashn_mock.contract.fuzz import CHECK_NAMES, CHECKS, safe_webhook, schemathesis_config
from fashn_mock.contract.report import SuiteResult
from fashn_mock.contract.samples import tiny_png

STEPS = 8


def run_links(ctx: Context) -> SuiteResult:
    suite = SuiteResult("stateful links", "schemathesis state machine following the "
                                          "OpenAPI links run -> status -> status")
    dialect = ctx.dialect
    suite.checked = [*CHECK_NAMES[:5], "ids from /v1/run resolve on /v1/status/{id}"
                     if dialect.name == "native" else "ids from a run resolve on its status"]
    if ctx.free_only:
        suite.ran = False
        suite.notes.append("needs --budget: every chain starts by creating a prediction")
        return suite
    started, before = time.perf_counter(), ctx.sender.requests
    schema = schemathesis.openapi.from_dict(dialect.schemathesis_document(),
                                            config=schemathesis_config(CHECKS[:5], dialect))
    machine = _bind(schema.as_state_machine(), ctx, suite)
    settings = hypothesis.settings(
        max_examples=ctx.examples, stateful_step_count=STEPS, derandomize=ctx.seed is None,
        database=None, deadline=None, suppress_health_check=list(HealthCheck),
        phases=[Phase.generate])
    try:
        stateful.run_state_machine_as_test(machine, settings=settings)
    except Unsatisfiable:
        suite.notes.append("the budget ran out before any chain could run")
    suite.requests = ctx.sender.requests - before
    suite.seconds = time.perf_counter() - started
    return suite


def _bind(base: type[Any], ctx: Context, suite: SuiteResult) -> type[Any]:
    """The generated state machine, sending through the run's sender."""

    runs = itertools.count()
    pricing = ctx.dialect.pricing

    class Bound(base):  # type: ignore[misc]
        def before_call(self, case: Case[Any]) -> None:
            self._reserved = 0
            if not ctx.dialect.is_run(case.operation.path):
                return
            if ctx.budget.unlimited:
                if next(runs) % 2:  # every other chain can complete, not only fail
                    case.body = with_loadable_images(case.body, pricing)
                return
            # fails at load time: free (docs/api-facts.md#credits)
            case.body = pricing.make_free(case.body)
            price = pricing.worst_case(case.body)
            if not ctx.budget.reserve(price):
                suite.skipped["chain step over budget"] += 1
                hypothesis.reject()
            self._reserved = price

        def call(self, case: Case[Any], **kwargs: Any) -> Response:
            safe_webhook(case)
            sent = case.as_transport_kwargs(base_url=ctx.sender.target.api_url)
            body = {"json": sent["json"]} if "json" in sent else {}
            response = ctx.sender.send(sent["method"], sent["url"], headers=sent["headers"],
                                       params=sent.get("params"), **body)
            if response.status_code != 200:
                ctx.budget.release(self._reserved)
            ctx.track(response)
            suite.cases += 1
            self._last = response
            return Response.from_any(response)

        def validate_response(self, response: Response, case: Case[Any],
                              additional_checks: Any = None, **kwargs: Any) -> None:
            try:
                case.validate_response(response)
            except FailureGroup as group:
                for failure in group.exceptions:
                    suite.fail(ctx.failure(f"{case.operation.label} {failure.title}",
                                           failure.message.strip(), self._last))

    Bound.__name__ = "ContractLinks"
    return Bound


def with_loadable_images(body: Any, pricing: Pricing | None = None) -> Any:
    """A copy whose present image inputs are a small real PNG, so the prediction can
    complete (generated strings almost never load). For emulators only."""
    from fashn_mock.contract.budget import NATIVE

    found = (pricing or NATIVE).spec_and_inputs(body)
    if found is None:
        return body
    spec, _ = found
    body = copy.deepcopy(body)
    inputs = body.get("inputs", body)
    for name in spec.image_inputs:
        if isinstance(inputs.get(name), str):
            inputs[name] = tiny_png()
    return body
