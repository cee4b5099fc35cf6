"""What the shared store costs: req/s of ``GET /v1/status/{id}`` and ``POST /v1/run``
with the in-memory store vs the Redis store (1 and 2 worker processes), the latency
the store adds to one request, and the in-memory store against another revision.

Targets (each ``fashn-mock serve --time-scale 0 --no-limits --log-level warning`` on a
free loopback port, measured with ``wrk``):

- ``memory``: the default store, this tree;
- ``memory-base``: the default store of ``--baseline`` (a git ref, e.g. ``main``,
  exported with ``git archive``): the in-memory hot path must not regress;
- ``redis-1``: ``--store redis://...`` (a throwaway ``redis-server`` on loopback);
- ``redis-2``: the same with ``--workers 2``.

Rounds go target by target so slow drift hits every target alike; medians of
``--repeat`` rounds are reported. Latency: ``wrk -c1`` (one request at a time, so the
p50 is one request's round trip), and in-process the engine's own ``status`` and
``submit`` per call, memory vs Redis (no HTTP: the store's share alone). Results go
to ``benchmarks/results/store.json``.

    .venv/bin/python benchmarks/bench_store.py [--duration 5] [--repeat 3] [--baseline main]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "store.json"
KEY = "bench-key"
RUN_BODY = {"model_name": "tryon-v1.6",
            "inputs": {"model_image": "https://cdn.example.com/people/model-0001.jpg",
                       "garment_image": "https://cdn.example.com/garments/shirt-0001.jpg",
                       "category": "tops", "mode": "balanced"}}
LUA = """\
wrk.method = "{method}"
wrk.headers["Authorization"] = "Bearer {key}"
{extra}
function done(summary, latency, requests)
  io.write(string.format('WRK_JSON {{"requests":%d,"duration_us":%d,"errors":%d,'
    .. '"p50_us":%d,"p90_us":%d,"p99_us":%d}}\\n', summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        raise SystemExit("no redis-server: apt-get install redis-server")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                    "--save", "", "--appendonly", "no", "--dir", folder],
                                   stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                                 text=True).stdout.strip() != "PONG":
                if time.monotonic() > deadline:
                    raise SystemExit("redis-server did not start")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextlib.contextmanager
def baseline_tree(ref: str) -> Iterator[Path]:
    """``ref``'s tree (``git archive``) in a temporary folder."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", ref],
                                 capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        yield Path(folder)


class Served:
    def __init__(self, name: str, args: list[str], source: Path | None = None) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        if source is not None:
            env["PYTHONPATH"] = str(source)
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fashn_mock", "serve", "--time-scale", "0", "--no-limits",
             "--log-level", "warning", "--port", str(self.port), *args],
            env=env, stdout=subprocess.DEVNULL, stderr=self.log, cwd=source or REPO)
        self.prediction_id = ""

    def ready(self, timeout: float = 60) -> Served:
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(
                    f"{self.url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    break
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                raise SystemExit(f"{self.name} did not start:\n{self.log.read().decode()}")
            time.sleep(0.05)
        request = urllib.request.Request(
            f"{self.url}/v1/run", data=json.dumps(RUN_BODY).encode(), method="POST",
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            self.prediction_id = json.loads(answer.read())["id"]
        return self

    def stop(self) -> None:
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


def wrk(served: Served, route: str, seconds: int, connections: int,
        folder: Path) -> dict[str, Any]:
    if route == "status":
        url, script = f"{served.url}/v1/status/{served.prediction_id}", LUA.format(
            method="GET", key=KEY, extra="")
    else:
        url, script = f"{served.url}/v1/run", LUA.format(
            method="POST", key=KEY, extra=f"wrk.body = {json.dumps(json.dumps(RUN_BODY))}\n"
            'wrk.headers["Content-Type"] = "application/json"')
    path = folder / f"{route}.lua"
    path.write_text(script)
    done = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout",
                           "5s", "-s", str(path), url], capture_output=True, text=True,
                          timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {done.stdout}{done.stderr}")
    result: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    result["requests_per_s"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    return result


def in_process(url: str, calls: int) -> dict[str, Any]:
    """Per-call microseconds (p50, p99) of the engine's ``status`` and ``submit``,
    memory vs Redis, in this process (no HTTP); and, with the status window counted as
    ``serve`` counts it by default, the native face's status step (``status_counted``:
    one store step) beside the two calls it replaced (``admit`` then ``status``), by
    100 keys in turn (none reaches its limit) reading the public example."""
    sys.path.insert(0, str(REPO))
    from fashn_mock import Config
    from fashn_mock.engine import Engine
    from fashn_mock.engine.submission import DOCS_EXAMPLE_ID
    from fashn_mock.validation import parse_run_body

    run = parse_run_body(RUN_BODY)
    keys = [f"{KEY}-{n}" for n in range(100)]
    found: dict[str, Any] = {}
    for name, store in (("memory", None), ("redis", url)):
        engine = Engine(Config(time_scale=0, limits=False, store=store,
                               store_prefix="bench-in-process"))
        counting = Engine(Config(time_scale=0, store=store, store_prefix="bench-counted"))
        try:
            prediction_id = engine.submit(KEY, run).id
            timings: dict[str, list[float]] = {"status": [], "submit": [],
                                               "counted_status": [], "admit_then_status": []}
            for number in range(calls):
                key = keys[number % len(keys)]
                start = time.perf_counter()
                engine.status(KEY, prediction_id)
                middle = time.perf_counter()
                engine.submit(KEY, run)
                end = time.perf_counter()
                counting.status_counted(key, DOCS_EXAMPLE_ID, "status")
                one = time.perf_counter()
                counting.admit(key, "status")
                counting.status(key, DOCS_EXAMPLE_ID)
                two = time.perf_counter()
                timings["status"].append((middle - start) * 1e6)
                timings["submit"].append((end - middle) * 1e6)
                timings["counted_status"].append((one - end) * 1e6)
                timings["admit_then_status"].append((two - one) * 1e6)
            found[name] = {op: {"p50_us": round(statistics.median(t), 1),
                                "p99_us": round(statistics.quantiles(t, n=100)[98], 1)}
                           for op, t in timings.items()}
        finally:
            engine.close()
            counting.close()
    found["added_p50_us"] = {op: round(found["redis"][op]["p50_us"]
                                       - found["memory"][op]["p50_us"], 1)
                             for op in found["memory"]}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--baseline", default="main",
                        help="git ref whose in-memory store is compared ('' to skip)")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("no wrk: apt-get install -y wrk")
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as scratch:
        url = stack.enter_context(redis_server())
        targets = [Served("memory", [])]
        if args.baseline:
            targets.append(Served("memory-base", [], stack.enter_context(
                baseline_tree(args.baseline))))
        targets += [Served("redis-1", ["--store", url, "--store-prefix", "bench-1"]),
                    Served("redis-2", ["--store", url, "--store-prefix", "bench-2",
                                       "--workers", "2"])]
        for served in targets:
            stack.callback(served.stop)
        for served in targets:
            served.ready()
        folder = Path(scratch)
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {
            s.name: {"status": [], "run": [], "status-c1": [], "run-c1": []}
            for s in targets}
        for served in targets:  # warm-up
            for route in ("status", "run"):
                wrk(served, route, 2, args.connections, folder)
        for round_ in range(1, args.repeat + 1):
            for served in targets:
                for route in ("status", "run"):
                    result = wrk(served, route, args.duration, args.connections, folder)
                    runs[served.name][route].append(result)
                    single = wrk(served, route, args.duration, 1, folder)
                    runs[served.name][f"{route}-c1"].append(single)
                    print(f"round {round_} {served.name:12} {route:6} "
                          f"{result['requests_per_s']:8.0f} req/s (c{args.connections}), "
                          f"p50 {single['p50_us']} us (c1)", flush=True)
        summary = {name: {route: {
            "requests_per_s": round(statistics.median(r["requests_per_s"] for r in rs), 1),
            "p50_us": statistics.median(r["p50_us"] for r in rs),
            "p99_us": statistics.median(r["p99_us"] for r in rs),
            "errors": sum(r["errors"] for r in rs)} for route, rs in by_route.items()}
            for name, by_route in runs.items()}
        added = {route: summary["redis-1"][f"{route}-c1"]["p50_us"]
                 - summary["memory"][f"{route}-c1"]["p50_us"] for route in ("status", "run")}
        engine = in_process(url, args.calls)
    report = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "settings": {"duration_s": args.duration, "repeat": args.repeat,
                     "connections": args.connections, "baseline": args.baseline,
                     "calls": args.calls},
        "http": summary,
        "http_added_p50_us": added,
        "in_process": engine,
        "goal": "p50 added by the Redis store <= 300 us on loopback",
        "runs": runs,
    }
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({"http": {n: {r: v["requests_per_s"] for r, v in s.items()}
                               for n, s in summary.items()},
                      "http_added_p50_us": added,
                      "in_process_added_p50_us": engine["added_p50_us"]}, indent=2))


if __name__ == "__main__":
    main()
