"""HTTP throughput of the emulator vs Prism vs bare Starlette apps, measured with wrk.

Every target runs as a subprocess on a free loopback port:

- ``emulator``:       ``fashn-mock serve --time-scale 0 --no-limits`` at its default log
                      level (info: one access line per request), as people start it
- ``emulator-quiet``: the same with ``--log-level warning`` (no access lines)
- ``prism``:          ``prism mock -v warn openapi.yaml`` (quiet: Prism's fastest setting)
- ``prism-info``:     ``prism mock openapi.yaml`` (Prism's default per-request logging)
- ``bare``:           ``benchmarks/bare_app.py``: constant JSON, encoded per request,
                      behind an auth check, under the same uvicorn settings
- ``floor``:          ``benchmarks/bare_app.py --floor``: pre-encoded constant bytes, no
                      auth, no JSON, no state: the limit for any emulator on this stack
- ``floor-onewrite``: the same floor on ``serve``'s HTTP protocol (``fashn_mock.onewrite``:
                      a response's head and body in one send), to tell what of the
                      emulator's ratio to ``floor`` that protocol alone gives
- ``baseline``, ``baseline-quiet``: ``emulator`` and ``emulator-quiet`` served from
                      another tree (``--baseline DIR``), for before/after ratios

Routes: ``GET /v1/status/{id}`` (the id comes from one POST made first),
``POST /v1/run`` (a try-on with URL inputs), both with ``Authorization: Bearer
bench-key``; the emulator targets also serve ``concurred``: the same prediction's
``GET /api/v1/fashion/status/{id}`` with ``X-API-Key: bench-key``. All servers start
first and stay up; after a warm-up, rounds of ``--duration``-second wrk runs go target
by target, so slow drift on a shared machine hits every target alike; the median of
``--repeat`` rounds is reported. With two or more CPUs every server is pinned to one
CPU and wrk to the others (``--no-pin`` to turn that off); ``--nice -10`` (root) raises
servers and wrk above neighbours, in a session (autogroup) of their own. The defaults are the
issue-16 comparison (wrk -t1 -c16, 6 s per route); results go to
``benchmarks/results/http.json``.

    .venv/bin/python benchmarks/bench_http.py [--baseline ../before] [--repeat 3]
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
AUTOGROUP = Path("/proc/self/autogroup")
API_KEY = "bench-key"
RUN_BODY: dict[str, Any] = {
    "model_name": "tryon-v1.6",
    "inputs": {"model_image": "https://cdn.example.com/people/model-0001.jpg",
               "garment_image": "https://cdn.example.com/garments/shirt-0001.jpg",
               "category": "tops", "mode": "balanced"},
}
ROUTES = ("status", "run", "concurred")
"""Every route measured; a target serves those its ``Server.routes`` names."""
API_ROUTES = ("status", "run")
TARGETS: dict[str, tuple[str, str, str, str, float | None]] = {
    # name: (ours, comparator, route, description, minimum ratio ours / comparator);
    # a minimum of None is shown for information only. Route "concurred" of ``ours``
    # is compared with route "status" of the comparator.
    "status_vs_prism_info": ("emulator", "prism-info", "status",
                             "status >= 5x Prism (default log)", 5.0),
    "status_vs_floor": ("emulator", "floor", "status", "status >= 60% of the floor", 0.6),
    "run_vs_prism_info": ("emulator", "prism-info", "run",
                          "run >= 4x Prism (default log)", 4.0),
    "run_vs_floor": ("emulator", "floor", "run", "run >= 45% of the floor", 0.45),
    "status_access_log": ("emulator", "emulator-quiet", "status",
                          "status: access log costs < 5%", 0.95),
    "run_access_log": ("emulator", "emulator-quiet", "run",
                       "run: access log costs < 5%", 0.95),
    "concurred_vs_native": ("emulator", "emulator", "concurred",
                            "Concurred status within 15% of native", 0.85),
    "status_vs_prism": ("emulator", "prism", "status", "status vs Prism (-v warn)", None),
    "run_vs_prism": ("emulator", "prism", "run", "run vs Prism (-v warn)", None),
    "status_vs_bare": ("emulator", "bare", "status", "status vs bare (JSON + auth)", None),
    "run_vs_bare": ("emulator", "bare", "run", "run vs bare (JSON + auth)", None),
    "quiet_status_vs_floor": ("emulator-quiet", "floor", "status",
                              "quiet status vs the floor", None),
    "quiet_run_vs_floor": ("emulator-quiet", "floor", "run", "quiet run vs the floor", None),
    "status_vs_floor_onewrite": ("emulator", "floor-onewrite", "status",
                                 "status vs the floor on serve's protocol", None),
    "run_vs_floor_onewrite": ("emulator", "floor-onewrite", "run",
                              "run vs the floor on serve's protocol", None),
    "status_vs_baseline": ("emulator", "baseline", "status", "status vs baseline", None),
    "run_vs_baseline": ("emulator", "baseline", "run", "run vs baseline", None),
    "concurred_vs_baseline": ("emulator", "baseline", "concurred",
                              "Concurred status vs baseline", None),
    "quiet_status_vs_baseline": ("emulator-quiet", "baseline-quiet", "status",
                                 "quiet status vs baseline", None),
    "quiet_run_vs_baseline": ("emulator-quiet", "baseline-quiet", "run",
                              "quiet run vs baseline", None),
}
INSTALL_WRK = "apt-get install -y wrk"
INSTALL_PRISM = "cd benchmarks && npm install   # pins @stoplight/prism-cli in package.json"

LUA = """\
wrk.method = "{method}"
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
    routes: tuple[str, ...] = API_ROUTES
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
        if "concurred" in self.routes:
            prediction_id = json.loads(body)["id"]
            concurred_url = f"{self.url}/api/v1/fashion/status/{prediction_id}"
            code, sample = request("GET", concurred_url, api_key_header=True)
            if code != 200:
                raise RuntimeError(f"GET {concurred_url} answered {code}: {sample[:300]!r}")
            self.urls["concurred"] = concurred_url

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
            timeout: float = 10.0, api_key_header: bool = False) -> tuple[int, bytes]:
    """One HTTP request with the bench key (``Authorization: Bearer``, or Concurred's
    ``X-API-Key``); any HTTP status counts as an answer."""
    data = json.dumps(body).encode() if body is not None else None
    auth = {"X-API-Key": API_KEY} if api_key_header else {"Authorization": f"Bearer {API_KEY}"}
    req = urllib.request.Request(url, data=data, method=method, headers={
        **auth, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), bytes(exc.read())


# --- targets ------------------------------------------------------------------------------
def emulator_server(source: Path, python: str, log_level: str | None = None,
                    name: str = "emulator") -> Server | str:
    """``fashn-mock serve`` from ``source``; ``log_level`` None: its default (info)."""
    base = [python, "-m", "fashn_mock.cli", "serve", "--host", "127.0.0.1",
            "--time-scale", "0"]
    if log_level is not None:
        base += ["--log-level", log_level]
    helptext = subprocess.run([*base[:4], "--help"], cwd=source, capture_output=True,
                              text=True)
    if helptext.returncode != 0:
        return f"fashn-mock does not start from {source}: {helptext.stderr[-600:]}"
    notes = []
    if "--no-limits" in helptext.stdout:
        base.append("--no-limits")
    else:
        notes.append("this checkout's CLI has no --no-limits; ran with limits on")
    return Server(name, lambda port: [*base, "--port", str(port)], source, routes=ROUTES,
                  notes=notes, ready_path="/healthz")


def emulator_quiet_server(source: Path, python: str) -> Server | str:
    return emulator_server(source, python, "warning", "emulator-quiet")


def bare_server(source: Path, python: str, floor: bool = False,
                one_write: bool = False) -> Server | str:
    script = str(HERE / "bare_app.py")
    extra = (["--floor"] if floor else []) + (["--one-write"] if one_write else [])
    name = ("floor" if floor else "bare") + ("-onewrite" if one_write else "")
    return Server(name,
                  lambda port: [python, script, "--host", "127.0.0.1", "--port", str(port),
                                "--log-level", "warning", *extra], source)


def floor_server(source: Path, python: str) -> Server | str:
    return bare_server(source, python, floor=True)


def floor_onewrite_server(source: Path, python: str) -> Server | str:
    return bare_server(source, python, floor=True, one_write=True)


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
    "emulator": emulator_server, "emulator-quiet": emulator_quiet_server,
    "prism": prism_server, "prism-info": prism_info_server, "bare": bare_server,
    "floor": floor_server, "floor-onewrite": floor_onewrite_server}
DEFAULT_TARGETS = "emulator,emulator-quiet,prism,prism-info,bare,floor,floor-onewrite"
BASELINES: dict[str, Callable[[Path, str], Server | str]] = {
    "baseline": lambda source, python: emulator_server(source, python, None, "baseline"),
    "baseline-quiet": lambda source, python: emulator_server(source, python, "warning",
                                                             "baseline-quiet")}


# --- load generation ----------------------------------------------------------------------
def lua_script(directory: Path, route: str) -> Path:
    bearer = f'wrk.headers["Authorization"] = "Bearer {API_KEY}"'
    if route == "run":
        body = json.dumps(RUN_BODY, separators=(",", ":"))
        extra = (f'{bearer}\nwrk.headers["Content-Type"] = "application/json"\n'
                 f"wrk.body = [[{body}]]")
        text = LUA.format(method="POST", extra=extra)
    elif route == "concurred":
        text = LUA.format(method="GET", extra=f'wrk.headers["X-API-Key"] = "{API_KEY}"')
    else:
        text = LUA.format(method="GET", extra=bearer)
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
        s.name: {route: [] for route in s.routes} for s in servers}
    plan = [("warm-up", server, route) for server in servers for route in server.routes
            if settings.warmup]
    plan += [(f"round {n}", server, route) for n in range(1, settings.repeat + 1)
             for server in servers for route in server.routes]
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
        print(f"  {label}: {server.name:<14} {route:<9} "
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
    """Each target ratio (ours / comparator, by req/s and by req/CPU-s) and whether it is
    met; ratio None = not measured, met None = for information only."""
    out: dict[str, Any] = {}
    for name, (ours_name, other_name, route, text, minimum) in TARGETS.items():
        other_route = "status" if route == "concurred" else route
        ours = results.get(ours_name, {}).get("routes", {}).get(route)
        theirs = results.get(other_name, {}).get("routes", {}).get(other_route)
        if not ours or not theirs:
            if ours_name in results and other_name in results:
                out[name] = {"target": text, "minimum": minimum, "ratio": None, "met": None,
                             "capacity_ratio": None}
            continue
        ratio = ours["median_requests_per_s"] / theirs["median_requests_per_s"]
        mine, other_cap = ours["median_capacity_per_cpu_s"], theirs["median_capacity_per_cpu_s"]
        out[name] = {"target": text, "minimum": minimum, "ratio": ratio,
                     "met": None if minimum is None else ratio >= minimum,
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
        "source": "this tree" if source == REPO else source.name,
        "source_revision": _first_line(["git", "describe", "--always", "--dirty"], source),
        "wrk": _first_line(["wrk", "-v"]) if shutil.which("wrk") else None,
        "node": _first_line(["node", "--version"]) if shutil.which("node") else None,
        "prism": json.loads(prism_pkg.read_text())["version"] if prism_pkg.exists() else None,
    }


def print_table(results: dict[str, Any], checks: dict[str, Any]) -> None:
    print(f"\n{'target':<14} {'route':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'non-2xx':>8} {'sock err':>8} {'RSS MiB':>8} {'req/CPU-s':>10}  runs")
    for name, result in results.items():
        if "skipped" in result:
            print(f"{name:<14} skipped: {result['skipped']}")
            continue
        if result.get("died"):
            print(f"{name:<14} dropped: {result['died'].splitlines()[0]}")
        for route, r in result["routes"].items():
            lat, err = r["latency_us"], r["errors"]
            sock = err["connect"] + err["read"] + err["write"] + err["timeout"]
            runs = "/".join(f"{x:.0f}" for x in r["runs_requests_per_s"])
            print(f"{name:<14} {route:<9} {r['median_requests_per_s']:>9.0f} "
                  f"{lat['p50'] / 1000:>8.2f} {lat['p99'] / 1000:>8.2f} {err['status']:>8} "
                  f"{sock:>8} {result['rss_mib_after'] or 0:>8.1f} "
                  f"{r['median_capacity_per_cpu_s'] or 0:>10.0f}  {runs}")
    print()
    for check in checks.values():
        if check["ratio"] is None:
            print(f"{check['target']:<40} not measured (a target was skipped)")
            continue
        percent = (check["minimum"] is not None and check["minimum"] < 1) \
            or "floor" in check["target"] or "bare" in check["target"]

        def show(ratio: float | None, percent: bool = percent) -> str:
            return "n/a" if ratio is None else f"{ratio:.0%}" if percent else f"{ratio:.2f}x"

        verdict = "info" if check["met"] is None else "MET" if check["met"] else "MISSED"
        print(f"{check['target']:<40} {show(check['ratio']):>7}  {verdict:<7} "
              f"(per CPU-second: {show(check['capacity_ratio'])})")


def _serving_from(factory: Callable[[Path, str], Server | str], tree: Path,
                  python: str) -> Callable[[Path, str], Server | str]:
    """``factory``, made to serve ``tree`` with ``python`` whatever it is given."""
    return lambda _source, _python: factory(tree, python)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=6, help="seconds per run (6)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per route (2)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="interleaved rounds; the median is reported (3)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--targets", default=DEFAULT_TARGETS,
                        help="comma-separated subset of " + ",".join(FACTORIES)
                        + f" ({DEFAULT_TARGETS})")
    parser.add_argument("--source", type=Path, default=REPO,
                        help="tree whose fashn_mock and openapi.yaml are served (this repo)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another tree (e.g. a git worktree of the commit before) served "
                             "as targets baseline and baseline-quiet, for before/after ratios")
    parser.add_argument("--baseline-python", default=None,
                        help="interpreter for the baseline (default: --python)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter for the emulator and the bare app (this one)")
    parser.add_argument("--no-pin", action="store_true",
                        help="let servers and wrk share all CPUs instead of pinning them")
    parser.add_argument("--nice", type=int, default=0,
                        help="niceness of servers and wrk (negative needs root; 0 = leave "
                             "as is). Where the kernel groups tasks by session (autogroup), "
                             "the run moves to a session of its own with that niceness")
    parser.add_argument("--in-own-session", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a measured target is missed")
    return parser.parse_args(argv)


def niced(args: argparse.Namespace) -> int | None:
    """Apply ``--nice``; an exit code when the run went on in a session of its own."""
    if args.nice and AUTOGROUP.exists() and not args.in_own_session:
        # nice alone only ranks tasks inside one autogroup (session): give the run one
        return subprocess.run(["setsid", "-w", sys.executable, *sys.argv, "--in-own-session"],
                              check=False).returncode
    if args.nice:
        try:
            os.nice(args.nice)
            if args.in_own_session:
                AUTOGROUP.write_text(str(args.nice))
        except OSError:
            print(f"bench_http: cannot set niceness {args.nice}; running at 0", file=sys.stderr)
            args.nice = 0
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    moved = niced(args)
    if moved is not None:
        return moved
    source = args.source.resolve()
    if shutil.which("wrk") is None:
        print(f"bench_http: wrk is not installed; install it with: {INSTALL_WRK}",
              file=sys.stderr)
        return 2
    wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
    factories = dict(FACTORIES)
    baseline = args.baseline.resolve() if args.baseline is not None else None
    if baseline is not None:
        base_python = args.baseline_python or args.python
        for name, factory in BASELINES.items():
            factories[name] = _serving_from(factory, baseline, base_python)
            wanted.append(name)
    unknown = sorted(set(wanted) - set(factories))
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
    load_before = os.getloadavg()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        scripts = {route: lua_script(tmp, route) for route in ROUTES}
        servers: list[Server] = []
        for name in wanted:
            made = factories[name](source, args.python)
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
                urls=server.urls, status_sample=server.status_sample,
                routes=measured[server.name])
    checks = ratios(results)
    print_table(results, checks)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "versions": versions(args.python, source),
        "baseline_revision": _first_line(["git", "describe", "--always", "--dirty"], baseline)
        if baseline is not None else None,
        "load_average_before": list(load_before),
        "load_average_after": list(os.getloadavg()),
        "settings": {"duration_s": args.duration, "warmup_s": args.warmup,
                     "repeat": args.repeat, "wrk_threads": args.threads,
                     "wrk_connections": args.connections, "pinned": pin,
                     "niceness": args.nice,
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
