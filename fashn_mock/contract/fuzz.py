"""Schemathesis suite: positive and negative data for every operation and every model.

Each model gets its own copy of the contract whose run body is that model's schema,
inlined, so generation covers every model and every field (``Dialect.fuzz_documents``:
a gateway with one flat body has one document): first the deterministic boundary
cases of schemathesis' coverage phase (missing required fields, wrong types, enum and
range violations), then Hypothesis-generated cases. Responses go through
schemathesis' checks; negative data must get 400. Streaming operations are left to
the SSE suite.
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

from fashn_mock.contract.context import SAFE_WEBHOOK, Context
from fashn_mock.contract.dialects import NATIVE, Dialect
from fashn_mock.contract.report import SuiteResult
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
}
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
MAX_FAILURES = 60


def model_document(name: str) -> Doc:
    """The native contract with ``/v1/run`` taking only ``name``'s body, inlined."""
    return NATIVE.model_document(name)


def schemathesis_config(checks: Iterable[str] = CHECKS, dialect: Dialect = NATIVE) -> Any:
    """The suite's schemathesis configuration for ``dialect``, running only ``checks``
    (by name)."""
    data = copy.deepcopy(SCHEMATHESIS_CONFIG)
    data["operations"] = copy.deepcopy(list(dialect.fuzz_operations))
    data["checks"] = {"enabled": False, **{name: {"enabled": True} for name in checks}}
    return schemathesis.Config.from_dict(data)


def _schemas(dialect: Dialect, wanted: set[str] | None) -> Iterator[tuple[str, Any]]:
    for name, doc in dialect.fuzz_documents(wanted):
        yield name, schemathesis.openapi.from_dict(doc, config=schemathesis_config(
            dialect=dialect))


def run_fuzz(ctx: Context, models: Iterable[str] | None = None) -> SuiteResult:
    suite = SuiteResult("schemathesis", "generated positive and negative data for every "
                                        "operation and model, checked by schemathesis")
    suite.checked = CHECK_NAMES if ctx.dialect.name == "native" else [
        *CHECK_NAMES[:5], f"negative_data_rejection (400 for {ctx.dialect.run_path})",
        *CHECK_NAMES[6:]]
    wanted = set(models) if models is not None else None
    started, before = time.perf_counter(), ctx.sender.requests
    for name, schema in _schemas(ctx.dialect, wanted):
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
    kwargs = case.as_transport_kwargs(base_url=ctx.sender.target.api_url)
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

    Off an emulator every run body is made free (unloadable images), so what the API
    accepts fails at load time; with a budget of 0 nothing is sent that a correct API
    would accept (valid bodies, or only extra query parameters).
    """
    dialect = ctx.dialect
    if not dialect.is_run(case.operation.path) or ctx.budget.unlimited:
        return 0
    accepted_anyway = mode == GenerationMode.POSITIVE or dialect.accepts_body(case.body)
    if ctx.free_only and accepted_anyway:
        suite.skipped[f"{dialect.run_path} a correct API accepts (creates a prediction; "
                      "budget 0)"] += 1
        return None
    case.body = dialect.pricing.make_free(case.body)
    price = dialect.pricing.worst_case(case.body)
    if not ctx.budget.reserve(price):
        suite.skipped[f"{dialect.run_path} body that could cost {price} {dialect.unit} "
                      "(over budget)"] += 1
        return None
    return price


def safe_webhook(case: Case[Any]) -> None:
    """Point valid generated webhook URLs at a host that never resolves."""
    query = case.query
    if isinstance(query, dict) and is_webhook_url(query.get("webhook_url")):
        query["webhook_url"] = SAFE_WEBHOOK
