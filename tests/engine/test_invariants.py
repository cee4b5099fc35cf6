"""Hypothesis state machine over submits, polls and clock advances (issue 3)."""

from __future__ import annotations

import contextlib

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from fashn_mock import Config, Emulator
from fashn_mock.engine.errors import NoFreeSlot, OutOfCredits, RateLimited
from fashn_mock.engine.prediction import ORDER
from fashn_mock.validation import parse_run_body
from tests.support import URL

KEYS = ("alice", "bob")
BODIES = [
    {"model_name": "tryon-v1.6", "inputs": {"model_image": URL, "garment_image": URL,
                                            "num_samples": 2}},
    {"model_name": "tryon-v1.6", "inputs": {"model_image": "bad", "garment_image": URL}},
    {"model_name": "edit", "inputs": {"image": URL, "prompt": "p", "resolution": "2k"}},
    {"model_name": "background-remove", "inputs": {"image": URL}},
]


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.emulator = Emulator(Config(credits=40, concurrency=3, failure_rate=0.2),
                                 manual_clock=True)
        self.last_seen: dict[str, int] = {}

    @rule(key=st.sampled_from(KEYS), body=st.sampled_from(BODIES),
          error=st.sampled_from([None, None, "PoseError", "OutOfCredits"]))
    def submit(self, key: str, body: dict[str, object], error: str | None) -> None:
        with contextlib.suppress(NoFreeSlot, OutOfCredits, RateLimited):
            self.emulator.engine.submit(key, parse_run_body(body), scripted_error=error)

    @rule(seconds=st.floats(min_value=0, max_value=40))
    def advance(self, seconds: float) -> None:
        self.emulator.advance(seconds)

    @rule(key=st.sampled_from(KEYS))
    def cancel_oldest(self, key: str) -> None:
        ids = self.emulator.engine.account(key).prediction_ids
        if ids:
            self.emulator.cancel(ids[0])

    @invariant()
    def statuses_never_move_backwards(self) -> None:
        for key in KEYS:
            for prediction_id in self.emulator.engine.account(key).prediction_ids:
                order = ORDER[self.emulator.engine.status(key, prediction_id).status]
                assert order >= self.last_seen.get(prediction_id, 0)
                self.last_seen[prediction_id] = order

    @invariant()
    def charges_equal_completed_costs_and_slots_hold(self) -> None:
        engine = self.emulator.engine
        for key in KEYS:
            balance = engine.balance(key)
            completed = [engine.predictions[i] for i in engine.account(key).prediction_ids
                         if engine.status(key, i).status == "completed"]
            assert balance.charged == sum(p.cost for p in completed)
            assert balance.total == 40 - balance.charged >= 0
            assert engine.unfinished(key) <= 3


TestLifecycle = Lifecycle.TestCase
TestLifecycle.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
