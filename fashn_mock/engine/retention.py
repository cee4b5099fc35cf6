"""How long outputs live (docs/api-facts.md#retention), on the emulator's clock.
The one place these durations are defined.

- CDN URLs answer 404 from 72 h after completion (``finished_at``).
- ``return_base64`` outputs are held for 60 min after completion; after that
  the status endpoint shows each output as the literal string
  ``"<base64>_expired"`` (the array keeps one entry per output, so clients that
  iterate ``output`` still see a list of strings).
- A prediction is forgotten entirely (status 404, "no longer tracked" in the
  legacy docs' words) once nothing of it can be served any more: 72 h after it
  finished, whatever its outcome.
"""

from __future__ import annotations

from fashn_mock.engine.prediction import Prediction

HOUR = 3600.0
CDN_RETENTION_SECONDS = 72 * HOUR
BASE64_RETENTION_SECONDS = 1 * HOUR
EXPIRED_BASE64 = "<base64>_expired"
"""What the status endpoint shows in place of an expired base64 output
(docs/api-facts.md#retention)."""


def cdn_expired(prediction: Prediction, now: float) -> bool:
    """Whether the prediction's CDN URLs no longer serve their files at ``now``."""
    return now >= prediction.finished_at + CDN_RETENTION_SECONDS


def base64_expired(prediction: Prediction, now: float) -> bool:
    """Whether base64 outputs have been dropped from the status at ``now``."""
    return now >= prediction.finished_at + BASE64_RETENTION_SECONDS


def expires_at(prediction: Prediction) -> float:
    """When the prediction may be forgotten: nothing of it is served after this."""
    return prediction.finished_at + CDN_RETENTION_SECONDS


def expired(prediction: Prediction, now: float) -> bool:
    """Whether the engine may evict ``prediction`` at ``now`` (pure; no side effects)."""
    return now >= expires_at(prediction)
