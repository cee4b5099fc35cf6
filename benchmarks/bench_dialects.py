"""Status requests per CPU-second, native ``/v1/status/{id}`` vs Concurred
``/api/v1/fashion/status/{id}``, through the whole ASGI app (middleware, journal,
routing, face, engine) in-process: no socket, no load generator, so the figure is the
emulator's own cost per request and holds on a busy machine (CPU time, not wall
time). Rounds alternate between the dialects; medians are reported. Goal: Concurred
within 15 % of native. Results go to ``benchmarks/results/dialects.json``.

    .venv/bin/python benchmarks/bench_dialects.py [--requests 5000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from fashn_mock import Config, Emulator

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "dialects.json"
GOAL = 0.85
BODY = json.dumps({"model_name": "tryon-v1.6", "inputs": {
    "model_image": "https://cdn.example.com/people/model.jpg",
    "garment_image": "https://cdn.example.com/garments/shirt.jpg"}}).encode()


def scope(method: str, path: str, key: str) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
            "headers": [(b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {key}".encode()),
                        (b"content-type", b"application/json")]}


async def call(app: Any, request: dict[str, Any], body: bytes = b"") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(request, receive, send)
    return sent


async def measure(requests: int, rounds: int) -> dict[str, list[float]]:
    # limits on, as served by default; keys rotate so no window refuses a request
    emulator = Emulator(Config(time_scale=0), manual_clock=True)
    app = emulator.app
    native = json.loads((await call(app, scope("POST", "/v1/run", "n"), BODY))[1]["body"])["id"]
    concurred = json.loads((await call(app, scope("POST", "/api/v1/fashion/run", "c"),
                                       BODY))[1]["body"])["data"]["prediction_id"]
    paths = {"native": f"/v1/status/{native}",
             "concurred": f"/api/v1/fashion/status/{concurred}"}
    keys = {"native": "n", "concurred": "c"}
    rates: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, path in paths.items():
            emulator.engine.rates.forget()
            started = time.process_time()
            for i in range(requests):
                if i % 30 == 29:  # stay inside the 40/10 s and 50/10 s windows
                    emulator.engine.rates.forget()
                answer = await call(app, scope("GET", path, keys[name]))
                assert answer[0]["status"] == 200, answer
            rates[name].append(requests / (time.process_time() - started))
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    rates = asyncio.run(measure(args.requests, args.rounds))
    medians = {name: statistics.median(values) for name, values in rates.items()}
    ratio = medians["concurred"] / medians["native"]
    result: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"platform": platform.platform()},
        "settings": {"requests_per_round": args.requests, "rounds": args.rounds,
                     "how": "in-process ASGI calls of the full app, CPU time"},
        "status_req_per_cpu_s": {name: [round(v) for v in values]
                                 for name, values in rates.items()},
        "median": {name: round(value) for name, value in medians.items()},
        "concurred_vs_native": round(ratio, 3),
        "goal": {"min_ratio": GOAL, "met": ratio >= GOAL},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if result["goal"]["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
