"""A completed prediction's ``output`` array as the FASHN dialects show it: CDN URLs,
or ``data:`` URIs when ``return_base64`` was asked (``"<base64>_expired"`` after
60 min, one entry per output: docs/api-facts.md#retention)."""

from __future__ import annotations

import base64

from fashn_mock.engine import Engine, retention
from fashn_mock.engine.outputs import MEDIA_TYPES, output_bytes
from fashn_mock.engine.views import PredictionState
from fashn_mock.urls import cdn_url


def output_values(engine: Engine, state: PredictionState, base_url: str) -> list[str]:
    prediction = state.prediction
    if not prediction.return_base64:
        return [cdn_url(base_url, prediction.id, name) for name in prediction.output_names()]
    if retention.base64_expired(prediction, state.now):
        return [retention.EXPIRED_BASE64] * prediction.outputs
    kind = MEDIA_TYPES[prediction.output_format]
    return [f"data:{kind};base64,"
            + base64.b64encode(output_bytes(prediction, i, engine.media)).decode("ascii")
            for i in range(prediction.outputs)]


def renders_inline(state: PredictionState) -> bool:
    """Whether showing it renders images into the body (keep that off the event loop)."""
    return state.prediction.return_base64 and state.status == "completed"
