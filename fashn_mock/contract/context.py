"""What every suite of one contract run shares: the sender, the budget, the knobs."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from fashn_mock.contract.budget import Budget
from fashn_mock.contract.report import Failure
from fashn_mock.contract.target import Sender

SAFE_WEBHOOK = "https://fashn-mock-contract.invalid/webhook"
"""A valid http(s) URL that never resolves (RFC 2606 ``.invalid``): generated
webhook URLs are replaced by it, so no run ever makes a service call a stranger."""


@dataclass
class Context:
    sender: Sender
    budget: Budget
    examples: int = 10
    """Hypothesis examples per operation (per model) and generation mode."""
    coverage: int | None = None
    """Deterministic boundary cases per operation (per model); None = all."""
    seed: int | None = None
    """Hypothesis seed; None = derandomized (the same cases every run)."""
    max_sleep: float = 1.0
    """Longest real-time pause of a "let time pass" step (targets without /_mock)."""
    created: list[str] = field(default_factory=list)
    """Ids of every prediction the run created, to wait for before the final balance."""

    @property
    def free_only(self) -> bool:
        """Only free checks: a budget of 0."""
        return self.budget.limit == 0

    def failure(self, check: str, message: str, response: httpx.Response | None) -> Failure:
        return Failure.of(check, message, response, self.sender.target.secrets())

    def track(self, response: httpx.Response) -> None:
        """Remember a prediction a successful /v1/run created."""
        if response.status_code == 200 and response.request.url.path.endswith("/v1/run"):
            try:
                prediction_id = response.json().get("id")
            except (ValueError, AttributeError):
                return
            if isinstance(prediction_id, str):
                self.created.append(prediction_id)
