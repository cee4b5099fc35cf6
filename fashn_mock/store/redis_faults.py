"""Fault rules and chaos rates in the shared store (``store.base.Faults``): the rules in
``P:faults`` (taken by the admission script, or ``take_fault.lua``), the rates in the
shared settings (cached by every process, checked by version on every admission)."""

from __future__ import annotations

import json

from fashn_mock.engine.faults import MAX_RULES, FaultRule, check_chaos, check_rule, full
from fashn_mock.store.backend import Backend, guarded


class RedisFaults:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @property
    def failure_rate(self) -> float:
        settings = self.backend.settings
        return settings.failure_rate if settings is not None else 0.0

    @property
    def jitter(self) -> float:
        settings = self.backend.settings
        return settings.jitter if settings is not None else 0.0

    @property
    @guarded
    def rules(self) -> list[FaultRule]:
        texts = self.backend.client.lrange(self.backend.key("faults"), 0, -1)
        return [FaultRule(**json.loads(text)) for text in texts]

    @guarded
    def schedule(self, rule: FaultRule) -> FaultRule:
        check_rule(rule)
        backend = self.backend
        added = backend.scripts.rules(args=[backend.prefix, "", "faults", "add",
                                            json.dumps(rule.as_json()), MAX_RULES])
        if not added:
            raise full()
        return rule

    @guarded
    def take(self, key: str, model: str) -> FaultRule | None:
        backend = self.backend
        taken = backend.scripts.take_fault(args=[backend.prefix, "", key, model])
        return FaultRule(**json.loads(taken)) if taken else None

    @guarded
    def set_chaos(self, failure_rate: float | None = None,
                  jitter: float | None = None) -> dict[str, float]:
        check_chaos(failure_rate, jitter)
        self.backend.change("chaos", "" if failure_rate is None else repr(float(failure_rate)),
                            "" if jitter is None else repr(float(jitter)))
        return {"failure_rate": self.failure_rate, "jitter": self.jitter}

    @guarded
    def forget(self, key: str | None = None) -> None:
        backend = self.backend
        backend.scripts.rules(args=[backend.prefix, "", "faults", "forget", key or ""])
