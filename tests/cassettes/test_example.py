"""The example cassette shipped in fixtures/ replays through the official SDK."""

from __future__ import annotations

from pathlib import Path

import fashn
import httpx

from fashn_mock import Emulator
from fashn_mock.cassettes import Cassette, ReplaySource, verify
from tests.cassettes.example import FOLDER, NO_POSE, TRYON


def test_the_sdk_sees_the_recorded_session() -> None:
    cassette = Cassette.load(FOLDER / "example.yaml")
    emulator = Emulator(time_scale=0)
    source = ReplaySource.load(FOLDER, by_polls=True, strict=True).attach(emulator)
    with emulator:  # FASHN_BASE_URL/FASHN_API_KEY point at it
        client = fashn.Fashn()
        result = client.predictions.subscribe(poll_interval=0.001, **TRYON)  # type: ignore[call-overload]
        output = httpx.get(result.output[0]).content
        failed = client.predictions.subscribe(poll_interval=0.001, **NO_POSE)  # type: ignore[call-overload]
        polls = emulator.journal(path="/v1/status/")
    assert result.status == "completed" and result.credits_used == 1
    tryon = cassette.interactions[0]
    recorded_file = tryon.outputs[0].file
    assert recorded_file is not None
    assert output == (FOLDER / recorded_file).read_bytes()
    assert failed.status == "failed" and failed.error is not None
    assert failed.error.name == "PoseError"
    recorded_polls = sum(s.polls for i in cassette.interactions for s in i.timeline)
    assert recorded_polls == len(polls) > 4  # the SDK polled exactly as often as recorded
    assert source.misses == [] and source.played == 2


def test_the_example_conforms_to_the_contract() -> None:
    assert verify(FOLDER).ok


def test_the_example_holds_no_secret() -> None:
    data = b"".join(p.read_bytes() for p in sorted(Path(FOLDER).rglob("*")) if p.is_file())
    assert b"Examp1eKey" not in data and b"NotARealSecret" not in data
