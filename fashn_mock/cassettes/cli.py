"""Command-line wiring: ``fashn-mock record``, ``serve --replay`` and
``fashn-mock contract verify-cassettes`` (the options live with their commands)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from fashn_mock.cassettes.matcher import Matcher
from fashn_mock.cassettes.session import DEFAULT_UPSTREAM, RecordMode
from fashn_mock.params import ENV, BadInput, Lines, Listed, Url, log_options, option

if TYPE_CHECKING:
    from fashn_mock.cassettes.replay import ReplaySource
    from fashn_mock.cassettes.session import CassetteSession
    from fashn_mock.serving import Bound

F = TypeVar("F", bound=Callable[..., Any])


def _fields(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Refuse unknown match fields while parsing (one usage line, no traceback)."""
    try:
        if param.name == "match":
            Matcher.parse(value)
        else:
            Matcher.parse(None, value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None
    return value


def match_options(func: F) -> F:
    func = option("--match-ignore", env=ENV + "MATCH_IGNORE", multiple=True,
                  type=Listed(), metavar="FIELD", callback=_fields, show_default=False,
                  help="leave this field out of matching, e.g. inputs.seed; repeatable "
                       "(env: comma-separated)")(func)
    return option("--match", env=ENV + "MATCH", default="model_name,inputs",
                  metavar="FIELDS", callback=_fields,
                  help="request fields that must equal a recording's: model_name, "
                       "inputs, query, or inputs.<name>")(func)


def replay_options(func: F) -> F:
    """``serve`` options that answer matching runs from cassettes."""
    func = match_options(func)
    func = option("--replay-strict", env=ENV + "REPLAY_STRICT", is_flag=True,
                  help="answer an unmatched /v1/run with 400 explaining the nearest "
                       "recording (default: emulate it)")(func)
    func = option("--replay-by", env=ENV + "REPLAY_BY", default="time",
                  type=click.Choice(["time", "polls"]),
                  help="advance replayed statuses on the emulator clock (time, scaled "
                       "by --time-scale) or one recorded poll per status request")(func)
    return option("--replay", env=ENV + "REPLAY", metavar="PATH",
                  type=click.Path(exists=True, path_type=Path),
                  help="replay the cassettes in this directory (or file): a matching "
                       "/v1/run replays its recorded timeline")(func)


def replay_source_from(params: Mapping[str, Any]) -> ReplaySource | None:
    """The ``ReplaySource`` asked for by ``serve``'s parsed options, or None."""
    if not params.get("replay"):
        return None
    from fashn_mock.cassettes.format import CassetteError
    from fashn_mock.cassettes.replay import ReplaySource

    try:
        return ReplaySource.load(params["replay"],
                                 matcher=Matcher.parse(params["match"], params["match_ignore"]),
                                 by_polls=params["replay_by"] == "polls",
                                 strict=params["replay_strict"])
    except CassetteError as exc:
        raise BadInput(str(exc)) from None


@click.command("record")
@option("--upstream", env=ENV + "UPSTREAM", default=DEFAULT_UPSTREAM, type=Url(),
        help="the API to record")
@option("--cassettes", env=ENV + "CASSETTES", required=True, metavar="DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help="directory of cassettes (media go to DIR/media)")
@option("--name", env=ENV + "RECORD_NAME", default="session",
        help="cassette name: DIR/NAME.yaml")
@option("--mode", env=ENV + "RECORD_MODE", default="once",
        type=click.Choice([m.value for m in RecordMode]),
        help="once: record if the cassette does not exist, else replay; new_episodes: "
             "replay matches, record the rest; all: always re-record; none: replay only")
@option("--host", env=ENV + "RECORD_HOST", default="127.0.0.1", help="interface to bind")
@option("--port", env=ENV + "RECORD_PORT", default=8001, type=click.IntRange(0, 65535),
        help="port to bind, 0 = any free port")
@option("--redact", env=ENV + "REDACT", multiple=True, type=Lines(), metavar="REGEX",
        show_default=False,
        help="also redact text matching REGEX (e.g. customer image URLs); API keys and "
             "bearer tokens are always redacted; repeatable (env: one per line)")
@match_options
@log_options("warning")
def record(**params: Any) -> None:
    """Record real FASHN traffic into a cassette through a local proxy."""
    from fashn_mock import serving
    from fashn_mock.cassettes.format import CassetteError
    from fashn_mock.cassettes.session import CassetteSession
    from fashn_mock.logs import LOGGER

    path = params["cassettes"] / f"{params['name']}.yaml"
    if path.name != f"{params['name']}.yaml" or params["name"] in ("", ".", ".."):
        raise click.BadParameter("a file name, without directories", param_hint="'--name'")
    try:
        session = CassetteSession(path, params["mode"], upstream=params["upstream"],
                                  redact=params["redact"],
                                  matcher=Matcher.parse(params["match"], params["match_ignore"]))
    except CassetteError as exc:
        raise BadInput(str(exc)) from None
    already = len(session.cassette.interactions)
    what = "recording" if session.recording else "replaying only"

    def bound(where: Bound) -> None:
        LOGGER.info(f"{what} {path} (mode {params['mode']}, upstream {params['upstream']}); "
                    f"point clients at it with FASHN_BASE_URL={where.url} and your real "
                    "FASHN_API_KEY", extra={"url": where.url, "cassette": str(path)})

    code = serving.run(session.proxy.app, host=params["host"], port=params["port"],
                       log_level=params["log_level"], log_format=params["log_format"],
                       on_bound=bound, on_stopped=lambda: _recorded(session, already))
    raise SystemExit(code)


def _recorded(session: CassetteSession, already: int) -> None:
    """Say what this session added to its cassette (and make sure it is saved)."""
    from fashn_mock.logs import LOGGER

    new = session.cassette.interactions[already:]
    path = session.cassette.path
    if session.recorder is None or not new:
        LOGGER.info(f"recorded nothing; {path} is unchanged",
                    extra={"cassette": str(path), "exchanges": 0})
        return
    session.recorder.save()
    runs = [i for i in new if i.is_run]
    predictions = [i for i in runs if i.prediction_id is not None]
    finished = sum(1 for i in predictions if i.terminal is not None)
    outputs = sum(len(i.outputs) for i in predictions)
    LOGGER.info(f"recorded {len(new)} exchange(s) into {path}: {len(predictions)} "
                f"prediction(s) ({finished} finished, {outputs} output file(s)), "
                f"{len(runs) - len(predictions)} refused run(s), {len(new) - len(runs)} "
                "other exchange(s)",
                extra={"cassette": str(path), "exchanges": len(new),
                       "predictions": len(predictions), "finished": finished,
                       "outputs": outputs})


@click.command("verify-cassettes")
@click.argument("cassettes", nargs=-1, required=True, metavar="PATH...",
                type=click.Path(exists=True, path_type=Path))
@option("--json", "as_json", env=ENV + "VERIFY_JSON", is_flag=True,
        help="print the report as JSON")
def verify_cassettes(cassettes: Sequence[Path], as_json: bool) -> None:
    """Check recorded cassettes against the contract (drift report).

    Exit codes: 0 reality matches the contract, 1 drift, 2 a cassette is unreadable.
    """
    from fashn_mock.cassettes.drift import verify
    from fashn_mock.cassettes.format import CassetteError

    try:
        report = verify(list(cassettes))
    except CassetteError as exc:
        raise BadInput(str(exc)) from None
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, default=str))
    else:
        click.echo(report.render(), nl=False)
    raise SystemExit(0 if report.ok else 1)
