"""Network faults in the shared store: the rules in ``P:net:rules`` (a use taken by
``net_take.lua``), the chaos profile in the shared settings. Each process keeps a copy
of both, refreshed whenever the settings version moves (every change of the rules or
the profile moves it), so the HTTP layer's checks stay local; the draws (chaos rolls,
durations, garbage) come from this process's generator, seeded with the seed."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from fashn_mock.engine.errors import InvalidRequest, StoreUnavailable
from fashn_mock.engine.network import (
    MAX_RULES,
    Fault,
    NetworkPlan,
    NetworkRule,
    chaos_pick,
    check_rule,
    full,
    parse_fault,
    parse_profile,
)
from fashn_mock.store.backend import Backend, Settings, guarded


class RedisNetworkPlan(NetworkPlan):
    def __init__(self, backend: Backend, seed: int) -> None:
        super().__init__(seed)
        self.backend = backend
        self._version = ""
        self._refreshing = threading.Lock()
        """One refresh at a time: a slower one (the control channel's thread) must not
        install the rules it read after a faster one installed newer rules."""
        backend.on_settings("network", self._refreshed)
        if backend.settings is not None:
            self._refreshed(backend.settings)

    def _refreshed(self, settings: Settings) -> None:
        """Take the shared rules and profile (the settings moved)."""
        with self._refreshing:
            if settings.version == self._version:
                return
            try:
                rules = self._load()
            except StoreUnavailable:
                return  # the store is gone: keep what we had
            self._version = settings.version
            specs = [(parse_fault(text), rate) for text, rate in settings.network.items()]
            with self._lock:
                self.rules, self.chaos, self._specs = rules, dict(settings.network), specs
                self._refresh()

    @guarded
    def _load(self) -> list[NetworkRule]:
        texts = self.backend.client.lrange(self.backend.key("net", "rules"), 0, -1)
        return [NetworkRule(**json.loads(text)) for text in texts]

    @guarded
    def schedule(self, rule: NetworkRule) -> NetworkRule:
        check_rule(rule)
        backend = self.backend
        if not backend.scripts.rules(args=[backend.prefix, "", "net:rules", "add",
                                           json.dumps(rule.as_json()), MAX_RULES]):
            raise full()
        backend.change("touch")
        return rule

    @guarded
    def set_chaos(self, profile: Mapping[str, Any] | str) -> dict[str, float]:
        try:
            parsed = parse_profile(profile)
        except ValueError as error:
            raise InvalidRequest(f"network: {error}", field="network") from None
        backend: Backend | None = getattr(self, "backend", None)
        if backend is not None:  # None: NetworkPlan.__init__ (the shared profile stays)
            backend.change("network", json.dumps(parsed))
        return dict(parsed)

    @guarded
    def forget(self, key: str | None = None) -> None:
        backend = self.backend
        backend.scripts.rules(args=[backend.prefix, "", "net:rules", "forget", key or ""])
        backend.change("touch")

    @guarded
    def as_json(self) -> dict[str, Any]:
        settings = self.backend.refresh()
        return {"rules": [r.as_json() for r in self._load()], "chaos": dict(settings.network)}

    @guarded
    def take(self, method: str, path: str, dialect: str, key: str | None,
             model: str | None = None) -> Fault | None:
        backend = self.backend
        settings = backend.settings
        if settings is not None and settings.version != self._version:
            # Newer settings arrived but their hook has not run yet (another thread set
            # them and is about to): take their rules now rather than the stale copy.
            self._refreshed(settings)
        if self.rules:
            fault = backend.scripts.net_take(args=[backend.prefix, "", method, path, dialect,
                                                   key or "", model or ""])
            if fault:
                backend.change("touch")
                with self._lock:
                    return self._draw(parse_fault(fault), "rule")
        with self._lock:
            chosen = chaos_pick(self._specs, self._rng)
            return None if chosen is None else self._draw(chosen, "chaos")
