"""Parsing scripted webhook faults: header, marker, loose values, rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.engine.webhook_script import (
    MAX_RULES,
    Rule,
    Rules,
    Script,
    build,
    marker_in,
    parse,
    requested,
)


@pytest.mark.parametrize(("text", "script"), [
    ("", Script()),
    ("duplicate", Script(duplicate=1)),
    ("duplicate=3", Script(duplicate=3)),
    ("delay=30", Script(delay=30.0)),
    ("delay:2.5", Script(delay=2.5)),
    ("reorder", Script(reorder=True)),
    ("duplicate=2, delay=30 ,reorder", Script(2, 30.0, True)),
    ("DUPLICATE+delay=1", Script(1, 1.0)),
])
def test_parse(text: str, script: Script) -> None:
    assert parse(text) == script


@pytest.mark.parametrize("text", [
    "dup", "duplicate=x", "duplicate=11", "duplicate=-1", "delay", "delay=nan", "delay=inf",
    "delay=-1", "delay=86401", "reorder=2", "duplicate,duplicate", "x" * 201])
def test_parse_refuses_nonsense_with_a_clear_message(text: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        parse(text)
    assert "X-Fashn-Mock-Webhook" in raised.value.message


@given(st.text(max_size=300))
def test_any_header_parses_or_is_refused(text: str) -> None:
    try:
        script = parse(text)
    except InvalidRequest:
        return
    assert 0 <= script.duplicate <= 10 and 0 <= script.delay <= 86_400


def test_markers_and_precedence() -> None:
    inputs = '{"model_image":"https://e.com/m.jpg#fashn-mock-webhook=duplicate+delay:5"}'
    assert marker_in(inputs) == Script(1, 5.0)
    assert marker_in('{"a": "b"}') is None
    assert requested(None, inputs) == Script(1, 5.0)
    assert requested("reorder", inputs) == Script(reorder=True)  # the header wins
    with pytest.raises(InvalidRequest, match="marker"):
        marker_in("x#fashn-mock-webhook=nope")


@pytest.mark.parametrize("values", [
    {"duplicate": True}, {"duplicate": 1.5}, {"delay": "5"}, {"delay": float("inf")},
    {"reorder": "yes"}])
def test_build_checks_loose_values(values: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest):
        build(**values)


def test_rules_are_consumed_in_order_and_bounded() -> None:
    rules = Rules()
    rules.add(Rule(Script(duplicate=1), key="a", times=2))
    rules.add(Rule(Script(delay=1)))
    assert rules.take("b") == Script(delay=1)
    assert rules.take("a") == rules.take("a") == Script(duplicate=1)
    assert rules.take("a") is None and rules.as_json() == []
    for bad in (Rule(Script()), Rule(Script(1), times=0), Rule(Script(1), key=5)):  # type: ignore[arg-type]
        with pytest.raises(InvalidRequest):
            rules.add(bad)
    for _ in range(MAX_RULES):
        rules.add(Rule(Script(1), key="z"))
    with pytest.raises(InvalidRequest, match="at most"):
        rules.add(Rule(Script(1)))
    rules.forget("z")
    assert rules.as_json() == []
