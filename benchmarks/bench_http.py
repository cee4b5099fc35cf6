"""HTTP throughput of the emulator vs Prism vs a bare Starlette app, measured with wrk.

Every target runs as a subprocess on a free loopback port:

- ``emulator``:   ``fashn-mock serve --time-scale 0 --no-limits --log-level warning``
- ``prism``:      ``prism mock -v warn openapi.yaml`` (quiet: Prism's fastest setting)
- ``prism-info``: ``prism mock openapi.yaml`` (Prism's default per-request logging)
- ``bare``:       ``benchmarks/bare_app.py``, constant JSON under the same uvicorn settings

Routes: ``GET /v1/status/{id}`` (the id comes from one POST made first) and
``POST /v1/run`` (a try-on with URL inputs), both with ``Authorization: Bearer
bench-key``. All servers start first and stay up; after a warm-up, rounds of
``--duration``-second wrk runs go target by target, so slow drift on a shared
machine hits every target alike; the median of ``--repeat`` rounds is reported.
With two or more CPUs every server is pinned to one CPU and wrk to the others
(``--no-pin`` to turn that off). Results go to ``benchmarks/results/http.json``.

    .venv/bin/python benchmarks/bench_http.py [--duration 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PRISM = HERE / "node_modules" / ".bin" / "prism"
RESULTS = HERE / "results" / "http.json"
API_KEY = "bench-key"
RUN_BODY: dict[str, Any] = {
    "model_name": "tryon-v1.6",
    "inputs": {"model_image": "https://cdn.example.com/people/model-0001.jpg",
               "garment_image": "https://cdn.example.com/garments/shirt-0001.jpg",
               "category": "tops", "mode": "balanced"},
}
ROUTES = ("status", "run")
TARGETS: dict[str, tuple[str, str, str, float]] = {
    # name: (route, comparator, description, minimum ratio emulator / comparator)
    "status_vs_prism": ("status", "prism", "status >= 5x Prism (-v warn)", 5.0),
    "status_vs_bare": ("status", "bare", "status >= 60% of bare Starlette", 0.6),
    "run_vs_prism": ("run", "prism", "run >= 4x Prism (-v warn)", 4.0),
    "status_vs_prism_info": ("status", "prism-info", "status >= 5x Prism (default log)", 5.0),
    "run_vs_prism_info": ("run", "prism-info", "run >= 4x Prism (default log)", 4.0),
}
INSTALL_WRK = "apt-get install -y wrk"
INSTALL_PRISM = "cd benchmarks && npm install   # pins @stoplight/prism-cli in package.json"

LUA = """\
wrk.method = "{method}"
wrk.headers["Authorization"] = "Bearer {key}"
{extra}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {{"requests":%d,"duration_us":%d,"bytes":%d,'
    .. '"errors":{{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}},'
    .. '"latency_us":{{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}}}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
"""


@dataclass
class Settings:
    """Load-generator settings shared by every target."""

    duration: int
    warmup: int
    threads: int
    connections: int
    repeat: int
    server_cpus: set[int] | None
    wrk_cpus: set[int] | None


@dataclass
class Server:
    """One target server run as a subprocess on a free loopback port."""

    name: str
    argv: Callable[[int], list[str]]
    cwd: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    notes: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    status_sample: str = ""
    death: str | None = None
    """How and when the server exited during the measurement, if it did."""
    ready_path: str = "/v1/status/readiness-probe"
    """Probed until it answers at all (fashn-mock: its health endpoint)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, cpus: set[int] | None, log: IO[bytes], timeout: float = 60.0) -> None:
        """Spawn the server (pinned to ``cpus``) and wait until it answers HTTP."""
        self.port, self.log = free_port(), log
        self.process = subprocess.Popen(
            self.argv(self.port), cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_pin(cpus))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"exited with {self.process.returncode}:\n"
                                   + self.output()[-2000:])
            try:
                request("GET", self.url + self.ready_path, timeout=1.0)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"did not answer within {timeout:.0f} s:\n" + self.output()[-2000:])

    def prepare(self) -> None:
        """Create the prediction whose status is polled; check both routes answer 200."""
        code, body = request("POST", self.url + "/v1/run", RUN_BODY)
        if code != 200:
            raise RuntimeError(f"POST /v1/run answered {code}: {body[:300]!r}")
        status_url = f"{self.url}/v1/status/{json.loads(body)['id']}"
        code, sample = request("GET", status_url)
        if code != 200:
            raise RuntimeError(f"GET {status_url} answered {code}: {sample[:300]!r}")
        self.urls = {"status": status_url, "run": self.url + "/v1/run"}
        self.status_sample = sample.decode("utf-8", "replace")[:400]

    def died(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    @property
    def returncode(self) -> int | None:
        return self.process.returncode if self.process else None

    def output(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def rss_mib(self) -> float | None:
        """The server process's resident memory, from /proc."""
        if self.process is None or self.process.poll() is not None:
            return None
        return read_rss_kib(Path(f"/proc/{self.process.pid}/status")) / 1024

    def stop(self) -> None:
        """SIGINT (graceful for uvicorn and node), then SIGKILL after 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pin(cpus: set[int] | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` pinning the child (and every thread it starts) to ``cpus``."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_rss_kib(status_file: Path) -> float:
    for line in status_file.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1])
    return float("nan")


def request(method: str, url: str, body: dict[str, Any] | None = None,
            timeout: float = 10.0) -> tuple[int, bytes]:
    """One HTTP request with the bench key; any HTTP status counts as an answer."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())


# --- targets ------------------------------------------------------------------------------
def emulator_server(source: Path, python: str) -> Server | str:
    base = [python, "-m", "fashn_mock.cli", "serve", "--host", "127.0.0.1",
            "--time-scale", "0", "--log-level", "warning"]
    helptext = subprocess.run([*base[:4], "--help"], cwd=source, capture_output=True,
                              text=True)
    if helptext.returncode != 0:
        return f"fashn-mock does not start from {source}: {helptext.stderr[-600:]}"
    notes = []
    if "--no-limits" in helptext.stdout:
        base.append("--no-limits")
    else:
        notes.append("this checkout's CLI has no --no-limits; ran with limits on")
    return Server("emulator", lambda port: [*base, "--port", str(port)], source, notes=notes,
                  ready_path="/healthz")


def bare_server(source: Path, python: str) -> Server | str:
    script = str(HERE / "bare_app.py")
    return Server("bare", lambda port: [python, script, "--host", "127.0.0.1",
                                        "--port", str(port), "--log-level", "warning"], source)


def prism_server(source: Path, python: str, log_level: str = "warn") -> Server | str:
    """Prism serving ``source``'s openapi.yaml, or why it cannot run."""
    if shutil.which("node") is None:
        return "node is not installed (apt-get install -y nodejs npm), then " + INSTALL_PRISM
    if not PRISM.exists():
        return f"prism is not installed: {INSTALL_PRISM}"
    name = "prism" if log_level == "warn" else f"prism-{log_level}"
    spec = str(source / "openapi.yaml")
    return Server(name, lambda port: [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port),
                                      "-v", log_level, spec], HERE)


def prism_info_server(source: Path, python: str) -> Server | str:
    return prism_server(source, python, "info")


FACTORIES: dict[str, Callable[[Path, str], Server | str]] = {
    "emulator": emulator_server, "prism": prism_server, "prism-info": prism_info_server,
    "bare": bare_server}


# --- load generation ----------------------------------------------------------------------
def lua_script(directory: Path, route: str) -> Path:
    if route == "run":
        body = json.dumps(RUN_BODY, separators=(",", ":"))
        extra = f'wrk.headers["Content-Type"] = "application/json"\nwrk.body = [[{body}]]'
        text = LUA.format(method="POST", key=API_KEY, extra=extra)
    else:
        text = LUA.format(method="GET", key=API_KEY, extra="")
    path = directory / f"{route}.lua"
    path.write_text(text)
    return path


def run_wrk(url: str, script: Path, seconds: int, settings: Settings,
            server_pid: int | None = None) -> dict[str, Any]:
    """One wrk run; the Lua ``done`` hook prints its summary as JSON.

    With ``server_pid``, also the server's CPU time per request: unlike req/s it
    barely moves when other processes steal the CPU, so it is the steadier figure
    on a shared machine (``capacity_per_cpu_s`` = requests per CPU-second).
    """
    argv = ["wrk", f"-t{settings.threads}", f"-c{settings.connections}", f"-d{seconds}s",
            "--timeout", "5s", "-s", str(script), url]
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60,
                          preexec_fn=_pin(settings.wrk_cpus))
    cpu_used = cpu_seconds(server_pid) - cpu_before if server_pid else 0.0
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    summary: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    summary["requests_per_s"] = summary["requests"] / (summary["duration_us"] / 1e6)
    if server_pid and summary["requests"]:
        summary["server_cpu_s"] = round(cpu_used, 3)
        summary["server_cpu_us_per_request"] = round(cpu_used / summary["requests"] * 1e6, 1)
        summary["capacity_per_cpu_s"] = round(summary["requests"] / cpu_used) if cpu_used else None
    return summary


def measure(servers: list[Server], settings: Settings,
            scripts: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """Warm every (server, route) up, then run ``repeat`` interleaved rounds of wrk.

    A server that dies or stops answering is dropped from later rounds; what it
    measured before stays, and ``server.death`` says what happened.
    """
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        s.name: {route: [] for route in ROUTES} for s in servers}
    plan = [("warm-up", server, route) for server in servers for route in ROUTES
            if settings.warmup]
    plan += [(f"round {n}", server, route) for n in range(1, settings.repeat + 1)
             for server in servers for route in ROUTES]
    for label, server, route in plan:
        if server.death is not None:
            continue
        seconds = settings.warmup if label == "warm-up" else settings.duration
        pid = server.process.pid if server.process else None
        result: dict[str, Any] | None = None
        failure = ""
        try:
            result = run_wrk(server.urls[route], scripts[route], seconds, settings, pid)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            failure = str(exc)
        if result is None or server.died():
            why = f"exited with {server.returncode}" if server.died() else f"wrk: {failure}"
            server.death = f"{why} during {label} {route}\n{server.output()[-1500:]}"
            print(f"  {server.name} dropped: {server.death}", flush=True)
        if result is None or server.died() or label == "warm-up":
            continue  # a run the server did not survive measures nothing
        runs[server.name][route].append(result)
        print(f"  {label}: {server.name:<10} {route:<7} "
              f"{result['requests_per_s']:>9.0f} req/s", flush=True)
    out: dict[str, dict[str, Any]] = {}
    for name, by_route in runs.items():
        out[name] = {}
        for route, results in by_route.items():
            if not results:
                continue
            median = sorted(results, key=lambda r: r["requests_per_s"])[len(results) // 2]
            capacities = [r["capacity_per_cpu_s"] for r in results
                          if r.get("capacity_per_cpu_s")]
            out[name][route] = {
                **median, "median_requests_per_s": statistics.median(
                    r["requests_per_s"] for r in results),
                "runs_requests_per_s": [round(r["requests_per_s"], 1) for r in results],
                "median_capacity_per_cpu_s": statistics.median(capacities) if capacities
                else None}
    return out


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    """Each target ratio (emulator / comparator) and whether it is met; None = not measured."""
    out: dict[str, Any] = {}
    for name, (route, other, text, minimum) in TARGETS.items():
        ours = results.get("emulator", {}).get("routes", {}).get(route)
        theirs = results.get(other, {}).get("routes", {}).get(route)
        if not ours or not theirs:
            out[name] = {"target": text, "minimum": minimum, "ratio": None, "met": None}
            continue
        ratio = ours["median_requests_per_s"] / theirs["median_requests_per_s"]
        mine, other_cap = ours["median_capacity_per_cpu_s"], theirs["median_capacity_per_cpu_s"]
        out[name] = {"target": text, "minimum": minimum, "ratio": ratio, "met": ratio >= minimum,
                     "capacity_ratio": mine / other_cap if mine and other_cap else None}
    return out


# --- reporting ----------------------------------------------------------------------------
PROBE = """\
import importlib.util, json, platform, starlette, uvicorn
have = lambda m: importlib.util.find_spec(m) is not None
print(json.dumps({"python": platform.python_version(), "uvicorn": uvicorn.__version__,
                  "starlette": starlette.__version__,
                  "uvicorn_loop": "uvloop" if have("uvloop") else "asyncio",
                  "uvicorn_http": "httptools" if have("httptools") else "h11"}))
"""


def _first_line(argv: list[str], cwd: Path | None = None) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=cwd)
    except OSError:
        return None
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else None


def versions(python: str, source: Path) -> dict[str, Any]:
    """Versions of everything measured; the server side as the server's Python sees it."""
    prism_pkg = HERE / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    server = _first_line([python, "-c", PROBE])
    return {
        "server_python": json.loads(server) if server and server.startswith("{") else None,
        "source": str(source),
        "source_revision": _first_line(["git", "describe", "--always", "--dirty"], source),
        "wrk": _first_line(["wrk", "-v"]) if shutil.which("wrk") else None,
        "node": _first_line(["node", "--version"]) if shutil.which("node") else None,
        "prism": json.loads(prism_pkg.read_text())["version"] if prism_pkg.exists() else None,
    }


def print_table(results: dict[str, Any], checks: dict[str, Any]) -> None:
    print(f"\n{'target':<10} {'route':<7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'non-2xx':>8} {'sock err':>8} {'RSS MiB':>8} {'req/CPU-s':>10}  runs")
    for name, result in results.items():
        if "skipped" in result:
            print(f"{name:<10} skipped: {result['skipped']}")
            continue
        if result.get("died"):
            print(f"{name:<10} dropped: {result['died'].splitlines()[0]}")
        for route, r in result["routes"].items():
            lat, err = r["latency_us"], r["errors"]
            sock = err["connect"] + err["read"] + err["write"] + err["timeout"]
            runs = "/".join(f"{x:.0f}" for x in r["runs_requests_per_s"])
            print(f"{name:<10} {route:<7} {r['median_requests_per_s']:>9.0f} "
                  f"{lat['p50'] / 1000:>8.2f} {lat['p99'] / 1000:>8.2f} {err['status']:>8} "
                  f"{sock:>8} {result['rss_mib_after'] or 0:>8.1f} "
                  f"{r['median_capacity_per_cpu_s'] or 0:>10.0f}  {runs}")
    print()
    for check in checks.values():
        if check["ratio"] is None:
            print(f"{check['target']:<36} not measured (comparator skipped)")
            continue
        def show(ratio: float | None, percent: bool = check["minimum"] < 1) -> str:
            return "n/a" if ratio is None else f"{ratio:.0%}" if percent else f"{ratio:.2f}x"

        print(f"{check['target']:<36} {show(check['ratio']):>7}  "
              f"{'MET' if check['met'] else 'MISSED':<7} "
              f"(per CPU-second: {show(check['capacity_ratio'])})")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per route (2)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="interleaved rounds; the median is reported (3)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--targets", default="emulator,prism,prism-info,bare",
                        help="comma-separated subset of " + ",".join(FACTORIES))
    parser.add_argument("--source", type=Path, default=REPO,
                        help="tree whose fashn_mock and openapi.yaml are served (this repo)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for the emulator and the bare app (this one)")
    parser.add_argument("--no-pin", action="store_true",
                        help="let servers and wrk share all CPUs instead of pinning them")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a measured target is missed")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    source = args.source.resolve()
    if shutil.which("wrk") is None:
        print(f"bench_http: wrk is not installed; install it with: {INSTALL_WRK}",
              file=sys.stderr)
        return 2
    wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = sorted(set(wanted) - set(FACTORIES))
    if unknown:
        print(f"bench_http: unknown targets {unknown}; known: {list(FACTORIES)}",
              file=sys.stderr)
        return 2
    cpus = sorted(os.sched_getaffinity(0))
    pin = not args.no_pin and len(cpus) >= 2
    settings = Settings(args.duration, args.warmup, args.threads, args.connections, args.repeat,
                        {cpus[0]} if pin else None, set(cpus[1:]) if pin else None)
    print(f"wrk -t{args.threads} -c{args.connections}: {args.repeat} x {args.duration} s per "
          f"target and route after {args.warmup} s warm-up; {len(cpus)} CPUs, "
          + (f"servers on CPU {cpus[0]}, wrk on CPU {cpus[1:]}" if pin
             else "servers and wrk share the CPUs"), flush=True)
    results: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        scripts = {route: lua_script(tmp, route) for route in ROUTES}
        servers: list[Server] = []
        for name in wanted:
            made = FACTORIES[name](source, args.python)
            if isinstance(made, str):
                print(f"  {name}: skipped: {made}", flush=True)
                results[name] = {"skipped": made}
                continue
            stack.callback(made.stop)
            try:
                made.start(settings.server_cpus, stack.enter_context(tempfile.TemporaryFile()))
                made.prepare()
            except (RuntimeError, OSError, ValueError, KeyError) as exc:
                print(f"  {name}: skipped: {exc}", flush=True)
                results[name] = {"skipped": str(exc)}
                made.stop()
                continue
            servers.append(made)
            results[name] = {"rss_mib_idle": made.rss_mib()}
        measured = measure(servers, settings, scripts)
        for server in servers:
            results[server.name].update(
                rss_mib_after=server.rss_mib(), notes=server.notes, died=server.death,
                status_url=server.urls["status"], status_sample=server.status_sample,
                routes=measured[server.name])
    checks = ratios(results)
    print_table(results, checks)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "versions": versions(args.python, source),
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup,
                     "repeat": args.repeat, "wrk_threads": args.threads,
                     "wrk_connections": args.connections, "pinned": pin,
                     "server_cpus": sorted(settings.server_cpus or []),
                     "wrk_cpus": sorted(settings.wrk_cpus or []), "run_body": RUN_BODY},
        "results": results, "targets": checks,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.output}")
    missed = [c for c in checks.values() if c["met"] is False]
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
