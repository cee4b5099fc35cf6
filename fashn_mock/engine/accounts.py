"""The books: every key's balance, concurrency slots and unsettled predictions.

Settlement is lazy: a prediction is charged (completed) or released (anything
else) the first time the books are looked at after it finished, so nothing runs
per prediction. Callers hold the engine's lock.

Idle keys are forgotten (``sweep``): a key with nothing unsettled, nothing
tracked and an untouched balance is indistinguishable from a key never seen,
so dropping it changes no answer; a key whose balance moved keeps only its
numbers (a few integers) until it is used again.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from fashn_mock.engine.errors import NoFreeSlot, OutOfCredits
from fashn_mock.engine.ledger import UNLIMITED, Balance
from fashn_mock.engine.prediction import Prediction


@dataclass
class Account:
    """One API key's balance and its not-yet-settled predictions."""

    key: str
    balance: Balance
    pending: list[tuple[float, int, Prediction]] = field(default_factory=list)
    """Heap of (finished_at, sequence, prediction) awaiting settlement."""
    open: int = 0
    """Unfinished predictions: the concurrency slots in use."""
    ids: dict[str, None] = field(default_factory=dict)
    """This key's tracked predictions, in submission order (an ordered set)."""

    @property
    def prediction_ids(self) -> list[str]:
        return list(self.ids)

    @property
    def idle(self) -> bool:
        return not self.ids and not self.pending and self.open == 0


Dormant = tuple[int, int, int, int, float]
"""A forgotten key's balance: subscription, on_demand, charged, waived, spent_usd."""


class Books:
    def __init__(self, starting_credits: int | None, concurrency: int, limits: bool) -> None:
        self.start = UNLIMITED if starting_credits is None else starting_credits
        self.concurrency = concurrency
        self.limits = limits
        self.accounts: dict[str, Account] = {}
        self._dormant: dict[str, Dormant] = {}
        self._sequence = 0
        self.created = 0
        """Accounts opened since the last sweep."""

    def account(self, key: str) -> Account:
        account = self.accounts.get(key)
        if account is None:
            balance = Balance(on_demand=self.start)
            numbers = self._dormant.pop(key, None)
            if numbers is not None:
                (balance.subscription, balance.on_demand, balance.charged, balance.waived,
                 balance.spent_usd) = numbers
            account = self.accounts[key] = Account(key, balance)
            self.created += 1
        return account

    def known(self, key: str) -> bool:
        return key in self.accounts or key in self._dormant

    # --- admission -------------------------------------------------------------------
    def reserve(self, account: Account, now: float, cost: int) -> None:
        """Take a concurrency slot and reserve ``cost`` credits, or refuse."""
        if self.limits and account.open >= self.concurrency:
            next_free = min((p.finished_at for _, _, p in account.pending if not p.settled),
                            default=now)
            raise NoFreeSlot(self.concurrency, max(0.0, next_free - now))
        if not account.balance.reserve(cost):
            raise OutOfCredits(cost, account.balance.available)

    def track(self, account: Account, prediction: Prediction) -> int:
        """File a new prediction; returns its sequence number."""
        self._sequence += 1
        account.ids[prediction.id] = None
        account.open += 1
        heapq.heappush(account.pending, (prediction.finished_at, self._sequence, prediction))
        return self._sequence

    def refile(self, prediction: Prediction) -> None:
        """File again a prediction whose finish moved, so it settles on time."""
        account = self.accounts.get(prediction.key)
        if account is None:
            return
        account.pending = [e for e in account.pending if e[2] is not prediction]
        heapq.heapify(account.pending)
        self._sequence += 1
        heapq.heappush(account.pending, (prediction.finished_at, self._sequence, prediction))

    # --- settlement ------------------------------------------------------------------
    def settle(self, account: Account, now: float) -> None:
        """Charge completed and release other finished predictions whose time has come."""
        while account.pending and account.pending[0][0] <= now:
            _, _, prediction = heapq.heappop(account.pending)
            self.close(account, prediction)

    def close(self, account: Account, prediction: Prediction) -> None:
        if prediction.settled:
            return
        prediction.settled = True
        account.open -= 1
        if prediction.outcome == "completed":
            account.balance.charge(prediction.cost, prediction.price_usd)
        else:
            account.balance.release(prediction.cost)

    def slots_in_use(self, key: str, now: float) -> int:
        account = self.accounts.get(key)
        if account is None:
            return 0
        self.settle(account, now)
        return account.open

    # --- forgetting ------------------------------------------------------------------
    def forget(self, key: str | None = None) -> list[str]:
        """Drop one key's books (or all); returns the prediction ids it tracked."""
        if key is None:
            ids = [i for account in self.accounts.values() for i in account.ids]
            self.accounts.clear()
            self._dormant.clear()
            return ids
        self._dormant.pop(key, None)
        account = self.accounts.pop(key, None)
        return list(account.ids) if account else []

    def sweep(self) -> int:
        """Forget idle keys (see the module docstring); returns how many were dropped."""
        self.created = 0
        idle = [account for account in self.accounts.values() if account.idle]
        for account in idle:
            del self.accounts[account.key]
            balance = account.balance
            if (balance.subscription, balance.on_demand, balance.charged, balance.waived,
                    balance.spent_usd) != (0, self.start, 0, 0, 0.0):
                self._dormant[account.key] = (balance.subscription, balance.on_demand,
                                              balance.charged, balance.waived,
                                              balance.spent_usd)
        return len(idle)

    def __len__(self) -> int:
        return len(self.accounts)
