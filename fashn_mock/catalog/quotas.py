"""Documented request quotas (docs/api-facts.md#rate-limits)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RateRule:
    limit: int
    window: float
    """Seconds."""

    @classmethod
    def parse(cls, text: str) -> RateRule:
        """``"50/60"`` = 50 requests per 60 seconds."""
        limit, _, window = text.partition("/")
        try:
            rule = cls(int(limit), float(window))
        except ValueError:
            raise ValueError(f"rate {text!r}: expected LIMIT/SECONDS, e.g. 50/60") from None
        if rule.limit < 1 or rule.window <= 0:
            raise ValueError(f"rate {text!r}: limit and window must be positive")
        return rule

    def __str__(self) -> str:
        return f"{self.limit}/{self.window:g}"


DEFAULT_RATES = {"run": RateRule(50, 60), "status": RateRule(50, 10),
                 "credits": RateRule(30, 10)}
"""Documented defaults (docs/api-facts.md#rate-limits)."""

DEFAULT_CONCURRENCY = 6
"""Unfinished predictions per account (docs/api-facts.md#concurrency)."""
