from __future__ import annotations

import pytest

from fashn_mock.catalog.quotas import RateRule
from fashn_mock.engine.limits import RateWindows
from fashn_mock.faces.common import retry_after, window_headers

T0 = 1_000_000.0


def test_sliding_window_boundaries_and_retry_after() -> None:
    windows = RateWindows({"status": RateRule(3, 10)})
    decisions = [windows.hit("k", "status", T0 + t) for t in (0, 1, 2)]
    assert [d.remaining for d in decisions if d] == [2, 1, 0]
    denied = windows.hit("k", "status", T0 + 3)
    assert denied is not None and not denied.passed
    assert denied.retry_after == pytest.approx(7.001)
    assert retry_after(denied.retry_after) == "8"
    assert window_headers(denied)["X-RateLimit-Reset"] == str(int(T0 + 10))
    assert not windows.hit("k", "status", T0 + 10).passed  # type: ignore[union-attr]
    again = windows.hit("k", "status", T0 + 10.001)
    assert again is not None and again.passed and again.remaining == 0


def test_windows_are_per_key_and_route() -> None:
    windows = RateWindows({"run": RateRule(1, 60), "status": RateRule(1, 10)})
    assert windows.hit("a", "run", T0).passed  # type: ignore[union-attr]
    assert windows.hit("b", "run", T0).passed  # type: ignore[union-attr]
    assert windows.hit("a", "status", T0).passed  # type: ignore[union-attr]
    assert not windows.hit("a", "run", T0 + 1).passed  # type: ignore[union-attr]
    assert windows.hit("a", "credits", T0) is None
    windows.forget("a")
    assert windows.hit("a", "run", T0 + 2).passed  # type: ignore[union-attr]
    assert not windows.hit("b", "run", T0 + 2).passed  # type: ignore[union-attr]


def test_rate_rule_parsing() -> None:
    assert RateRule.parse("50/60") == RateRule(50, 60)
    assert str(RateRule.parse("3/0.5")) == "3/0.5"
    for bad in ("50", "x/1", "0/10", "5/0"):
        with pytest.raises(ValueError):
            RateRule.parse(bad)
