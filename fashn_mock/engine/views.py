"""What a prediction is at one instant, as the engine answers it to faces and
inspectors: status, timings, outputs by name, error, cost. No URLs, no bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fashn_mock.engine.prediction import Prediction, Status


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


def summary(prediction: Prediction, now: float) -> dict[str, Any]:
    """One line of a prediction listing."""
    return {"id": prediction.id, "key": prediction.key, "model": prediction.model,
            "dialect": prediction.dialect, "status": prediction.status_at(now),
            "created_at": prediction.created_at, "finished_at": prediction.finished_at,
            "cost": prediction.cost, "error": prediction.error}


def describe(prediction: Prediction, now: float) -> dict[str, Any]:
    """Everything about one prediction, including its full timeline."""
    return {**summary(prediction, now),
            "inputs": json.loads(prediction.inputs_json),
            "timeline": prediction.timeline(),
            "outputs": prediction.output_names(), "size": list(prediction.size),
            "seed": prediction.seed, "webhook_url": prediction.webhook_url}
