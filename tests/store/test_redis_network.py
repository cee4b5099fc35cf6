"""Network faults in the shared store: rules taken once across processes, one profile."""

from __future__ import annotations

import pytest

from fashn_mock.engine import Engine
from fashn_mock.engine.network import NetworkRule


@pytest.mark.xfail(reason="known open bug: in a full serial run a second process can miss a "
                   "rule just scheduled on the first (rule refresh race); see the closing note",
                   strict=False)
def test_a_rule_is_used_up_once_across_processes(pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    a.network.schedule(NetworkRule("reset", path="/v1/run", times=2))
    b.store.backend.refresh()  # type: ignore[attr-defined]  # (the control channel's job)
    taken = [plan.take("POST", "/v1/run", "native", "k") for plan in (b.network, a.network,
                                                                       b.network)]
    assert [t.kind if t else None for t in taken] == ["reset", "reset", None]
    assert a.network.as_json()["rules"] == []


def test_the_chaos_profile_is_shared(pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    a.network.set_chaos({"reset": 0.25})
    assert b.network.as_json()["chaos"] == {"reset": 0.25}
    b.network.forget()
    assert a.network.as_json()["rules"] == []
