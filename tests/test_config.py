"""``Config`` refuses what the CLI refuses: the Python API gets the same bounds."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Config, Emulator
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.config import MAX_CREDITS


@pytest.mark.parametrize(("settings", "named"), [
    ({"time_scale": math.nan}, "time_scale"), ({"time_scale": math.inf}, "time_scale"),
    ({"time_scale": -1}, "time_scale"), ({"time_scale": 1001}, "time_scale"),
    ({"port": 99999}, "port"), ({"port": -1}, "port"),
    ({"seed": -1}, "seed"), ({"seed": 2**32}, "seed"),
    ({"credits": -5}, "credits"), ({"credits": MAX_CREDITS + 1}, "credits"),
    ({"failure_rate": math.nan}, "failure_rate"), ({"failure_rate": 1.01}, "failure_rate"),
    ({"jitter": 1}, "jitter"), ({"jitter": -0.1}, "jitter"),
    ({"concurrency": 0}, "concurrency"), ({"journal_size": 0}, "journal_size"),
    ({"max_body_bytes": -1}, "max_body_bytes"), ({"max_body_bytes": 0}, "max_body_bytes"),
    ({"media_cache_bytes": -1}, "media_cache_bytes"),
    ({"input_cache_bytes": -1}, "input_cache_bytes"),
    ({"rates": {"run": RateRule(5, math.nan)}}, "rates['run'] window"),
    ({"rates": {"run": RateRule(5, math.inf)}}, "rates['run'] window"),
    ({"rates": {"status": RateRule(0, 10)}}, "rates['status'] limit"),
    ({"control_token": ""}, "control_token"),
    ({"time_scale": "1"}, "time_scale"), ({"credits": True}, "credits"),
])
def test_invalid_settings_are_refused(settings: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=named.replace("[", r"\[")):
        Config(**settings)
    with pytest.raises(ValueError, match=named.replace("[", r"\[")):
        Emulator(**settings)


@given(st.floats())
def test_time_scale_is_finite_and_in_range(value: float) -> None:
    try:
        config = Config(time_scale=value)
    except ValueError:
        assert not (math.isfinite(value) and 0 <= value <= 1000)
    else:
        assert math.isfinite(config.time_scale) and 0 <= config.time_scale <= 1000


def test_valid_edges_are_accepted() -> None:
    Config(port=0, time_scale=0, seed=2**32 - 1, credits=0, failure_rate=1, jitter=0.99,
           max_body_bytes=1, media_cache_bytes=0, control_token="t")
    Config(port=65535, time_scale=1000, credits=MAX_CREDITS, rates={"run": RateRule(1, 0.001)})
