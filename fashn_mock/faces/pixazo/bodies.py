"""Pixazo's JSON bodies, in and out (docs/api-facts.md#pixazo).

In: the flat try-on body (validated against ``catalog.gateways.pixazo.SPEC``, then
mapped to FASHN's values) and the result body ``{"request_id"}``.
Out: the submit answer and the result at an instant. A request id is
``"fashn-req-" + <prediction id>``, so the face keeps no state of its own.

Result bodies by engine status:

- ``starting``, ``in_queue`` -> ``IN_QUEUE``; ``processing`` -> ``IN_PROGRESS``; both
  with ``queue_position`` (1 + the key's earlier predictions still waiting, 0 once
  processing) and ``estimated_time_remaining_seconds`` (emulator seconds until it
  finishes, rounded up to a whole second, as Pixazo's example shows an integer).
- ``completed`` -> ``COMPLETED`` with ``images`` (URL on the emulator's CDN, the real
  pixel size and media type of the served file) and ``metadata``: ``mode`` in Pixazo's
  words (``fast|balanced|high_quality``, whatever vocabulary the client sent),
  ``num_samples``, ``output_format`` and ``processing_time_seconds`` (emulator seconds
  from submission to completion, to the millisecond).
- ``failed``, ``canceled``, ``time_out`` -> ``FAILED`` with ``error_code`` and
  ``error_message`` (``catalog.gateways.pixazo.ERROR_CODES`` and ``INTERRUPTIONS``).
"""

from __future__ import annotations

import math
from typing import Any

from fashn_mock.catalog.gateways import pixazo
from fashn_mock.catalog.gateways.pixazo import REQUEST_ID_PREFIX
from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.engine.outputs import MEDIA_TYPES
from fashn_mock.engine.prediction import IN_PROGRESS, Prediction, Status
from fashn_mock.engine.views import PredictionState
from fashn_mock.urls import cdn_url
from fashn_mock.validation import RunRequest, validated

STATUSES: dict[Status, str] = {
    "starting": "IN_QUEUE", "in_queue": "IN_QUEUE", "processing": "IN_PROGRESS",
    "completed": "COMPLETED", "failed": "FAILED", "canceled": "FAILED", "time_out": "FAILED",
}
"""Engine status -> Pixazo status."""


def request_id(prediction_id: str) -> str:
    return REQUEST_ID_PREFIX + prediction_id


def prediction_id(request_id: str) -> str | None:
    """The prediction behind a Pixazo request id, or None when it is not one."""
    found = request_id.removeprefix(REQUEST_ID_PREFIX)
    return found if found and found != request_id else None


def parse_request(body: Any) -> RunRequest:
    """The flat try-on body as a run of tryon-v1.6 in FASHN's values (``InvalidRequest``
    names the field when it is wrong)."""
    if not isinstance(body, dict):
        raise InvalidRequest(f"expected a JSON object, got {_kind(body)}", field="body")
    run = validated(pixazo.SPEC, body, "", legacy=False)
    return RunRequest(pixazo.SPEC, pixazo.native_inputs(run.inputs), ignored=run.ignored)


def parse_result(body: Any) -> str:
    """The ``request_id`` of a result body."""
    if not isinstance(body, dict):
        raise InvalidRequest(f"expected a JSON object, got {_kind(body)}", field="body")
    value = body.get("request_id")
    if "request_id" not in body:
        raise InvalidRequest("request_id: required field is missing", field="request_id")
    if not isinstance(value, str) or not value:
        got = "an empty string" if value == "" else _kind(value)
        raise InvalidRequest(f"request_id: expected a non-empty string, got {got}",
                             field="request_id")
    return value


def submitted(prediction: Prediction) -> dict[str, str]:
    """The submit answer: always ``IN_QUEUE``, as documented."""
    return {"status": "IN_QUEUE", "request_id": request_id(prediction.id)}


def result(state: PredictionState, base_url: str, queue_position: int) -> dict[str, Any]:
    """The result body at ``state.now`` (``queue_position`` from the engine)."""
    prediction = state.prediction
    body: dict[str, Any] = {"status": STATUSES[state.status],
                            "request_id": request_id(prediction.id)}
    if state.status in IN_PROGRESS:
        body.update(queue_position=queue_position,
                    estimated_time_remaining_seconds=math.ceil(state.remaining))
    elif state.status == "completed":
        width, height = prediction.size
        kind = MEDIA_TYPES[prediction.output_format]
        body["images"] = [{"url": cdn_url(base_url, prediction.id, name), "width": width,
                           "height": height, "content_type": kind}
                          for name in state.output_names]
        mode = str(prediction.inputs().get("mode", "balanced"))
        body["metadata"] = {"mode": pixazo.PIXAZO_MODE.get(mode, mode),
                            "num_samples": prediction.outputs,
                            "output_format": prediction.output_format,
                            "processing_time_seconds": round(state.elapsed, 3)}
    else:
        body["error_code"], body["error_message"] = failure(prediction)
    return body


def failure(prediction: Prediction) -> tuple[str, str]:
    """(error_code, error_message) of a prediction that did not complete."""
    if prediction.error is not None:
        return pixazo.error_code(prediction.error["name"]), prediction.error["message"]
    return pixazo.INTERRUPTIONS.get(prediction.outcome, (pixazo.FALLBACK_CODE,
                                                         "The request failed."))


def _kind(value: Any) -> str:
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean",
             int: "integer", float: "number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)
