"""Reset and clock operations are safe while requests are in flight (real server)."""

from __future__ import annotations

import threading

import httpx

from fashn_mock import BackgroundServer, Config, Emulator
from tests.support import tryon


def test_reset_and_clock_under_concurrent_requests() -> None:
    emulator = Emulator(Config(limits=False, time_scale=0.001))
    statuses: list[int] = []
    stop = threading.Event()

    def client_loop(key: str) -> None:
        with httpx.Client(base_url=server.url,
                          headers={"Authorization": f"Bearer {key}"}) as client:
            while not stop.is_set():
                run = client.post("/v1/run", json=tryon())
                statuses.append(run.status_code)
                if run.status_code == 200:
                    statuses.append(client.get(f"/v1/status/{run.json()['id']}").status_code)
                statuses.append(client.get("/v1/credits").status_code)

    with BackgroundServer(emulator.app) as server:
        workers = [threading.Thread(target=client_loop, args=(f"k{i}",)) for i in range(3)]
        for worker in workers:
            worker.start()
        with httpx.Client(base_url=server.url) as control:
            for i in range(30):
                control.post("/_mock/clock/advance", json={"seconds": 1})
                control.post("/_mock/reset", json={"key": "k0"} if i % 2 else {})
                control.post("/_mock/clock/freeze" if i % 3 else "/_mock/clock/unfreeze")
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
    assert statuses and 500 not in statuses
    assert set(statuses) <= {200, 404}  # 404: a prediction reset between run and status
