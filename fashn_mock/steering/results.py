"""What the steering operations answer: typed records, each with ``as_json()`` (the
body the control API sends and ``fashn-mock ctl`` prints).

Records are copies taken at one instant; reading them never changes the emulator.
Lists of records are ``list`` subclasses, so they index, iterate and compare as
lists and still carry what the listing knows besides its items (a capacity...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from fashn_mock.config import Config
from fashn_mock.engine.journal import JournalEntry
from fashn_mock.engine.network import NetworkRule
from fashn_mock.engine.webhook_records import Attempt

RUN_PATHS = ("/v1/run", "/api/v1/fashion/run", "/api/v1/fashion/subscribe")
"""Where each dialect submits a ``{model_name, inputs}`` body."""


@dataclass(frozen=True)
class ClockState:
    """The emulator clock: seconds since the epoch, frozen or running, and the time
    scale applied to documented durations."""

    now: float
    frozen: bool
    time_scale: float

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ChaosSettings:
    """Seeded chaos: the share of predictions failing, duration jitter, and network
    faults by kind (``{"reset": 0.05}``)."""

    failure_rate: float
    jitter: float
    network: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class NetworkFaults:
    """Pending network fault rules, in the order they apply, and the network chaos."""

    rules: list[NetworkRule]
    chaos: dict[str, float]

    def as_json(self) -> dict[str, Any]:
        return {"rules": [rule.as_json() for rule in self.rules], "chaos": dict(self.chaos)}


@dataclass(frozen=True)
class Credits:
    """One key's credit balance (``/v1/credits`` shows ``total``), and the dollars
    spent in dialects that price in dollars (Pixazo)."""

    key: str
    subscription: int
    on_demand: int
    reserved: int
    """Held by unfinished predictions."""
    charged: int
    """Everything ever charged."""
    waived: int
    """Costs of completions that found the balance already set below them."""
    spent_usd: float

    @property
    def total(self) -> int:
        return self.subscription + self.on_demand

    @property
    def available(self) -> int:
        return max(0, self.total - self.reserved)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "credits": {"total": self.total,
                                             "subscription": self.subscription,
                                             "on_demand": self.on_demand},
                "spent_usd": self.spent_usd}


@dataclass(frozen=True)
class EffectiveConfig:
    """The configuration in force: the settings the emulator started with, the chaos
    set since, and the clock."""

    config: Config
    chaos: ChaosSettings
    clock: ClockState

    def as_json(self) -> dict[str, Any]:
        """Every setting by name (the token hidden), live chaos and the clock."""
        values = asdict(self.config)
        values["rates"] = {route: str(rule) for route, rule in self.config.rates.items()}
        values["api_keys"] = list(self.config.api_keys)
        values["control_token"] = "<set>" if self.config.control_token else None
        values.update(failure_rate=self.chaos.failure_rate, jitter=self.chaos.jitter,
                      network_chaos=dict(self.chaos.network),
                      clock={"now": self.clock.now, "frozen": self.clock.frozen})
        return values


@dataclass(frozen=True)
class RequestViolation:
    """One way a recorded request departed from the contract (strict mode)."""

    seq: int
    at: float
    method: str
    path: str
    key: str | None
    location: str
    """``route``, ``header``, ``query`` or ``body``."""
    field: str
    problem: str
    contract: str
    """What the contract says about that field."""
    dialect: str = "native"
    """Whose contract: ``native``, ``concurred`` or ``pixazo``."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = "" if self.dialect == "native" else f"[{self.dialect}] "
        return (f"{self.method} {self.path}: {where}{self.location} {self.field}: "
                f"{self.problem} (contract: {self.contract})")


class Violations(list[RequestViolation]):
    """Contract violations of recorded requests, oldest first; ``strict`` says
    whether requests are being checked at all."""

    def __init__(self, items: Iterable[RequestViolation] = (), *, strict: bool = False):
        super().__init__(items)
        self.strict = strict

    @classmethod
    def of(cls, entries: Iterable[JournalEntry], *, strict: bool) -> Violations:
        return cls((RequestViolation(e.seq, e.at, e.method, e.path, e.key,
                                     str(v.get("location", "")), str(v.get("field", "")),
                                     str(v.get("problem", "")), str(v.get("contract", "")),
                                     str(v.get("dialect", e.dialect)))
                    for e in entries for v in e.violations), strict=strict)

    def as_json(self) -> dict[str, Any]:
        return {"strict": self.strict, "violations": [v.as_json() for v in self]}


class RequestLog(list[JournalEntry]):
    """Recorded requests, oldest first, with assertion helpers; ``capacity`` is how
    many the journal keeps."""

    def __init__(self, items: Iterable[JournalEntry] = (), *, capacity: int = 0):
        super().__init__(items)
        self.capacity = capacity

    def runs(self, model_name: str | None = None) -> list[JournalEntry]:
        """The run requests (of ``model_name``), in every dialect."""
        return [e for e in self if e.method == "POST" and e.path in RUN_PATHS
                and (model_name is None
                     or (isinstance(e.body, dict) and e.body.get("model_name") == model_name))]

    def assert_called(self, *, model_name: str | None = None, times: int | None = None,
                      path: str | None = None) -> None:
        """At least one (or exactly ``times``) matching request was sent."""
        found = (self.runs(model_name) if path is None and model_name is not None
                 else [e for e in self if path is None or e.path.startswith(path)])
        what = f"model_name={model_name!r}" if model_name else f"path={path!r}"
        if times is None and not found:
            raise AssertionError(f"fashn-mock: no request with {what} was sent; "
                                 f"seen: {[f'{e.method} {e.path}' for e in self]}")
        if times is not None and len(found) != times:
            raise AssertionError(f"fashn-mock: expected {times} request(s) with {what}, "
                                 f"got {len(found)}")

    def assert_not_called(self, *, model_name: str | None = None) -> None:
        self.assert_called(model_name=model_name, times=0)

    def as_json(self) -> dict[str, Any]:
        return {"entries": [e.as_json() for e in self], "capacity": self.capacity}


class WebhookAttempts(list[Attempt]):
    """Webhook delivery attempts, oldest first; ``pending`` lists the deliveries
    still to come, ``capacity`` how many attempts the journal keeps."""

    def __init__(self, items: Iterable[Attempt] = (), *,
                 pending: list[dict[str, Any]] | None = None, capacity: int = 0):
        super().__init__(items)
        self.pending = pending or []
        self.capacity = capacity

    def as_json(self) -> dict[str, Any]:
        return {"attempts": [a.as_json() for a in self], "pending": self.pending,
                "capacity": self.capacity}


@dataclass(frozen=True)
class ReplayReport:
    """What the replay source loaded, played and missed (``replaying`` is False
    without cassettes)."""

    replaying: bool
    cassettes: list[str]
    recorded_runs: int
    played: int
    misses: dict[str, Any]
    """``total``, ``kept``, ``limit`` and the ``recent`` misses, oldest first."""
    match: str | None = None
    by: str | None = None
    strict: bool | None = None

    @classmethod
    def from_json(cls, report: dict[str, Any]) -> ReplayReport:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in report.items() if name in known})

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        return {name: value for name, value in values.items()
                if value is not None or name not in ("match", "by", "strict")}
