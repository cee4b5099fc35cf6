"""``fashn-mock contract``: run the contract suites and print a readable report.

Without ``--base-url`` (or ``FASHN_BASE_URL``) it starts an emulator on a free
loopback port (``--time-scale 0``) and checks that. Against anything that is not
fashn-mock the default budget is 0: only checks that cost nothing run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from fashn_mock.contract.target import DEFAULT_KEY_ENV, OTHER_KEY_ENV

LOCAL_KEY = "fa-contract-local"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``contract`` options to a (sub)parser."""
    from fashn_mock.contract.runner import SUITES

    parser.add_argument("--base-url", default=os.environ.get("FASHN_BASE_URL"),
                        help="API to check, e.g. https://api.fashn.ai (env FASHN_BASE_URL; "
                             "default: start a local emulator and check it)")
    parser.add_argument("--api-key", default=os.environ.get(DEFAULT_KEY_ENV),
                        help=f"Bearer key (env {DEFAULT_KEY_ENV})")
    parser.add_argument("--other-api-key", default=os.environ.get(OTHER_KEY_ENV),
                        help="a second key, to check it never sees the first key's "
                             f"predictions (env {OTHER_KEY_ENV})")
    parser.add_argument("--budget", type=int, default=None,
                        help="credits the run may spend on predictions; never exceeded "
                             "(default: 0 against a real API = free checks only; "
                             "unlimited against fashn-mock)")
    parser.add_argument("--examples", type=int, default=None,
                        help="generated examples per operation, model and mode "
                             "(default 10 on fashn-mock, 3 elsewhere)")
    parser.add_argument("--coverage", type=int, default=-1,
                        help="deterministic boundary cases per operation and model "
                             "(default: all on fashn-mock, 8 elsewhere)")
    parser.add_argument("--seed", type=int, default=None,
                        help="Hypothesis seed (default: derandomized, the same every run)")
    parser.add_argument("--suite", action="append", choices=SUITES, dest="suites",
                        help="run only this suite; repeatable (default: all)")
    parser.add_argument("--model", action="append", dest="models",
                        help="generate /v1/run data only for this model; repeatable")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    from fashn_mock.cassettes.cli import configure_verify

    configure_verify(parser.add_subparsers(dest="contract_command").add_parser(
        "verify-cassettes", help="check recorded cassettes against the contract (drift report)"))


def main(args: argparse.Namespace) -> int:
    """Run the suites; 0 when every check passed, 1 on failures, 2 on usage errors."""
    if getattr(args, "contract_command", None) == "verify-cassettes":
        from fashn_mock.cassettes.cli import verify_main

        return verify_main(args)
    try:
        import hypothesis  # noqa: F401
        import schemathesis  # noqa: F401
    except ImportError:
        print("fashn-mock contract needs the contract extra: "
              "pip install 'fashn-mock[contract]'", file=sys.stderr)
        return 2
    from fashn_mock.contract.runner import SUITES, Options, run_contract
    from fashn_mock.contract.target import Target

    with ExitStack() as stack:
        base_url, api_key = args.base_url, args.api_key
        if not base_url:
            base_url = stack.enter_context(_local_emulator())
            api_key = api_key or LOCAL_KEY
        if not api_key:
            print(f"fashn-mock contract: an API key is needed for {base_url}: "
                  f"--api-key or {DEFAULT_KEY_ENV}", file=sys.stderr)
            return 2
        if args.budget is not None and args.budget < 0:
            print("fashn-mock contract: --budget must be >= 0", file=sys.stderr)
            return 2
        target = Target(base_url, api_key, other_api_key=args.other_api_key)
        options = Options(budget=args.budget, examples=args.examples,
                          coverage=None if args.coverage is None else args.coverage,
                          seed=args.seed, suites=args.suites or SUITES, models=args.models)
        report = run_contract(target, options, progress=_progress)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(report.render(), end="")
    return 0 if report.ok else 1


def _progress(message: str) -> None:
    print(f"fashn-mock contract: {message}", file=sys.stderr, flush=True)


@contextmanager
def _local_emulator() -> Iterator[str]:
    """A fresh emulator on a free loopback port for the duration of the run."""
    from fashn_mock.config import Config
    from fashn_mock.emulator import Emulator
    from fashn_mock.server import BackgroundServer

    server = BackgroundServer(Emulator(Config(time_scale=0)).app).start()
    _progress(f"no --base-url: checking a fresh emulator at {server.url}")
    try:
        yield server.url
    finally:
        server.stop()
