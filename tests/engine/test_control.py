from __future__ import annotations

import pytest

from fashn_mock import Config, Emulator
from fashn_mock.engine.errors import (
    InvalidRequest,
    NoFreeSlot,
    OutOfCredits,
    ServiceFault,
    UnknownPrediction,
)
from fashn_mock.validation import parse_run_body
from tests.support import tryon


def submit(emulator: Emulator, key: str = "k", **inputs: object) -> str:
    return emulator.engine.submit(key, parse_run_body(tryon(**inputs))).id


def test_concurrency_slots_free_as_predictions_finish(emulator: Emulator) -> None:
    ids = [submit(emulator, mode="performance") for _ in range(6)]
    with pytest.raises(NoFreeSlot) as caught:
        submit(emulator)
    error = caught.value
    first_done = min(emulator.engine.predictions[i].finished_at for i in ids)
    assert error.retry_after == pytest.approx(first_done - emulator.now(),
                                                              abs=1)
    assert emulator.engine.unfinished("k") == 6
    submit(emulator, key="other")  # slots are per key
    emulator.advance(5.5)
    assert emulator.engine.unfinished("k") == 0
    submit(emulator)


def test_no_limits_turns_slots_off() -> None:
    emulator = Emulator(Config(limits=False), manual_clock=True)
    for _ in range(10):
        submit(emulator)
    assert emulator.engine.unfinished("k") == 10


def test_set_credits_and_balance_arithmetic(emulator: Emulator) -> None:
    emulator.set_credits(subscription=2, on_demand=3, key="k")
    submit(emulator, num_samples=4)
    with pytest.raises(OutOfCredits):
        submit(emulator, num_samples=2)
    emulator.advance(30)
    assert emulator.credits("k").as_json()["credits"] == {"total": 1, "subscription": 0,
                                                          "on_demand": 1}
    with pytest.raises(InvalidRequest):
        emulator.set_credits(-1, key="k")


def test_fail_next_by_model_then_normal(emulator: Emulator) -> None:
    emulator.fail_next("PoseError", model="tryon-v1.6", times=2)
    ids = [submit(emulator) for _ in range(3)]
    emulator.advance(30)
    errors = [emulator.engine.status("k", i).prediction.error for i in ids]
    assert [e["name"] if e else None for e in errors] == ["PoseError", "PoseError", None]


def test_pose_error_appears_part_way_through_processing(emulator: Emulator) -> None:
    emulator.fail_next("PoseError")
    prediction_id = submit(emulator)
    prediction = emulator.engine.predictions[prediction_id]
    assert prediction.processing_at < prediction.finished_at
    assert prediction.finished_at - prediction.created_at < 8
    statuses = [s["status"] for s in prediction.timeline()]
    assert statuses == ["starting", "in_queue", "processing", "failed"]


def test_http_level_fault_fails_the_request(emulator: Emulator) -> None:
    emulator.fail_next("InternalServerError")
    with pytest.raises(ServiceFault) as caught:
        submit(emulator)
    assert caught.value.kind == "internal" and caught.value.scripted
    submit(emulator)


def test_cancel_and_time_out_are_free_and_terminal(emulator: Emulator) -> None:
    before = emulator.credits("k").total
    first, second = submit(emulator), submit(emulator)
    emulator.advance(1)
    assert emulator.cancel(first).status == "canceled"
    assert emulator.time_out(second).status == "time_out"
    emulator.advance(60)
    assert emulator.engine.status("k", first).status == "canceled"
    assert emulator.credits("k").total == before
    assert emulator.engine.unfinished("k") == 0
    done = submit(emulator)
    emulator.advance(60)
    assert emulator.cancel(done).status == "completed"  # terminal states are stable


def test_list_and_describe(emulator: Emulator) -> None:
    prediction_id = submit(emulator, key="alice", seed=9)
    submit(emulator, key="bob")
    listed = emulator.predictions(key="alice")
    assert [p.id for p in listed] == [prediction_id]
    assert emulator.predictions(status="starting", key="bob")[0].key == "bob"
    detail = emulator.prediction(prediction_id)
    assert detail.inputs["seed"] == 9 and detail.timeline[0]["status"] == "starting"
    assert detail.output_names == ()  # known once it completed
    emulator.run_until_done()
    assert emulator.prediction(prediction_id).output_names == ("output_0.png",)
    with pytest.raises(UnknownPrediction):
        emulator.prediction("nope")


def test_reset_one_key_leaves_others(emulator: Emulator) -> None:
    alice, bob = submit(emulator, key="alice"), submit(emulator, key="bob")
    emulator.set_credits(5, key="alice")
    emulator.fail_next("PoseError", key="alice")
    emulator.reset(key="alice")
    assert alice not in emulator.engine.predictions and bob in emulator.engine.predictions
    assert emulator.credits("alice").total == 1_000_000_000
    assert emulator.engine.faults.rules == []
    emulator.reset()
    assert emulator.predictions(key="bob") == []


def test_run_until_done(emulator: Emulator) -> None:
    prediction_id = submit(emulator, mode="quality")
    emulator.run_until_done()
    assert emulator.engine.status("k", prediction_id).status == "completed"


def test_effective_config_hides_the_token() -> None:
    emulator = Emulator(Config(control_token="secret", seed=3))
    config = emulator.effective_config().as_json()
    assert config["control_token"] == "<set>" and config["seed"] == 3
    assert config["rates"] == {"run": "50/60", "status": "50/10", "credits": "30/10"}


def test_last_finish_is_per_key_and_none_when_idle(emulator: Emulator) -> None:
    assert emulator.engine.last_finish() is None
    fast = submit(emulator, key="alice", mode="performance")
    slow = submit(emulator, key="bob", mode="quality")
    predictions = emulator.engine.predictions
    assert emulator.engine.last_finish("alice") == predictions[fast].finished_at
    assert emulator.engine.last_finish() == predictions[slow].finished_at
    emulator.run_until_done(key="alice")
    assert emulator.engine.last_finish("alice") is None
    assert emulator.engine.last_finish("bob") == predictions[slow].finished_at
