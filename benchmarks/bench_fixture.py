"""Overhead of the pytest plugin's in-process path (issue 6 targets).

- a full submit -> completed -> output download cycle through the in-process
  client: target <= 2 ms median;
- the same cycle without the download (submit -> completed -> status read, issue 16):
  target <= 1 ms median;
- fixture setup (a fresh Emulator switched onto the session server): <= 20 ms.

Run: ``.venv/bin/python benchmarks/bench_fixture.py``. Writes
``benchmarks/results/fixture.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import fashn_mock
from fashn_mock import BackgroundServer, Config, Emulator
from fashn_mock.testing import FashnMock, SwitchableApp

BODY = {"model_name": "tryon-v1.6",
        "inputs": {"model_image": "https://example.com/m.jpg",
                   "garment_image": "https://example.com/g.jpg"}}
RESULTS = Path(__file__).parent / "results"


def cycle_ms(runs: int = 300, download: bool = True) -> list[float]:
    emulator = Emulator(Config(time_scale=0, limits=False), manual_clock=True)
    handle = FashnMock(emulator, "fa-bench", "http://fashn-mock.local")
    timings = []
    with handle.httpx_client() as client:
        for _ in range(runs):
            start = time.perf_counter()
            prediction_id = client.post("/v1/run", json=BODY).json()["id"]
            status = client.get(f"/v1/status/{prediction_id}").json()
            if download:
                assert client.get(status["output"][0]).status_code == 200
            timings.append((time.perf_counter() - start) * 1000)
            assert status["status"] == "completed"
    return timings[20:]  # after warm-up (the first render fills the cache)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=RESULTS / "fixture.json")
    args = parser.parse_args()
    load_before = os.getloadavg()
    cycle, status_cycle, setup = cycle_ms(), cycle_ms(1000, download=False), setup_ms()
    tree = Path(fashn_mock.__file__).resolve().parent.parent
    revision = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=tree,
                              capture_output=True, text=True, check=False).stdout.strip()
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "source_revision": revision or None,
        "load_average_before": list(load_before),
        "load_average_after": list(os.getloadavg()),
        "cycle_ms_median": round(statistics.median(cycle), 3),
        "cycle_ms_p90": round(statistics.quantiles(cycle, n=10)[-1], 3),
        "status_cycle_ms_median": round(statistics.median(status_cycle), 3),
        "status_cycle_ms_p90": round(statistics.quantiles(status_cycle, n=10)[-1], 3),
        "setup_ms_median": round(statistics.median(setup), 3),
        "setup_ms_p90": round(statistics.quantiles(setup, n=10)[-1], 3),
        "targets": {"cycle_ms_median": 2.0, "status_cycle_ms_median": 1.0,
                    "setup_ms_median": 20.0},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
