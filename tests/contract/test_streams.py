"""Event streams against the Concurred contract: parsing as EventSource does, each
event against ``itemSchema``, and the order grammar (``x-fashn-mock-event-order``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock.contract.document import document
from fashn_mock.contract.streams import MAX_EVENTS, Event, check_stream, parse

DOC = document("concurred")
MEDIA = "/paths/~1api~1v1~1fashion~1subscribe/post/responses/200/content/text~1event-stream"
PID = "123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1"
SUBMITTED = {"type": "job_submitted", "prediction_id": PID, "model_name": "tryon-v1.6"}
COMPLETED = {"type": "completed", "prediction_id": PID, "status": "completed",
             "output": ["https://cdn/x.png"], "error": None}
FAILED = {"type": "failed", "prediction_id": PID, "status": "failed", "output": None,
          "error": {"name": "PoseError", "message": "m"}}
ERROR = {"type": "error", "prediction_id": PID,
         "error": {"name": "SubscribeTimeout", "message": "m"}}


def update(status: str) -> dict[str, Any]:
    return {"type": "status_update", "prediction_id": PID, "status": status}


def stream(*payloads: dict[str, Any] | str, done: bool = True) -> str:
    frames = [f"event: fashion\ndata: {json.dumps(p)}\n\n" if isinstance(p, dict) else p
              for p in payloads]
    return "".join(frames) + ("data: [DONE]\n\n" if done else "")


def problems(text: str) -> list[str]:
    return check_stream(DOC, MEDIA, text)


def test_parse_follows_eventsource() -> None:
    text = ("\ufeff: a comment\r\nevent: fashion\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n"
            "event: ignored\n\ndata:[DONE]\n\n")
    assert parse(text) == [Event("fashion", '{"a":\n1}'), Event("message", "[DONE]")]
    assert parse("data: x") == [Event("message", "x")]  # cut before its blank line
    assert len(parse("data: x\n\n" * (MAX_EVENTS + 5))) == MAX_EVENTS


@pytest.mark.parametrize("outcome", [COMPLETED, FAILED, ERROR])
@pytest.mark.parametrize("updates", [[], ["in_queue"], ["processing"],
                                     ["in_queue", "processing"]])
def test_well_formed_streams_conform(outcome: dict[str, Any], updates: list[str]) -> None:
    assert problems(stream(SUBMITTED, *map(update, updates), outcome)) == []


@given(statuses=st.lists(st.sampled_from(["in_queue", "processing"]), max_size=4),
       outcome=st.sampled_from([COMPLETED, FAILED, ERROR]))
def test_status_updates_must_strictly_ascend(statuses: list[str],
                                             outcome: dict[str, Any]) -> None:
    found = problems(stream(SUBMITTED, *map(update, statuses), outcome))
    ascending = statuses == sorted(set(statuses), key=["in_queue", "processing"].index)
    assert (found == []) == ascending, found


@pytest.mark.parametrize(("text", "expected"), [
    (stream(SUBMITTED, COMPLETED, done=False), "does not end with data: [DONE]"),
    (stream(SUBMITTED, COMPLETED) + "data: [DONE]\n\n", "data: [DONE] is sent 2 times"),
    (stream(SUBMITTED, COMPLETED, "data: [DONE]\n\n", done=False)
     .replace("data: [DONE]\n\n", "data: [DONE]\n\nevent: fashion\ndata: "
              + json.dumps(update("in_queue")) + "\n\n"), "events follow data: [DONE]"),
    (stream(update("in_queue"), SUBMITTED, COMPLETED), "the first event is status_update"),
    (stream(SUBMITTED, SUBMITTED, COMPLETED), "job_submitted is sent 2 times"),
    (stream(SUBMITTED), "expected exactly one of completed, error, failed; got 0"),
    (stream(SUBMITTED, COMPLETED, FAILED), "expected exactly one of"),
    (stream(SUBMITTED, COMPLETED, update("processing")), "completed is followed by"),
    (stream(SUBMITTED, {**COMPLETED, "prediction_id": "other"}), "2 different prediction"),
    (stream(SUBMITTED, {**COMPLETED, "output": []}), "output: [] should be non-empty"),
    (stream(SUBMITTED, {**FAILED, "error": None}), "data error: None is not of type"),
    (stream(SUBMITTED, {**SUBMITTED, "type": "job_started"}), "is not valid under any"),
    (stream(SUBMITTED, COMPLETED).replace("event: fashion", "event: update", 1),
     "'update' is not one of"),
    (stream(SUBMITTED, "event: fashion\ndata: {not json\n\n", COMPLETED),
     "data is not JSON"),
    ("", "the stream has no events"),
])
def test_broken_streams_are_reported(text: str, expected: str) -> None:
    found = problems(text)
    assert any(expected in problem for problem in found), found


def test_a_native_json_body_is_not_a_stream() -> None:
    headers = {"content-type": "application/json", "x-ratelimit-limit": "1",
               "x-ratelimit-remaining": "1", "x-ratelimit-reset": "1"}
    found = DOC.check_response("POST", "/api/v1/fashion/subscribe", 200, headers, b"{}")
    assert found == ["content-type application/json is not documented (documented: "
                     "text/event-stream)"]
    sse = {**headers, "content-type": "text/event-stream; charset=utf-8"}
    assert DOC.check_response("POST", "/api/v1/fashion/subscribe", 200, sse,
                              stream(SUBMITTED, COMPLETED).encode()) == []
