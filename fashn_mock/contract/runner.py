"""Run the contract suites against one target and produce a ``Report``.

Order: free probes, schemathesis (positive and negative data), stateful links,
the lifecycle state machine (and, for Concurred, its SSE streams). Predictions the
run created are then waited for, so the balance before and after shows what the run
really spent. Every suite speaks the target's dialect (``contract.dialects``); which
suites apply is the dialect's ``suites``; ``REGISTRY`` maps a suite's name to the
function that runs it.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from fashn_mock.contract.budget import Budget
from fashn_mock.contract.components import TERMINAL
from fashn_mock.contract.context import Context
from fashn_mock.contract.dialects import NATIVE, Dialect
from fashn_mock.contract.report import Failure, Report, SuiteResult
from fashn_mock.contract.target import Sender, Target

SUITES = NATIVE.suites
"""The native suites, in order (each dialect lists its own: ``Dialect.suites``)."""


@dataclass
class Options:
    budget: int | None = None
    """Credits the run may spend; None = unlimited on an emulator, 0 elsewhere."""
    examples: int | None = None
    coverage: int | None = -1
    """Boundary cases per operation/model; None = all; -1 = all on an emulator, 8 elsewhere."""
    seed: int | None = None
    suites: Sequence[str] | None = None
    """Suites to run, in this order; None = every suite of the target's dialect."""
    models: Sequence[str] | None = None
    settle_timeout: float = 300.0
    max_wait: float = 90.0
    """Longest Retry-After waited out before giving up on a request."""
    max_sleep: float = 1.0
    """Longest real-time pause of one lifecycle "let time pass" step."""


@runtime_checkable
class Progress(Protocol):
    """Hears how a run goes: each suite as it starts and ends, and other steps."""

    def suite_started(self, name: str, number: int, total: int) -> None: ...

    def suite_finished(self, suite: SuiteResult) -> None: ...

    def note(self, message: str) -> None: ...


@dataclass
class TextProgress:
    """``Progress`` as one line of text per event."""

    say: Callable[[str], None]

    def suite_started(self, name: str, number: int, total: int) -> None:
        self.say(f"running {name} ({number}/{total}) ...")

    def suite_finished(self, suite: SuiteResult) -> None:
        self.say(f"{suite.name}: {suite.cases} cases, {len(suite.failures)} failure(s), "
                 f"{suite.seconds:.1f} s")

    def note(self, message: str) -> None:
        self.say(message)


def run_contract(target: Target, options: Options | None = None,
                 progress: Progress | Callable[[str], None] | None = None) -> Report:
    """Run the chosen suites against ``target``; never raises for target misbehaviour
    (an unreachable target raises ``httpx.TransportError``; a suite that does not
    apply to the target's dialect, ``ValueError``). ``progress`` hears how it goes: a
    ``Progress``, or a function given one line per event."""
    options = options or Options()
    dialect = target.speaks
    suites = list(options.suites if options.suites is not None else dialect.suites)
    for name in suites:
        if name not in REGISTRY or name not in dialect.suites:
            raise ValueError(f"suite {name!r} does not apply to the {dialect.name} dialect; "
                             f"its suites: {', '.join(dialect.suites)}")
    hear = progress if isinstance(progress, Progress) else \
        TextProgress(progress or (lambda message: None))
    sender = Sender(target, max_wait=options.max_wait)
    try:
        ctx = _context(sender, options)
        report = Report(target=_describe(target), budget=_budget_text(ctx.budget, dialect),
                        dialect=dialect.name)
        before = sender.balance()
        for number, name in enumerate(suites, 1):
            hear.suite_started(name, number, len(suites))
            report.suites.append(_run_one(name, ctx, options))
            hear.suite_finished(report.suites[-1])
        if ctx.created and not ctx.budget.unlimited:
            hear.note(f"waiting for the {len(ctx.created)} prediction(s) this run created ...")
            _settle(sender, ctx.created, options.settle_timeout, report)
        _spending(report, ctx.budget, before, sender.balance(), dialect)
        if sender.advanced:
            report.notes.append(f"moved the emulator's clock {sender.advanced:g} s forward "
                                "through /_mock (simulated waits, Retry-After, settling)")
        if sender.waited:
            report.notes.append(f"waited {sender.waited:.0f} s for rate limits")
        return report
    finally:
        sender.close()


def _context(sender: Sender, options: Options) -> Context:
    emulator = bool(sender.target.is_emulator)
    limit = options.budget if options.budget is not None else (None if emulator else 0)
    coverage = options.coverage
    if coverage == -1:
        coverage = None if emulator else 8
    examples = options.examples if options.examples is not None else (10 if emulator else 3)
    return Context(sender, Budget(limit), examples=examples, coverage=coverage,
                   seed=options.seed, max_sleep=options.max_sleep)


def _probes(ctx: Context, options: Options) -> SuiteResult:
    from fashn_mock.contract.probes import run_probes

    return run_probes(ctx.sender)


def _fuzz(ctx: Context, options: Options) -> SuiteResult:
    from fashn_mock.contract.fuzz import run_fuzz

    return run_fuzz(ctx, options.models)


def _links(ctx: Context, options: Options) -> SuiteResult:
    from fashn_mock.contract.links import run_links

    return run_links(ctx)


def _lifecycle(ctx: Context, options: Options) -> SuiteResult:
    from fashn_mock.contract.lifecycle import run_lifecycle

    return run_lifecycle(ctx, settle_timeout=options.settle_timeout)


def _sse(ctx: Context, options: Options) -> SuiteResult:
    from fashn_mock.contract.sse import run_sse

    return run_sse(ctx)


def _webhooks(ctx: Context, options: Options) -> SuiteResult:
    from fashn_mock.contract.webhooks import run_webhooks

    return run_webhooks(ctx, settle_timeout=options.settle_timeout)


REGISTRY: dict[str, Callable[[Context, Options], SuiteResult]] = {
    "probes": _probes,
    "schemathesis": _fuzz,
    "links": _links,
    "lifecycle": _lifecycle,
    "sse": _sse,
    "webhooks": _webhooks,
}
"""Every suite by name (one line each); ``Dialect.suites`` says which apply where."""
ALL_SUITES = tuple(REGISTRY)


def _run_one(name: str, ctx: Context, options: Options) -> SuiteResult:
    started = time.perf_counter()
    try:
        return REGISTRY[name](ctx, options)
    except Exception as exc:  # a crash is a result to report, not a reason to stop
        suite = SuiteResult(name, "crashed")
        suite.seconds = time.perf_counter() - started
        suite.fail(Failure(check="suite ran to completion", curl="(no single request)",
                           message=f"{type(exc).__name__}: {exc}\n"
                                   + "".join(traceback.format_exc(limit=6))))
        return suite


def _settle(sender: Sender, ids: list[str], timeout: float, report: Report) -> None:
    dialect = sender.target.speaks
    deadline = time.monotonic() + timeout
    waiting = list(ids)
    while waiting and time.monotonic() < deadline:
        still = []
        for prediction_id in waiting:
            response = sender.call(dialect.status_call(prediction_id))
            status = dialect.read_status(response).status
            if response.status_code == 200 and status not in TERMINAL:
                still.append(prediction_id)
        waiting = still
        if waiting:
            sender.pause(2.0)
    if waiting:
        report.notes.append(f"{len(waiting)} prediction(s) still running after "
                            f"{timeout:g} s; the balance below may not be final")


def _spending(report: Report, budget: Budget, before: int | None, after: int | None,
              dialect: Dialect) -> None:
    unit = dialect.unit
    if before is None or after is None:
        where = "GET /v1/credits failed" if dialect.balance_in_contract else \
            "the dialect has no balance route; fashn-mock's /_mock control API tells"
        report.notes.append(f"balance unknown ({where})")
        return
    spent = before - after
    report.notes.append(f"{unit}: {before} before, {after} after: spent {spent}")
    if budget.limit is not None and spent > budget.limit:
        suite = SuiteResult("budget", "the run stays within --budget")
        suite.fail(Failure("spent <= budget", f"spent {spent} {unit}, budget "
                           f"{budget.limit} (another client may share this key)",
                           curl=dialect.balance_curl()))
        report.suites.append(suite)


def _describe(target: Target) -> str:
    kind = "fashn-mock emulator" if target.is_emulator else "not an emulator"
    extra = ", clock control via /_mock" if target.clock_control else ""
    return f"{target.api_url} ({kind}{extra})"


def _budget_text(budget: Budget, dialect: Dialect) -> str:
    unit = dialect.unit
    if budget.unlimited:
        return f"unlimited (emulated {unit})"
    if budget.limit == 0:
        free = "credits" if dialect.balance_in_contract else "status"
        return f"0 {unit}: only free checks (auth, validation, unknown ids, {free})"
    return (f"{budget.limit} {unit}: predictions meant to complete reserve their "
            f"{'catalog ' if unit == 'credits' else ''}price first; all others carry "
            "unloadable images and fail for free")
