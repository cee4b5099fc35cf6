"""The engine's playback hook, with a stand-in source (no cassettes involved)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from fashn_mock import Emulator
from fashn_mock.engine import Prediction
from fashn_mock.engine.errors import DomainError, NoFreeSlot, OutOfCredits, RateLimited
from fashn_mock.engine.playback import PARKED
from fashn_mock.engine.prediction import Status
from fashn_mock.faces.native import payload
from fashn_mock.validation import RunRequest, parse_run_body
from tests.support import tryon


class Scripted:
    """Finishes as ``failed`` 4 s after the run, whatever the catalog says."""

    def __init__(self) -> None:
        self.outcome: Status = "failed"
        self.error = {"name": "PoseError", "message": "recorded"}
        self.cost = 7
        self.outputs = 0

    def schedule(self, created_at: float, scale: float) -> tuple[float, float, float]:
        return created_at + 1 * scale, created_at + 2 * scale, created_at + 4 * scale

    def poll(self, prediction: Prediction, now: float) -> None:
        pass

    def payload(self, prediction: Prediction, status: Status, base_url: str,
                now: float) -> dict[str, Any]:
        return {"id": prediction.id, "status": status, "recorded": True}

    def output_file(self, prediction: Prediction, name: str,
                    now: float) -> tuple[bytes, str] | None:
        return None


class Source:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str, dict[str, str]]] = []

    def match(self, key: str, run: RunRequest, query: Mapping[str, str]) -> Any:
        self.asked.append((key, run.spec.name, dict(query)))
        if isinstance(self.answer, DomainError):
            raise self.answer
        return self.answer


def test_a_playback_replaces_the_synthetic_prediction(emulator: Emulator) -> None:
    source = Source(Scripted())
    emulator.engine.playback = source
    prediction = emulator.engine.submit("k", parse_run_body(tryon()),
                                        webhook_url="https://hook.example/x")
    assert source.asked == [("k", "tryon-v1.6", {"webhook_url": "https://hook.example/x"})]
    assert (prediction.queued_at - prediction.created_at,
            prediction.finished_at - prediction.created_at) == (1, 4)
    assert emulator.engine.balance("k").available == 1_000_000_000 - 7  # reserved
    emulator.advance(4)
    view = emulator.engine.status("k", prediction.id)
    assert view.status == "failed"
    assert payload(emulator.engine, view, "http://x") == {
        "id": prediction.id, "status": "failed", "recorded": True}
    assert emulator.engine.balance("k").total == 1_000_000_000  # failed: released


def test_no_playback_means_emulation(emulator: Emulator) -> None:
    emulator.engine.playback = Source(None)
    prediction = emulator.engine.submit("k", parse_run_body(tryon()))
    assert prediction.playback is None and prediction.outcome == "completed"


def test_playback_still_pays_and_takes_a_slot() -> None:
    emulator = Emulator(manual_clock=True, time_scale=1, credits=10, concurrency=1)
    emulator.engine.playback = Source(Scripted())
    emulator.engine.submit("k", parse_run_body(tryon()))
    with pytest.raises(NoFreeSlot):
        emulator.engine.submit("k", parse_run_body(tryon()))
    emulator.set_credits(6, key="poor")
    with pytest.raises(OutOfCredits):  # the recorded cost is 7
        emulator.engine.submit("poor", parse_run_body(tryon()))


def test_a_source_may_refuse(emulator: Emulator) -> None:
    emulator.engine.playback = Source(RateLimited("run", None))
    with pytest.raises(RateLimited):
        emulator.engine.submit("k", parse_run_body(tryon()))


def test_parked_predictions_are_not_waited_for(emulator: Emulator) -> None:
    class Parked(Scripted):
        def schedule(self, created_at: float, scale: float) -> tuple[float, float, float]:
            return PARKED, PARKED, PARKED

    emulator.engine.playback = Source(Parked())
    prediction = emulator.engine.submit("k", parse_run_body(tryon()))
    assert emulator.run_until_done().now == prediction.created_at
    assert emulator.engine.status("k", prediction.id).status == "starting"
