"""Two real ``fashn-mock serve`` processes on one real Redis server: one emulator.

Each test starts its processes on the session's server under a key prefix of its own;
requests are real HTTP on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.redis_server import prefix_for
from tests.support import free_port, wait_healthy

RUN = {"model_name": "tryon-v1.6",
       "inputs": {"model_image": "https://x/a.png", "garment_image": "https://x/b.png"}}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class Served:
    """One ``fashn-mock serve`` process (``kill`` ends it with SIGKILL)."""

    def __init__(self, store: str, prefix: str, *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fashn_mock", "serve", "--store", store, "--store-prefix",
             prefix, "--port", str(self.port), "--log-level", "warning", *args],
            env={**os.environ, "PYTHONWARNINGS": "ignore"}, stdout=subprocess.DEVNULL,
            stderr=self.log)

    def ready(self) -> Served:
        wait_healthy(self.url, self.process, self.log, timeout=30)
        return self

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.kill()
        self.log.close()


@pytest.fixture
def serve(redis_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """``serve(*args, count=2)``: that many processes on this test's store, ready."""
    prefix = prefix_for(request)
    started: list[Served] = []

    def start(*args: str, count: int = 2, ports: list[int] | None = None) -> list[Served]:
        made = [Served(redis_url, prefix, *args, port=(ports or [0] * count)[i] or None)
                for i in range(count)]
        started.extend(made)
        return [s.ready() for s in made]

    yield start
    for served in started:
        served.stop()


def until_received(url: str, inbox: str, count: int, wait: float = 20.0) -> list[Any]:
    """The inbox's deliveries once there are ``count`` (deliveries are HTTP requests
    between processes: wall time), or what came within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        received: list[Any] = httpx.get(f"{url}/_mock/inbox/{inbox}").json()["received"]
        if len(received) >= count or time.monotonic() > deadline:
            return received
        time.sleep(0.05)


def test_submit_on_one_process_poll_on_the_other(serve: Any) -> None:
    a, b = serve("--time-scale", "0", "--credits", "10")
    run = httpx.post(f"{a.url}/v1/run", json=RUN, headers=auth("k"))
    assert run.status_code == 200, run.text
    status = httpx.get(f"{b.url}/v1/status/{run.json()['id']}", headers=auth("k")).json()
    assert status["status"] == "completed"
    assert status["output"][0].startswith(b.url + "/cdn/")  # rendered by b itself
    assert httpx.get(status["output"][0]).headers["content-type"] == "image/png"
    for served in (a, b):
        credits = httpx.get(f"{served.url}/v1/credits", headers=auth("k")).json()
        assert credits["credits"]["total"] == 9


def test_credits_windows_and_slots_hold_across_processes_under_load(serve: Any) -> None:
    a, b = serve("--time-scale", "1", "--concurrency", "3", "--credits", "5",
                 "--rate-run", "7/3600")
    httpx.post(f"{a.url}/_mock/clock/freeze").raise_for_status()
    httpx.put(f"{b.url}/_mock/keys/poor/credits", json={"total": 2}).raise_for_status()

    def burst(key: str) -> Counter[str]:
        def one(n: int) -> str:
            url = (a, b)[n % 2].url
            answer = httpx.post(f"{url}/v1/run", json=RUN, headers=auth(key), timeout=30)
            return "ok" if answer.status_code == 200 else answer.json()["error"]
        with ThreadPoolExecutor(max_workers=10) as pool:
            return Counter(pool.map(one, range(20)))

    # the window admits exactly 7 of 20 across both; 3 of those get a slot
    assert burst("busy") == {"RateLimitExceeded": 13, "ok": 3,
                             "ConcurrencyLimitExceeded": 4}
    # 2 credits: 2 admitted, the other 5 the window let through find no credits
    assert burst("poor") == {"RateLimitExceeded": 13, "ok": 2, "OutOfCredits": 5}
    httpx.post(f"{a.url}/_mock/clock/advance", json={"seconds": 600}).raise_for_status()

    def credits(url_key: tuple[str, str]) -> Any:
        return httpx.get(f"{url_key[0]}/v1/credits", headers=auth(url_key[1])).json()

    asked = [(served.url, key) for served in (a, b, a, b) for key in ("busy", "poor")]
    with ThreadPoolExecutor(max_workers=8) as pool:  # both settle at once: charged once
        answers = list(pool.map(credits, asked))
    assert [x["credits"]["total"] for x in answers] == [2, 0] * 4


def test_advance_on_one_is_seen_by_the_next_request_on_the_other(serve: Any) -> None:
    a, b = serve("--time-scale", "1")
    run = httpx.post(f"{b.url}/v1/run", json=RUN, headers=auth("k")).json()
    frozen = httpx.post(f"{a.url}/_mock/clock/freeze").json()
    moved = httpx.post(f"{a.url}/_mock/clock/advance", json={"seconds": 1000}).json()
    assert moved["now"] == pytest.approx(frozen["now"] + 1000)
    seen = httpx.get(f"{b.url}/_mock/clock").json()
    assert (seen["now"], seen["frozen"]) == (moved["now"], True)
    status = httpx.get(f"{b.url}/v1/status/{run['id']}", headers=auth("k")).json()
    assert status["status"] == "completed"


def test_everything_outlives_kill_9_of_every_process(serve: Any) -> None:
    ports = [free_port(), free_port()]
    a, b = serve("--time-scale", "1", "--credits", "10", ports=ports)
    httpx.post(f"{a.url}/_mock/clock/freeze").raise_for_status()
    hook = f"{a.url}/_mock/inbox/after"  # a's own port: a comes back on it
    ids = [httpx.post(f"{(a, b)[n % 2].url}/v1/run", params={"webhook_url": hook}, json=RUN,
                      headers=auth("k")).json()["id"] for n in range(4)]
    before = httpx.get(f"{b.url}/_mock/keys/k/credits").json()
    pending = httpx.get(f"{a.url}/_mock/webhooks").json()["pending"]
    assert sorted(p["prediction_id"] for p in pending) == sorted(ids)
    a.kill()
    b.kill()
    a, b = serve("--time-scale", "1", "--credits", "10", ports=ports)
    assert httpx.get(f"{b.url}/_mock/keys/k/credits").json() == before
    for served in (a, b):
        for prediction_id in ids:
            answer = httpx.get(f"{served.url}/v1/status/{prediction_id}", headers=auth("k"))
            assert answer.json()["status"] in ("starting", "in_queue", "processing")
    pending = httpx.get(f"{b.url}/_mock/webhooks").json()["pending"]
    assert sorted(p["prediction_id"] for p in pending) == sorted(ids)
    httpx.post(f"{b.url}/_mock/clock/advance", json={"seconds": 600}).raise_for_status()
    received = until_received(b.url, "after", 4)  # delivered by a or b, once each
    assert sorted(r["body"]["id"] for r in received) == sorted(ids)
    assert httpx.get(f"{a.url}/v1/credits", headers=auth("k")).json()["credits"]["total"] == 6


def test_workers_of_one_serve_are_one_emulator(serve: Any) -> None:
    [served] = serve("--time-scale", "0", "--workers", "2", "--credits", "20", count=1)
    with httpx.Client(base_url=served.url, headers=auth("k")) as client:
        ids = [client.post("/v1/run", json=RUN).json()["id"] for _ in range(10)]
        # each request may reach either worker (new connections): every one sees all
        for prediction_id in ids:
            with httpx.Client(base_url=served.url, headers=auth("k")) as fresh:
                assert fresh.get(f"/v1/status/{prediction_id}").json()["status"] \
                    == "completed"
        assert client.get("/v1/credits").json()["credits"]["total"] == 10
