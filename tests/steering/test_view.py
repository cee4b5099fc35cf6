"""``Steering``: the scope (a view's key is the default of every ``key=``), typed copies
as answers, clock operations answering the clock, clears answering what is left."""

from __future__ import annotations

import httpx
import pytest

from fashn_mock import Emulator, FashnMock
from fashn_mock.engine.errors import InvalidRequest, UnknownPrediction
from fashn_mock.steering import (
    ChaosSettings,
    ClockState,
    Credits,
    PredictionDetails,
    PredictionSummary,
    RequestLog,
)
from tests.support import tryon


@pytest.fixture
def handle(emulator: Emulator) -> FashnMock:
    return FashnMock(emulator, "mine", "http://127.0.0.1:1")


def run(emulator: Emulator, key: str, **inputs: object) -> str:
    with emulator.httpx_client(headers={"Authorization": f"Bearer {key}"}) as client:
        answer = client.post("/v1/run", json=tryon(**inputs))
    assert answer.status_code == 200, answer.text
    prediction_id: str = answer.json()["id"]
    return prediction_id


def test_a_scoped_view_sees_and_steers_its_own_key(emulator: Emulator,
                                                  handle: FashnMock) -> None:
    mine, theirs = run(emulator, "mine"), run(emulator, "theirs")
    assert [p.id for p in handle.predictions()] == [mine]
    assert [p.id for p in emulator.predictions()] == [mine, theirs]
    assert [p.id for p in handle.predictions(key="theirs")] == [theirs]  # key= looks elsewhere
    assert {e.key for e in handle.journal()} == {"mine"}
    assert handle.fail_next("PoseError").key == "mine"
    assert emulator.fail_next("PoseError").key is None  # the Emulator: every key
    assert [f.key for f in handle.faults()] == ["mine"]
    assert handle.set_credits(7).key == "mine" and emulator.credits("mine").total == 7
    assert handle.network_next("reset", path="/v1/nowhere").key == "mine"
    assert handle.script_webhook(delay=1).key == "mine"
    handle.reset()  # this key only
    assert handle.predictions() == [] and [p.id for p in emulator.predictions()] == [theirs]
    assert [f.key for f in emulator.faults()] == [None]


def test_the_unscoped_view_needs_a_key_for_credits(emulator: Emulator) -> None:
    with pytest.raises(InvalidRequest, match="key"):
        emulator.credits()
    with pytest.raises(InvalidRequest, match="key"):
        emulator.set_credits(3)
    assert emulator.set_credits(3, key="k") == emulator.credits("k")


def test_answers_are_typed_copies(emulator: Emulator) -> None:
    prediction_id = run(emulator, "k")
    [summary] = emulator.predictions()
    assert isinstance(summary, PredictionSummary) and summary.status == "starting"
    details = emulator.prediction(prediction_id)
    assert isinstance(details, PredictionDetails) and details.inputs["model_image"]
    assert details.as_json()["timeline"][0] == {"status": "starting", "at": details.created_at}
    rule = emulator.fail_next("PoseError", times=2)
    rule.times = 99  # a copy: the scheduled rule is untouched
    assert emulator.faults()[0].times == 2
    credits = emulator.credits("k")
    assert isinstance(credits, Credits) and credits.reserved == summary.cost
    assert isinstance(emulator.journal(), RequestLog)
    with pytest.raises(UnknownPrediction):
        emulator.prediction("nope")


def test_clock_operations_answer_the_clock(emulator: Emulator) -> None:
    start = emulator.time()
    assert start == ClockState(emulator.now(), True, 1.0)
    assert emulator.advance(5).now == start.now + 5
    assert emulator.unfreeze().frozen is False
    assert emulator.freeze().frozen is True
    run(emulator, "k", mode="quality")
    done = emulator.run_until_done()
    assert done.now == emulator.engine.predictions[emulator.predictions()[0].id].finished_at


def test_set_chaos_refuses_a_bad_profile_before_changing_anything(emulator: Emulator) -> None:
    with pytest.raises(InvalidRequest, match="network"):
        emulator.set_chaos(0.5, network={"reset": 2})
    assert emulator.chaos() == ChaosSettings(0.0, 0.0, {})
    assert emulator.set_chaos(jitter=0.1, network="reset=0.1") == \
        ChaosSettings(0.0, 0.1, {"reset": 0.1})


def test_clears_answer_what_is_left(emulator: Emulator) -> None:
    emulator.fail_next("PoseError", key="a")
    emulator.fail_next("PoseError", key="b")
    assert [f.key for f in emulator.clear_faults(key="a")] == []
    assert [f.key for f in emulator.faults()] == ["b"]
    emulator.network_next("reset", path="/v1/nowhere", key="a")
    emulator.network_next("reset", path="/v1/nowhere", key="b")
    assert emulator.clear_network(key="a").rules == []
    assert [r.key for r in emulator.network().rules] == ["b"]
    emulator.script_webhook(duplicate=1, key="a")
    emulator.script_webhook(duplicate=1)
    assert emulator.clear_webhook_scripts(key="a") == []
    assert [r.key for r in emulator.webhook_scripts()] == [None]
    run(emulator, "a")
    run(emulator, "b")
    assert emulator.clear_journal(key="a") == []
    assert [e.key for e in emulator.journal()] == ["b"]


def test_inboxes_and_their_url(emulator: Emulator, handle: FashnMock) -> None:
    assert handle.webhook_url("box") == "http://127.0.0.1:1/_mock/inbox/box"
    assert emulator.webhook_url() == "http://fashn-mock.local/_mock/inbox/default"
    assert emulator.fail_inbox("box", times=2, status=503).as_json()["pending_failures"] \
        == [503, 503]
    emulator.drop_inbox("box")
    assert emulator.inbox("box").as_json()["pending_failures"] == []
    with pytest.raises(InvalidRequest):
        emulator.drop_inbox("bad name")
    assert emulator.wait_for_webhooks(0.1) is True


def test_the_handle_clients_carry_its_key(handle: FashnMock) -> None:
    with handle.httpx_client() as client:
        assert client.get("/v1/credits").status_code == 200
    assert [e.key for e in handle.journal()] == ["mine"]
    assert isinstance(handle.httpx_client(), httpx.Client)
