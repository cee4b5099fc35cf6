"""Kept status bodies of finished predictions: the same bytes and headers as a fresh
answer, for the Host asked; every check of a poll still runs."""

from __future__ import annotations

import json
import sys
import threading

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from fashn_mock import Config, Emulator
from fashn_mock.engine.retention import EXPIRED_BASE64
from fashn_mock.engine.views import PredictionState
from fashn_mock.faces.terminal_bodies import TerminalBodies, keepable
from tests.support import AUTH, tryon


def fresh(body: dict[str, object]) -> bytes:
    """Starlette's JSONResponse encoding."""
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def test_repeated_polls_of_a_finished_prediction_answer_the_same_bytes(
        emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon(num_samples=2)).json()["id"]
    emulator.advance(60)
    polls = [client.get(f"/v1/status/{prediction_id}") for _ in range(3)]
    first = polls[0]
    assert first.json()["status"] == "completed"
    assert first.content == fresh({"id": prediction_id, "status": "completed",
                                   "output": [f"http://fashn-mock.local/cdn/{prediction_id}"
                                              f"/output_{i}.png" for i in range(2)],
                                   "error": None})
    for poll in polls[1:]:
        assert poll.status_code == 200 and poll.content == first.content
        assert poll.headers.keys() == first.headers.keys()  # in the same order
        assert {k: v for k, v in poll.headers.items() if "ratelimit" not in k} \
            == {k: v for k, v in first.headers.items() if "ratelimit" not in k}
    remaining = [int(poll.headers["x-ratelimit-remaining"]) for poll in polls]
    assert remaining == sorted(remaining, reverse=True) and len(set(remaining)) == 3
    assert first.headers["x-fashn-credits-used"] == "2"
    assert first.headers["content-type"] == "application/json"


def test_a_failed_prediction_keeps_its_error(emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon(garment_image="abc")).json()["id"]
    emulator.advance(60)
    first, again = (client.get(f"/v1/status/{prediction_id}") for _ in range(2))
    assert first.json()["status"] == "failed" and first.json()["error"]
    assert again.content == first.content and "x-fashn-credits-used" not in again.headers


def test_each_host_gets_its_own_output_urls() -> None:
    emulator = Emulator(Config(time_scale=0), manual_clock=True)
    with emulator.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=tryon()).json()["id"]
        for host in ("a.example", "b.example:8080", "a.example"):
            output = client.get(f"/v1/status/{prediction_id}", headers={"Host": host}).json()
            assert output["output"] == [f"http://{host}/cdn/{prediction_id}/output_0.png"]


def test_polls_of_a_kept_body_are_still_checked_and_counted(emulator: Emulator,
                                                             client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon()).json()["id"]
    emulator.advance(60)
    assert client.get(f"/v1/status/{prediction_id}").status_code == 200
    path = f"/v1/status/{prediction_id}"
    assert client.get(path, headers={"Authorization": "Bearer other-key"}).status_code == 404
    assert client.get(path, headers={"Authorization": ""}).status_code == 401
    assert client.get(path).status_code == 200
    assert sum(1 for entry in emulator.journal() if entry.path == path) == 4


def test_unfinished_and_base64_bodies_are_never_kept(emulator: Emulator,
                                                     client: httpx.Client) -> None:
    plain = client.post("/v1/run", json=tryon()).json()["id"]
    inline = client.post("/v1/run", json=tryon(return_base64=True)).json()["id"]
    statuses = []
    for _ in range(2):
        statuses.append(client.get(f"/v1/status/{plain}").json()["status"])
        emulator.advance(60)
    assert statuses == ["starting", "completed"]
    output = client.get(f"/v1/status/{inline}").json()["output"]
    assert output[0].startswith("data:image/png;base64,")
    emulator.advance(2 * 3600)  # base64 outputs expire after 60 min: never a stale body
    assert client.get(f"/v1/status/{inline}").json()["output"] == [EXPIRED_BASE64]


def finished_state(emulator: Emulator, prediction_id: str) -> PredictionState:
    emulator.advance(60)
    return emulator.engine.status("k", prediction_id)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 5), st.integers(1, 12))
def test_at_most_capacity_bodies_are_kept_the_newest_first(capacity: int, count: int) -> None:
    emulator = Emulator(Config(time_scale=0), manual_clock=True)
    bodies = TerminalBodies(capacity)
    with emulator.httpx_client(headers={"Authorization": "Bearer k"}) as client:
        ids = [client.post("/v1/run", json=tryon()).json()["id"] for _ in range(count)]
    states = [finished_state(emulator, prediction_id) for prediction_id in ids]
    for state in states:
        assert keepable(state)
        bodies.put(state, "http://h", state.prediction.id.encode())
    assert len(bodies) == min(capacity, count)
    kept = [bodies.get(state, "http://h") for state in states]
    newest = count - min(capacity, count)
    assert kept == [None] * newest + [s.prediction.id.encode() for s in states[newest:]]
    assert all(bodies.get(state, "http://other") is None for state in states)


def test_concurred_polls_of_a_finished_prediction_answer_the_same_bytes() -> None:
    emulator = Emulator(Config(time_scale=0), manual_clock=True)
    with emulator.httpx_client() as client:
        prediction_id = client.post("/v1/run", json=tryon(), headers=AUTH).json()["id"]
        path = f"/api/v1/fashion/status/{prediction_id}"
        polls = [client.get(path, headers={"X-API-Key": "test-key", "Host": host})
                 for host in ("a.example", "a.example", "b.example")]
    assert [poll.status_code for poll in polls] == [200, 200, 200]
    assert polls[1].content == polls[0].content
    assert json.loads(polls[0].content) == {"success": True, "data": {
        "prediction_id": prediction_id, "status": "completed",
        "output": [f"http://a.example/cdn/{prediction_id}/output_0.png"], "error": None}}
    assert json.loads(polls[2].content)["data"]["output"] \
        == [f"http://b.example/cdn/{prediction_id}/output_0.png"]


def test_bodies_can_be_kept_from_several_threads_at_once() -> None:
    emulator = Emulator(Config(time_scale=0), manual_clock=True)
    with emulator.httpx_client(headers={"Authorization": "Bearer k"}) as client:
        ids = [client.post("/v1/run", json=tryon()).json()["id"] for _ in range(16)]
    states = [finished_state(emulator, prediction_id) for prediction_id in ids]
    bodies = TerminalBodies(4)
    failures: list[BaseException] = []

    def churn(offset: int) -> None:
        try:
            for i in range(3000):
                state = states[(i + offset) % len(states)]
                bodies.put(state, "http://h", b"{}")
                bodies.get(state, "http://h")
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=churn, args=(n * 3,)) for n in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch between any two bytecodes, often
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == [] and len(bodies) <= 4 + len(threads)
