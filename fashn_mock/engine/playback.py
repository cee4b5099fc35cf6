"""The engine's hook for playing back recorded predictions (see ``fashn_mock.cassettes``).

When ``Engine.playback`` is set, every validated ``/v1/run`` is offered to it first.
A ``Playback`` it returns replaces the synthetic prediction: its phases, outcome,
error, cost, status bodies and output bytes come from the recording, while the
engine keeps the books as usual (fresh id, slots, credits, retention, journal).
The engine knows these two protocols only; it never reads a cassette.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from fashn_mock.engine.prediction import Playback

if TYPE_CHECKING:
    from fashn_mock.validation import RunRequest

__all__ = ["PARKED", "Playback", "PlaybackSource"]

PARKED = 1e12
"""A phase instant that has not happened yet and will only happen when polled
(poll-driven playback): far beyond any clock, yet finite for the arithmetic."""


class PlaybackSource(Protocol):
    def match(self, key: str, run: RunRequest,
              query: Mapping[str, str]) -> Playback | None:
        """The recording to play for this request; None to emulate it. May raise an
        ``DomainError`` (a recorded refusal, or no match in strict mode)."""
        ...
