"""The dashboard in headless Chromium: first paint with many predictions, SSE lag.

- **first paint**: ``/_mock/ui`` loaded in a fresh tab with ``--predictions``
  (10 000) stored predictions of 20 keys, and with none (the baseline); the
  Performance API's ``first-contentful-paint``, ``domContentLoadedEventEnd`` and
  ``responseEnd``, median of ``--repeat``; plus the server's time to render the page
  and its live fragment (in-process).
- **SSE lag**: with the page open and live, the page itself POSTs ``/v1/run``; a
  MutationObserver notes when the new row is in the DOM. Lag = that instant minus
  the instant before the request (the run request included), ``--samples`` times,
  with the predictions stored and with none.

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package
(the ``test`` extra). Results: results/ui.json.

    .venv/bin/python benchmarks/bench_ui.py [--predictions 10000] [--repeat 5] [--samples 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ADVANCE = 8
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "ui.json"
BROWSER, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--window-size=1400,1000")
BODY = {"model_name": "tryon-v1.6", "inputs": {"model_image": "https://example.com/m.jpg",
                                               "garment_image": "https://example.com/g.jpg"}}
SUBMIT_AND_WATCH = """
const done = arguments[arguments.length - 1];
const body = arguments[0];
let id = null;
const start = performance.now();
const seen = () => id !== null && document.getElementById('row-' + id) !== null;
const observer = new MutationObserver(() => {
  if (seen()) { observer.disconnect(); done(performance.now() - start); }
});
observer.observe(document.getElementById('live-predictions'), {childList: true, subtree: true});
fetch('/v1/run', {method: 'POST', body: JSON.stringify(body),
                  headers: {'Authorization': 'Bearer bench', 'Content-Type': 'application/json'}})
  .then((r) => r.json()).then((answer) => {
    id = answer.id;
    if (seen()) { observer.disconnect(); done(performance.now() - start); }
  });
"""
PAINT = """
const paint = performance.getEntriesByName('first-contentful-paint')[0];
const nav = performance.getEntriesByType('navigation')[0];
return [paint ? paint.startTime : null, nav.domContentLoadedEventEnd, nav.responseEnd];
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="fashn-mock-bench-")
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER, port=free_port()),
                              options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(condition: Callable[[], Any]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the page did not get there")
        time.sleep(0.02)


def summary(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": round(statistics.median(ordered), 1),
            "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
            "min": round(ordered[0], 1), "max": round(ordered[-1], 1), "n": len(ordered)}


def emulator_with(count: int) -> Any:
    from fashn_mock import Emulator
    from fashn_mock.validation import parse_run_body

    emulator = Emulator(manual_clock=True, time_scale=1, limits=False, seed=1)
    run = parse_run_body(BODY)
    for index in range(count):
        emulator.engine.submit(f"key-{index % 20}", run)
    emulator.advance(ADVANCE)  # most completed, a few still processing
    return emulator


def server_render_ms(emulator: Any, repeat: int = 20) -> dict[str, dict[str, float]]:
    timings: dict[str, list[float]] = {"/_mock/ui": [], "/_mock/ui/part/predictions": []}
    with emulator.httpx_client() as client:
        for path, found in timings.items():
            client.get(path)
            for _ in range(repeat):
                start = time.perf_counter()
                assert client.get(path).status_code == 200
                found.append((time.perf_counter() - start) * 1000)
    return {path: summary(found) for path, found in timings.items()}


def first_paint(driver: Any, url: str, repeat: int) -> dict[str, Any]:
    paints, loaded, responses = [], [], []
    for _ in range(repeat):
        driver.switch_to.new_window("tab")
        driver.get(f"{url}/_mock/ui")
        wait_for(lambda: driver.execute_script(PAINT)[0] is not None)
        paint, dom, response = driver.execute_script(PAINT)
        paints.append(paint)
        loaded.append(dom)
        responses.append(response)
        driver.close()
        driver.switch_to.window(driver.window_handles[0])
    return {"first_contentful_paint_ms": summary(paints),
            "dom_content_loaded_ms": summary(loaded), "response_end_ms": summary(responses)}


def sse_lag(driver: Any, url: str, samples: int) -> dict[str, float]:
    driver.get(f"{url}/_mock/ui")
    wait_for(lambda: driver.find_element("id", "live-status").text == "live")
    lags = []
    for _ in range(samples):
        lags.append(driver.execute_async_script(SUBMIT_AND_WATCH, BODY))
        time.sleep(0.2)  # let the page settle between samples
    driver.get("about:blank")
    return summary(lags)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--predictions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not all(os.access(p, os.X_OK) for p in (BROWSER, DRIVER)):
        print("install chromium and chromium-driver: apt-get install chromium chromium-driver")
        return 2
    from fashn_mock import BackgroundServer

    results: dict[str, Any] = {"predictions": args.predictions,
                               "python": platform.python_version(),
                               "machine": platform.machine(), "cpus": os.cpu_count()}
    loaded = emulator_with(args.predictions)
    results["server_render_ms"] = server_render_ms(loaded)
    with chromium() as driver:
        with BackgroundServer(loaded.app) as server:
            results["first_paint"] = first_paint(driver, server.url, args.repeat)
            results["sse_lag_ms_with_predictions"] = sse_lag(driver, server.url, args.samples)
        with BackgroundServer(emulator_with(0).app) as server:
            results["first_paint_empty"] = first_paint(driver, server.url, args.repeat)
            results["sse_lag_ms_empty"] = sse_lag(driver, server.url, args.samples)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
