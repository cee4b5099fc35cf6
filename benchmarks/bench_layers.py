"""Server CPU per request, layer by layer, through uvicorn's own HTTP protocol in-process.

Each request is raw HTTP/1.1 bytes fed to the HTTP protocol ``fashn-mock serve`` runs
(``fashn_mock.onewrite.HttpProtocol``: uvicorn's httptools protocol, keep-alive) on a
fake transport; the answer is the bytes uvicorn writes. No socket, no load generator:
the CPU time is the server's own work per request (parsing, the ASGI app, the access
log, the response), and batches of every variant alternate in one process, so a busy
machine slows them alike. Each figure is the fastest batch's CPU microseconds per
request (the least disturbed by other processes; the median is shown beside it).

Variants (each on a fresh ``Emulator(time_scale=0, limits=False)`` unless named):

- ``floor``: ``bare_app.py --floor`` (constant bytes); ``bare``: constant JSON + auth
- ``emulator-quiet``: the emulator's app, no access log (``--log-level warning``)
- ``emulator``: with this tree's access log (``serving.run`` at the default level)
- ``uvicorn-log``: with uvicorn's own access logger instead (as before issue 16)
- ``no-network``, ``no-journal``, ``no-middleware``: the emulator's app without
  ``NetworkMiddleware``, ``JournalMiddleware``, or both (quiet)
- ``native-routes``: the emulator's app with only the native routes in its table

The access log goes to a temporary file, as in ``bench_http.py``; the garbage collector
is tuned as ``fashn-mock serve`` tunes it (``collector.tune_gc``) once every variant is made.
Routes: native status and run, and Concurred status, as in ``bench_http.py``.

    .venv/bin/python benchmarks/bench_layers.py [--requests 300] [--rounds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import logging.config
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import uvicorn
import uvloop
from starlette.applications import Starlette
from starlette.types import ASGIApp
from uvicorn.server import ServerState

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks import bare_app  # noqa: E402
from benchmarks.reports import save  # noqa: E402
from fashn_mock import Config, Emulator, accesslog  # noqa: E402
from fashn_mock.collector import tune_gc  # noqa: E402
from fashn_mock.faces import native  # noqa: E402
from fashn_mock.faces.journaling import JournalMiddleware  # noqa: E402
from fashn_mock.faces.network import NetworkMiddleware  # noqa: E402
from fashn_mock.logs import log_config  # noqa: E402
from fashn_mock.onewrite import HttpProtocol  # noqa: E402

RESULTS = HERE / "results" / "layers.json"
RUN_BODY = json.dumps({"model_name": "tryon-v1.6", "inputs": {
    "model_image": "https://cdn.example.com/people/model-0001.jpg",
    "garment_image": "https://cdn.example.com/garments/shirt-0001.jpg",
    "category": "tops", "mode": "balanced"}}, separators=(",", ":")).encode()
HEAD = b"Host: 127.0.0.1:8000\r\nUser-Agent: wrk\r\n"


def http_request(route: str, prediction_id: str) -> bytes:
    """The raw request wrk sends for ``route``."""
    if route == "run":
        return (b"POST /v1/run HTTP/1.1\r\n" + HEAD + b"Authorization: Bearer bench-key\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % len(RUN_BODY) + RUN_BODY)
    if route == "concurred":
        return (b"GET /api/v1/fashion/status/%s HTTP/1.1\r\n" % prediction_id.encode()
                + HEAD + b"X-API-Key: bench-key\r\n\r\n")
    return (b"GET /v1/status/%s HTTP/1.1\r\n" % prediction_id.encode() + HEAD
            + b"Authorization: Bearer bench-key\r\n\r\n")


class Transport(asyncio.Transport):
    """A connection that keeps the last bytes written."""

    def __init__(self) -> None:
        super().__init__()
        self.last = b""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000),
                "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.last = bytes(data)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        return None

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None


class Connection:
    """One keep-alive connection to ``app`` through uvicorn's protocol."""

    def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop) -> None:
        # log_config None: the logging stays as the bench set it up
        config = uvicorn.Config(app, lifespan="off", log_config=None)
        config.load()
        self.protocol: Any = HttpProtocol(config, ServerState(), {},  # type: ignore[call-arg]
                                          _loop=loop)
        self.transport = Transport()
        self.protocol.connection_made(self.transport)

    async def send(self, raw: bytes) -> None:
        self.protocol.data_received(raw)
        cycle = self.protocol.cycle
        while not cycle.response_complete:
            await asyncio.sleep(0)

    async def check(self, raw: bytes) -> bytes:
        """One request; its answer's status line (must be 200)."""
        written: list[bytes] = []
        write = self.transport.write
        self.transport.write = written.append  # type: ignore[method-assign,assignment]
        try:
            await self.send(raw)
        finally:
            self.transport.write = write  # type: ignore[method-assign]
        answer = b"".join(written)
        if not answer.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"{raw[:60]!r} answered {answer[:300]!r}")
        return answer


def emulator() -> Emulator:
    return Emulator(Config(time_scale=0, limits=False, seed=1))


def stripped(app: Starlette, *, drop: tuple[Any, ...] = (),
             routes: Callable[[Starlette], list[Any]] | None = None) -> Starlette:
    """``app`` without the middleware classes in ``drop``, or with other routes."""
    return Starlette(routes=routes(app) if routes else app.routes,
                     exception_handlers=app.exception_handlers,
                     middleware=[m for m in app.user_middleware if m.cls not in drop])


def native_routes(app: Starlette) -> list[Any]:
    names = {route.path for route in native.routes(Emulator().engine)}
    return [r for r in app.routes if getattr(r, "path", None) in names]


VARIANTS: dict[str, Callable[[], tuple[ASGIApp, Emulator | None]]] = {}


def variant(name: str) -> Callable[[Callable[[], tuple[ASGIApp, Emulator | None]]],
                                   Callable[[], tuple[ASGIApp, Emulator | None]]]:
    def register(make: Callable[[], tuple[ASGIApp, Emulator | None]]
                 ) -> Callable[[], tuple[ASGIApp, Emulator | None]]:
        VARIANTS[name] = make
        return make
    return register


@variant("floor")
def _floor() -> tuple[ASGIApp, Emulator | None]:
    return bare_app.floor, None


@variant("bare")
def _bare() -> tuple[ASGIApp, Emulator | None]:
    return bare_app.app, None


@variant("emulator-quiet")
def _quiet() -> tuple[ASGIApp, Emulator | None]:
    made = emulator()
    return made.app, made


@variant("no-network")
def _no_network() -> tuple[ASGIApp, Emulator | None]:
    made = emulator()
    return stripped(made.app, drop=(NetworkMiddleware,)), made


@variant("no-journal")
def _no_journal() -> tuple[ASGIApp, Emulator | None]:
    made = emulator()
    return stripped(made.app, drop=(JournalMiddleware,)), made


@variant("no-middleware")
def _no_middleware() -> tuple[ASGIApp, Emulator | None]:
    made = emulator()
    return stripped(made.app, drop=(JournalMiddleware, NetworkMiddleware)), made


@variant("native-routes")
def _native_routes() -> tuple[ASGIApp, Emulator | None]:
    made = emulator()
    return stripped(made.app, routes=native_routes), made


LOGGED = ("emulator", "uvicorn-log")
"""Variants that log each request."""


async def measure(names: list[str], routes: list[str], requests: int, rounds: int,
                  stream: IO[str]) -> dict[str, dict[str, list[float]]]:
    """CPU microseconds per request of each variant and route, per round."""
    loop = asyncio.get_running_loop()
    # logging as ``serve`` sets it up at the default level, into ``stream``; uvicorn's
    # protocol decides once, when made, whether it logs each request itself (when the
    # access logger has handlers): every variant but uvicorn-log is made while
    # ``accesslog`` holds the handlers
    logging.config.dictConfig(log_config("info", "text"))
    logger = logging.getLogger("uvicorn.access")
    for handler in logger.handlers:
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
    log = accesslog.take_over(logger)
    assert log is not None
    connections: dict[str, Connection] = {}
    made: dict[str, Emulator | None] = {}
    for name in sorted(names, key=lambda n: n == "uvicorn-log"):
        if name == "uvicorn-log":
            accesslog.give_back(log, logger)
        app, made[name] = VARIANTS.get(name, _quiet)()
        connections[name] = Connection(log.middleware(app) if name == "emulator" else app,
                                       loop)
        assert connections[name].protocol.access_log == (name == "uvicorn-log")
    raws: dict[str, dict[str, bytes]] = {}
    for name in names:
        connection, prediction_id = connections[name], "none"
        if made[name] is not None:
            answer = await connection.check(http_request("run", ""))
            prediction_id = json.loads(answer.split(b"\r\n\r\n", 1)[1])["id"]
        concurred = made[name] is not None and name != "native-routes"
        raws[name] = {route: http_request(route, prediction_id) for route in routes
                      if concurred or route != "concurred"}
        for raw in raws[name].values():
            await connection.check(raw)
    tune_gc()  # as ``serve`` does before it answers
    cpu: dict[str, dict[str, list[float]]] = {n: {r: [] for r in raws[n]} for n in names}
    for _ in range(rounds):
        for name in names:
            for route, raw in raws[name].items():
                send = connections[name].send
                start = time.process_time()
                for _ in range(requests):
                    await send(raw)
                log.flush()  # the batch's own lines, written on its clock
                cpu[name][route].append((time.process_time() - start) / requests * 1e6)
    return cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per batch (300)")
    parser.add_argument("--rounds", type=int, default=40, help="alternating rounds (40)")
    parser.add_argument("--variants", default=",".join(
        ["floor", "bare", "emulator-quiet", "emulator", "uvicorn-log", "no-network",
         "no-journal", "no-middleware", "native-routes"]))
    parser.add_argument("--routes", default="status,run,concurred")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    names = [n for n in args.variants.split(",") if n]
    routes = [r for r in args.routes.split(",") if r]
    unknown = set(names) - set(VARIANTS) - set(LOGGED)
    if unknown:
        parser.error(f"unknown variants {sorted(unknown)}")
    load_before = os.getloadavg()
    with tempfile.TemporaryFile("w+") as stream:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:  # as uvicorn
            cpu = runner.run(measure(names, routes, args.requests, args.rounds, stream))
        stream.seek(0)
        lines = sum(1 for _ in stream)
    medians = {n: {r: statistics.median(v) for r, v in by.items()} for n, by in cpu.items()}
    fastest = {n: {r: min(v) for r, v in by.items()} for n, by in cpu.items()}
    print(f"CPU µs per request, fastest batch (median of {args.rounds})")
    print(f"{'variant':<16}" + "".join(f"{r:>20}" for r in routes))
    for name, by in fastest.items():
        print(f"{name:<16}" + "".join(
            f"{by[r]:>11.1f} ({medians[name][r]:>5.1f})" if r in by else f"{'-':>20}"
            for r in routes))
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "uvicorn": uvicorn.__version__},
        "load_average_before": list(load_before),
        "load_average_after": list(os.getloadavg()),
        "settings": {"requests": args.requests, "rounds": args.rounds},
        "access_lines_written": lines,
        "cpu_us_per_request_fastest": fastest,
        "cpu_us_per_request_median": medians,
        "cpu_us_per_request_rounds": cpu,
    }
    save(report, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
