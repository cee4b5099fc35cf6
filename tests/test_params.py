"""The CLI's parameter types: invalid input is a click usage error, never a traceback."""

from __future__ import annotations

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock.catalog.quotas import RateRule
from fashn_mock.params import Finite, Lines, Listed, ListedChoice, Rate, Url


@pytest.mark.parametrize(("text", "rule"), [("50/60", RateRule(50, 60)),
                                             (" 5/0.5 ", RateRule(5, 0.5))])
def test_rates(text: str, rule: RateRule) -> None:
    assert Rate().convert(text, None, None) == rule


@given(st.text(max_size=30))
def test_any_rate_text_is_a_rule_or_a_usage_error(text: str) -> None:
    try:
        rule = Rate().convert(text, None, None)
    except click.BadParameter as exc:
        assert "\n" not in exc.format_message()
    else:
        assert rule.limit >= 1 and 0 < rule.window < float("inf")


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e999", "-1", "2"])
def test_finite_refuses_what_is_not_a_finite_number_in_range(text: str) -> None:
    with pytest.raises(click.BadParameter):
        Finite(0, 1).convert(text, None, None)


@pytest.mark.parametrize(("text", "valid"), [
    ("http://127.0.0.1:8000", True), ("https://api.fashn.ai", True),
    ("localhost:8000", False), ("ftp://host", False), ("http://", False),
    ("http://host:port", False), ("", False),
])
def test_urls(text: str, valid: bool) -> None:
    if valid:
        assert Url().convert(text, None, None) == text
    else:
        with pytest.raises(click.BadParameter):
            Url().convert(text, None, None)


def test_lists_from_the_environment_drop_blanks() -> None:
    assert Listed().split_envvar_value(" a, ,b,, ") == ["a", "b"]
    assert Lines().split_envvar_value("x,y\n\nz") == ["x,y", "z"]
    assert ListedChoice(["p", "q"]).split_envvar_value("p, q,") == ["p", "q"]
