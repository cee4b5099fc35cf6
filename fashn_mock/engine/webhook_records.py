"""Webhook deliveries as plain data: what a face orders, the attempts the engine hands
out (``Job``) and hears back (``Outcome``), the journal entries (``Attempt``), and one
prediction's registration. Kept apart from the schedule so a store can hold them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from fashn_mock.engine.scheduler import Entry
from fashn_mock.engine.webhook_script import Script

Result = Literal["delivered", "failed", "refused", "skipped"]
Kind = Literal["delivery", "duplicate", "redeliver"]


@dataclass(frozen=True)
class Order:
    """What a face adds to a run's ``webhook_url``: the base URL its output links use
    (the Host the run was sent to, or ``--public-url``) and scripted faults."""

    base_url: str = ""
    script: Script = field(default_factory=Script)


@dataclass(frozen=True)
class Job:
    """One attempt to make now."""

    prediction_id: str
    key: str
    url: str
    base_url: str
    attempt: int
    """1 for the first attempt, 2..6 for retries (duplicates and redeliveries: 1)."""
    kind: Kind
    due: float
    """When it was scheduled (emulator seconds)."""


@dataclass(frozen=True)
class Outcome:
    """What the dispatcher saw."""

    result: Result
    at: float
    """Emulator seconds when the attempt was made."""
    wall_time: float
    status_code: int | None = None
    error: str | None = None
    latency: float | None = None
    """Wall seconds from sending to the answer (or the error)."""
    prediction_status: str | None = None


@dataclass(frozen=True)
class Attempt:
    """One journaled attempt."""

    seq: int
    prediction_id: str
    key: str
    url: str
    attempt: int
    kind: Kind
    due: float
    at: float
    wall_time: float
    result: Result
    status_code: int | None
    error: str | None
    latency_ms: float | None
    prediction_status: str | None
    retry_at: float | None = None
    """When the next attempt is due (emulator seconds), if there will be one."""
    gave_up: bool = False
    """The last of the retries failed: nothing more will be sent."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(eq=False)
class Registration:
    """One prediction's webhook and where its delivery stands."""

    prediction_id: str
    key: str
    url: str
    base_url: str
    script: Script
    attempt: int = 1
    state: str = "scheduled"
    """scheduled, held (reorder), sending, retrying, delivered, gave_up, refused, skipped."""
    due: float = 0.0
    entry: Entry | None = field(default=None, repr=False)

    def job(self, kind: Kind = "delivery", due: float | None = None) -> Job:
        return Job(self.prediction_id, self.key, self.url, self.base_url,
                   self.attempt if kind == "delivery" else 1, kind,
                   self.due if due is None else due)

    def as_json(self) -> dict[str, Any]:
        return {"prediction_id": self.prediction_id, "key": self.key, "url": self.url,
                "state": self.state, "attempt": self.attempt, "due": self.due,
                "script": self.script.as_json()}
