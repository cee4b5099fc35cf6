"""``fashn-mock``: the command line."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from fashn_mock.cassettes.cli import add_replay_options, configure_record, replay_source_from
from fashn_mock.catalog.quotas import DEFAULT_CONCURRENCY, DEFAULT_RATES, RateRule
from fashn_mock.config import Config

ENV = "FASHN_MOCK_"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV + name, default)


def _flag(name: str) -> bool:
    return (_env(name) or "").lower() in ("1", "true", "yes", "on")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fashn-mock",
                                     description="A local emulator of the FASHN AI API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the emulator over HTTP")
    serve.add_argument("--host", default=_env("HOST", "127.0.0.1"),
                       help="interface to bind (env FASHN_MOCK_HOST; default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=int(_env("PORT", "8000") or 8000),
                       help="port to bind, 0 = any free port (env FASHN_MOCK_PORT; default 8000)")
    serve.add_argument("--time-scale", type=float,
                       default=float(_env("TIME_SCALE", "1") or 1),
                       help="multiply every documented duration: 1 = real timings, "
                            "0 = predictions finish at once (env FASHN_MOCK_TIME_SCALE)")
    serve.add_argument("--seed", type=int, default=int(_env("SEED", "0") or 0),
                       help="seed for ids, durations and images (env FASHN_MOCK_SEED)")
    serve.add_argument("--api-key", action="append", dest="api_keys",
                       default=[k for k in (_env("API_KEYS") or "").split(",") if k],
                       help="accept only this Bearer key; repeatable "
                            "(env FASHN_MOCK_API_KEYS, comma-separated)")
    credits = _env("CREDITS")
    serve.add_argument("--credits", type=int, default=int(credits) if credits else None,
                       help="starting credit balance per key (env FASHN_MOCK_CREDITS; "
                            "default effectively unlimited)")
    serve.add_argument("--no-limits", action="store_true", default=_flag("NO_LIMITS"),
                       help="turn rate and concurrency limits off (env FASHN_MOCK_NO_LIMITS)")
    for route, rule in DEFAULT_RATES.items():
        serve.add_argument(f"--rate-{route}", type=RateRule.parse,
                           default=RateRule.parse(_env(f"RATE_{route.upper()}", str(rule))
                                                  or str(rule)),
                           help=f"/v1/{route} rate window per key as LIMIT/SECONDS "
                                f"(env FASHN_MOCK_RATE_{route.upper()}; default {rule})")
    serve.add_argument("--concurrency", type=int,
                       default=int(_env("CONCURRENCY", str(DEFAULT_CONCURRENCY)) or 6),
                       help="unfinished predictions allowed per key (env "
                            f"FASHN_MOCK_CONCURRENCY; default {DEFAULT_CONCURRENCY})")
    serve.add_argument("--failure-rate", type=float,
                       default=float(_env("FAILURE_RATE", "0") or 0),
                       help="chaos: share of predictions failing with a seeded random "
                            "runtime error (env FASHN_MOCK_FAILURE_RATE; default 0)")
    serve.add_argument("--jitter", type=float, default=float(_env("JITTER", "0") or 0),
                       help="chaos: vary durations by up to this fraction, e.g. 0.2 "
                            "(env FASHN_MOCK_JITTER; default 0)")
    serve.add_argument("--no-control", action="store_true", default=_flag("NO_CONTROL"),
                       help="do not serve the /_mock control API (env FASHN_MOCK_NO_CONTROL)")
    serve.add_argument("--control-token", default=_env("CONTROL_TOKEN"),
                       help="require X-Fashn-Mock-Token: TOKEN on /_mock requests "
                            "(env FASHN_MOCK_CONTROL_TOKEN)")
    serve.add_argument("--journal-size", type=int,
                       default=int(_env("JOURNAL_SIZE", "1000") or 1000),
                       help="requests kept in the journal (env FASHN_MOCK_JOURNAL_SIZE; "
                            "default 1000)")
    serve.add_argument("--strict", action="store_true", default=_flag("STRICT"),
                       help="check every request against the contract; violations go to "
                            "the journal and /_mock/violations (env FASHN_MOCK_STRICT)")
    serve.add_argument("--media-cache-mb", type=int,
                       default=int(_env("MEDIA_CACHE_MB", "256") or 256),
                       help="memory budget for rendered outputs in MiB, least recently "
                            "used out (env FASHN_MOCK_MEDIA_CACHE_MB; default 256)")
    serve.add_argument("--max-body", type=int,
                       default=int(_env("MAX_BODY", str(64 * 1024 * 1024)) or 0),
                       help="largest accepted request body in bytes; larger gets 413 "
                            "(env FASHN_MOCK_MAX_BODY; default 64 MiB)")
    serve.add_argument("--public-url", default=_env("PUBLIC_URL"),
                       help="base URL used in output links (env FASHN_MOCK_PUBLIC_URL; "
                            "default: the Host the request came to)")
    serve.add_argument("--fetch-inputs", action="store_true", default=_flag("FETCH_INPUTS"),
                       help="fetch URL image inputs so outputs show them; loopback hosts "
                            "only unless allowed (env FASHN_MOCK_FETCH_INPUTS)")
    serve.add_argument("--fetch-allow-host", action="append", dest="fetch_allow_hosts",
                       metavar="HOST",
                       default=[h for h in (_env("FETCH_ALLOW_HOSTS") or "").split(",") if h],
                       help="also fetch from this host name; repeatable "
                            "(env FASHN_MOCK_FETCH_ALLOW_HOSTS, comma-separated)")
    serve.add_argument("--log-level", default=_env("LOG_LEVEL", "info"),
                       choices=["critical", "error", "warning", "info", "debug"])
    add_replay_options(serve)
    configure_record(commands.add_parser(
        "record", help="record real FASHN traffic into a cassette through a local proxy"))
    commands.add_parser("openapi", help="print the OpenAPI contract (YAML)")
    from fashn_mock.contract.cli import configure as configure_contract

    configure_contract(commands.add_parser(
        "contract", help="check an API (default: a fresh emulator) against the contract"))
    return parser


def config_from(args: argparse.Namespace) -> Config:
    return Config(host=args.host, port=args.port, time_scale=args.time_scale, seed=args.seed,
                  api_keys=tuple(args.api_keys), credits=args.credits,
                  limits=not args.no_limits, max_body_bytes=args.max_body,
                  public_url=args.public_url,
                  rates={route: getattr(args, f"rate_{route}") for route in DEFAULT_RATES},
                  concurrency=args.concurrency, failure_rate=args.failure_rate,
                  jitter=args.jitter, control=not args.no_control,
                  control_token=args.control_token, journal_size=args.journal_size,
                  media_cache_bytes=args.media_cache_mb * 1024 * 1024, strict=args.strict,
                  fetch_inputs=args.fetch_inputs,
                  fetch_allow_hosts=tuple(args.fetch_allow_hosts))


def tune_gc() -> None:
    """Server tuning: stored predictions hold no reference cycles, so collect the
    young generation less often and keep start-up objects out of every full
    collection (about 9 % off a /v1/run request with many predictions stored)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from fashn_mock.emulator import Emulator

    config = config_from(args)
    emulator = Emulator(config)
    tune_gc()
    source = replay_source_from(args)
    if source is not None:
        source.attach(emulator)
        print(f"fashn-mock: replaying {len(source.cassettes)} cassette(s) from {args.replay} "
              f"by {args.replay_by}", file=sys.stderr, flush=True)
    print(f"fashn-mock: serving the FASHN API on http://{config.host}:{config.port} "
          f"(time-scale {config.time_scale}, seed {config.seed}); "
          f"point clients at it with FASHN_BASE_URL=http://{config.host}:{config.port}",
          file=sys.stderr, flush=True)
    uvicorn.run(emulator.app, host=config.host, port=config.port, log_level=args.log_level,
                lifespan="off")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "record":
            from fashn_mock.cassettes.cli import record

            return record(args)
        if args.command == "openapi":
            from fashn_mock.contract.openapi import render_yaml

            sys.stdout.write(render_yaml())
            return 0
        if args.command == "contract":
            from fashn_mock.contract.cli import main as contract

            return contract(args)
    except ValueError as exc:
        print(f"fashn-mock: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
