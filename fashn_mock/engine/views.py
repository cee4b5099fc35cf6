"""What a prediction is at one instant, as the engine answers it to faces and
inspectors: status, timings, outputs by name, error, cost. No URLs, no bodies."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, TypedDict

from fashn_mock.engine.prediction import TERMINAL, Prediction, Status


@dataclass(frozen=True)
class PredictionState:
    """A prediction as it stands at ``now`` (on the emulator clock)."""

    prediction: Prediction
    status: Status
    now: float

    @property
    def credits_used(self) -> int | None:
        """The cost charged for it: known once it completed (failures are free)."""
        return self.prediction.cost if self.status == "completed" else None

    @property
    def remaining(self) -> float:
        """Emulator seconds until it finishes (0 once it has)."""
        return max(0.0, self.prediction.finished_at - self.now)

    @property
    def elapsed(self) -> float:
        """Emulator seconds from submission to finishing (or to now)."""
        prediction = self.prediction
        return min(self.now, prediction.finished_at) - prediction.created_at

    @property
    def output_names(self) -> list[str]:
        return self.prediction.output_names() if self.status == "completed" else []


@dataclass(frozen=True)
class PredictionSummary:
    """One prediction as it stands at ``now``: what listings show (a copy; the
    prediction itself is mutable, an interruption moves its instants)."""

    id: str
    key: str
    dialect: str
    model: str
    status: str
    created_at: float
    queued_at: float
    processing_at: float
    finished_at: float
    outcome: str
    cost: int
    price_usd: float
    error: dict[str, str] | None
    output_names: tuple[str, ...]
    """Known once it completed."""
    output_format: str
    size: tuple[int, int]
    webhook_url: str | None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Mark(TypedDict):
    """One status of a timeline and the instant it starts."""

    status: str
    at: float


@dataclass(frozen=True)
class PredictionDetails(PredictionSummary):
    """Everything about one prediction: its summary, inputs and full timeline."""

    inputs: dict[str, Any]
    timeline: tuple[Mark, ...]
    seed: int


def summary(prediction: Prediction, now: float) -> PredictionSummary:
    """One line of a prediction listing."""
    status = prediction.status_at(now)
    return PredictionSummary(
        prediction.id, prediction.key, prediction.dialect, prediction.model, status,
        prediction.created_at, prediction.queued_at, prediction.processing_at,
        prediction.finished_at, prediction.outcome, prediction.cost, prediction.price_usd,
        dict(prediction.error) if prediction.error else None,
        tuple(prediction.output_names()) if status == "completed" else (),
        prediction.output_format, prediction.size, prediction.webhook_url)


def describe(prediction: Prediction, now: float) -> PredictionDetails:
    """Everything about one prediction, including its full timeline."""
    line = summary(prediction, now)
    marks = tuple(Mark(status=m["status"], at=m["at"]) for m in prediction.timeline())
    return PredictionDetails(**{f.name: getattr(line, f.name) for f in fields(line)},
                             inputs=json.loads(prediction.inputs_json), timeline=marks,
                             seed=prediction.seed)
