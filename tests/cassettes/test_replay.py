"""Record through the proxy against a real upstream server, then replay and compare
what a client sees: status sequence, status bodies, output bytes, credits header,
error objects and HTTP errors."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from fashn_mock import Emulator
from fashn_mock.cassettes import Matcher, ReplaySource
from tests.cassettes.conftest import (
    BASE64,
    FAILING,
    LIMITED,
    TRYON,
    Observed,
    Recording,
    drive,
)

REPLAY_KEY = {"Authorization": "Bearer fa-ci-key"}


def replayer(recording: Recording, *, time_scale: float = 0, **options: object) -> Emulator:
    emulator = Emulator(manual_clock=True, time_scale=time_scale)
    ReplaySource.load(recording.path, **options).attach(emulator)
    return emulator


def same_view(recorded: Observed, replayed: Observed) -> None:
    """Everything but ids, output URLs and rate-limit counters is identical."""
    assert replayed.statuses == recorded.statuses
    for old, new in zip(recorded.polls, replayed.polls, strict=True):
        old_body, new_body = old.json(), new.json()
        assert new_body["id"] == replayed.run.json()["id"] != old_body["id"]
        assert {k: v for k, v in new_body.items() if k not in ("id", "output")} == \
            {k: v for k, v in old_body.items() if k not in ("id", "output")}
        assert new.headers.get("x-fashn-credits-used") == old.headers.get(
            "x-fashn-credits-used")


def test_replay_by_polls_shows_the_recorded_sequence(recording: Recording) -> None:
    emulator = replayer(recording, by_polls=True, strict=True)
    with emulator.httpx_client(headers=REPLAY_KEY) as client:
        replayed = drive(client, TRYON)  # no clock movement at all: polls drive it
        same_view(recording.tryon, replayed)
        assert replayed.statuses[:3] == ["starting", "in_queue", "processing"]
        assert replayed.polls[-1].headers["x-fashn-credits-used"] == "1"
        url = replayed.last["output"][0]
        assert url.startswith(f"{emulator.base_url}/cdn/{replayed.run.json()['id']}/")
        output = client.get(url)
    assert output.content == recording.output_bytes
    assert output.headers["content-type"] == "image/png"


def test_replay_by_time_follows_recorded_offsets_on_the_emulator_clock(
        recording: Recording) -> None:
    emulator = replayer(recording, time_scale=1, strict=True)
    with emulator.httpx_client(headers=REPLAY_KEY) as client:
        same_view(recording.tryon, drive(client, TRYON, emulator.advance, step=0.5))
        half = replayer(recording, time_scale=0.5, strict=True)
    with half.httpx_client(headers=REPLAY_KEY) as client:
        faster = drive(client, TRYON, half.advance, step=0.25)  # twice as fast, same views
    assert faster.statuses == recording.tryon.statuses
    assert len(faster.polls) == len(recording.tryon.polls)


def test_failed_prediction_replays_its_error_object_and_is_free(
        recording: Recording) -> None:
    emulator = replayer(recording, by_polls=True)
    with emulator.httpx_client(headers=REPLAY_KEY) as client:
        replayed = drive(client, FAILING)
        same_view(recording.failed, replayed)
        assert replayed.last["error"] == {"name": "PoseError", "message":
                                          recording.failed.last["error"]["message"]}
        assert "x-fashn-credits-used" not in replayed.polls[-1].headers
    assert emulator.credits("fa-ci-key").total == 1_000_000_000


def test_inline_base64_outputs_are_rebuilt_from_media(recording: Recording) -> None:
    emulator = replayer(recording, by_polls=True)
    with emulator.httpx_client(headers=REPLAY_KEY) as client:
        replayed = drive(client, BASE64)
    same_view(recording.inline, replayed)
    assert replayed.last["output"] == recording.inline.last["output"]
    assert replayed.last["output"][0].startswith("data:image/png;base64,")
    emulator.advance(3601)  # 60 min retention of base64 outputs, on the emulator clock
    with emulator.httpx_client(headers=REPLAY_KEY) as client:
        later = client.get(f"/v1/status/{replayed.run.json()['id']}").json()
    assert later["output"] == ["<base64>_expired"]
    assert base64.b64decode(recording.inline.last["output"][0].partition(",")[2])


def test_recorded_http_errors_are_answered_again(recording: Recording) -> None:
    emulator = replayer(recording, strict=True)
    with emulator.httpx_client(headers=REPLAY_KEY) as client:
        answer = client.post("/v1/run", json=LIMITED)
    assert answer.status_code == recording.limited.run.status_code == 429
    assert answer.json() == recording.limited.run.json()
    assert answer.headers["retry-after"] == recording.limited.run.headers["retry-after"]


def test_strict_replay_explains_the_nearest_recording(recording: Recording) -> None:
    emulator = replayer(recording, strict=True)
    near = {"model_name": "tryon-v1.6",
            "inputs": {**TRYON["inputs"], "mode": "quality", "seed": 7}}
    with emulator.httpx_client(headers=REPLAY_KEY) as client:
        answer = client.post("/v1/run", json=near)
    assert answer.status_code == 400
    assert answer.headers["x-fashn-mock-replay"] == "unmatched"
    message = answer.json()["message"]
    assert f"nearest: {recording.path} #1 (tryon-v1.6), 2 field(s) differ" in message
    assert 'inputs.mode: recorded "performance", sent "quality"' in message
    assert "inputs.seed: recorded 42, sent 7" in message  # the documented default
    assert "garment_image" not in message


def test_defaults_are_normalised_and_ignored_fields_do_not_count(
        recording: Recording) -> None:
    emulator = replayer(recording, strict=True,
                        matcher=Matcher.parse("model_name,inputs", ["inputs.seed"]))
    explicit = {"model_name": "tryon-v1.6",  # defaults spelt out, another seed
                "inputs": {**TRYON["inputs"], "category": "auto", "num_samples": 1,
                           "seed": 99}}
    with emulator.httpx_client(headers=REPLAY_KEY) as client:
        assert client.post("/v1/run", json=explicit).status_code == 200
    assert emulator.predictions()[0].cost == 1


def test_unmatched_requests_fall_back_to_emulation(recording: Recording) -> None:
    source = ReplaySource.load(recording.path, by_polls=True)
    emulator = Emulator(manual_clock=True, time_scale=0)
    source.attach(emulator)
    other = {"model_name": "model-create", "inputs": {"prompt": "a linen suit"}}
    with emulator.httpx_client(headers=REPLAY_KEY) as client:
        synthetic = drive(client, other)
    assert synthetic.statuses == ["completed"]
    assert "no recorded /v1/run matches this model-create request" in source.misses[0]
    assert source.played == 0


def test_a_directory_of_cassettes_is_replayed(recording: Recording) -> None:
    source = ReplaySource.load(Path(recording.path).parent)
    assert [c.path for c in source.cassettes] == [recording.path]


def test_http_replay_serves_outputs_through_the_cdn_route(recording: Recording) -> None:
    emulator = replayer(recording, by_polls=True, strict=True)
    with emulator, httpx.Client(base_url=emulator.base_url, headers=REPLAY_KEY) as client:
        replayed = drive(client, TRYON)
        output = httpx.get(replayed.last["output"][0])
    assert replayed.statuses == recording.tryon.statuses
    assert output.content == recording.output_bytes
