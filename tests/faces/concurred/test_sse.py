"""Concurred's SSE subscribe (``faces/concurred/sse.py``): read with a real HTTP client
on a real port while a manual clock advances; time scale 0; the timeout on the
emulator clock; and what a disconnect leaves behind (nothing)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fashn_mock import Emulator
from fashn_mock.engine import Engine
from fashn_mock.engine.prediction import Prediction
from fashn_mock.faces.concurred.sse import TIMEOUT_KIND, updates
from tests.faces.concurred.helpers import (
    API_KEY,
    KEY,
    RATE_HEADERS,
    SUBSCRIBE,
    URL,
    Frame,
    eventually,
    frames,
    parse,
    status_path,
    tryon,
    types,
    video,
)

EPSILON = 1e-6


@pytest.fixture
def served() -> Iterator[tuple[Emulator, httpx.Client]]:
    emulator = Emulator(manual_clock=True, time_scale=1)
    with emulator, httpx.Client(base_url=emulator.base_url, headers=API_KEY,
                                timeout=10) as client:
        yield emulator, client


def advance_to(emulator: Emulator, instant: float) -> None:
    emulator.advance(max(0.0, instant - emulator.now()) + EPSILON)


def nothing_left(engine: Engine) -> bool:
    """No subscriber, no watched transition and no timer is left behind."""
    return not engine.events.active and not engine.scheduler.pending()


class Stream:
    """An open subscribe stream, read frame by frame."""

    def __init__(self, client: httpx.Client, body: dict[str, Any]) -> None:
        self._context = client.stream("POST", SUBSCRIBE, json=body)
        self.response = self._context.__enter__()
        self._frames = frames(self.response.iter_lines())

    def next(self) -> Frame:
        return next(self._frames)

    def rest(self) -> list[Frame]:
        return list(self._frames)

    def close(self) -> None:
        self._context.__exit__(None, None, None)


@pytest.fixture
def open_stream(served: tuple[Emulator, httpx.Client]) -> Iterator[Any]:
    opened: list[Stream] = []

    def start(body: dict[str, Any]) -> tuple[Stream, Prediction]:
        stream = Stream(served[1], body)
        opened.append(stream)
        first = stream.next()
        assert first.event == "fashion" and first.type == "job_submitted"
        return stream, served[0].engine.predictions[first.data["prediction_id"]]
    yield start
    for stream in opened:
        stream.close()


def test_each_status_arrives_as_the_clock_reaches_it(served: tuple[Emulator, httpx.Client],
                                                     open_stream: Any) -> None:
    emulator, _ = served
    stream, prediction = open_stream(tryon())
    assert stream.response.headers["content-type"].startswith("text/event-stream")
    assert stream.response.headers["x-ratelimit-limit"] == "30"
    assert all(name in stream.response.headers for name in RATE_HEADERS)
    pid = prediction.id
    advance_to(emulator, prediction.queued_at)
    assert stream.next().data == {"type": "status_update", "prediction_id": pid,
                                  "status": "in_queue"}
    advance_to(emulator, prediction.processing_at)
    assert stream.next().data == {"type": "status_update", "prediction_id": pid,
                                  "status": "processing"}
    advance_to(emulator, prediction.finished_at)
    completed = stream.next()
    assert completed.event == "fashion" and completed.data == {
        "type": "completed", "prediction_id": pid, "status": "completed",
        "output": [f"{emulator.base_url}/cdn/{pid}/output_0.png"], "error": None}
    done = stream.next()
    assert (done.event, done.data) == (None, "[DONE]")
    assert stream.rest() == []
    assert eventually(lambda: nothing_left(emulator.engine))


def test_a_big_step_still_reports_every_status_in_order(
        served: tuple[Emulator, httpx.Client], open_stream: Any) -> None:
    emulator, _ = served
    stream, _ = open_stream(tryon(mode="quality"))
    emulator.advance(60)
    assert types(stream.rest()) == ["status_update:in_queue", "status_update:processing",
                                    "completed", "[DONE]"]


def test_a_failure_sends_the_error_object(served: tuple[Emulator, httpx.Client],
                                          open_stream: Any) -> None:
    emulator, client = served
    stream, prediction = open_stream(tryon(garment_image="not-an-image"))
    emulator.advance(60)
    found = stream.rest()
    # an image that cannot load fails as processing starts: processing never lasted
    assert types(found) == ["status_update:in_queue", "failed", "[DONE]"]
    assert found[1].data == {"type": "failed", "prediction_id": prediction.id,
                             "status": "failed", "output": None,
                             "error": {"name": "ImageLoadError",
                                       "message": prediction.error["message"]}}
    assert client.get(status_path(prediction.id)).json()["data"]["error"] == \
        found[1].data["error"]


def test_scripted_runtime_failure_mid_processing(served: tuple[Emulator, httpx.Client],
                                                 open_stream: Any) -> None:
    emulator, _ = served
    stream, _ = open_stream(tryon(model_image=URL + "#fashn-mock-error=PoseError"))
    emulator.advance(60)
    found = stream.rest()
    assert types(found) == ["status_update:in_queue", "status_update:processing", "failed",
                            "[DONE]"]
    assert found[2].data["error"]["name"] == "PoseError"


def test_timeout_after_two_minutes_on_the_emulator_clock(
        served: tuple[Emulator, httpx.Client], open_stream: Any) -> None:
    emulator, client = served
    stream, prediction = open_stream(video(duration=10))  # 150-180 s
    assert prediction.finished_at > prediction.created_at + 120
    assert [e.due for e in emulator.engine.scheduler.pending(TIMEOUT_KIND)] == [
        prediction.created_at + 120]
    emulator.advance(119)
    assert types([stream.next(), stream.next()]) == ["status_update:in_queue",
                                                     "status_update:processing"]
    emulator.advance(1)
    error, done = stream.rest()
    assert error.data["type"] == "error" and error.data["prediction_id"] == prediction.id
    assert error.data["error"]["name"] == "SubscribeTimeout"
    assert status_path(prediction.id) in error.data["error"]["message"]
    assert done.data == "[DONE]"
    assert eventually(lambda: nothing_left(emulator.engine))
    status = client.get(status_path(prediction.id)).json()["data"]["status"]
    assert status == "processing"  # the prediction itself runs on


def test_no_timer_when_the_prediction_finishes_first(
        served: tuple[Emulator, httpx.Client], open_stream: Any) -> None:
    emulator, _ = served
    open_stream(tryon())
    assert not emulator.engine.scheduler.pending(TIMEOUT_KIND)
    assert emulator.engine.scheduler.pending("transition")


def test_a_prediction_finishing_at_the_deadline_completes(
        served: tuple[Emulator, httpx.Client], open_stream: Any) -> None:
    emulator, _ = served
    stream, prediction = open_stream(video(duration=10))
    prediction.finished_at = prediction.created_at + 120  # exactly at the deadline
    emulator.engine.watches.moved(prediction)
    emulator.advance(120)
    assert types(stream.rest()) == ["status_update:in_queue", "status_update:processing",
                                    "completed", "[DONE]"]


def test_a_step_past_the_deadline_reports_what_happened_before_it(
        served: tuple[Emulator, httpx.Client], open_stream: Any) -> None:
    emulator, _ = served
    stream, _ = open_stream(video(duration=10))
    emulator.advance(1000)  # finished long after the deadline: still a timeout
    assert types(stream.rest()) == ["status_update:in_queue", "status_update:processing",
                                    "error", "[DONE]"]


def test_the_timeout_scales_with_time_scale() -> None:
    emulator = Emulator(manual_clock=True, time_scale=0.5)
    with emulator, httpx.Client(base_url=emulator.base_url, headers=API_KEY,
                                timeout=10) as client, \
            client.stream("POST", SUBSCRIBE, json=video(duration=10)) as response:
        reader = frames(response.iter_lines())
        prediction = emulator.engine.predictions[next(reader).data["prediction_id"]]
        assert emulator.engine.scheduler.pending(TIMEOUT_KIND)[0].due == \
            prediction.created_at + 60
        emulator.advance(60)
        assert types(reader)[-2:] == ["error", "[DONE]"]


def test_disconnect_leaves_nothing_running(served: tuple[Emulator, httpx.Client]) -> None:
    emulator, client = served
    stream = Stream(client, video(duration=10))  # finishes after the deadline: a timer
    pid = stream.next().data["prediction_id"]
    assert emulator.engine.events.watchers(pid) == 1
    assert emulator.engine.scheduler.pending(TIMEOUT_KIND)
    assert emulator.engine.scheduler.pending("transition")
    stream.close()
    assert eventually(lambda: nothing_left(emulator.engine))
    assert emulator.engine.events.watchers(pid) == 0
    emulator.advance(300)  # nothing fires for the gone stream; the prediction completes
    assert client.get(status_path(pid)).json()["data"]["status"] == "completed"


def test_many_streams_and_disconnects_leave_nothing(
        served: tuple[Emulator, httpx.Client]) -> None:
    emulator, client = served
    streams = [Stream(client, tryon()) for _ in range(5)]
    for stream in streams:
        stream.next()
    for stream in streams[:3]:
        stream.close()
    emulator.advance(30)
    for stream in streams[3:]:
        assert types(stream.rest())[-2:] == ["completed", "[DONE]"]
        stream.close()
    assert eventually(lambda: nothing_left(emulator.engine))


def test_a_reset_ends_the_stream(served: tuple[Emulator, httpx.Client],
                                 open_stream: Any) -> None:
    emulator, _ = served
    stream, _ = open_stream(tryon())
    emulator.reset()
    error, done = stream.rest()
    assert error.data["type"] == "error" and error.data["error"]["name"] == "NotFound"
    assert done.data == "[DONE]"
    assert eventually(lambda: nothing_left(emulator.engine))


def test_a_reset_of_another_key_does_not(served: tuple[Emulator, httpx.Client],
                                         open_stream: Any) -> None:
    emulator, _ = served
    stream, _ = open_stream(tryon())
    emulator.reset(key="someone-else")
    emulator.advance(30)
    assert types(stream.rest())[-2:] == ["completed", "[DONE]"]


def test_a_canceled_prediction_ends_as_failed(served: tuple[Emulator, httpx.Client],
                                              open_stream: Any) -> None:
    emulator, _ = served
    stream, prediction = open_stream(tryon())
    emulator.cancel(prediction.id)
    failed, done = stream.rest()
    assert failed.data["type"] == "failed" and failed.data["status"] == "canceled"
    assert failed.data["error"]["name"] == "PredictionCanceled"
    assert done.data == "[DONE]"


# --- in-process, time scale 0 ---------------------------------------------------------------
@pytest.fixture
def instant() -> Iterator[httpx.Client]:
    with Emulator(time_scale=0).httpx_client(headers=API_KEY) as client:
        yield client


def test_time_scale_zero_completes_at_once(instant: httpx.Client) -> None:
    response = instant.post(SUBSCRIBE, json=tryon())
    assert response.status_code == 200
    found = parse(response.text)
    assert types(found) == ["job_submitted", "completed", "[DONE]"]
    pid = found[0].data["prediction_id"]
    expected = textwrap.dedent(f"""\
        event: fashion
        data: {{"type":"job_submitted","prediction_id":"{pid}","model_name":"tryon-v1.6"}}

        event: fashion
        data: {{"type":"completed","prediction_id":"{pid}","status":"completed","output":\
["http://fashn-mock.local/cdn/{pid}/output_0.png"],"error":null}}

        data: [DONE]

        """)
    assert response.text == expected  # "\n" line ends, a bare [DONE]
    assert "\r" not in response.text


def test_base64_outputs_over_sse(instant: httpx.Client) -> None:
    found = parse(instant.post(SUBSCRIBE, json={
        "model_name": "background-remove",
        "inputs": {"image": URL, "return_base64": True}}).text)
    assert re.match(r"^data:image/png;base64,", found[1].data["output"][0])


def test_refusals_before_the_stream_are_plain_json(instant: httpx.Client) -> None:
    bad = instant.post(SUBSCRIBE, json={"model_name": "background-change",
                                         "inputs": {"image": URL}})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/json"
    assert bad.json()["error"]["code"] == "VALIDATION_ERROR"
    unauthenticated = instant.post(SUBSCRIBE, json=tryon(), headers={"X-API-Key": ""})
    assert unauthenticated.status_code == 401


def test_journal_records_the_stream(instant: httpx.Client) -> None:
    pid = parse(instant.post(SUBSCRIBE, json=tryon()).text)[0].data["prediction_id"]
    entries = instant.get("/_mock/journal", params={"dialect": "concurred"}).json()["entries"]
    assert [(e["path"], e["key"], e["prediction_id"]) for e in entries] == [
        (SUBSCRIBE, KEY, pid)]


# --- the status list --------------------------------------------------------------------------
def make(created: float, queued: float, processing: float, finished: float,
         outcome: str = "completed") -> Prediction:
    return Prediction(id="p", key="k", model="tryon-v1.6", inputs_source="{}",
                      created_at=created, queued_at=queued, processing_at=processing,
                      finished_at=finished, outcome=outcome,  # type: ignore[arg-type]
                      error=None, cost=1, outputs=1, output_format="png", size=(1, 1), seed=1)


@pytest.mark.parametrize(("phases", "reached", "sent", "expected"), [
    ((0, 1, 2, 3), "in_queue", 0, ["in_queue"]),
    ((0, 1, 2, 3), "processing", 0, ["in_queue", "processing"]),
    ((0, 1, 2, 3), "processing", 1, ["processing"]),
    ((0, 1, 2, 3), "completed", 2, []),
    ((0, 1, 2, 3), "completed", 0, ["in_queue", "processing"]),
    ((0, 1, 3, 3), "failed", 0, ["in_queue"]),  # failed at load: no processing
    ((0, 0, 0, 0), "completed", 0, []),  # time scale 0: nothing lasted
])
def test_updates_never_skip_a_status_passed_through(
        phases: tuple[float, float, float, float], reached: str, sent: int,
        expected: list[str]) -> None:
    assert updates(make(*phases), reached, sent) == expected


def test_the_pytest_fixture_serves_concurred(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(textwrap.dedent("""
        import httpx

        def test_concurred(fashn_mock):
            with httpx.Client(base_url=fashn_mock.base_url, headers=fashn_mock.headers) as c:
                fashn_mock.fail_next("PoseError", model="tryon-v1.6")
                body = {"model_name": "tryon-v1.6",
                        "inputs": {"model_image": "https://e.com/a.jpg",
                                   "garment_image": "https://e.com/b.jpg"}}
                pid = c.post("/api/v1/fashion/run", json=body).json()["data"]["prediction_id"]
                status = c.get(f"/api/v1/fashion/status/{pid}").json()["data"]
                assert status["error"]["name"] == "PoseError"
                events = c.post("/api/v1/fashion/subscribe", json=body).text
                assert events.endswith("data: [DONE]\\n\\n") and '"completed"' in events
            fashn_mock.journal().assert_called(model_name="tryon-v1.6", times=2)
            assert {e.dialect for e in fashn_mock.journal()} == {"concurred"}
            assert [p.cost for p in fashn_mock.predictions()] == [3, 3]
    """))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
