from __future__ import annotations

import pytest

from fashn_mock.catalog.quotas import RateRule
from fashn_mock.config import Config
from fashn_mock.workers import CONFIG_ENV, decode, encode


@pytest.mark.parametrize("config", [
    Config(),
    Config(seed=3, api_keys=("a", "b"), rates={"run": RateRule(5, 1.5)}, credits=7,
           network_chaos={"reset": 0.1}, fetch_allow_hosts=("example.com",),
           store="redis://127.0.0.1:6379/0", store_prefix="p", control_token="t"),
])
def test_the_settings_reach_a_worker_unchanged(config: Config) -> None:
    assert decode(encode(config)) == config


@pytest.mark.parametrize("text", ["", "null", "[]", '{"port": "x"}', '{"nope": 1}',
                                  '{"rates": {"run": "abc"}}',
                                  '{"api_keys": 5}'])
def test_anything_else_in_the_variable_is_refused_in_one_line(text: str) -> None:
    with pytest.raises(ValueError, match=CONFIG_ENV) as refused:
        decode(text)
    assert "\n" not in str(refused.value)
