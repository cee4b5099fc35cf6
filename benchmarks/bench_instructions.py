"""Instructions per request, counted by valgrind: the one figure here a busy machine
cannot move.

Each request is raw HTTP/1.1 fed to uvicorn's protocol in-process, as in
``bench_layers.py`` (same connection, same requests). For every variant and route,
two processes run under ``valgrind --tool=callgrind`` side by side: both build the
app and send 1 100 warm-up requests, then one sends ``--requests`` more and the other
none; the difference in instructions executed, divided by ``--requests``, is the cost
of one request (imports and start-up cancel out). The garbage collector is tuned as
``serve`` tunes it and then switched off, so its occasional passes do not land in one
run and not in the other (what a request allocates and frees is still counted).

Instructions are not time (a cache miss costs many), but they are exact and repeatable:
two trees differing by 1 % give counts differing by 1 %, where ``wrk`` on a shared
2-vCPU machine moves by 20 % from one run to the next. Use it to compare trees
(``--baseline``), then ``bench_layers.py`` for CPU time.

    .venv/bin/python benchmarks/bench_instructions.py [--baseline TREE] [--requests 2000]

Needs valgrind (``apt-get install -y valgrind``). About a minute per variant and route.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.reports import save  # noqa: E402

RESULTS = HERE / "results" / "instructions.json"
WARM_UP = 1100
ROUTES = ("status", "run", "concurred")
COLLECTED = re.compile(rb"Collected : (\d+)")


def child(source: Path, variant: str, route: str, requests: int) -> None:
    """Build ``variant`` from ``source``'s ``fashn_mock``, warm up, send ``requests``."""
    sys.path.insert(0, str(source))
    import uvloop

    import fashn_mock  # noqa: F401  (from ``source``, before bench_layers imports it)
    from benchmarks import bare_app
    from benchmarks.bench_layers import Connection, emulator, http_request
    from fashn_mock.collector import tune_gc

    async def run() -> None:
        loop = asyncio.get_running_loop()
        prediction_id = bare_app.PREDICTION_ID
        if variant == "floor":
            connection = Connection(bare_app.floor, loop)
        else:
            connection = Connection(emulator().app, loop)
            answer = await connection.check(http_request("run", ""))
            prediction_id = json.loads(answer.split(b"\r\n\r\n", 1)[1])["id"]
        raw = http_request(route, prediction_id)
        await connection.check(raw)
        for _ in range(WARM_UP):
            await connection.send(raw)
        tune_gc()
        gc.disable()
        for _ in range(requests):
            await connection.send(raw)

    uvloop.run(run())


def count(source: Path, variant: str, route: str, requests: int) -> int:
    """Instructions per request of one variant and route (two valgrind runs at once)."""
    def start(n: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
             sys.executable, __file__, "--child", str(source), variant, route, str(n)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    runs = [start(0), start(requests)]
    totals = []
    for process in runs:
        _, err = process.communicate()
        found = COLLECTED.search(err)
        if process.returncode != 0 or found is None:
            raise RuntimeError(f"{variant} {route}: {err.decode(errors='replace')[-600:]}")
        totals.append(int(found.group(1)))
    return round((totals[1] - totals[0]) / requests)


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text[:40]!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=positive, default=2000,
                        help="requests counted (2000)")
    parser.add_argument("--routes", default="status,run,concurred")
    parser.add_argument("--baseline", type=Path, help="another tree, counted alike")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        source, variant, route, requests = args.child
        child(Path(source), variant, route, int(requests))
        return 0
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed: apt-get install -y valgrind")
    routes = [r for r in args.routes.split(",") if r]
    if not routes or set(routes) - set(ROUTES):
        parser.error(f"--routes: a comma-separated subset of {','.join(ROUTES)}")
    if args.baseline is not None and not (args.baseline / "fashn_mock").is_dir():
        parser.error(f"--baseline: {str(args.baseline)[:200]} is not a fashn-mock tree")
    trees = {"this tree": HERE.parent} | ({"baseline": args.baseline.resolve()}
                                         if args.baseline else {})
    counts: dict[str, dict[str, int]] = {}
    started = time.monotonic()
    for name, variant, source in [("floor", "floor", HERE.parent),
                                  *[(tree, "emulator", path) for tree, path in trees.items()]]:
        counts[name] = {}
        for route in routes:
            if variant == "floor" and route == "concurred":
                continue
            try:
                counts[name][route] = count(source, variant, route, args.requests)
            except RuntimeError as failed:  # the child's own error is in the message
                print(f"bench_instructions: {failed}", file=sys.stderr)
                return 1
            print(f"{name:<10} {route:<10} {counts[name][route]:>9,} instructions/request",
                  flush=True)
    revision = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "settings": {"requests": args.requests, "warm_up": WARM_UP, "gc": "tuned, then off"},
        "source_revision": revision,
        "baseline": str(args.baseline) if args.baseline else None,
        "instructions_per_request": counts,
        "ratios": {tree: {route: round(counts["floor"][route] / by[route], 3)
                          for route in by if route in counts["floor"]}
                   for tree, by in counts.items() if tree != "floor"},
        "seconds": round(time.monotonic() - started),
    }
    save(report, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
