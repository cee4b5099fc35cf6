"""What every suite of one contract run shares: the sender, the budget, the knobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from fashn_mock.contract.budget import Budget
from fashn_mock.contract.dialects import Dialect
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

    @property
    def dialect(self) -> Dialect:
        return self.sender.target.speaks

    def failure(self, check: str, message: str, response: httpx.Response | None) -> Failure:
        return Failure.of(check, message, response, self.sender.target.secrets())

    def contract_path(self, response: httpx.Response) -> str:
        """The request's path as the contract names it (without the server's path and
        the dialect's base path)."""
        target = self.sender.target
        prefix = urlsplit(target.base_url).path.rstrip("/") + target.base_path
        return response.request.url.path.removeprefix(prefix)

    def track(self, response: httpx.Response) -> None:
        """Remember a prediction a successful run request created."""
        if response.status_code == 200 and self.dialect.is_run(self.contract_path(response)):
            prediction_id = self.dialect.created_id(response)
            if prediction_id is not None:
                self.created.append(prediction_id)
