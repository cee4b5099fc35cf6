from __future__ import annotations

from typing import Any

import pytest

from fashn_mock import Config, Emulator
from fashn_mock.engine import DOCS_EXAMPLE_ID, Engine
from fashn_mock.engine.errors import OutOfCredits, Unauthenticated, UnknownPrediction
from fashn_mock.validation import parse_run_body
from tests.support import MINIMAL_INPUTS, URL, data_uri, tryon


def submit(engine: Engine, body: dict[str, Any], key: str = "k") -> str:
    return engine.submit(key, parse_run_body(body)).id


def statuses(emulator: Emulator, prediction_id: str, step: float, steps: int) -> list[str]:
    seen: list[str] = []
    for _ in range(steps):
        seen.append(emulator.engine.status("k", prediction_id).status)
        emulator.advance(step)
    return seen


def test_lifecycle_moves_forward_on_the_clock(emulator: Emulator) -> None:
    prediction_id = submit(emulator.engine, tryon(mode="balanced"))
    seen = statuses(emulator, prediction_id, 0.25, 40)
    compact = [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]]
    assert compact == ["starting", "in_queue", "processing", "completed"]
    prediction = emulator.engine.predictions[prediction_id]
    assert 7.5 <= prediction.finished_at - prediction.created_at <= 8.5


@pytest.mark.parametrize(("mode", "low", "high"), [("performance", 4.5, 5.5),
                                                   ("quality", 12, 17)])
def test_durations_follow_the_mode(emulator: Emulator, mode: str, low: float,
                                   high: float) -> None:
    prediction = emulator.engine.predictions[submit(emulator.engine, tryon(mode=mode))]
    assert low <= prediction.finished_at - prediction.created_at <= high


def test_time_scale_compresses_durations() -> None:
    emulator = Emulator(manual_clock=True, time_scale=0.1)
    prediction = emulator.engine.predictions[submit(emulator.engine, tryon(mode="quality"))]
    assert 1.2 <= prediction.finished_at - prediction.created_at <= 1.7
    instant = Emulator(manual_clock=True, time_scale=0)
    assert instant.engine.status("k", submit(instant.engine, tryon())).status == "completed"


def test_same_seed_same_ids_and_timings() -> None:
    runs = []
    for _ in range(2):
        emulator = Emulator(manual_clock=True, seed=7)
        ids = [submit(emulator.engine, tryon()) for _ in range(3)]
        runs.append([(i, emulator.engine.predictions[i].finished_at) for i in ids])
    assert runs[0] == runs[1]
    other = Emulator(manual_clock=True, seed=8)
    assert submit(other.engine, tryon()) != runs[0][0][0]


def test_credits_are_charged_once_on_completion(emulator: Emulator) -> None:
    engine = emulator.engine
    before = engine.balance("k").total
    submit(engine, tryon(num_samples=3))
    assert engine.balance("k").total == before
    emulator.advance(60)
    assert engine.balance("k").total == before - 3
    emulator.advance(60)
    assert engine.balance("k").total == before - 3
    assert engine.balance("k").charged == 3


def test_failures_are_free(emulator: Emulator) -> None:
    engine = emulator.engine
    before = engine.balance("k").total
    prediction_id = submit(engine, tryon(model_image="not a url"))
    emulator.advance(60)
    view = engine.status("k", prediction_id)
    assert view.status == "failed" and view.credits_used is None
    assert view.prediction.error == {"name": "ImageLoadError",
                                     "message": "Error loading model image: Invalid URL format"}
    assert engine.balance("k").total == before


def test_out_of_credits_is_429_and_creates_nothing() -> None:
    emulator = Emulator(Config(credits=2), manual_clock=True)
    engine = emulator.engine
    submit(engine, tryon(num_samples=2))
    with pytest.raises(OutOfCredits) as caught:
        submit(engine, tryon())
    assert (caught.value.cost, caught.value.available) == (1, 0)
    assert len(engine.account("k").prediction_ids) == 1


def test_cross_field_rules_fail_at_runtime(emulator: Emulator) -> None:
    body = {"model_name": "image-to-video",
            "inputs": {"image": URL, "end_image": URL, "resolution": "720p"}}
    prediction_id = submit(emulator.engine, body)
    assert emulator.engine.status("k", prediction_id).status == "starting"
    emulator.advance(300)
    view = emulator.engine.status("k", prediction_id)
    assert view.status == "failed"
    assert view.prediction.error is not None
    assert view.prediction.error["name"] == "InputValidationError"


def test_reframe_of_an_image_already_at_the_ratio_fails(emulator: Emulator) -> None:
    body = {"model_name": "reframe",
            "inputs": {"image": data_uri((90, 160)), "aspect_ratio": "9:16"}}
    prediction_id = submit(emulator.engine, body)
    emulator.advance(300)
    error = emulator.engine.status("k", prediction_id).prediction.error
    assert error is not None and "already matches" in error["message"]


def test_other_keys_cannot_see_my_predictions(emulator: Emulator) -> None:
    prediction_id = submit(emulator.engine, tryon(), key="alice")
    with pytest.raises(UnknownPrediction):
        emulator.engine.status("bob", prediction_id)


def test_docs_example_id_is_completed_for_every_key(emulator: Emulator) -> None:
    for key in ("a", "b"):
        view = emulator.engine.status(key, DOCS_EXAMPLE_ID)
        assert view.status == "completed" and view.credits_used == 1


@pytest.mark.parametrize("model", sorted(MINIMAL_INPUTS))
def test_every_model_completes(model: str) -> None:
    emulator = Emulator(manual_clock=True)
    prediction_id = submit(emulator.engine, {"model_name": model,
                                             "inputs": MINIMAL_INPUTS[model]})
    emulator.advance(600)
    view = emulator.engine.status("k", prediction_id)
    assert view.status == "completed"
    assert view.credits_used == view.prediction.cost >= 1


def test_only_configured_keys_are_accepted() -> None:
    assert Engine(Config()).check_key("anything") == "anything"
    closed = Engine(Config(api_keys=("good",)))
    assert closed.check_key("good") == "good"
    with pytest.raises(Unauthenticated) as caught:
        closed.check_key("bad")
    assert caught.value.problem == "unknown"


def test_ids_are_canonical_uuid4_strings() -> None:
    import uuid

    emulator = Emulator(manual_clock=True, seed=11)
    for _ in range(200):
        prediction_id = submit(emulator.engine, tryon(), key=f"k{_ % 50}")
        parsed = uuid.UUID(prediction_id)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == prediction_id
