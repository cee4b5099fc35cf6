"""``fashn-mock contract``: run the contract suites and print a readable report.

Without ``--base-url`` (or ``FASHN_BASE_URL``) it starts an emulator on a free
loopback port (``--time-scale 0``) and checks that. ``--dialect`` chooses whose
contract: the native API (default) or a gateway (``concurred``, ``pixazo``). Against
anything that is not fashn-mock the default budget is 0: only checks that cost
nothing run. Progress and a summary table go to stderr; the report (or ``--json``)
to stdout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import click

from fashn_mock import catalog
from fashn_mock.cassettes.cli import verify_cassettes
from fashn_mock.contract.openapi import DIALECTS
from fashn_mock.contract.runner import ALL_SUITES
from fashn_mock.contract.target import DEFAULT_KEY_ENV, OTHER_KEY_ENV
from fashn_mock.params import ENV, BadInput, ListedChoice, Url, option

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status
    from rich.table import Table

    from fashn_mock.contract.report import Report, SuiteResult

LOCAL_KEY = "fa-contract-local"
PASSED, FAILED, USAGE, UNREACHABLE = 0, 1, 2, 3
"""Exit codes: every check passed, some failed, a usage error, the target unreachable."""
MODELS = [*(spec.name for spec in catalog.MODELS), "legacy"]


class Unreachable(click.ClickException):
    """The target did not answer at all: ``Error: cannot reach ...``, exit 3."""

    exit_code = UNREACHABLE


@click.group("contract", invoke_without_command=True)
@option("--base-url", env="FASHN_BASE_URL", type=Url(),
        help="API to check, e.g. https://api.fashn.ai (default: start a local emulator "
             "and check it)")
@option("--dialect", env=ENV + "CONTRACT_DIALECT", default="native",
        type=click.Choice(DIALECTS),
        help="whose contract: the native API, or the Concurred or Pixazo gateway")
@option("--api-key", env=DEFAULT_KEY_ENV, show_default=False,
        help="API key (needed unless checking the local emulator)")
@option("--other-api-key", env=OTHER_KEY_ENV, show_default=False,
        help="a second key, to check it never sees the first key's predictions")
@option("--budget", env=ENV + "CONTRACT_BUDGET", type=click.IntRange(min=0),
        help="credits the run may spend on predictions (Pixazo: paid requests); never "
             "exceeded (default: 0 against a real API = free checks only; unlimited "
             "against fashn-mock)")
@option("--examples", env=ENV + "CONTRACT_EXAMPLES", type=click.IntRange(min=1),
        help="generated examples per operation, model and mode (default 10 on "
             "fashn-mock, 3 elsewhere)")
@option("--coverage", env=ENV + "CONTRACT_COVERAGE", type=click.IntRange(min=0),
        help="deterministic boundary cases per operation and model (default: all on "
             "fashn-mock, 8 elsewhere)")
@option("--seed", env=ENV + "CONTRACT_SEED", type=click.IntRange(min=0),
        help="Hypothesis seed (default: derandomized, the same every run)")
@option("--suite", "suites", env=ENV + "CONTRACT_SUITES", multiple=True,
        type=ListedChoice(ALL_SUITES), show_default=False,
        help="run only this suite; repeatable (default: all of the dialect's; sse is "
             "Concurred's; env: comma-separated)")
@option("--model", "models", env=ENV + "CONTRACT_MODELS", multiple=True,
        type=ListedChoice(MODELS), show_default=False, metavar="MODEL",
        help="generate /v1/run data only for this model; repeatable (env: "
             "comma-separated)")
@option("--json", "as_json", env=ENV + "CONTRACT_JSON", is_flag=True,
        help="print the report as JSON")
@click.pass_context
def contract(ctx: click.Context, /, **params: Any) -> None:
    """Check an API (default: a fresh emulator) against the contract.

    Exit codes: 0 every check passed, 1 failures, 2 usage error, 3 the target
    could not be reached.
    """
    if ctx.invoked_subcommand is None:
        raise SystemExit(run(params))


contract.add_command(verify_cassettes)


def run(params: dict[str, Any]) -> int:
    """Run the suites asked for by the parsed options; the exit code."""
    try:
        import hypothesis  # noqa: F401
        import rich  # noqa: F401
        import schemathesis  # noqa: F401
    except ImportError:
        raise BadInput("fashn-mock contract needs the contract extra: "
                       "pip install 'fashn-mock[contract]'") from None
    import httpx
    from rich.console import Console

    from fashn_mock.contract.known_dialects import get
    from fashn_mock.contract.runner import Options, run_contract
    from fashn_mock.contract.target import Target

    dialect = get(params["dialect"])
    wrong = [m for m in params["models"] if m not in dialect.models]
    if wrong:
        choices = ", ".join(dialect.models) or "none: it has one flat body"
        raise BadInput(f"--model {wrong[0]} is not a model of the {dialect.name} dialect "
                       f"(its models: {choices})")
    wrong = [s for s in params["suites"] if s not in dialect.suites]
    if wrong:
        raise BadInput(f"--suite {wrong[0]} does not apply to the {dialect.name} dialect "
                       f"(its suites: {', '.join(dialect.suites)})")
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    with ExitStack() as stack:
        base_url, api_key = params["base_url"], params["api_key"]
        if not base_url:
            base_url = stack.enter_context(_local_emulator(console))
            api_key = api_key or LOCAL_KEY
        if not api_key:
            raise click.UsageError(f"an API key is needed for {base_url}: --api-key or "
                                   f"{DEFAULT_KEY_ENV}")
        target = Target(base_url, api_key, other_api_key=params["other_api_key"],
                        dialect=params["dialect"])
        coverage = params["coverage"]
        options = Options(budget=params["budget"], examples=params["examples"],
                          coverage=-1 if coverage is None else coverage, seed=params["seed"],
                          suites=params["suites"] or None, models=params["models"] or None)
        try:
            report = run_contract(target, options, progress=RichProgress(console))
        except httpx.TransportError as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise Unreachable(f"cannot reach {target.base_url} ({reason}); is it running, "
                              "and is the URL right?") from None
    if params["as_json"]:
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        click.echo(report.render(), nl=False)
    console.print(summary(report))
    return PASSED if report.ok else FAILED


class RichProgress:
    """Per-suite progress on a rich console: a spinner while a suite runs (on a
    terminal; a line elsewhere) and one line when it ends."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._status: Status | None = None

    def suite_started(self, name: str, number: int, total: int) -> None:
        text = f"running {name} ({number}/{total}) ..."
        if self.console.is_terminal:
            self._status = self.console.status(text)
            self._status.start()
        else:
            self.note(text)

    def suite_finished(self, suite: SuiteResult) -> None:
        from rich.text import Text

        if self._status is not None:
            self._status.stop()
            self._status = None
        state, style = _state(suite)
        line = Text("fashn-mock contract: ")
        line.append(state, style=style)
        line.append(f" {suite.name}: {suite.cases} cases, {len(suite.failures)} failure(s), "
                    f"{suite.seconds:.1f} s")
        self.console.print(line)

    def note(self, message: str) -> None:
        self.console.print(f"fashn-mock contract: {message}", markup=False)


def summary(report: Report) -> Table:
    """One row per suite: result, cases, requests, distinct failures, time."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="fashn-mock contract summary", title_justify="left")
    table.add_column("suite")
    table.add_column("result")
    for name in ("cases", "requests", "failures", "seconds"):
        table.add_column(name, justify="right")
    for suite in report.suites:
        state, style = _state(suite)
        table.add_row(Text(suite.name), Text(state, style=style), str(suite.cases),
                      str(suite.requests), str(len(suite.failures)), f"{suite.seconds:.1f}")
    passed = "all contract checks passed" if report.ok else \
        f"{len(report.failures)} distinct failure(s)"
    table.caption = passed
    return table


def _state(suite: SuiteResult) -> tuple[str, str]:
    if not suite.ran:
        return "skipped", "yellow"
    return ("ok", "green") if suite.ok else ("FAILED", "bold red")


@contextmanager
def _local_emulator(console: Console) -> Iterator[str]:
    """A fresh emulator on a free loopback port for the duration of the run."""
    from fashn_mock.config import Config
    from fashn_mock.emulator import Emulator
    from fashn_mock.server import BackgroundServer

    server = BackgroundServer(Emulator(Config(time_scale=0)).app).start()
    console.print(f"fashn-mock contract: no --base-url: checking a fresh emulator at "
                  f"{server.url}", markup=False)
    try:
        yield server.url
    finally:
        server.stop()
