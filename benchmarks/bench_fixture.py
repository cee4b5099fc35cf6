"""Overhead of the pytest plugin's in-process path (issue 6 and issue 16 targets).

- a full submit -> completed -> output download cycle through the in-process
  client: target <= 2 ms median;
- the same cycle without the download (submit -> completed -> status read, issue 16):
  target <= 1 ms median;
- fixture setup (a fresh Emulator switched onto the session server): <= 20 ms;
- beside them, for reading the cycle: a run with a data-URI image (submitted off the
  event loop, through Starlette's thread pool), and the **client floor**: the same
  status cycle by the same ``httpx.Client`` against constant answers
  (``httpx.MockTransport``), which is what the client itself costs (no emulator).

Each tree is measured in a fresh process per round, rounds interleaved
(``--baseline TREE`` adds another tree, e.g. a git worktree of the commit before), and
each figure is the median over the rounds of each round's median.

Run: ``.venv/bin/python benchmarks/bench_fixture.py [--baseline TREE] [--rounds 3]``.
Writes ``benchmarks/results/fixture.json``.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

import fashn_mock
from fashn_mock import BackgroundServer, Config, Emulator
from fashn_mock.testing import FashnMock, SwitchableApp

BODY = {"model_name": "tryon-v1.6",
        "inputs": {"model_image": "https://example.com/m.jpg",
                   "garment_image": "https://example.com/g.jpg"}}
RESULTS = Path(__file__).parent / "results"
HERE = Path(__file__).resolve()
TARGETS = {"cycle_ms": 2.0, "status_cycle_ms": 1.0, "setup_ms": 20.0}
PREDICTION_ID = "eb1167b3-67a9-4378-bc65-c1e582e2e662"


def _timed(step: Callable[[], None], runs: int, warmup: int = 20) -> list[float]:
    timings = []
    for _ in range(runs + warmup):
        start = time.perf_counter()
        step()
        timings.append((time.perf_counter() - start) * 1000)
    return timings[warmup:]  # after warm-up (the first render fills the cache)


def cycle_ms(runs: int = 300, download: bool = True) -> list[float]:
    emulator = Emulator(Config(time_scale=0, limits=False), manual_clock=True)
    handle = FashnMock(emulator, "fa-bench", "http://fashn-mock.local")
    with handle.httpx_client() as client:
        def step() -> None:
            prediction_id = client.post("/v1/run", json=BODY).json()["id"]
            status = client.get(f"/v1/status/{prediction_id}").json()
            if download:
                assert client.get(status["output"][0]).status_code == 200
            assert status["status"] == "completed"
        return _timed(step, runs)


def client_floor_ms(runs: int = 1000) -> list[float]:
    """The status cycle by the same client against constant answers."""
    run = json.dumps({"id": PREDICTION_ID, "error": None}).encode()
    status = json.dumps({"id": PREDICTION_ID, "status": "completed", "error": None,
                         "output": [f"http://fashn-mock.local/cdn/{PREDICTION_ID}/output_0.png"]
                         }).encode()

    def answer(request: httpx.Request) -> httpx.Response:
        body = run if request.method == "POST" else status
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    with httpx.Client(transport=httpx.MockTransport(answer), base_url="http://fashn-mock.local",
                      headers={"Authorization": "Bearer fa-bench"}) as client:
        def step() -> None:
            prediction_id = client.post("/v1/run", json=BODY).json()["id"]
            assert client.get(f"/v1/status/{prediction_id}").json()["status"] == "completed"
        return _timed(step, runs)


def data_uri_run_ms(runs: int = 300) -> list[float]:
    """``POST /v1/run`` with a small PNG as a data URI (decoded off the event loop)."""
    png = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(png, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    body = {"model_name": "tryon-v1.6",
            "inputs": {"model_image": uri, "garment_image": "https://example.com/g.jpg"}}
    emulator = Emulator(Config(time_scale=0, limits=False), manual_clock=True)
    handle = FashnMock(emulator, "fa-bench", "http://fashn-mock.local")
    with handle.httpx_client() as client:
        def step() -> None:
            assert client.post("/v1/run", json=body).status_code == 200
        return _timed(step, runs)


def setup_ms(runs: int = 200) -> list[float]:
    switch = SwitchableApp()
    timings = []
    with BackgroundServer(switch) as server:
        for _ in range(runs):
            start = time.perf_counter()
            emulator = Emulator(Config(time_scale=0), manual_clock=True)
            switch.target = emulator.app
            FashnMock(emulator, "fa-bench", server.url)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def measure() -> dict[str, dict[str, float]]:
    """One round in this process: each figure's median and p90 (ms)."""
    figures = {"cycle_ms": cycle_ms(), "status_cycle_ms": cycle_ms(1000, download=False),
               "client_floor_ms": client_floor_ms(), "data_uri_run_ms": data_uri_run_ms(),
               "setup_ms": setup_ms()}
    return {name: {"median": statistics.median(values),
                   "p90": statistics.quantiles(values, n=10)[-1]}
            for name, values in figures.items()}


def _round(tree: Path) -> dict[str, dict[str, float]]:
    """One round in a fresh process importing ``fashn_mock`` from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, str(HERE), "--worker", str(tree)], env=env,
                          capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.splitlines()[-1]))


def _revision(tree: Path) -> str | None:
    found = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=tree,
                           capture_output=True, text=True, check=False).stdout.strip()
    return found or None


def _summary(rounds: list[dict[str, dict[str, float]]]) -> dict[str, Any]:
    return {f"{name}_{stat}": round(statistics.median(r[name][stat] for r in rounds), 3)
            for name in rounds[0] for stat in ("median", "p90")} | {
        f"{name}_rounds": [round(r[name]["median"], 3) for r in rounds] for name in rounds[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=RESULTS / "fixture.json")
    parser.add_argument("--baseline", type=Path, help="another tree, measured alike")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:  # one round, in the tree's own process
        loaded = Path(fashn_mock.__file__).resolve().parent.parent
        assert loaded == args.worker.resolve(), f"imported {loaded}, not {args.worker}"
        print(json.dumps(measure()))
        return
    tree = Path(fashn_mock.__file__).resolve().parent.parent
    trees = {"this tree": tree} | ({"baseline": args.baseline.resolve()}
                                   if args.baseline else {})
    load_before = os.getloadavg()
    rounds: dict[str, list[dict[str, dict[str, float]]]] = {name: [] for name in trees}
    for number in range(args.rounds):
        for name, path in trees.items():
            rounds[name].append(_round(path))
            print(f"round {number + 1}: {name}: status cycle "
                  f"{rounds[name][-1]['status_cycle_ms']['median']:.3f} ms", file=sys.stderr)
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "load_average_before": list(load_before),
        "load_average_after": list(os.getloadavg()),
        "rounds": args.rounds,
        "targets": {f"{name}_median": limit for name, limit in TARGETS.items()},
    }
    for name, path in trees.items():
        key = "results" if name == "this tree" else "baseline"
        report[key] = {"source_revision": _revision(path), **_summary(rounds[name])}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
