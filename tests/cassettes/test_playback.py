"""Playback of hand-written timelines: offsets, skipped phases, failed polls,
unfinished recordings and repeated requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from fashn_mock import Emulator
from fashn_mock.cassettes import Cassette, ReplaySource
from fashn_mock.cassettes.format import Interaction, Request, Response, Step

BODY = {"model_name": "background-remove", "inputs": {"image": "https://x/a.png"}}
AUTH = {"Authorization": "Bearer k"}


def poll(status: str, **extra: Any) -> Response:
    return Response(200, {}, {"id": "old", "status": status, "output": None, "error": None,
                              **extra})


def run(*steps: Step) -> Interaction:
    return Interaction(Request("POST", "/v1/run", {}, BODY),
                       Response(200, {}, {"id": "old", "error": None}), list(steps))


def emulator_for(tmp_path: Path, *interactions: Interaction, time_scale: float = 1,
                 by_polls: bool = False) -> Emulator:
    Cassette(tmp_path / "hand.yaml", list(interactions)).save()
    emulator = Emulator(manual_clock=True, time_scale=time_scale)
    ReplaySource.load(tmp_path, by_polls=by_polls, strict=True).attach(emulator)
    return emulator


def statuses(client: httpx.Client, prediction_id: str) -> str:
    answer = client.get(f"/v1/status/{prediction_id}")
    return answer.json()["status"] if answer.status_code == 200 else str(answer.status_code)


def test_late_first_poll_starts_the_timeline_at_zero(tmp_path: Path) -> None:
    emulator = emulator_for(tmp_path, run(
        Step(3.0, 2, poll("processing", eta=4)),
        Step(7.0, 1, poll("failed", error={"name": "PipelineError", "message": "boom"}))),
        time_scale=2)
    with emulator.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=BODY).json()["id"]
        first = client.get(f"/v1/status/{prediction_id}").json()
        assert first == {"id": prediction_id, "status": "processing", "output": None,
                         "error": None, "eta": 4}  # the recorded body, fields and all
        emulator.advance(13.9)
        assert statuses(client, prediction_id) == "processing"
        emulator.advance(0.1)  # 7 s recorded x time scale 2
        assert client.get(f"/v1/status/{prediction_id}").json()["error"] == \
            {"name": "PipelineError", "message": "boom"}


def test_failed_polls_are_replayed_by_polls_and_skipped_by_time(tmp_path: Path) -> None:
    timeline = (Step(0.0, 1, poll("starting")),
                Step(1.0, 2, Response(429, {"retry-after": "3"},
                                      {"error": "RateLimitExceeded", "message": "slow"})),
                Step(2.0, 1, poll("processing")),
                Step(4.0, 1, poll("completed", output=[])))
    by_polls = emulator_for(tmp_path, run(*timeline), by_polls=True)
    with by_polls.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=BODY).json()["id"]
        answers = [client.get(f"/v1/status/{prediction_id}") for _ in range(6)]
    assert [a.json().get("status", a.status_code) for a in answers] == \
        ["starting", 429, 429, "processing", "completed", "completed"]
    assert answers[1].json() == {"error": "RateLimitExceeded", "message": "slow"}
    assert answers[1].headers["retry-after"] == "3"
    by_time = emulator_for(tmp_path, run(*timeline))
    with by_time.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=BODY).json()["id"]
        seen = []
        for _ in range(5):
            seen.append(statuses(client, prediction_id))
            by_time.advance(1)
    assert seen == ["starting", "starting", "processing", "processing", "completed"]


def test_poll_driven_predictions_settle_when_polled_to_the_end(tmp_path: Path) -> None:
    emulator = emulator_for(tmp_path, run(
        Step(0.0, 2, poll("in_queue")),
        Step(5.0, 1, Response(200, {"x-fashn-credits-used": "3"},
                              {"id": "old", "status": "completed", "output": [],
                               "error": None}))), by_polls=True)
    with emulator.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=BODY).json()["id"]
        assert emulator.run_until_done().now == emulator.now()  # nothing waits on the clock
        assert emulator.engine.unfinished("k") == 1
        assert [statuses(client, prediction_id) for _ in range(3)] == \
            ["in_queue", "in_queue", "completed"]
        done = client.get(f"/v1/status/{prediction_id}")
    assert done.headers["x-fashn-credits-used"] == "3"
    assert emulator.engine.unfinished("k") == 0
    assert emulator.credits("k").total == 1_000_000_000 - 3
    emulator.advance(72 * 3600)
    with emulator.httpx_client(headers=AUTH) as client:
        assert client.get(f"/v1/status/{prediction_id}").status_code == 404  # retention


def test_unfinished_recordings_stay_where_they_stopped(tmp_path: Path) -> None:
    emulator = emulator_for(tmp_path, run(Step(0.0, 1, poll("starting")),
                                          Step(2.0, 1, poll("processing"))))
    with emulator.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=BODY).json()["id"]
        emulator.advance(3600)
        assert statuses(client, prediction_id) == "processing"
        never_polled = emulator_for(tmp_path / "x", run())
    with never_polled.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=BODY).json()["id"]
        assert client.get(f"/v1/status/{prediction_id}").json() == \
            {"id": prediction_id, "status": "starting", "output": None, "error": None}


def test_repeated_requests_play_their_recordings_in_order_then_again(tmp_path: Path) -> None:
    done = run(Step(0.0, 1, poll("completed", output=[])))
    failed = run(Step(0.0, 1, poll("failed", error={"name": "PoseError", "message": "m"})))
    emulator = emulator_for(tmp_path, done, failed, time_scale=0)
    with emulator.httpx_client(headers=AUTH) as client:
        ids = [client.post("/v1/run", json=BODY).json()["id"] for _ in range(3)]
        assert [statuses(client, i) for i in ids] == ["completed", "failed", "completed"]
