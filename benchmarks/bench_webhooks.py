"""Webhook delivery: throughput to a loopback receiver and lag after the finish.

- **throughput**: ``--count`` predictions with a ``webhook_url`` are filed on a
  manual clock; one ``advance`` makes every first attempt due at once; deliveries
  per second = count / wall time until the last one was answered (scheduler
  handlers, rendering the status body, the POST, the journal). Goal >= 1,000/s on
  one process.
- **lag**: a running clock at ``--time-scale 1``; ``--lag-count`` background-remove
  predictions (1-3 s each) submitted ``--lag-rate`` per second; lag = wall time the
  receiver got the payload - the prediction's ``finished_at`` (this clock is wall
  time). Goal p99 <= 50 ms.

``deliveries_per_cpu_s`` divides by the emulator process's own CPU time (all its
threads), which moves much less than wall time when neighbours steal the CPU.

The receiver is a minimal asyncio HTTP/1.1 server in its own process (pinned to
CPU 1, the emulator to CPU 0 where the machine allows), answering 200 with keep-alive,
so it costs the emulator's process nothing. Run:
``.venv/bin/python benchmarks/bench_webhooks.py``; writes
``benchmarks/results/webhooks.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
TRYON = {"model_name": "tryon-v1.6",
         "inputs": {"model_image": "https://example.com/m.jpg",
                    "garment_image": "https://example.com/g.jpg"}}
QUICK = {"model_name": "background-remove", "inputs": {"image": "https://example.com/b.jpg"}}


# --- the receiver (its own process) ------------------------------------------------
async def serve(port_file: str, log_file: str) -> None:
    received: list[tuple[str, float]] = []

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                received.append((json.loads(body)["id"], time.time()))
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=1024)
    Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    Path(log_file).write_text("\n".join(f"{i} {t}" for i, t in received))
    os._exit(0)  # open connections need no goodbye


class Receiver:
    def __init__(self, workdir: Path) -> None:
        self.port_file, self.log_file = workdir / "port", workdir / "log"
        self.port_file.unlink(missing_ok=True)
        self.process = subprocess.Popen([sys.executable, __file__, "--receiver",
                                         str(self.port_file), str(self.log_file)])
        pin(self.process.pid, 1)
        while not self.port_file.exists() or not self.port_file.read_text():
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{self.port_file.read_text()}/hook"

    def stop(self) -> dict[str, float]:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        lines = self.log_file.read_text().split("\n") if self.log_file.exists() else []
        return {i: float(t) for i, t in (line.split() for line in lines if line)}


def pin(pid: int, cpu: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        if cpu < (os.cpu_count() or 1):
            os.sched_setaffinity(pid, {cpu})


# --- the measurements --------------------------------------------------------------
def throughput(receiver: Receiver, count: int) -> dict[str, Any]:
    from fashn_mock import Config, Emulator
    from fashn_mock.validation import parse_run_body

    emulator = Emulator(Config(limits=False, journal_size=count), manual_clock=True)
    engine = emulator.engine
    run = parse_run_body(TRYON)
    for _ in range(20):  # warm up: the worker thread, the client, the connections
        engine.submit("warm", run, webhook_url=receiver.url)
    emulator.advance(60)
    ids = [engine.submit("k", run, webhook_url=receiver.url).id for _ in range(count)]
    start, cpu = time.perf_counter(), time.process_time()
    emulator.engine.clock.advance(60)  # every first attempt falls due at once
    assert emulator.wait_for_webhooks(timeout=600)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    attempts = emulator.webhooks(key="k")
    delivered = sum(1 for a in attempts if a.result == "delivered")
    assert delivered == count == len(ids), (delivered, count)
    latencies = sorted(a.latency_ms or 0.0 for a in attempts)
    return {"deliveries": count, "seconds": round(seconds, 3),
            "deliveries_per_s": round(count / seconds, 1),
            "deliveries_per_cpu_s": round(count / cpu, 1),
            "post_latency_ms_median": round(statistics.median(latencies), 3),
            "post_latency_ms_p99": round(latencies[int(0.99 * (len(latencies) - 1))], 3)}


def lag(receiver: Receiver, count: int,
        rate: float) -> tuple[dict[str, Any], dict[str, float], list[str]]:
    from fashn_mock import Config, Emulator
    from fashn_mock.validation import parse_run_body

    emulator = Emulator(Config(limits=False, time_scale=1, journal_size=count + 100))
    engine = emulator.engine
    run = parse_run_body(QUICK)
    warm = engine.submit("warm", run, webhook_url=receiver.url)
    ids = []
    next_at = time.perf_counter() + 0.5
    for _ in range(count):
        time.sleep(max(0.0, next_at - time.perf_counter()))
        next_at += 1 / rate
        ids.append(engine.submit("k", run, webhook_url=receiver.url).id)
    deadline = time.monotonic() + 30
    while len(emulator.webhooks(key="k")) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    finishes = {i: engine.predictions[i].finished_at for i in [warm.id, *ids]}
    return {"predictions": count, "submit_rate_per_s": rate}, finishes, ids


def summarise_lag(received: dict[str, float], finishes: dict[str, float],
                  ids: list[str]) -> dict[str, Any]:
    lags = sorted((received[i] - finishes[i]) * 1000 for i in ids if i in received)
    return {"delivered": len(lags),
            "lag_ms_median": round(statistics.median(lags), 2),
            "lag_ms_p90": round(lags[int(0.90 * (len(lags) - 1))], 2),
            "lag_ms_p99": round(lags[int(0.99 * (len(lags) - 1))], 2),
            "lag_ms_max": round(lags[-1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receiver", nargs=2, metavar=("PORT_FILE", "LOG_FILE"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--lag-count", type=int, default=300)
    parser.add_argument("--lag-rate", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS / "webhooks.json")
    args = parser.parse_args()
    if args.receiver:
        asyncio.run(serve(*args.receiver))
        return
    pin(os.getpid(), 0)
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-webhooks-{os.getpid()}"
    workdir.mkdir(exist_ok=True)
    rounds = []
    for _ in range(args.repeat):
        receiver = Receiver(workdir)
        try:
            rounds.append(throughput(receiver, args.count))
        finally:
            receiver.stop()
        print(json.dumps(rounds[-1]))
    receiver = Receiver(workdir)
    try:
        lag_info, finishes, ids = lag(receiver, args.lag_count, args.lag_rate)
    finally:
        received = receiver.stop()
    lag_info.update(summarise_lag(received, finishes, ids))
    best = max(rounds, key=lambda r: r["deliveries_per_s"])
    report = {
        "throughput": {"rounds": rounds,
                       "median_deliveries_per_s": statistics.median(
                           r["deliveries_per_s"] for r in rounds),
                       "best": best},
        "lag_time_scale_1": lag_info,
        "targets": {"deliveries_per_s": 1000, "lag_ms_p99": 50},
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
    }
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
