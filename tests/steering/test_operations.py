"""The parameter types of the steering table: a value of the declared type and range,
or ``ValueError`` with one line saying what was expected; and the JSON of answers."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock.engine.faults import FaultRule
from fashn_mock.steering import OPERATIONS, ClockState
from fashn_mock.steering.operations import (
    REQUIRED,
    Flag,
    Integer,
    Kind,
    Number,
    Profile,
    Text,
    to_json,
)

KINDS: list[Kind] = [Text(), Integer(0, 10), Integer(1, 1_000_000), Number(0, 1),
                     Number(0, 86_400), Flag(), Profile()]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8)


def accepted(kind: Kind, value: Any) -> bool:
    """Whether ``value`` is what ``kind`` promises."""
    if isinstance(kind, Integer):
        return isinstance(value, int) and not isinstance(value, bool) \
            and kind.low <= value <= kind.high
    if isinstance(kind, Number):
        return isinstance(value, float) and math.isfinite(value) \
            and kind.low <= value <= kind.high
    if isinstance(kind, Flag):
        return isinstance(value, bool)
    if isinstance(kind, Profile):
        return isinstance(value, str | dict)
    return isinstance(value, str) and 0 < len(value) <= 1000


@given(kind=st.sampled_from(KINDS), value=json_values)
def test_json_values_are_read_or_refused_in_one_line(kind: Kind, value: Any) -> None:
    try:
        read = kind.from_json(value)
    except ValueError as error:
        assert str(error).startswith("expected") and "\n" not in str(error)
    else:
        assert accepted(kind, read)


@given(kind=st.sampled_from(KINDS), text=st.text(max_size=30)
       | st.sampled_from(["nan", "inf", "-inf", "1e400", "-5", "0", "1", "true", "7.5"]))
def test_texts_are_read_or_refused_in_one_line(kind: Kind, text: str) -> None:
    try:
        read = kind.from_text(text)
    except ValueError as error:
        assert str(error).startswith("expected") and "\n" not in str(error)
    else:
        assert accepted(kind, read)


@pytest.mark.parametrize(("kind", "text", "expected"), [
    (Integer(0, 10), "7", 7), (Number(0, 1), "0.5", 0.5), (Flag(), "true", True),
    (Flag(), "0", False), (Text(), "k", "k"), (Profile(), "reset=0.1", "reset=0.1")])
def test_texts_as_expected(kind: Kind, text: str, expected: Any) -> None:
    assert kind.from_text(text) == expected


def test_required_parameters_come_first_and_path_parameters_exist() -> None:
    for operation in OPERATIONS:
        required = [p.required for p in operation.params if p.where != "path"]
        assert required == sorted(required, reverse=True), operation.name
        for param in operation.where("path"):
            assert "{" + param.name + "}" in operation.path
        assert repr(REQUIRED) == "REQUIRED"


def test_answers_as_json() -> None:
    assert to_json(None) == {"ok": True}
    assert to_json(ClockState(1.0, True, 0.0)) == {"now": 1.0, "frozen": True,
                                                   "time_scale": 0.0}
    rule = FaultRule("PoseError")
    assert to_json([rule], "faults") == {"faults": [rule.as_json()]}
    assert to_json("http://x", "url") == {"url": "http://x"}
    assert to_json(True, "idle") == {"idle": True}
