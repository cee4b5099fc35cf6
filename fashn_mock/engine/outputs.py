"""The bytes behind a prediction's outputs, subject to retention (``engine.retention``).

Outputs are known by name (``output_<i>.<ext>``); faces turn names into URLs or
data URIs in their own dialect.
"""

from __future__ import annotations

from fashn_mock import catalog
from fashn_mock.engine import retention
from fashn_mock.engine.errors import Unsupported
from fashn_mock.engine.prediction import Prediction
from fashn_mock.media import MediaStore, RenderJob
from fashn_mock.media.video import VideoUnavailable

MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "mp4": "video/mp4"}


def render_job(prediction: Prediction, index: int) -> RenderJob:
    spec = catalog.BY_NAME[prediction.model]
    return RenderJob(model=prediction.model, inputs_json=prediction.inputs_json,
                     seed=prediction.seed, index=index, size=prediction.size,
                     output_format=prediction.output_format, transparent=spec.transparent,
                     dice=prediction.dice[index] if prediction.dice else None)


def output_bytes(prediction: Prediction, index: int, media: MediaStore) -> bytes:
    """The rendered bytes of output ``index`` (cached by ``media``)."""
    try:
        return media.get(render_job(prediction, index))
    except VideoUnavailable as exc:
        raise Unsupported(str(exc)) from exc


def output_file(prediction: Prediction, name: str, media: MediaStore,
                now: float) -> tuple[bytes, str] | None:
    """The bytes and media type behind output ``name``, if that output exists on the
    CDN at ``now``. Base64 outputs are never on the CDN (kept in memory only:
    docs/api-facts.md#retention)."""
    if prediction.playback is not None:
        return prediction.playback.output_file(prediction, name, now)
    names = prediction.output_names()
    if (name not in names or prediction.return_base64
            or retention.cdn_expired(prediction, now)):
        return None
    return output_bytes(prediction, names.index(name), media), \
        MEDIA_TYPES[prediction.output_format]
