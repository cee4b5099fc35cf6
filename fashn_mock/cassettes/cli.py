"""Command-line wiring: ``fashn-mock record``, ``serve --replay`` and
``fashn-mock contract verify-cassettes`` (the parsers live with their commands)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from fashn_mock.cassettes.matcher import Matcher
from fashn_mock.cassettes.session import DEFAULT_UPSTREAM, RecordMode

if TYPE_CHECKING:
    from fashn_mock.cassettes.replay import ReplaySource

ENV = "FASHN_MOCK_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV + name, default)


def add_match_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--match", default=_env("MATCH", "model_name,inputs"),
                        metavar="FIELDS",
                        help="request fields that must equal a recording's: model_name, "
                             "inputs, query, or inputs.<name> (env FASHN_MOCK_MATCH; "
                             "default model_name,inputs)")
    parser.add_argument("--match-ignore", action="append", default=[], metavar="FIELD",
                        help="leave this field out of matching, e.g. inputs.seed; repeatable")


def add_replay_options(serve: argparse.ArgumentParser) -> None:
    """``serve`` flags that answer matching runs from cassettes."""
    serve.add_argument("--replay", default=_env("REPLAY"), metavar="PATH",
                       help="replay the cassettes in this directory (or file): a matching "
                            "/v1/run replays its recorded timeline (env FASHN_MOCK_REPLAY)")
    serve.add_argument("--replay-by", choices=["time", "polls"],
                       default=_env("REPLAY_BY", "time"),
                       help="advance replayed statuses on the emulator clock (time, scaled "
                            "by --time-scale) or one recorded poll per status request")
    serve.add_argument("--replay-strict", action="store_true",
                       default=(_env("REPLAY_STRICT") or "").lower() in ("1", "true", "yes"),
                       help="answer an unmatched /v1/run with 400 explaining the nearest "
                            "recording (default: emulate it)")
    add_match_options(serve)


def replay_source_from(args: argparse.Namespace) -> ReplaySource | None:
    """The ``ReplaySource`` asked for by ``serve`` flags, or None."""
    if not args.replay:
        return None
    from fashn_mock.cassettes.replay import ReplaySource

    return ReplaySource.load(args.replay, matcher=Matcher.parse(args.match, args.match_ignore),
                             by_polls=args.replay_by == "polls", strict=args.replay_strict)


def configure_record(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--upstream", default=_env("UPSTREAM", DEFAULT_UPSTREAM),
                        help=f"the API to record (default {DEFAULT_UPSTREAM})")
    parser.add_argument("--cassettes", required=True, type=Path, metavar="DIR",
                        help="directory of cassettes (media go to DIR/media)")
    parser.add_argument("--name", default="session",
                        help="cassette name: DIR/NAME.yaml (default session)")
    parser.add_argument("--mode", choices=[m.value for m in RecordMode], default="once",
                        help="once: record if the cassette does not exist, else replay; "
                             "new_episodes: replay matches, record the rest; all: always "
                             "re-record; none: replay only (default once)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--redact", action="append", default=[], metavar="REGEX",
                        help="also redact text matching REGEX (e.g. customer image URLs); "
                             "API keys and bearer tokens are always redacted; repeatable")
    add_match_options(parser)
    parser.add_argument("--log-level", default="warning",
                        choices=["critical", "error", "warning", "info", "debug"])


def record(args: argparse.Namespace) -> int:
    import uvicorn

    from fashn_mock.cassettes.session import CassetteSession

    path = args.cassettes / f"{args.name}.yaml"
    session = CassetteSession(path, args.mode, upstream=args.upstream, redact=args.redact,
                              matcher=Matcher.parse(args.match, args.match_ignore))
    what = "recording" if session.recording else "replaying only"
    print(f"fashn-mock record: {what} {path} (mode {args.mode}, upstream {args.upstream}); "
          f"point clients at it with FASHN_BASE_URL=http://{args.host}:{args.port} and "
          "your real FASHN_API_KEY", file=sys.stderr, flush=True)
    uvicorn.run(session.proxy.app, host=args.host, port=args.port, log_level=args.log_level,
                lifespan="off")
    return 0


def configure_verify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cassettes", nargs="+", type=Path, metavar="PATH",
                        help="cassette files or directories")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def verify_main(args: argparse.Namespace) -> int:
    """0 when reality matches the contract, 1 on drift, 2 when a cassette is unreadable."""
    from fashn_mock.cassettes.drift import verify
    from fashn_mock.cassettes.format import CassetteError

    try:
        report = verify(args.cassettes)
    except CassetteError as exc:
        print(f"fashn-mock contract verify-cassettes: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_json(), indent=2, default=str))
    else:
        print(report.render(), end="")
    return 0 if report.ok else 1
