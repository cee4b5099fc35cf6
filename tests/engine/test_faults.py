from __future__ import annotations

import pytest

from fashn_mock import catalog
from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.engine.faults import FaultPlan, FaultRule, check_name, marker_in


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
    plan = FaultPlan(seed=0)
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


def test_chaos_is_seeded() -> None:
    spec = catalog.BY_NAME["tryon-v1.6"]
    first = [FaultPlan(seed=5, failure_rate=0.5).chaos(spec) for _ in range(1)]
    draws = [FaultPlan(seed=5, failure_rate=0.5) for _ in range(2)]
    sequences = [[plan.chaos(spec) for _ in range(50)] for plan in draws]
    assert sequences[0] == sequences[1] and first[0] == sequences[0][0]
    failures = [e for e in sequences[0] if e]
    assert 10 < len(failures) < 40 and set(failures) <= set(spec.runtime_errors)
    assert FaultPlan(seed=5).chaos(spec) is None


def test_jitter_stays_in_range() -> None:
    plan = FaultPlan(seed=1, jitter=0.2)
    factors = [plan.jitter_factor() for _ in range(200)]
    assert min(factors) >= 0.8 and max(factors) <= 1.2 and len(set(factors)) > 100
    assert FaultPlan(seed=1).jitter_factor() == 1.0
