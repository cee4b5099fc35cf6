"""Encoded status bodies of finished predictions, kept for the next poll of the same one.

Once a prediction is terminal its status body no longer changes: the id, the status,
the error and the output URLs (for one base URL) are fixed. A poll still authenticates,
counts and looks the prediction up in the engine as ever (so a key that cannot see it,
an expired prediction or a refusal is answered as before); only the building and
encoding of the body is skipped. Bodies that are not pure functions of those are never
kept: recordings played back, and ``return_base64`` outputs (they expire after 60 min,
and are large). At most ``capacity`` bodies are held, the oldest dropped first.
"""

from __future__ import annotations

from fashn_mock.engine import TERMINAL
from fashn_mock.engine.prediction import Prediction
from fashn_mock.engine.views import PredictionState

CAPACITY = 4096
"""Bodies held at most (a few hundred bytes each)."""


def keepable(state: PredictionState) -> bool:
    """Whether ``state``'s body is fixed from now on."""
    prediction = state.prediction
    return (state.status in TERMINAL and prediction.playback is None
            and not prediction.return_base64)


class TerminalBodies:
    """Encoded bodies by prediction id, each valid for one prediction object, status
    and base URL (a body made for another Host is never served)."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._bodies: dict[str, tuple[Prediction, str, str, bytes]] = {}

    def get(self, state: PredictionState, url: str) -> bytes | None:
        """The body kept for ``state`` seen at ``url``, if any."""
        found = self._bodies.get(state.prediction.id)
        if found is None:
            return None
        prediction, status, base, body = found
        if prediction is not state.prediction or status != state.status or base != url:
            return None
        return body

    def put(self, state: PredictionState, url: str, body: bytes | memoryview) -> None:
        """Keep ``body`` (a response's, as encoded) if ``state`` is final (``keepable``)."""
        if not keepable(state) or self.capacity <= 0:
            return
        bodies = self._bodies
        bodies.pop(state.prediction.id, None)
        while len(bodies) >= self.capacity:  # one app may serve from two threads' loops
            try:
                bodies.pop(next(iter(bodies)), None)
            except (StopIteration, RuntimeError):  # emptied or changed meanwhile
                break
        bodies[state.prediction.id] = (state.prediction, state.status, url, bytes(body))

    def __len__(self) -> int:
        return len(self._bodies)
