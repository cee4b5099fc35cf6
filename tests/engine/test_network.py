"""Network faults as data: the fault grammar, chaos profiles, rules and seeded draws."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Config, Emulator
from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.engine.network import (
    KINDS,
    MAX_SECONDS,
    Duration,
    NetworkPlan,
    NetworkRule,
    parse_fault,
    parse_profile,
)


@pytest.mark.parametrize(("text", "kind", "spec", "low", "high"), [
    ("reset", "reset", "reset", None, None),
    (" Lost-Response ", "lost-response", "lost-response", None, None),
    ("delay=0.5", "delay", "delay=0.5", 0.5, 0.5),
    ("delay=0.1..0.3", "delay", "delay=0.1..0.3", 0.1, 0.3),
    ("delay", "delay", "delay", 1.0, 1.0),
    ("dribble=2", "dribble", "dribble=2", 2.0, 2.0),
])
def test_the_fault_grammar(text: str, kind: str, spec: str, low: float | None,
                           high: float | None) -> None:
    parsed = parse_fault(text)
    assert (parsed.kind.name, parsed.text) == (kind, spec)
    if low is None:
        assert parsed.duration is None
    else:
        assert parsed.duration == Duration(low, high or low)


def test_log_normal_delays_centre_on_their_median() -> None:
    spec = parse_fault("delay=lognormal:0.2:0.5")
    assert spec.duration == Duration(0.2, 0.2, 0.5)
    rng = random.Random(1)
    draws = sorted(spec.duration.draw(rng) for _ in range(2001))
    assert 0.17 < draws[1000] < 0.23 and draws[0] > 0


@pytest.mark.parametrize("text", [
    "", "nope", "reset=1", "delay=-1", "delay=nan", "delay=inf", f"delay={MAX_SECONDS + 1}",
    "delay=3..1", "delay=1..2..3", "delay=lognormal:0:1", "delay=lognormal:1:0",
    "delay=lognormal:1", "delay=lognormal:1:9", "x" * 500])
def test_bad_faults_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"fault|duration|takes no value|expected"):
        parse_fault(text)


@given(st.text(max_size=60))
def test_any_text_is_a_fault_or_a_value_error(text: str) -> None:
    try:
        spec = parse_fault(text)
    except ValueError:
        return
    assert spec.kind.name in KINDS
    if spec.duration is not None:
        drawn = spec.duration.draw(random.Random(0))
        assert math.isfinite(drawn) and 0 <= drawn <= MAX_SECONDS


def test_profiles_from_text_or_mapping() -> None:
    assert parse_profile("reset=0.05, delay=0.1,delay=0.2..1=0.02") == {
        "reset": 0.05, "delay": 0.1, "delay=0.2..1": 0.02}
    assert parse_profile({"Empty": 0.5, "empty": 0.25, "garbage": 0}) == {"empty": 0.75}
    for bad in ("reset", "reset=x", "reset=2", "reset=0.6,empty=0.6", "bogus=0.1",
                {"reset": True}, {"reset": "0.1"}, ["reset"]):
        with pytest.raises(ValueError):
            parse_profile(bad)  # type: ignore[arg-type]


def test_config_validates_the_profile() -> None:
    assert Config(network_chaos="reset=0.5").network_chaos == {"reset": 0.5}  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="add up"):
        Config(network_chaos={"reset": 0.7, "empty": 0.7})


def test_rules_match_every_given_field_and_are_used_up() -> None:
    plan = NetworkPlan(0)
    assert not plan.active
    plan.schedule(NetworkRule("reset", path="/v1/status", method="get", key="k", times=2))
    assert plan.active and plan.wants_key
    assert plan.take("GET", "/v1/status/x", "native", "other") is None
    assert plan.take("POST", "/v1/status/x", "native", "k") is None
    assert plan.take("GET", "/v1/run", "native", "k") is None
    first = plan.take("GET", "/v1/status/x", "native", "k")
    assert first is not None and (first.kind, first.source, first.processed) == (
        "reset", "rule", False)
    assert plan.take("GET", "/v1/status/y", "native", "k") is not None
    assert plan.take("GET", "/v1/status/z", "native", "k") is None
    assert not plan.active and plan.rules == []


def test_model_rules_ask_for_the_model() -> None:
    plan = NetworkPlan(0)
    plan.schedule(NetworkRule("delay=0.5", path="/v1/run", model="tryon-v1.6", dialect="native"))
    assert plan.wants_model("POST", "/v1/run", "native", None)
    assert not plan.wants_model("POST", "/v1/run", "pixazo", None)
    assert plan.take("POST", "/v1/run", "native", None, "reframe") is None
    fault = plan.take("POST", "/v1/run", "native", None, "tryon-v1.6")
    assert fault is not None and fault.seconds == 0.5 and fault.spec == "delay=0.5"


@pytest.mark.parametrize(("rule", "field"), [
    (NetworkRule("explode"), "fault"), (NetworkRule("reset", times=0), "times"),
    (NetworkRule("reset", times=True), "times"),
    (NetworkRule("reset", path=5), "path"),  # type: ignore[arg-type]
])
def test_bad_rules_are_refused(rule: NetworkRule, field: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        NetworkPlan(0).schedule(rule)
    assert refused.value.field == field


def test_forget_drops_one_keys_rules_or_all() -> None:
    plan = NetworkPlan(0, {"reset": 0.1})
    for key in ("a", "b", None):
        plan.schedule(NetworkRule("empty", key=key))
    plan.forget("a")
    assert [r.key for r in plan.rules] == ["b", None]
    plan.forget()
    assert plan.rules == [] and plan.active  # the chaos profile stays
    assert plan.as_json() == {"rules": [], "chaos": {"reset": 0.1}}
    plan.set_chaos({})
    assert not plan.active


def faults(seed: int, requests: int = 300) -> list[str | None]:
    plan = NetworkPlan(seed, {"reset": 0.1, "delay=0.1..0.2": 0.2, "lost-response": 0.05})
    taken = [plan.take("GET", "/v1/status/x", "native", None) for _ in range(requests)]
    return [f"{f.kind}:{f.seconds}" if f else None for f in taken]


def test_chaos_is_seeded_and_keeps_its_rates() -> None:
    first = faults(7)
    assert first == faults(7) and first != faults(8)
    kinds = [f.split(":")[0] for f in first if f]
    assert 15 <= kinds.count("reset") <= 50 and 35 <= kinds.count("delay") <= 90
    assert 3 <= kinds.count("lost-response") <= 30
    assert all(0.1 <= float(f.split(":")[1]) <= 0.2 for f in first if f and "delay" in f)


def test_the_engine_seeds_its_plan_and_reset_reseeds_it() -> None:
    emulator = Emulator(seed=3, network_chaos={"empty": 0.5})
    plan = emulator.engine.network
    drawn = [plan.take("GET", "/v1/credits", "native", None) for _ in range(20)]
    emulator.reset()
    again = emulator.engine.network
    assert again is not plan and again.chaos == {"empty": 0.5}
    assert [again.take("GET", "/v1/credits", "native", None) for _ in range(20)] == drawn
    assert emulator.effective_config().chaos.network == {"empty": 0.5}


def test_garbage_is_never_a_status_line() -> None:
    plan = NetworkPlan(0)
    for _ in range(50):
        junk = plan.garbage()
        line, _, rest = junk.partition(b"\r\n")
        assert rest == b"\r\n" and line and all(byte >= 0x80 for byte in line)
