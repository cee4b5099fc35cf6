from __future__ import annotations

import random

import pytest

from fashn_mock.catalog import RUNTIME_ERRORS
from fashn_mock.engine.prediction import ORDER, Prediction, schedule


def make(created: float, queued: float, processing: float, finished: float) -> Prediction:
    return Prediction(id="p", key="k", model="tryon-v1.6", inputs_source="{}",
                      created_at=created, queued_at=queued, processing_at=processing,
                      finished_at=finished, outcome="completed", error=None, cost=1,
                      outputs=2, output_format="jpeg", size=(864, 1296), seed=42)


def test_status_follows_the_timestamps() -> None:
    prediction = make(0, 1, 2, 10)
    assert [prediction.status_at(t) for t in (0, 0.99, 1, 5, 9.99, 10, 1e9)] == [
        "starting", "starting", "in_queue", "processing", "processing", "completed",
        "completed"]
    assert prediction.output_names() == ["output_0.jpeg", "output_1.jpeg"]


def test_timeline_skips_zero_length_phases() -> None:
    assert [m["status"] for m in make(0, 0, 0, 0).timeline()] == ["completed"]
    assert [m["status"] for m in make(0, 1, 2, 3).timeline()] == [
        "starting", "in_queue", "processing", "completed"]


def test_schedule_is_ordered_scaled_and_seeded() -> None:
    first = schedule(100.0, (8, 8), random.Random(1), 1.0, None)
    assert first == schedule(100.0, (8, 8), random.Random(1), 1.0, None)
    queued, processing, finished = first
    assert 100 < queued < processing < finished == 108.0
    assert schedule(100.0, (8, 8), random.Random(1), 0.0, None) == (100.0, 100.0, 100.0)
    assert schedule(100.0, (8, 8), random.Random(1), 0.5, None)[2] == pytest.approx(104.0)


def test_load_errors_fail_as_processing_starts() -> None:
    _, processing, finished = schedule(0, (10, 10), random.Random(1), 1.0,
                                       RUNTIME_ERRORS["ImageLoadError"])
    assert finished == processing
    _, processing, finished = schedule(0, (10, 10), random.Random(1), 1.0,
                                       RUNTIME_ERRORS["PoseError"])
    assert processing < finished < 10


def test_status_order_is_monotonic() -> None:
    assert ORDER["starting"] < ORDER["in_queue"] < ORDER["processing"] < ORDER["failed"]
