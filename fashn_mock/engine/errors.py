"""Domain errors: what the engine refuses, in its own terms.

No status code, header or response body lives here. Each face (native, Concurred,
Pixazo, control) owns one small table that turns these into its dialect's wire form
(``faces/<dialect>/errors.py``). A runtime failure of a prediction is not an error
here: it is a ``failed`` status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


class DomainError(Exception):
    """Something the engine refuses to do; ``message`` is a neutral, human sentence.
    ``scripted`` is true when a test asked for it (``X-Fashn-Mock-Error``, ``fail_next``)."""

    scripted: bool = False
    counted: Window | None = None
    """The rate window this request was counted in before it was refused, if any (so
    a face can still send the window's headers)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(DomainError):
    """The request itself is wrong: a body that is not JSON, a missing or ill-typed
    field, an unknown model. ``field`` names the offending field (dotted), when one does."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class BodyTooLarge(InvalidRequest):
    """The request body is larger than the configured limit (``--max-body``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"Request body exceeds the {limit} byte limit")
        self.limit = limit


AuthProblem = Literal["missing", "malformed", "unknown"]


class Unauthenticated(DomainError):
    """No usable API key: none given, a malformed credential, or a key not accepted."""

    def __init__(self, problem: AuthProblem, message: str | None = None) -> None:
        super().__init__(message or {"missing": "no API key was sent",
                                     "malformed": "the credential is malformed",
                                     "unknown": "the API key is not accepted"}[problem])
        self.problem = problem


class UnknownPrediction(DomainError):
    """No prediction with this id is visible to this key (never was, or forgotten)."""

    def __init__(self, prediction_id: str) -> None:
        super().__init__(f"Prediction not found: {prediction_id}")
        self.prediction_id = prediction_id


@dataclass(frozen=True)
class Window:
    """A rate window's numbers at one instant (for ``X-RateLimit-*``-style headers)."""

    limit: int
    window: float
    """Seconds."""
    remaining: int
    reset_at: float
    """Epoch seconds when the oldest counted request leaves the window."""
    retry_after: float
    """Seconds until a request would pass (0 when it passed)."""
    passed: bool = True
    """Whether the request just counted fitted in the window."""


class RateLimited(DomainError):
    """Too many requests on a rate-limited route (``route`` is the rule's name)."""

    def __init__(self, route: str, window: Window | None, message: str | None = None) -> None:
        super().__init__(message or (
            f"Too many requests: {window.limit} per {window.window:g} s; retry in "
            f"{window.retry_after:.3f} s" if window else "Too many requests"))
        self.route = route
        self.window = window
        """None when scripted (no window was counted)."""


class NoFreeSlot(DomainError):
    """Every concurrency slot of the key is taken by an unfinished prediction."""

    def __init__(self, limit: int, retry_after: float | None,
                 message: str | None = None) -> None:
        super().__init__(message or (
            f"Concurrency limit exceeded: {limit} predictions in progress; the next slot "
            f"frees in {retry_after or 0:.3f} s"))
        self.limit = limit
        self.retry_after = retry_after
        """Seconds until the next slot frees; None when scripted."""


class OutOfCredits(DomainError):
    """The request costs more than the key's available balance."""

    def __init__(self, cost: int | None, available: int | None,
                 message: str | None = None) -> None:
        super().__init__(message or
                         f"Out of credits: this request costs {cost}, {available} available")
        self.cost = cost
        self.available = available


class ServiceFault(DomainError):
    """The service itself fails the request (scripted: an internal error or an
    unavailable upstream). ``kind`` says which."""

    def __init__(self, kind: Literal["internal", "unavailable"], message: str) -> None:
        super().__init__(message)
        self.kind = kind


class StoreUnavailable(ServiceFault):
    """The shared store (Redis/Valkey) did not answer in time: nothing was done."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__("unavailable", f"The emulator's shared store is unavailable "
                                        f"({detail}); retry later")


class Unsupported(DomainError):
    """The emulator cannot produce this here (e.g. video without PyAV installed)."""
