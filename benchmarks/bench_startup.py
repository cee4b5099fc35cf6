"""Time from ``fashn-mock serve`` to its first answer (issue 2: well under 2 s).

Run: ``.venv/bin/python benchmarks/bench_startup.py``; writes ``results/startup.json``.
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ready_seconds() -> float:
    port = free_port()
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "fashn_mock", "serve", "--port",
                                str(port), "--log-level", "warning"])
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                    return time.perf_counter() - start
            except httpx.TransportError:
                pass
            time.sleep(0.01)
    finally:
        process.terminate()
        process.wait()


def main(runs: int = 7) -> None:
    timings = [ready_seconds() for _ in range(runs)]
    report = {"ready_s_median": round(statistics.median(timings), 3),
              "ready_s_max": round(max(timings), 3), "runs": runs, "target_s": 2.0}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
