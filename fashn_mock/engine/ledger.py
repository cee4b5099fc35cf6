"""Credit balances: subscription credits are spent before on-demand ones
(docs/api-facts.md#credits).

Admission reserves a prediction's cost so concurrent predictions cannot
overdraw; completion charges it; failure releases it (failures are free).

A balance never goes below zero. When the control API sets a balance below what
running predictions have reserved, each of them is charged only what is left at
its completion; the rest is counted in ``waived`` (so ``charged + waived`` is
always the total cost of completed predictions).
"""

from __future__ import annotations

from dataclasses import dataclass

UNLIMITED = 1_000_000_000
"""The default balance: effectively unlimited, still a plain JSON integer."""


@dataclass
class Balance:
    subscription: int = 0
    on_demand: int = UNLIMITED
    reserved: int = 0
    charged: int = 0
    """Total ever charged, for inspection and invariants."""
    waived: int = 0
    """Costs of completions that found the balance already set below them."""
    spent_usd: float = 0.0
    """Money spent where a dialect prices in dollars (Pixazo), on completions."""

    @property
    def total(self) -> int:
        return self.subscription + self.on_demand

    @property
    def available(self) -> int:
        return max(0, self.total - self.reserved)

    def reserve(self, cost: int) -> bool:
        if cost > self.available:
            return False
        self.reserved += cost
        return True

    def release(self, cost: int) -> None:
        self.reserved = max(0, self.reserved - cost)

    def charge(self, cost: int, usd: float = 0.0) -> None:
        """Turn a reservation into a charge (never below a zero balance)."""
        self.reserved = max(0, self.reserved - cost)
        taken = min(cost, self.total)
        self.charged += taken
        self.waived += cost - taken
        self.spent_usd = round(self.spent_usd + usd, 6)
        from_subscription = min(taken, self.subscription)
        self.subscription -= from_subscription
        self.on_demand -= taken - from_subscription

    def set(self, total: int | None = None, *, subscription: int | None = None,
            on_demand: int | None = None) -> None:
        """Set the balance; ``total`` alone puts everything in on-demand credits."""
        if total is not None:
            self.subscription, self.on_demand = 0, total
        if subscription is not None:
            self.subscription = subscription
        if on_demand is not None:
            self.on_demand = on_demand

    def as_json(self) -> dict[str, int]:
        return {"total": self.total, "subscription": self.subscription,
                "on_demand": self.on_demand}
