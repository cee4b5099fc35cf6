"""Scripted failures: what makes a prediction (or a request) fail on purpose.

Three ways to ask, all resolved here: the ``X-Fashn-Mock-Error`` request header,
a ``#fashn-mock-error=<Name>`` marker inside any input string, and rules
scheduled through the control API / Python API ("fail the next N predictions of
model M with E"), plus a seeded chaos failure rate.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass
from typing import Any

from fashn_mock.catalog import BY_NAME, RUNTIME_ERRORS, ModelSpec
from fashn_mock.errors import HTTP_ERRORS, ApiError, bad_request, named

MARKER = re.compile(r"fashn-mock-error=([A-Za-z0-9_]+)")
HEADER = "x-fashn-mock-error"


def is_known(name: str) -> bool:
    return name in RUNTIME_ERRORS or name in HTTP_ERRORS


def check_name(name: str) -> str:
    """``name`` if it is a runtime or HTTP error name, else 400."""
    if not is_known(name):
        known = ", ".join([*RUNTIME_ERRORS, *HTTP_ERRORS])
        raise bad_request(f"fashn-mock error: unknown error {name!r}; known: {known}")
    return name


def http_error(name: str) -> ApiError:
    """The HTTP error a request asked for by name."""
    return named(name, f"{HTTP_ERRORS[name][1]} (scripted by fashn-mock)")


def marker_in(inputs: Any) -> str | None:
    """The first ``fashn-mock-error=<Name>`` marker in any string of ``inputs``
    (a JSON value, or its JSON text: one search over the text finds every string)."""
    text = inputs if isinstance(inputs, str) else json.dumps(inputs)
    match = MARKER.search(text)
    return match.group(1) if match else None


@dataclass
class FaultRule:
    """Fail the next ``times`` predictions (of ``model``, of ``key``) with ``error``."""

    error: str
    model: str | None = None
    key: str | None = None
    times: int = 1
    message: str | None = None

    def matches(self, key: str, model: str) -> bool:
        return (self.times > 0 and self.model in (None, model)
                and self.key in (None, key))

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class FaultPlan:
    def __init__(self, seed: int, failure_rate: float = 0.0, jitter: float = 0.0) -> None:
        self.rules: list[FaultRule] = []
        self.failure_rate = failure_rate
        self.jitter = jitter
        self._rng = random.Random(f"chaos:{seed}")

    def schedule(self, rule: FaultRule) -> FaultRule:
        check_name(rule.error)
        if rule.model is not None and rule.model not in BY_NAME:
            raise bad_request(f"model: unknown model {rule.model!r}")
        if rule.times < 1:
            raise bad_request("times: must be >= 1")
        self.rules.append(rule)
        return rule

    def take(self, key: str, model: str) -> FaultRule | None:
        """Consume one use of the first rule that applies."""
        for rule in self.rules:
            if rule.matches(key, model):
                rule.times -= 1
                if rule.times == 0:
                    self.rules.remove(rule)
                return rule
        return None

    def chaos(self, spec: ModelSpec) -> str | None:
        """A seeded random runtime error, at ``failure_rate``."""
        if self.failure_rate > 0 and self._rng.random() < self.failure_rate:
            return self._rng.choice(spec.runtime_errors)
        return None

    def jitter_factor(self) -> float:
        if self.jitter <= 0:
            return 1.0
        return self._rng.uniform(1 - self.jitter, 1 + self.jitter)

    def forget(self, key: str | None = None) -> None:
        self.rules = [r for r in self.rules if key is not None and r.key != key]
