"""A prediction and its lazily derived status.

A prediction stores the instants at which it enters each phase; its status at
any time is read off those timestamps ("lazy state machine"), so an idle
prediction costs memory, not CPU, and no task sleeps per prediction. The statuses
and their order: docs/api-facts.md#lifecycle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from fashn_mock.catalog import RuntimeErrorSpec
from fashn_mock.catalog.rules import Seconds, Size

Status = Literal["starting", "in_queue", "processing", "completed", "failed", "canceled",
                 "time_out"]
ANY_KEY = "\x00public"
"""Owner of the docs' example prediction: visible to every key, never listed
(docs/api-facts.md#prediction-ids). It contains a NUL, which no HTTP header can
carry, so no client key can ever equal it."""
IN_PROGRESS: tuple[Status, ...] = ("starting", "in_queue", "processing")
TERMINAL: tuple[Status, ...] = ("completed", "failed", "canceled", "time_out")
ORDER: dict[str, int] = {"starting": 0, "in_queue": 1, "processing": 2, **{s: 3 for s in TERMINAL}}


class CanonicalInputs(Protocol):
    """Inputs kept in a form smaller than their canonical JSON, which they make
    when asked (``validation.SentInputs``)."""

    def canonical_inputs(self) -> str:
        ...


class Playback(Protocol):
    """One recorded prediction, being played back as a live one."""

    outcome: Status
    error: dict[str, str] | None
    cost: int | None
    """Credits it used (``x-fashn-credits-used``); None to price it from the catalog."""
    outputs: int

    def schedule(self, created_at: float, scale: float) -> tuple[float, float, float]:
        """The (queued, processing, finished) instants; ``PARKED`` until polled."""
        ...

    def poll(self, prediction: Prediction, now: float) -> None:
        """Count one status poll; poll-driven playback moves the phases forward here
        (and may raise a ``DomainError`` to replay a recorded failed poll)."""
        ...

    def payload(self, prediction: Prediction, status: Status, base_url: str,
                now: float) -> dict[str, Any]:
        """The status body the recording showed for ``status``."""
        ...

    def output_file(self, prediction: Prediction, name: str,
                    now: float) -> tuple[bytes, str] | None:
        """The bytes and media type behind ``/cdn/<id>/<name>``."""
        ...



@dataclass(slots=True, eq=False)
class Prediction:
    id: str
    key: str
    model: str
    inputs_source: str | CanonicalInputs
    """The inputs: their canonical JSON (``inputs_json``), or a smaller form that makes
    it when first read."""
    created_at: float
    queued_at: float
    processing_at: float
    finished_at: float
    outcome: Status
    """The terminal status reached at ``finished_at``."""
    error: dict[str, str] | None
    cost: int
    outputs: int
    output_format: str
    size: Size
    seed: int
    return_base64: bool = False
    webhook_url: str | None = None
    dialect: str = "native"
    """The wire dialect it was submitted in (native, concurred, pixazo)."""
    price_usd: float = 0.0
    """Dollars charged on completion where the dialect prices in money (Pixazo)."""
    settled: bool = False
    """True once the ledger has charged (or released) this prediction."""
    playback: Playback | None = None
    """The recording this prediction replays (``engine.playback``), if any."""
    dice: tuple[bytes, ...] = ()
    """Per output, the digest of the inputs as sent, when ``inputs_json`` holds
    stand-ins (the renderer's seed of variation: ``media.render``)."""

    def status_at(self, now: float) -> Status:
        if now >= self.finished_at:
            return self.outcome
        if now >= self.processing_at:
            return "processing"
        if now >= self.queued_at:
            return "in_queue"
        return "starting"

    @property
    def inputs_json(self) -> str:
        """Canonical JSON of the validated inputs (defaults applied); long strings,
        data-URI images among them, by stand-ins (``engine.inputs``, ``media.held``)."""
        source = self.inputs_source
        if isinstance(source, str):
            return source
        made = self.inputs_source = source.canonical_inputs()
        return made

    def inputs(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.inputs_json)
        return loaded

    def output_names(self) -> list[str]:
        return [f"output_{i}.{self.output_format}" for i in range(self.outputs)]

    def timeline(self) -> list[dict[str, Any]]:
        """Every status this prediction passes through, with the instant it starts."""
        marks: list[tuple[str, float]] = [
            ("starting", self.created_at), ("in_queue", self.queued_at),
            ("processing", self.processing_at), (self.outcome, self.finished_at)]
        kept = [m for i, m in enumerate(marks)
                if i == len(marks) - 1 or m[1] < self.finished_at]
        return [{"status": status, "at": at} for status, at in kept]


class Uniform(Protocol):
    def uniform(self, a: float, b: float) -> float:
        ...


def schedule(created_at: float, seconds: Seconds, rng: Uniform, scale: float,
             failure: RuntimeErrorSpec | None) -> tuple[float, float, float]:
    """Phase instants (queued, processing, finished) for a new prediction.

    The total duration is drawn from the model's documented range; ``starting``
    takes 5% of it (at most 1 s), ``in_queue`` 10% (at most 2 s), ``processing``
    the rest (assumed: docs/api-facts.md#lifecycle). Everything is multiplied by
    ``scale`` (``--time-scale``).
    """
    total = rng.uniform(*seconds)
    starting = min(1.0, 0.05 * total)
    queued = min(2.0, 0.10 * total)
    processing = total - starting - queued
    if failure is not None:
        processing = 0.0 if failure.at == "load" else processing * failure.fraction
    queued_at = created_at + starting * scale
    processing_at = queued_at + queued * scale
    return queued_at, processing_at, processing_at + processing * scale
