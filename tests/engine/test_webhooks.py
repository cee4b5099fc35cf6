"""The webhook schedule on a manual clock, with a stand-in dispatcher (no HTTP)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Config
from fashn_mock.clock import Clock
from fashn_mock.engine import Engine, Prediction
from fashn_mock.engine import webhooks as webhooks_module
from fashn_mock.engine.errors import InvalidRequest, UnknownPrediction
from fashn_mock.engine.playback import PARKED
from fashn_mock.engine.prediction import Status
from fashn_mock.engine.webhook_script import REORDER_LIMIT, Rule, Script
from fashn_mock.engine.webhooks import RETRY_DELAYS, Job, Order, Outcome, Result
from fashn_mock.validation import RunRequest, parse_run_body
from tests.support import tryon

HOOK = "http://127.0.0.1:9/hook"
OFFSETS = [0.0, 10.0, 40.0, 100.0, 190.0, 300.0]


class Dispatcher:
    """Keeps the jobs it is handed; the test answers them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.jobs: list[Job] = []
        engine.webhooks.dispatcher = self.jobs.append

    def answer(self, result: Result = "delivered", status_code: int | None = 200) -> Job:
        job = self.jobs.pop(0)
        self.engine.webhooks.record(job, Outcome(result, self.engine.clock.now(), 0.0,
                                                 status_code=status_code))
        return job


@pytest.fixture
def engine() -> Engine:
    return Engine(Config(time_scale=1), Clock.manual())


@pytest.fixture
def sent(engine: Engine) -> Dispatcher:
    return Dispatcher(engine)


def submit(engine: Engine, url: str | None = HOOK, key: str = "k",
           script: Script | None = None, **inputs: Any) -> Prediction:
    return engine.submit(key, parse_run_body(tryon(**inputs)), webhook_url=url,
                         webhook=Order("http://emulator", script or Script()))


def advance_to(engine: Engine, instant: float) -> None:
    engine.clock.advance(max(0.0, instant - engine.clock.now()))


def test_the_first_attempt_is_made_when_the_prediction_finishes(
        engine: Engine, sent: Dispatcher) -> None:
    prediction = submit(engine)
    advance_to(engine, prediction.finished_at - 0.001)
    assert sent.jobs == []
    assert engine.webhooks.pending()[0]["state"] == "scheduled"
    advance_to(engine, prediction.finished_at)
    [job] = sent.jobs
    assert (job.prediction_id, job.url, job.base_url, job.attempt, job.kind, job.due) == (
        prediction.id, HOOK, "http://emulator", 1, "delivery", prediction.finished_at)
    sent.answer()
    [attempt] = engine.webhooks.attempts()
    assert attempt.result == "delivered" and attempt.retry_at is None and not attempt.gave_up
    assert engine.webhooks.pending() == []


def test_no_webhook_url_no_delivery(engine: Engine, sent: Dispatcher) -> None:
    submit(engine, url=None)
    engine.clock.advance(600)
    assert sent.jobs == [] and engine.webhooks.attempts() == []


def test_each_retry_at_its_scheduled_time_then_giving_up(
        engine: Engine, sent: Dispatcher) -> None:
    prediction = submit(engine)
    finish = prediction.finished_at
    assert [sum(RETRY_DELAYS[:i]) for i in range(6)] == OFFSETS
    for number, offset in enumerate(OFFSETS, 1):
        advance_to(engine, finish + offset - 0.01)
        assert sent.jobs == [], f"attempt {number} came early"
        advance_to(engine, finish + offset)
        assert [j.attempt for j in sent.jobs] == [number]
        sent.answer("failed", 503)
    engine.clock.advance(3600)
    assert sent.jobs == [] and engine.webhooks.pending() == []
    attempts = engine.webhooks.attempts(prediction_id=prediction.id)
    assert [a.due - finish for a in attempts] == pytest.approx(OFFSETS)
    assert [a.retry_at for a in attempts[:-1]] == [a.due for a in attempts[1:]]
    assert attempts[-1].gave_up and attempts[-1].retry_at is None
    assert not any(a.gave_up for a in attempts[:-1])


def test_a_retry_that_succeeds_ends_the_chain(engine: Engine, sent: Dispatcher) -> None:
    prediction = submit(engine)
    advance_to(engine, prediction.finished_at)
    sent.answer("failed", 500)
    engine.clock.advance(10)
    sent.answer("delivered", 204)
    engine.clock.advance(3600)
    assert sent.jobs == []
    assert [a.result for a in engine.webhooks.attempts()] == ["failed", "delivered"]


def test_a_long_jump_of_the_clock_plays_the_whole_schedule(
        engine: Engine, sent: Dispatcher) -> None:
    """Attempts keep their offsets from the finish, however late the clock got there."""
    prediction = submit(engine)
    engine.clock.advance(3600)
    for _ in OFFSETS:
        sent.answer("failed", 500)
    attempts = engine.webhooks.attempts()
    assert [a.due - prediction.finished_at for a in attempts] == pytest.approx(OFFSETS)


def test_time_scale_multiplies_the_retry_delays() -> None:
    engine = Engine(Config(time_scale=0.01), Clock.manual())
    sent = Dispatcher(engine)
    prediction = submit(engine)
    advance_to(engine, prediction.finished_at)
    sent.answer("failed", 500)
    assert engine.webhooks.attempts()[0].retry_at == pytest.approx(
        prediction.finished_at + 0.1)


def test_time_scale_zero_delivers_at_once_and_retries_at_once() -> None:
    engine = Engine(Config(time_scale=0), Clock.manual())
    sent = Dispatcher(engine)
    submit(engine)
    for number in range(1, 7):
        assert [j.attempt for j in sent.jobs] == [number]  # no clock move needed
        sent.answer("failed", 500)
    assert sent.jobs == [] and engine.webhooks.attempts()[-1].gave_up


def test_refused_urls_are_journaled_not_retried(engine: Engine, sent: Dispatcher) -> None:
    prediction = submit(engine)
    advance_to(engine, prediction.finished_at)
    sent.answer("refused", None)
    engine.clock.advance(600)
    assert sent.jobs == []
    [attempt] = engine.webhooks.attempts()
    assert attempt.result == "refused" and not attempt.gave_up


def test_without_a_dispatcher_attempts_are_refused_not_dropped(engine: Engine) -> None:
    prediction = submit(engine)
    advance_to(engine, prediction.finished_at)
    [attempt] = engine.webhooks.attempts()
    assert attempt.result == "refused" and "no delivery worker" in (attempt.error or "")


def test_duplicates_follow_the_first_attempt(engine: Engine, sent: Dispatcher) -> None:
    prediction = submit(engine, script=Script(duplicate=2))
    advance_to(engine, prediction.finished_at)
    assert [j.kind for j in sent.jobs] == ["delivery"]
    sent.answer()
    assert [(j.kind, j.attempt, j.prediction_id) for j in sent.jobs] == [
        ("duplicate", 1, prediction.id)] * 2
    sent.answer()
    sent.answer()
    engine.clock.advance(600)
    assert sent.jobs == []
    assert [a.kind for a in engine.webhooks.attempts()] == ["delivery", "duplicate",
                                                            "duplicate"]


def test_a_delay_moves_the_first_attempt(engine: Engine, sent: Dispatcher) -> None:
    prediction = submit(engine, script=Script(delay=30))
    advance_to(engine, prediction.finished_at + 29.9)
    assert sent.jobs == []
    advance_to(engine, prediction.finished_at + 30)
    assert sent.jobs[0].due == prediction.finished_at + 30


def test_reorder_holds_a_delivery_until_the_next_one(engine: Engine, sent: Dispatcher) -> None:
    first = submit(engine, script=Script(reorder=True))
    second = submit(engine, mode="quality")
    assert first.finished_at < second.finished_at
    advance_to(engine, first.finished_at)
    assert sent.jobs == []
    assert engine.webhooks.pending()[0]["state"] == "held"
    advance_to(engine, second.finished_at)
    assert [j.prediction_id for j in sent.jobs] == [second.id]
    sent.answer()
    assert [j.prediction_id for j in sent.jobs] == [first.id]
    sent.answer()
    assert [a.prediction_id for a in engine.webhooks.attempts()] == [second.id, first.id]


def test_reorder_gives_up_waiting_after_its_limit(engine: Engine, sent: Dispatcher) -> None:
    held = submit(engine, script=Script(reorder=True))
    advance_to(engine, held.finished_at + REORDER_LIMIT - 0.1)
    assert sent.jobs == []
    engine.clock.advance(0.1)
    assert [j.prediction_id for j in sent.jobs] == [held.id]


def test_rules_script_the_next_webhooks_of_a_key(engine: Engine, sent: Dispatcher) -> None:
    engine.webhooks.rules.add(Rule(Script(duplicate=1), key="k", times=1))
    other = submit(engine, key="other")
    mine = submit(engine)
    plain = submit(engine)
    engine.clock.advance(600)
    while sent.jobs:
        sent.answer()
    kinds = [(a.prediction_id, a.kind) for a in engine.webhooks.attempts()]
    assert kinds.count((mine.id, "duplicate")) == 1
    assert (other.id, "duplicate") not in kinds and (plain.id, "duplicate") not in kinds
    assert engine.webhooks.rules.as_json() == []


def test_an_explicit_script_wins_over_a_rule(engine: Engine, sent: Dispatcher) -> None:
    engine.webhooks.rules.add(Rule(Script(duplicate=1)))
    submit(engine, script=Script(delay=5))
    assert len(engine.webhooks.rules.as_json()) == 1


@pytest.mark.parametrize("outcome", ["canceled", "time_out"])
def test_interrupted_predictions_are_skipped_and_journaled(
        engine: Engine, sent: Dispatcher, outcome: Any) -> None:
    prediction = submit(engine)
    engine.interrupt(prediction.id, outcome)
    assert sent.jobs == []
    [attempt] = engine.webhooks.attempts()
    assert (attempt.result, attempt.prediction_status) == ("skipped", outcome)
    assert attempt.due == prediction.finished_at == engine.clock.now()


def test_failed_predictions_are_delivered(engine: Engine, sent: Dispatcher) -> None:
    prediction = submit(engine, model_image="https://e.com/m.jpg#fashn-mock-error=PoseError")
    advance_to(engine, prediction.finished_at)
    assert sent.jobs[0].prediction_id == prediction.id


class Polled:
    """A recording that finishes 2 s after its first poll."""

    outcome: Status = "completed"
    error = None
    cost = 1
    outputs = 1

    def schedule(self, created_at: float, scale: float) -> tuple[float, float, float]:
        return PARKED, PARKED, PARKED

    def poll(self, prediction: Prediction, now: float) -> None:
        prediction.queued_at = prediction.processing_at = now
        prediction.finished_at = now + 2

    def payload(self, prediction: Prediction, status: Status, base_url: str,
                now: float) -> dict[str, Any]:
        return {"id": prediction.id, "status": status}

    def output_file(self, prediction: Prediction, name: str,
                    now: float) -> tuple[bytes, str] | None:
        return None


class Source:
    def match(self, key: str, run: RunRequest, query: Mapping[str, str]) -> Any:
        return Polled()


def test_a_finish_moved_by_playback_moves_the_first_attempt(
        engine: Engine, sent: Dispatcher) -> None:
    engine.playback = Source()
    prediction = submit(engine)
    engine.clock.advance(600)
    assert sent.jobs == []
    engine.status("k", prediction.id)
    advance_to(engine, prediction.finished_at)
    assert [j.due for j in sent.jobs] == [prediction.finished_at]


def test_redeliver_sends_once_more(engine: Engine, sent: Dispatcher) -> None:
    prediction = submit(engine)
    with pytest.raises(InvalidRequest, match="only completed and failed"):
        engine.webhooks.redeliver(prediction.id)
    advance_to(engine, prediction.finished_at)
    sent.answer()
    engine.clock.advance(5)
    engine.webhooks.redeliver(prediction.id)
    [job] = sent.jobs
    assert (job.kind, job.due, job.base_url) == ("redeliver", engine.clock.now(),
                                                  "http://emulator")
    sent.answer("failed", 500)
    engine.clock.advance(600)
    assert sent.jobs == []  # a redelivery is one attempt


def test_redeliver_refuses_what_it_cannot_send(engine: Engine, sent: Dispatcher) -> None:
    with pytest.raises(UnknownPrediction):
        engine.webhooks.redeliver("nope")
    plain = submit(engine, url=None)
    engine.clock.advance(600)
    with pytest.raises(InvalidRequest, match="no webhook_url"):
        engine.webhooks.redeliver(plain.id)


def test_pending_registrations_are_bounded(engine: Engine, sent: Dispatcher,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks_module, "MAX_PENDING", 2)
    predictions = [submit(engine) for _ in range(3)]
    [refused] = engine.webhooks.attempts()
    assert refused.prediction_id == predictions[2].id and refused.result == "refused"
    assert "pending already" in (refused.error or "")
    assert len(engine.webhooks.pending()) == 2


def test_the_journal_is_bounded() -> None:
    engine = Engine(Config(time_scale=0, journal_size=3), Clock.manual())
    sent = Dispatcher(engine)
    for _ in range(5):
        submit(engine)
        sent.answer()
    attempts = engine.webhooks.attempts()
    assert [a.seq for a in attempts] == [3, 4, 5]


def test_reset_forgets_a_keys_webhooks(engine: Engine, sent: Dispatcher) -> None:
    mine, other = submit(engine), submit(engine, key="other")
    engine.reset("k")
    advance_to(engine, max(mine.finished_at, other.finished_at))
    assert [j.prediction_id for j in sent.jobs] == [other.id]
    engine.webhooks.inboxes.get("box")
    engine.reset()
    assert engine.webhooks.pending() == [] and engine.webhooks.inboxes.names() == []


def test_attempts_filter_and_limit() -> None:
    engine = Engine(Config(time_scale=0), Clock.manual())
    sent = Dispatcher(engine)
    a, b = submit(engine, key="a"), submit(engine, key="b")
    sent.answer()
    sent.answer()
    assert [x.prediction_id for x in engine.webhooks.attempts(key="b")] == [b.id]
    assert [x.prediction_id for x in engine.webhooks.attempts(prediction_id=a.id)] == [a.id]
    assert len(engine.webhooks.attempts(limit=1)) == 1


@given(st.lists(st.sampled_from(["delivered", "failed", "refused"]), min_size=1,
                max_size=8))
def test_every_chain_ends_within_six_attempts_on_schedule(answers: list[Result]) -> None:
    engine = Engine(Config(time_scale=1), Clock.manual())
    sent = Dispatcher(engine)
    prediction = submit(engine)
    for answer in answers:
        engine.clock.advance(400)
        if not sent.jobs:
            break
        sent.answer(answer, 200 if answer == "delivered" else None)
    engine.clock.advance(400)
    while sent.jobs:
        sent.answer("failed", None)
        engine.clock.advance(400)
    attempts = engine.webhooks.attempts()
    assert 1 <= len(attempts) <= 6
    assert [a.due - prediction.finished_at for a in attempts] == pytest.approx(
        OFFSETS[:len(attempts)])
    last = attempts[-1]
    assert last.result in ("delivered", "refused") or last.gave_up
    assert all(a.result == "failed" for a in attempts[:-1])
    assert engine.webhooks.pending() == [] and engine.webhooks.in_flight == 0


def test_reorder_limit_passed_in_one_jump(engine: Engine, sent: Dispatcher) -> None:
    held = submit(engine, script=Script(reorder=True))
    engine.clock.advance(3600)
    [job] = sent.jobs
    assert (job.prediction_id, job.due) == (held.id, held.finished_at + REORDER_LIMIT)


def test_without_an_order_output_links_use_the_public_url() -> None:
    engine = Engine(Config(time_scale=0, public_url="https://mock.example"), Clock.manual())
    sent = Dispatcher(engine)
    engine.submit("k", parse_run_body(tryon()), webhook_url=HOOK)
    assert sent.jobs[0].base_url == "https://mock.example"
