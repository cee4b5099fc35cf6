"""Scripted failures: what makes a prediction (or a request) fail on purpose.

Three ways to ask, all resolved here: the ``X-Fashn-Mock-Error`` request header,
a ``#fashn-mock-error=<Name>`` marker inside any input string, and rules
scheduled through the control API / Python API ("fail the next N predictions of
model M with E"), plus a seeded chaos failure rate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, TypeVar

from fashn_mock.catalog import BY_NAME, RUNTIME_ERRORS, ModelSpec
from fashn_mock.engine.errors import (
    DomainError,
    InvalidRequest,
    NoFreeSlot,
    OutOfCredits,
    RateLimited,
    ServiceFault,
    Unauthenticated,
    UnknownPrediction,
)

T = TypeVar("T")
MARKER = re.compile(r"fashn-mock-error=([A-Za-z0-9_]+)")
HEADER = "x-fashn-mock-error"
SCRIPTED = "scripted by fashn-mock"
MAX_RULES = 1000
MAX_TIMES = 1_000_000

REFUSALS: dict[str, Callable[[], DomainError]] = {
    "BadRequest": lambda: InvalidRequest(f"Invalid request ({SCRIPTED})"),
    "UnauthorizedAccess": lambda: Unauthenticated("unknown", f"Unauthorized ({SCRIPTED})"),
    "NotFound": lambda: UnknownPrediction(f"({SCRIPTED})"),
    "RateLimitExceeded": lambda: RateLimited("scripted", None, f"Too many requests ({SCRIPTED})"),
    "ConcurrencyLimitExceeded": lambda: NoFreeSlot(0, None,
                                                   f"Concurrency limit exceeded ({SCRIPTED})"),
    "OutOfCredits": lambda: OutOfCredits(None, None, f"Out of credits ({SCRIPTED})"),
    "InternalServerError": lambda: ServiceFault("internal", f"Server error ({SCRIPTED})"),
    "ServiceUnavailable": lambda: ServiceFault("unavailable",
                                               f"Service unavailable ({SCRIPTED})"),
}
"""Request refusals that can be scripted, by their FASHN error name (the vocabulary of
``X-Fashn-Mock-Error`` and ``fail_next``; ``ServiceUnavailable`` is the Concurred
gateway's 503). Each face answers them in its own dialect."""


def is_known(name: str) -> bool:
    return name in RUNTIME_ERRORS or name in REFUSALS


def check_name(name: str) -> str:
    """``name`` if it is a runtime error or a refusal name, else ``InvalidRequest``."""
    if not is_known(name):
        known = ", ".join([*RUNTIME_ERRORS, *REFUSALS])
        raise InvalidRequest(f"fashn-mock error: unknown error {name!r}; known: {known}",
                             field="error")
    return name


def refusal(name: str) -> DomainError:
    """The refusal a request asked for by name, marked as scripted."""
    error = REFUSALS[name]()
    error.scripted = True
    return error


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


class Rng(Protocol):
    """The draws chaos needs (``random.Random``, or a prediction's ``engine.draws.Draws``)."""

    def random(self) -> float:
        ...

    def uniform(self, a: float, b: float) -> float:
        ...

    def choice(self, options: Sequence[T]) -> T:
        ...


def chaos(failure_rate: float, spec: ModelSpec, rng: Rng) -> str | None:
    """A random runtime error of ``spec``, at ``failure_rate``."""
    if failure_rate > 0 and rng.random() < failure_rate:
        return rng.choice(spec.runtime_errors)
    return None


def jitter_factor(jitter: float, rng: Rng) -> float:
    """What to multiply durations by: within 1 +- ``jitter``."""
    if jitter <= 0:
        return 1.0
    return rng.uniform(1 - jitter, 1 + jitter)


def check_rule(rule: FaultRule) -> None:
    """``InvalidRequest`` naming the field when a rule cannot be scheduled."""
    check_name(rule.error)
    if rule.model is not None and rule.model not in BY_NAME:
        raise InvalidRequest(f"model: unknown model {rule.model!r}", field="model")
    if not 1 <= rule.times <= MAX_TIMES:
        raise InvalidRequest(f"times: must be within 1..{MAX_TIMES}", field="times")


def full() -> InvalidRequest:
    return InvalidRequest(f"faults: at most {MAX_RULES} rules may be pending", field="error")


def check_chaos(failure_rate: float | None, jitter: float | None) -> None:
    """``InvalidRequest`` naming the field when a chaos rate is out of range."""
    if failure_rate is not None and not _fraction(failure_rate, 0, 1, closed=True):
        raise InvalidRequest("failure_rate: must be a number within 0..1",
                             field="failure_rate")
    if jitter is not None and not _fraction(jitter, 0, 1, closed=False):
        raise InvalidRequest("jitter: must be a number within 0..1 (exclusive)",
                             field="jitter")


class FaultPlan:
    """Scheduled fault rules and the chaos rates, in this process (``store.memory``)."""

    def __init__(self, failure_rate: float = 0.0, jitter: float = 0.0) -> None:
        self.rules: list[FaultRule] = []
        self.failure_rate = failure_rate
        self.jitter = jitter

    def schedule(self, rule: FaultRule) -> FaultRule:
        check_rule(rule)
        if len(self.rules) >= MAX_RULES:
            raise full()
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

    def set_chaos(self, failure_rate: float | None = None,
                  jitter: float | None = None) -> dict[str, float]:
        """Change the chaos rates (each validated; None keeps it)."""
        check_chaos(failure_rate, jitter)
        if failure_rate is not None:
            self.failure_rate = float(failure_rate)
        if jitter is not None:
            self.jitter = float(jitter)
        return {"failure_rate": self.failure_rate, "jitter": self.jitter}

    def forget(self, key: str | None = None) -> None:
        self.rules = [r for r in self.rules if key is not None and r.key != key]


def _fraction(value: object, low: float, high: float, *, closed: bool) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return low <= value <= high if closed else low <= value < high
