"""Network faults in the shared store: rules taken once across processes, one profile."""

from __future__ import annotations

from typing import cast

from fashn_mock.engine import Engine
from fashn_mock.engine.network import NetworkRule
from fashn_mock.store.backend import Backend


def test_a_rule_is_used_up_once_across_processes(pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    a.network.schedule(NetworkRule("reset", path="/v1/run", times=2))
    b.store.backend.refresh()  # type: ignore[attr-defined]  # (the control channel's job)
    taken = [plan.take("POST", "/v1/run", "native", "k") for plan in (b.network, a.network,
                                                                       b.network)]
    assert [t.kind if t else None for t in taken] == ["reset", "reset", None]
    assert a.network.as_json()["rules"] == []


def test_a_rule_is_seen_while_the_new_settings_hook_is_still_to_run(
        pair: tuple[Engine, Engine]) -> None:
    """The control channel's thread sets newer settings, then runs the hooks: a request
    in between must not trust the rule list cached before (the race a full run caught)."""
    a, b = pair
    backend = cast(Backend, b.store.backend)  # type: ignore[attr-defined]
    hook = backend._hooks.pop("network")  # not run yet, whichever thread brings the news
    a.network.schedule(NetworkRule("reset", path="/v1/run"))
    backend.refresh()
    backend._hooks["network"] = hook
    taken = b.network.take("POST", "/v1/run", "native", "k")
    assert taken is not None and taken.kind == "reset"


def test_the_chaos_profile_is_shared(pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    a.network.set_chaos({"reset": 0.25})
    assert b.network.as_json()["chaos"] == {"reset": 0.25}
    b.network.forget()
    assert a.network.as_json()["rules"] == []
