"""The storage contract (``store.base``), run against both stores: memory and Redis must
answer alike, step by step."""

from __future__ import annotations

import uuid
from dataclasses import astuple
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fashn_mock import Emulator
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.engine.errors import NoFreeSlot, OutOfCredits, RateLimited, UnknownPrediction
from fashn_mock.engine.retention import CDN_RETENTION_SECONDS
from fashn_mock.engine.submission import DOCS_EXAMPLE_ID
from fashn_mock.validation import parse_run_body
from tests.store.conftest import Make
from tests.support import tryon

RUN = parse_run_body(tryon())
TWO = parse_run_body(tryon(num_samples=2))


def test_a_prediction_moves_on_the_clock_and_is_charged_once(make: Make) -> None:
    emulator = make(credits=10)
    engine = emulator.engine
    prediction = engine.submit("k", TWO)
    assert engine.status("k", prediction.id).status == "starting"
    assert engine.balance("k").available == 8 and engine.balance("k").total == 10
    emulator.advance(prediction.finished_at - emulator.now())
    for _ in range(3):  # every read settles; only the first charges
        assert engine.status("k", prediction.id).status == "completed"
        balance = engine.balance("k")
        assert (balance.total, balance.reserved, balance.charged) == (8, 0, 2)
    assert engine.unfinished("k") == 0
    with pytest.raises(UnknownPrediction):
        engine.status("someone-else", prediction.id)
    assert engine.status("anyone", DOCS_EXAMPLE_ID).status == "completed"


def test_the_run_window_is_counted_with_the_slot_and_credits(make: Make) -> None:
    emulator = make(rates={"run": RateRule(3, 60)}, credits=1, concurrency=1)
    engine = emulator.engine
    first = engine.submit_counted("k", RUN, rule="run")
    assert first.window is not None and first.window.remaining == 2
    with pytest.raises(NoFreeSlot) as slot:
        engine.submit_counted("k", RUN, rule="run")
    assert slot.value.counted is not None and slot.value.counted.remaining == 1
    assert slot.value.retry_after == pytest.approx(first.prediction.finished_at - emulator.now())
    emulator.advance(61)  # both left the window (and the first finished)
    with pytest.raises(OutOfCredits) as credits:
        engine.submit_counted("k", RUN, rule="run")
    assert (credits.value.cost, credits.value.available) == (1, 0)
    assert credits.value.counted is not None and credits.value.counted.remaining == 2
    engine.submit_counted("other", RUN, rule="run")  # windows are per key
    engine.set_credits("k", 5)
    third = engine.submit_counted("k", RUN, rule="run")
    assert third.window is not None and third.window.remaining == 1
    with pytest.raises(NoFreeSlot):
        engine.submit_counted("k", RUN, rule="run")
    with pytest.raises(RateLimited) as limited:
        engine.submit_counted("k", RUN, rule="run")
    window = limited.value.window
    assert window is not None and not window.passed and window.remaining == 0
    assert window.retry_after == pytest.approx(60.001)
    assert engine.unfinished("k") == 1  # a refused request takes nothing


def test_windows_count_requests_and_say_when_they_reset(make: Make) -> None:
    emulator = make(rates={"status": RateRule(2, 10)})
    engine = emulator.engine
    first = engine.admit("k", "status")
    emulator.advance(4)
    second = engine.admit("k", "status")
    assert first is not None and second is not None
    assert (first.remaining, second.remaining) == (1, 0)
    assert second.reset_at == pytest.approx(first.reset_at) == pytest.approx(
        emulator.now() - 4 + 10)
    with pytest.raises(RateLimited) as refused:
        engine.admit("k", "status")
    assert refused.value.window is not None
    assert refused.value.window.retry_after == pytest.approx(6.001)
    emulator.advance(6.001)
    assert engine.admit("k", "status") is not None
    assert make(limits=False).engine.admit("k", "status") is None


def test_a_status_read_is_counted_in_the_same_step(make: Make) -> None:
    emulator = make(rates={"status": RateRule(2, 10)})
    engine = emulator.engine
    prediction = engine.submit("k", RUN)
    state, window = engine.status_counted("k", prediction.id, "status")
    assert state.prediction.id == prediction.id and state.status == "starting"
    assert window is not None and window.remaining == 1
    with pytest.raises(UnknownPrediction) as unknown:  # counted all the same
        engine.status_counted("k", "no-such-id", "status")
    assert unknown.value.counted is not None and unknown.value.counted.remaining == 0
    with pytest.raises(RateLimited) as refused:
        engine.status_counted("k", prediction.id, "status")
    assert refused.value.window is not None and not refused.value.window.passed
    emulator.advance(10.001)  # the window emptied
    again = engine.status_counted("k", prediction.id, "status")[1]
    assert again is not None and again.passed and again.remaining == 1
    with pytest.raises(UnknownPrediction):  # another key cannot see it
        engine.status_counted("someone", prediction.id, "status")
    unlimited = make(limits=False).engine
    assert unlimited.status_counted("k", DOCS_EXAMPLE_ID, "status")[1] is None


def test_fault_rules_are_taken_once_each(make: Make) -> None:
    emulator = make()
    engine = emulator.engine
    engine.fail_next("PoseError", times=2, key="k")
    engine.fail_next("OutOfCredits", model="edit")
    failed = [engine.submit("k", RUN) for _ in range(3)]
    assert [p.outcome for p in failed] == ["failed", "failed", "completed"]
    assert failed[0].error is not None and failed[0].error["name"] == "PoseError"
    assert [r.error for r in engine.faults.rules] == ["OutOfCredits"]
    with pytest.raises(OutOfCredits) as scripted:
        engine.submit("k", parse_run_body({"model_name": "edit", "inputs": {
            "image": "https://example.com/a.jpg", "prompt": "p"}}))
    assert scripted.value.scripted and engine.faults.rules == []
    engine.fail_next("PoseError", key="gone")
    engine.reset("gone")
    assert engine.faults.rules == []


def test_an_interruption_frees_the_slot_and_costs_nothing(make: Make) -> None:
    emulator = make(credits=3, concurrency=1)
    engine = emulator.engine
    prediction = engine.submit("k", RUN)
    emulator.advance(1)
    canceled = engine.interrupt(prediction.id, "canceled")
    assert canceled.outcome == "canceled" and canceled.finished_at == emulator.now()
    assert engine.status("k", prediction.id).status == "canceled"
    assert engine.unfinished("k") == 0 and engine.balance("k").available == 3
    again = engine.interrupt(prediction.id, "time_out")  # terminal states are stable
    assert again.outcome == "canceled"
    engine.submit("k", RUN)  # the slot is free
    with pytest.raises(UnknownPrediction):
        engine.interrupt("no-such-prediction", "canceled")


def test_retention_forgets_a_prediction_once_72_hours_after_it_finished(make: Make) -> None:
    emulator = make()
    engine = emulator.engine
    kept = engine.submit("k", RUN)
    canceled = engine.interrupt(engine.submit("k", RUN).id, "canceled")
    emulator.advance(CDN_RETENTION_SECONDS - 1)
    assert engine.status("k", canceled.id).status == "canceled"
    emulator.advance(1)
    with pytest.raises(UnknownPrediction):
        engine.status("k", canceled.id)  # 72 h after it was canceled
    assert engine.prediction_ids("k") == [kept.id]
    emulator.advance(kept.finished_at - canceled.finished_at)
    assert engine.list_predictions() == []
    assert engine.prediction_ids("k") == []
    assert engine.balance("k").charged == 1  # settled before it was forgotten
    assert engine.status("k", DOCS_EXAMPLE_ID).status == "completed"


def test_a_balance_set_below_reservations_never_goes_negative(make: Make) -> None:
    emulator = make(credits=10)
    engine = emulator.engine
    for _ in range(4):
        engine.submit("k", TWO)
    balance = engine.set_credits("k", 1)
    assert (balance.total, balance.reserved) == (1, 8)
    emulator.advance(60)
    balance = engine.balance("k")
    assert balance.total == 0 and balance.available == 0
    assert (balance.charged, balance.waived) == (1, 7)
    assert engine.set_credits("k", subscription=3, on_demand=2).total == 5


def test_money_is_counted_in_dollars(make: Make) -> None:
    emulator = make()
    engine = emulator.engine
    for _ in range(3):
        engine.submit("k", RUN, dialect="pixazo", cost=1, price_usd=0.075)
    emulator.advance(60)
    assert engine.balance("k").spent_usd == 0.225


def test_listings_inspection_and_forgetting_a_key(make: Make) -> None:
    emulator = make(credits=5)
    engine = emulator.engine
    ids = [engine.submit(key, RUN).id for key in ("a", "b", "a")]
    listed = engine.list_predictions()
    assert [p.id for p in listed] == ids  # oldest first
    assert [p.id for p in engine.list_predictions(key="a")] == [ids[0], ids[2]]
    assert engine.prediction_ids("a") == [ids[0], ids[2]]
    engine.admit("a", "status")
    state = engine.ledger.key_state("a", emulator.now())
    assert (state.balance.available, state.slots, state.tracked) == (3, 2, 2)
    usage = {rule: (used, reset_at) for rule, used, reset_at in state.usage}
    assert usage["status"][0] == 1 and usage["status"][1] == pytest.approx(emulator.now() + 10)
    assert {"a", "b"} <= engine.ledger.known_keys()
    engine.reset("a")
    assert [p.id for p in engine.list_predictions()] == [ids[1]]
    assert "a" not in engine.ledger.known_keys() and engine.balance("a").total == 5
    with pytest.raises(UnknownPrediction):
        engine.status("a", ids[0])
    engine.reset()
    assert engine.list_predictions() == [] and engine.balance("b").total == 5
    assert engine.status("x", DOCS_EXAMPLE_ID).status == "completed"


def test_the_same_seed_numbers_and_draws_alike_after_a_reset(make: Make) -> None:
    emulator = make(seed=5, failure_rate=0.5, jitter=0.3)
    engine = emulator.engine
    first = [(p.id, p.finished_at, p.outcome) for p in
             (engine.submit("k", RUN) for _ in range(4))]
    engine.reset()
    again = [(p.id, p.finished_at - emulator.now(), p.outcome) for p in
             (engine.submit("k", RUN) for _ in range(4))]
    assert [x[0] for x in first] == [x[0] for x in again]
    assert [x[2] for x in first] == [x[2] for x in again]
    assert engine.set_chaos(failure_rate=0.0) == {"failure_rate": 0.0, "jitter": 0.3}


Step = tuple[str, Any]
steps = st.lists(st.one_of(
    st.tuples(st.just("submit"), st.sampled_from(["a", "b"])),
    st.tuples(st.just("advance"), st.floats(0, 30)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("credits"), st.integers(0, 6)),
    st.tuples(st.just("fail"), st.sampled_from(["PoseError", "ConcurrencyLimitExceeded"])),
    st.tuples(st.just("poll"), st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 20))),
), max_size=25)


def replay(emulator: Emulator, script: list[Step]) -> list[Any]:
    """What an emulator answers to ``script``, step by step."""
    engine, seen = emulator.engine, []
    answers: list[Any] = []
    for op, value in script:
        try:
            if op == "submit":
                submitted = engine.submit_counted(value, TWO, rule="run")
                seen.append(submitted.prediction.id)
                answers.append((submitted.prediction.id, submitted.prediction.outcome,
                                submitted.window))
            elif op == "advance":
                answers.append(emulator.advance(value))
            elif op == "cancel" and seen:
                answers.append(engine.interrupt(seen[value % len(seen)], "canceled").outcome)
            elif op == "credits":
                answers.append(astuple(engine.set_credits("a", value)))
            elif op == "fail":
                answers.append(engine.fail_next(value, key="a").error)
            elif op == "poll" and seen:
                key, which = value
                state, window = engine.status_counted(key, seen[which % len(seen)], "status")
                answers.append((state.status, window))
        except (NoFreeSlot, OutOfCredits, RateLimited, UnknownPrediction) as refused:
            answers.append((type(refused).__name__, refused.counted,
                            getattr(refused, "window", None)))
        answers.append([(astuple(engine.balance(k)), engine.unfinished(k)) for k in ("a", "b")])
    answers.append([(p.id, p.status) for p in engine.list_predictions()])
    return answers


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=steps)
def test_both_stores_answer_a_script_alike(make: Make, store_kind: str,
                                            script: list[Step]) -> None:
    if store_kind == "memory":
        pytest.skip("compares the Redis store with the memory store")
    config: dict[str, Any] = {"credits": 12, "concurrency": 2, "seed": 9,
                              "rates": {"run": RateRule(6, 40), "status": RateRule(4, 20)}}
    shared = make(store_prefix=f"script-{uuid.uuid4().hex}", **config)
    assert replay(shared, script) == replay(Emulator(manual_clock=True, **config), script)
