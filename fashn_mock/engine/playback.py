"""The engine's hook for playing back recorded predictions (see ``fashn_mock.cassettes``).

When ``Engine.playback`` is set, every validated ``/v1/run`` is offered to it first.
A ``Playback`` it returns replaces the synthetic prediction: its phases, outcome,
error, cost, status bodies and output bytes come from the recording, while the
engine keeps the books as usual (fresh id, slots, credits, retention, journal).
The engine knows these two protocols only; it never reads a cassette.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from fashn_mock.engine.prediction import Prediction, Status
    from fashn_mock.validation import RunRequest

PARKED = 1e12
"""A phase instant that has not happened yet and will only happen when polled
(poll-driven playback): far beyond any clock, yet finite for the arithmetic."""


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


class PlaybackSource(Protocol):
    def match(self, key: str, run: RunRequest,
              query: Mapping[str, str]) -> Playback | None:
        """The recording to play for this request; None to emulate it. May raise an
        ``DomainError`` (a recorded refusal, or no match in strict mode)."""
        ...
