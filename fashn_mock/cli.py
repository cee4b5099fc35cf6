"""``fashn-mock``: the command line (click).

Every option also reads an environment variable, shown in ``--help``; an empty
variable counts as unset. Invalid values, from flags or the environment, end in
one usage line (exit 2), never a traceback; each subcommand reads only its own
variables. Shell completion is click's: ``eval "$(_FASHN_MOCK_COMPLETE=bash_source
fashn-mock)"`` (or ``zsh_source``, ``fish_source``).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from fashn_mock import __version__
from fashn_mock.cassettes.cli import record, replay_options, replay_source_from
from fashn_mock.catalog.quotas import DEFAULT_CONCURRENCY, DEFAULT_RATES
from fashn_mock.collector import tune_gc
from fashn_mock.config import MAX_CREDITS, MAX_TIME_SCALE, Config
from fashn_mock.contract.cli import contract
from fashn_mock.contract.openapi import DIALECTS
from fashn_mock.params import (
    ENV,
    Finite,
    Listed,
    Profile,
    Rate,
    Url,
    log_options,
    option,
)
from fashn_mock.serving import SHUTDOWN_TIMEOUT, is_loopback
from fashn_mock.steering.cli import ctl
from fashn_mock.workers import MAX_WORKERS

if TYPE_CHECKING:
    from fashn_mock.cassettes.replay import ReplaySource
    from fashn_mock.serving import Bound

MIB = 1024 * 1024
E = TypeVar("E")


@click.group(context_settings={"help_option_names": ["-h", "--help"],
                               "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="fashn-mock")
def cli() -> None:
    """A local emulator of the FASHN AI API, with a contract-testing toolkit."""


def _rate_options(func: Any) -> Any:
    for route, rule in reversed(DEFAULT_RATES.items()):
        func = option(f"--rate-{route}", env=f"{ENV}RATE_{route.upper()}", default=str(rule),
                      type=Rate(), help=f"/v1/{route} rate window per key")(func)
    return func


@cli.command()
@option("--host", env=ENV + "HOST", default="127.0.0.1",
        help="interface to bind; not loopback: /_mock needs a token (generated and "
             "printed unless --control-token or --no-control)")
@option("--port", env=ENV + "PORT", default=8000, type=click.IntRange(0, 65535),
        help="port to bind, 0 = any free port (the banner shows the real one)")
@option("--time-scale", env=ENV + "TIME_SCALE", default=1.0,
        type=Finite(0, MAX_TIME_SCALE),
        help="multiply every documented duration: 1 = real timings, 0 = predictions "
             "finish at once")
@option("--seed", env=ENV + "SEED", default=None, type=click.IntRange(0, 2**32 - 1),
        show_default=False,
        help="seed for ids, durations and chaos: the same requests give the same results "
             "(default: none; ids are then unpredictable)")
@option("--api-key", "api_keys", env=ENV + "API_KEYS", multiple=True, type=Listed(),
        show_default=False, metavar="KEY",
        help="accept only this Bearer key; repeatable (env: comma-separated; default: "
             "any key)")
@option("--credits", env=ENV + "CREDITS", type=click.IntRange(0, MAX_CREDITS),
        help="starting credit balance per key (default: effectively unlimited)")
@option("--no-limits", env=ENV + "NO_LIMITS", is_flag=True,
        help="turn rate and concurrency limits off")
@_rate_options
@option("--concurrency", env=ENV + "CONCURRENCY", default=DEFAULT_CONCURRENCY,
        type=click.IntRange(min=1), help="unfinished predictions allowed per key")
@option("--failure-rate", env=ENV + "FAILURE_RATE", default=0.0, type=Finite(0, 1),
        help="chaos: share of predictions failing with a seeded random runtime error")
@option("--jitter", env=ENV + "JITTER", default=0.0, type=Finite(0, 1, max_open=True),
        help="chaos: vary durations by up to this fraction, e.g. 0.2")
@option("--network-chaos", env=ENV + "NETWORK_CHAOS", default="", type=Profile(),
        show_default=False,
        help="chaos: seeded network faults per kind, e.g. reset=0.05,delay=0.2..1=0.1 "
             "(see README, Network faults)")
@option("--webhook-allow-host", "webhook_allow_hosts", env=ENV + "WEBHOOK_ALLOW_HOSTS",
        multiple=True, type=Listed(), metavar="HOST", show_default=False,
        help="also deliver webhooks to this host name (loopback always); repeatable "
             "(env: comma-separated)")
@option("--no-control", env=ENV + "NO_CONTROL", is_flag=True,
        help="do not serve the /_mock control API")
@option("--control-token", env=ENV + "CONTROL_TOKEN", show_default=False,
        help="require X-Fashn-Mock-Token: TOKEN on /_mock requests")
@option("--journal-size", env=ENV + "JOURNAL_SIZE", default=1000,
        type=click.IntRange(min=1), help="requests kept in the journal")
@option("--strict", env=ENV + "STRICT", is_flag=True,
        help="check every request against the contract; violations go to the journal "
             "and /_mock/violations")
@option("--media-cache-mb", env=ENV + "MEDIA_CACHE_MB", default=256,
        type=click.IntRange(0, 1024 * 1024),
        help="memory budget for rendered outputs in MiB, least recently used out")
@option("--input-cache-mb", env=ENV + "INPUT_CACHE_MB", default=64,
        type=click.IntRange(0, 1024 * 1024),
        help="memory budget for data-URI input images held for rendering, in MiB; "
             "least recently used out (an output rendered after its input was released "
             "shows a placeholder)")
@option("--max-body", env=ENV + "MAX_BODY", default=64 * MIB, show_default="64 MiB",
        type=click.IntRange(min=1),
        metavar="BYTES", help="largest accepted request body; larger gets 413")
@option("--public-url", env=ENV + "PUBLIC_URL", type=Url(),
        help="base URL used in output links (default: the Host the request came to)")
@option("--fetch-inputs", env=ENV + "FETCH_INPUTS", is_flag=True,
        help="fetch URL image inputs so outputs show them; loopback hosts only unless "
             "allowed")
@option("--fetch-allow-host", "fetch_allow_hosts", env=ENV + "FETCH_ALLOW_HOSTS",
        multiple=True, type=Listed(), metavar="HOST", show_default=False,
        help="also fetch from this host name; repeatable (env: comma-separated)")
@option("--shutdown-timeout", env=ENV + "SHUTDOWN_TIMEOUT", default=SHUTDOWN_TIMEOUT,
        type=click.IntRange(1, 600), metavar="SECONDS",
        help="on SIGTERM/SIGINT, how long open requests may take to finish before they "
             "are cut off")
@option("--store", env=ENV + "STORE", metavar="URL", show_default="this process's memory",
        help="keep the state in a Redis or Valkey server shared by several processes "
             "(redis://host:port/db, rediss:// for TLS, valkey://)")
@option("--store-prefix", env=ENV + "STORE_PREFIX", default="fashn-mock",
        help="the shared store's key prefix: emulators with different prefixes share "
             "one server; reset deletes only its own keys")
@option("--workers", env=ENV + "WORKERS", default=1, type=click.IntRange(1, MAX_WORKERS),
        help="worker processes serving one emulator (more than 1 needs --store)")
@replay_options
@log_options("info")
def serve(**params: Any) -> None:
    """Run the emulator over HTTP."""
    from fashn_mock import serving, workers
    from fashn_mock.emulator import Emulator

    try:
        config = config_from(params)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if params["workers"] > 1 and config.store is None:
        raise click.UsageError("--workers above 1 needs a shared store: add --store "
                               "redis://host:port/db (each worker would be an emulator "
                               "of its own)")
    if params.get("replay") and config.store is not None:
        raise click.UsageError("--replay keeps its recordings in one process: it cannot "
                               "be combined with --store")
    config, generated = guard_control(config)
    emulator = open_emulator(Emulator, config)
    source = replay_source_from(params)
    if source is not None:
        source.attach(emulator)

    def bound(where: Bound) -> None:
        announce(where, config, source=source, params=params, generated_token=generated)

    if params["workers"] > 1:  # the store is reachable and set up: the workers start
        emulator.close()
        raise SystemExit(workers.run(config, params["workers"],
                                     log_level=params["log_level"],
                                     log_format=params["log_format"], on_bound=bound,
                                     shutdown_timeout=params["shutdown_timeout"]))
    tune_gc()
    raise SystemExit(serving.run(emulator.app, host=config.host, port=config.port,
                                 log_level=params["log_level"],
                                 log_format=params["log_format"], on_bound=bound,
                                 shutdown_timeout=params["shutdown_timeout"]))


def open_emulator(make: Callable[[Config], E], config: Config) -> E:
    """``make(config)``, or one line saying why its store cannot be used."""
    from fashn_mock.engine.errors import StoreUnavailable
    from fashn_mock.store.names import shown

    try:
        return make(config)
    except StoreUnavailable as exc:
        raise click.ClickException(f"the store at {shown(config.store or '')} cannot be used: "
                                   f"{exc.detail}") from None
    except ModuleNotFoundError as exc:
        if exc.name != "redis":
            raise
        raise click.ClickException("a shared store needs redis-py: pip install "
                                   "'fashn-mock[redis]'") from None


@cli.command()
@option("--dialect", env=ENV + "OPENAPI_DIALECT", default="native",
        type=click.Choice(DIALECTS),
        help="whose contract: the native API or a gateway (Concurred, Pixazo)")
def openapi(dialect: str) -> None:
    """Print the OpenAPI contract of a dialect (YAML)."""
    from fashn_mock.contract.openapi import render_yaml

    click.echo(render_yaml(dialect), nl=False)


cli.add_command(record)
cli.add_command(contract)
cli.add_command(ctl)


def serve_params(argv: Sequence[str]) -> dict[str, Any]:
    """``serve``'s options parsed from ``argv`` and the environment, without serving."""
    with serve.make_context("serve", list(argv)) as ctx:
        return dict(ctx.params)


def config_from(params: Mapping[str, Any]) -> Config:
    """The emulator ``Config`` for ``serve``'s parsed options."""
    return Config(host=params["host"], port=params["port"], time_scale=params["time_scale"],
                  seed=params["seed"], api_keys=tuple(params["api_keys"]),
                  credits=params["credits"], limits=not params["no_limits"],
                  max_body_bytes=params["max_body"], public_url=params["public_url"],
                  rates={route: params[f"rate_{route}"] for route in DEFAULT_RATES},
                  concurrency=params["concurrency"], failure_rate=params["failure_rate"],
                  jitter=params["jitter"], network_chaos=params["network_chaos"],
                  webhook_allow_hosts=tuple(params["webhook_allow_hosts"]),
                  control=not params["no_control"],
                  control_token=params["control_token"],
                  journal_size=params["journal_size"],
                  media_cache_bytes=params["media_cache_mb"] * MIB,
                  input_cache_bytes=params["input_cache_mb"] * MIB, strict=params["strict"],
                  fetch_inputs=params["fetch_inputs"],
                  fetch_allow_hosts=tuple(params["fetch_allow_hosts"]),
                  store=params["store"] or None, store_prefix=params["store_prefix"])


def guard_control(config: Config) -> tuple[Config, str | None]:
    """On a non-loopback bind the control API needs a token: a random one unless one
    was given or the control API is off. The config, and the token if generated."""
    if not config.control or config.control_token or is_loopback(config.host):
        return config, None
    token = secrets.token_urlsafe(24)
    return dataclasses.replace(config, control_token=token), token


def announce(where: Bound, config: Config, *, source: ReplaySource | None,
             params: Mapping[str, Any], generated_token: str | None) -> None:
    """The start-up banner, once the port is bound: where to point clients."""
    from fashn_mock.logs import LOGGER

    if source is not None:
        LOGGER.info(f"replaying {len(source.cassettes)} cassette(s) from {params['replay']} "
                    f"by {params['replay_by']}")
    seed = "no seed" if config.seed is None else f"seed {config.seed}"
    LOGGER.info(f"serving the FASHN API at {where.url} (time-scale {config.time_scale:g}, "
                f"{seed}); point clients at it with FASHN_BASE_URL={where.url}",
                extra={"url": where.url, "port": where.port})
    if where.network_url is not None:
        LOGGER.info(f"listening on every interface: other machines use {where.network_url}",
                    extra={"network_url": where.network_url})
    if generated_token is not None:
        LOGGER.warning("the control API (/_mock) is reachable from other machines, so it "
                       f"needs the header X-Fashn-Mock-Token: {generated_token} (choose the "
                       "token with --control-token, or turn /_mock off with --no-control)",
                       extra={"control_token": generated_token})


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fashn-mock`` with ``argv`` (default: the process's arguments); the exit
    code (the ``fashn-mock`` script and ``python -m fashn_mock`` exit with it)."""
    try:
        cli.main(args=None if argv is None else list(argv), prog_name="fashn-mock")
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
