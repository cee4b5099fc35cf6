"""Pixazo's bodies in and out, without HTTP."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Emulator
from fashn_mock.catalog.gateways import pixazo
from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.engine.prediction import Prediction
from fashn_mock.faces.pixazo import bodies
from tests.faces.pixazo.support import flat


@given(st.text(min_size=1))
def test_request_ids_wrap_prediction_ids(prediction_id: str) -> None:
    request_id = bodies.request_id(prediction_id)
    assert request_id.startswith("fashn-req-")
    assert bodies.prediction_id(request_id) == prediction_id


@pytest.mark.parametrize("text", ["", "fashn-req-", "abc", "FASHN-REQ-abc", "fashn-reqabc"])
def test_other_strings_are_no_request_ids(text: str) -> None:
    assert bodies.prediction_id(text) is None


def test_a_flat_body_becomes_a_native_run() -> None:
    run = bodies.parse_request(flat(category="dress", mode="high_quality",
                                    garment_photo_type="flat_lay", moderation_level="strict",
                                    num_samples=5, return_base64=True, model_name="x"))
    assert run.spec is pixazo.SPEC
    assert run.inputs["category"] == "one-pieces" and run.inputs["mode"] == "quality"
    assert run.inputs["garment_photo_type"] == "flat-lay"
    assert run.inputs["moderation_level"] == "conservative"
    assert run.inputs["num_samples"] == 5 and run.inputs["seed"] == 42
    assert set(run.ignored) == {"return_base64", "model_name"}
    assert "return_base64" not in run.inputs


@pytest.mark.parametrize(("body", "field"), [
    ([1], "body"), (None, "body"), ("text", "body"),
    ({"garment_image": "https://example.com/g.jpg"}, "model_image"),
    (flat(num_samples=6), "num_samples"), (flat(num_samples=0), "num_samples"),
    (flat(category="shoes"), "category"), (flat(mode="slow"), "mode"),
    (flat(segmentation_free="yes"), "segmentation_free"), (flat(output_format="gif"),
                                                           "output_format"),
])
def test_bad_request_bodies_name_the_field(body: Any, field: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        bodies.parse_request(body)
    assert refused.value.field == field


@pytest.mark.parametrize("body", [{}, {"request_id": 3}, {"request_id": ""}, [], "x", None])
def test_bad_result_bodies_are_refused(body: Any) -> None:
    with pytest.raises(InvalidRequest):
        bodies.parse_result(body)


def test_result_while_running_and_after(emulator: Emulator) -> None:
    engine = emulator.engine
    prediction = engine.submit("k", bodies.parse_request(flat(mode="fast", num_samples=2)),
                               dialect="pixazo", cost=0)
    state = engine.status("k", prediction.id)
    body = bodies.result(state, "http://host", 7)
    assert body == {"status": "IN_QUEUE", "request_id": f"fashn-req-{prediction.id}",
                    "queue_position": 7, "estimated_time_remaining_seconds":
                    math.ceil(prediction.finished_at - emulator.now())}
    emulator.advance(prediction.processing_at - emulator.now())
    assert bodies.result(engine.status("k", prediction.id), "h", 0)["status"] == "IN_PROGRESS"
    emulator.advance(prediction.finished_at - emulator.now())
    done = bodies.result(engine.status("k", prediction.id), "http://host", 0)
    assert done["images"] == [
        {"url": f"http://host/cdn/{prediction.id}/output_{i}.png", "width": 864,
         "height": 1296, "content_type": "image/png"} for i in range(2)]
    assert done["metadata"] == {
        "mode": "fast", "num_samples": 2, "output_format": "png",
        "processing_time_seconds": round(prediction.finished_at - prediction.created_at, 3)}


def _ended(outcome: Any, error: dict[str, str] | None) -> Prediction:
    return Prediction(id="p", key="k", model="tryon-v1.6", inputs_source="{}", created_at=0,
                      queued_at=0, processing_at=0, finished_at=0, outcome=outcome,
                      error=error, cost=0, outputs=1, output_format="png", size=(1, 1),
                      seed=1, dialect="pixazo")


def test_failures_carry_a_code_and_a_message() -> None:
    assert bodies.failure(_ended("failed", {"name": "PoseError", "message": "no pose"})) \
        == ("POSE_DETECTION_FAILED", "no pose")
    assert bodies.failure(_ended("failed", {"name": "Recorded", "message": "m"})) \
        == ("PROCESSING_ERROR", "m")
    assert bodies.failure(_ended("canceled", None))[0] == "CANCELED"
    assert bodies.failure(_ended("time_out", None))[0] == "TIMEOUT"
