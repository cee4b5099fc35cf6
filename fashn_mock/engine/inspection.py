"""Read-only views of the engine for inspectors (the dashboard): one page of
predictions, and every key's books with its rate windows and slots.

Each view is a function of ``(engine, now)`` run through ``engine.inspect(...)``,
so it reads one consistent instant under the engine's lock. It copies what it
shows into frozen records (predictions are mutable: an interruption moves their
instants). Nothing is counted or consumed; books are settled as any read settles
them, so balances show what ``/v1/credits`` would answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fashn_mock.engine.ledger import Balance
from fashn_mock.engine.prediction import ANY_KEY
from fashn_mock.engine.views import PredictionSummary, summary

if TYPE_CHECKING:
    from fashn_mock.engine.core import Engine

MAX_PAGE = 500
"""The most rows one page may hold, whatever is asked."""


def prediction_row(prediction_id: str) -> Callable[[Engine, float], PredictionSummary | None]:
    """One prediction of any key (None when there is no such prediction)."""
    def read(engine: Engine, now: float) -> PredictionSummary | None:
        prediction = engine.predictions.get(prediction_id)
        return summary(prediction, now) if prediction is not None else None
    return read


@dataclass(frozen=True)
class Filter:
    """Which predictions to show; None matches anything."""

    key: str | None = None
    model: str | None = None
    status: str | None = None
    dialect: str | None = None


@dataclass(frozen=True)
class PredictionPage:
    rows: list[PredictionSummary]
    """Newest first."""
    total: int
    """Predictions matching the whole filter."""
    offset: int
    limit: int
    now: float
    by_status: dict[str, int] = field(default_factory=dict)
    """Predictions matching the filter except its status, by status."""
    models: tuple[str, ...] = ()
    dialects: tuple[str, ...] = ()
    """Values seen among all predictions, for the filter choices."""


def prediction_page(wanted: Filter, offset: int = 0,
                    limit: int = 50) -> Callable[[Engine, float], PredictionPage]:
    """PredictionSummarys ``offset .. offset + limit`` of the matching predictions, newest first."""
    offset, limit = max(0, offset), max(1, min(limit, MAX_PAGE))

    def read(engine: Engine, now: float) -> PredictionPage:
        rows: list[PredictionSummary] = []
        by_status: Counter[str] = Counter()
        models: set[str] = set()
        dialects: set[str] = set()
        total = 0
        for prediction in reversed(engine.predictions.values()):
            if prediction.key == ANY_KEY:
                continue
            models.add(prediction.model)
            dialects.add(prediction.dialect)
            if (wanted.key is not None and prediction.key != wanted.key) \
                    or (wanted.model is not None and prediction.model != wanted.model) \
                    or (wanted.dialect is not None and prediction.dialect != wanted.dialect):
                continue
            status = prediction.status_at(now)
            by_status[status] += 1
            if wanted.status is not None and status != wanted.status:
                continue
            if offset <= total < offset + limit:
                rows.append(summary(prediction, now))
            total += 1
        return PredictionPage(rows, total, offset, limit, now, dict(by_status),
                              tuple(sorted(models)), tuple(sorted(dialects)))
    return read


@dataclass(frozen=True)
class Gauge:
    """One rate window of one key."""

    rule: str
    used: int
    limit: int
    window: float
    """Seconds."""
    reset_at: float | None
    """When the oldest request in the window leaves it (None: the window is empty)."""


@dataclass(frozen=True)
class KeyBooks:
    key: str
    balance: Balance
    """A copy."""
    slots: int
    """Concurrency slots in use (unfinished predictions)."""
    concurrency: int | None
    """Slots allowed (None: limits off)."""
    predictions: int
    """Predictions tracked (not yet forgotten by retention)."""
    gauges: tuple[Gauge, ...]


@dataclass(frozen=True)
class BooksPage:
    keys: list[KeyBooks]
    total: int
    offset: int
    limit: int
    now: float


def books_page(offset: int = 0, limit: int = 50,
               key: str | None = None) -> Callable[[Engine, float], BooksPage]:
    """Keys ``offset .. offset + limit`` (sorted) with their books; ``key`` alone."""
    offset, limit = max(0, offset), max(1, min(limit, MAX_PAGE))

    def read(engine: Engine, now: float) -> BooksPage:
        known = set(engine.books.accounts) | engine.rates.keys()
        keys = sorted(k for k in known if key is None or k == key)
        shown = [key_books(engine, k, now) for k in keys[offset:offset + limit]]
        return BooksPage(shown, len(keys), offset, limit, now)
    return read


def key_books(engine: Engine, key: str, now: float) -> KeyBooks:
    books = engine.books
    account = books.accounts.get(key)
    if account is not None:
        books.settle(account, now)
        balance, slots, tracked = account.balance, account.open, len(account.ids)
    else:  # a key seen only by the rate windows: its balance was never touched
        balance, slots, tracked = Balance(on_demand=books.start), 0, 0
    used = {rule: (count, reset_at) for rule, count, reset_at in engine.rates.usage(key, now)}
    gauges = []
    for name, rule in engine.rates.rules.items():
        count, reset_at = used.get(name, (0, None))
        gauges.append(Gauge(name, count, rule.limit, rule.window, reset_at))
    return KeyBooks(key, Balance(balance.subscription, balance.on_demand, balance.reserved,
                                 balance.charged, balance.waived, balance.spent_usd),
                    slots, books.concurrency if books.limits else None, tracked,
                    tuple(gauges))
