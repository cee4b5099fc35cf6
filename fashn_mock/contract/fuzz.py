"""Schemathesis suite: positive and negative data for every operation and every model.

Each model gets its own copy of the contract whose ``/v1/run`` body is that model's
schema, inlined, so generation covers every model and every field: first the
deterministic boundary cases of schemathesis' coverage phase (missing required
fields, wrong types, enum and range violations), then Hypothesis-generated cases.
Responses go through schemathesis' checks; negative data must get 400.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Iterator
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.errors import FailureGroup

from fashn_mock import catalog
from fashn_mock.contract.budget import make_free, worst_case
from fashn_mock.contract.components import component_name
from fashn_mock.contract.context import SAFE_WEBHOOK, Context
from fashn_mock.contract.document import load
from fashn_mock.contract.report import SuiteResult
from fashn_mock.contract.strict import check_request
from fashn_mock.validation import is_webhook_url

Doc = dict[str, Any]
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance",
          "negative_data_rejection", "positive_data_acceptance")
"""schemathesis' built-in checks the suite runs, chosen by name in its configuration."""
CHECK_NAMES = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
               "response_headers_conformance", "response_schema_conformance",
               "negative_data_rejection (400 for /v1/run)", "positive_data_acceptance"]
SCHEMATHESIS_CONFIG: Doc = {
    "generation": {"with-security-parameters": False},
    "phases": {"coverage": {"unexpected-methods": []}},
    "operations": [
        {"include-name": "POST /v1/run", "checks": {
            "negative_data_rejection": {"expected-statuses": ["400"]},
            "positive_data_acceptance": {"expected-statuses": ["200"]}}},
        {"include-name": "GET /v1/status/{id}", "checks": {
            "negative_data_rejection": {"expected-statuses": ["400", "404"]},
            "positive_data_acceptance": {"expected-statuses": ["200", "404"]}}},
    ],
}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
IGNORED_BY_THE_API = ("(the API ignores it)", "not a documented body field")
"""Body departures that do not make a correct API refuse the request."""
MAX_FAILURES = 60


def model_document(name: str) -> Doc:
    """The contract with ``/v1/run`` taking only ``name``'s body, inlined."""
    doc = load()
    components = doc["components"]["schemas"]
    if name == "legacy":
        body = copy.deepcopy(components["LegacyTryOnRequest"])
    else:
        prefix = component_name(catalog.BY_NAME[name])
        body = copy.deepcopy(components[prefix + "Request"])
        body["properties"]["inputs"] = copy.deepcopy(components[prefix + "Inputs"])
    doc["paths"] = {"/v1/run": doc["paths"]["/v1/run"]}
    doc["paths"]["/v1/run"]["post"]["requestBody"]["content"] = {
        "application/json": {"schema": body}}
    return doc


def schemathesis_config(checks: Iterable[str] = CHECKS) -> Any:
    """The suite's schemathesis configuration, running only ``checks`` (by name)."""
    data = copy.deepcopy(SCHEMATHESIS_CONFIG)
    data["checks"] = {"enabled": False, **{name: {"enabled": True} for name in checks}}
    return schemathesis.Config.from_dict(data)


def _schemas(wanted: set[str] | None) -> Iterator[tuple[str, Any]]:
    config = schemathesis_config()
    for name in [*(spec.name for spec in catalog.MODELS), "legacy"]:
        if wanted is None or name in wanted:
            yield name, schemathesis.openapi.from_dict(model_document(name), config=config)
    config = schemathesis_config()
    doc = load()
    del doc["paths"]["/v1/run"]
    yield "", schemathesis.openapi.from_dict(doc, config=config)


def run_fuzz(ctx: Context, models: Iterable[str] | None = None) -> SuiteResult:
    suite = SuiteResult("schemathesis", "generated positive and negative data for every "
                                        "operation and model, checked by schemathesis")
    suite.checked = CHECK_NAMES
    wanted = set(models) if models is not None else None
    started, before = time.perf_counter(), ctx.sender.requests
    for name, schema in _schemas(wanted):
        for result in schema.get_all_operations():
            operation = result.ok()
            where = name or operation.label
            _coverage(ctx, suite, schema, operation, where)
            for mode in MODES:
                _generated(ctx, suite, operation, mode, where)
    suite.requests = ctx.sender.requests - before
    suite.seconds = time.perf_counter() - started
    return suite


def _coverage(ctx: Context, suite: SuiteResult, schema: Any, operation: Any,
              label: str) -> None:
    config = schema.config.generation_for(operation=operation)
    cases = list(schema.iter_coverage_cases(operation, generation_modes=list(MODES),
                                            generation_config=config))
    if ctx.coverage is not None and len(cases) > ctx.coverage:
        step = len(cases) / ctx.coverage
        cases = [cases[int(i * step)] for i in range(ctx.coverage)]
    for case in cases:
        execute(ctx, suite, case, label)


def _generated(ctx: Context, suite: SuiteResult, operation: Any, mode: GenerationMode,
               label: str) -> None:
    settings = hypothesis.settings(
        max_examples=ctx.examples, derandomize=ctx.seed is None, database=None,
        deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate])

    @settings
    @given(case=operation.as_strategy(generation_mode=mode))
    def test(case: Case[Any]) -> None:
        execute(ctx, suite, case, label)

    if ctx.seed is not None:
        test = hypothesis.seed(ctx.seed)(test)
    try:
        test()
    except Unsatisfiable:
        suite.notes.append(f"{operation.label}: no {mode.value} data can be generated")


def execute(ctx: Context, suite: SuiteResult, case: Case[Any], label: str) -> None:
    """Send one generated case (if the budget allows) and record what its checks found."""
    mode = case.meta.generation.mode if case.meta else GenerationMode.POSITIVE
    reserved = _plan(ctx, suite, case, mode)
    if reserved is None:
        return
    safe_webhook(case)
    kwargs = case.as_transport_kwargs(base_url=ctx.sender.target.base_url)
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif kwargs.get("data") is not None:
        body["content"] = kwargs["data"]
    response = ctx.sender.send(kwargs["method"], kwargs["url"], headers=kwargs["headers"],
                               params=kwargs.get("params"), **body)
    suite.cases += 1
    if response.status_code != 200:
        ctx.budget.release(reserved)
    ctx.track(response)
    try:
        case.validate_response(response)
    except FailureGroup as group:
        for failure in group.exceptions:
            if len(suite.failures) >= MAX_FAILURES:
                suite.notes.append(f"stopped recording failures after {MAX_FAILURES}")
                return
            check = f"{case.operation.label} [{mode.value} data] {failure.title}"
            suite.fail(ctx.failure(check, failure.message.strip(), response), where=label)


def _plan(ctx: Context, suite: SuiteResult, case: Case[Any], mode: GenerationMode) -> int | None:
    """Credits to reserve for this case, or None when it must not be sent.

    Off an emulator every /v1/run body is made free (unloadable images), so what
    the API accepts fails at load time; with a budget of 0 nothing is sent that a
    correct API would accept (valid bodies, or only extra query parameters).
    """
    if case.method != "POST" or ctx.budget.unlimited:
        return 0
    accepted_anyway = mode == GenerationMode.POSITIVE or _valid_body(case.body)
    if ctx.free_only and accepted_anyway:
        suite.skipped["/v1/run a correct API accepts (creates a prediction; budget 0)"] += 1
        return None
    case.body = make_free(case.body)
    price = worst_case(case.body)
    if not ctx.budget.reserve(price):
        suite.skipped[f"/v1/run body that could cost {price} credits (over budget)"] += 1
        return None
    return price


def _valid_body(body: Any) -> bool:
    """Whether a correct API accepts this /v1/run body (negative data can be negated
    in the query or headers only, or not at all): then it creates a prediction."""
    return not any(v.location == "body" and not v.problem.endswith(IGNORED_BY_THE_API)
                   for v in check_request("POST", "/v1/run", body=body))


def safe_webhook(case: Case[Any]) -> None:
    """Point valid generated webhook URLs at a host that never resolves."""
    query = case.query
    if isinstance(query, dict) and is_webhook_url(query.get("webhook_url")):
        query["webhook_url"] = SAFE_WEBHOOK
