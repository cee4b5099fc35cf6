from __future__ import annotations

import pytest

from fashn_mock import catalog
from fashn_mock.engine.draws import Draws
from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.engine.faults import (
    FaultPlan,
    FaultRule,
    chaos,
    check_name,
    jitter_factor,
    marker_in,
)


def test_marker_is_found_in_any_string() -> None:
    assert marker_in({"image": "https://x/a.png#fashn-mock-error=PoseError"}) == "PoseError"
    assert marker_in({"list": [1, {"deep": "fashn-mock-error=OutOfCredits"}]}) \
        == "OutOfCredits"
    assert marker_in({"image": "https://x/a.png", "seed": 3}) is None


def test_names_are_checked() -> None:
    assert check_name("PoseError") == "PoseError"
    assert check_name("RateLimitExceeded") == "RateLimitExceeded"
    with pytest.raises(InvalidRequest) as caught:
        check_name("NoSuchError")
    assert "PoseError" in caught.value.message


def test_rules_are_consumed_in_order_and_filtered() -> None:
    plan = FaultPlan()
    plan.schedule(FaultRule("PoseError", model="tryon-v1.6", times=2))
    plan.schedule(FaultRule("PipelineError", key="bob"))
    assert plan.take("alice", "edit") is None
    assert plan.take("alice", "tryon-v1.6").error == "PoseError"  # type: ignore[union-attr]
    assert plan.take("bob", "edit").error == "PipelineError"  # type: ignore[union-attr]
    assert plan.take("bob", "tryon-v1.6").error == "PoseError"  # type: ignore[union-attr]
    assert plan.take("bob", "tryon-v1.6") is None and plan.rules == []
    with pytest.raises(InvalidRequest):
        plan.schedule(FaultRule("PoseError", model="nope"))
    with pytest.raises(InvalidRequest):
        plan.schedule(FaultRule("PoseError", times=0))


def test_chaos_is_drawn_from_the_seed_and_sequence() -> None:
    spec = catalog.BY_NAME["tryon-v1.6"]
    sequences = [[chaos(0.5, spec, Draws(5, n)) for n in range(1, 51)] for _ in range(2)]
    assert sequences[0] == sequences[1]
    assert sequences[0] != [chaos(0.5, spec, Draws(6, n)) for n in range(1, 51)]
    failures = [e for e in sequences[0] if e]
    assert 10 < len(failures) < 40 and set(failures) <= set(spec.runtime_errors)
    assert chaos(0.0, spec, Draws(5, 1)) is None


def test_jitter_stays_in_range() -> None:
    factors = [jitter_factor(0.2, Draws(1, n)) for n in range(200)]
    assert min(factors) >= 0.8 and max(factors) <= 1.2 and len(set(factors)) > 100
    assert jitter_factor(0.0, Draws(1, 1)) == 1.0
