"""What a prediction's outputs look like to clients: CDN URLs or data URIs, and
the bytes behind each URL, subject to retention (``engine.retention``)."""

from __future__ import annotations

import base64

from fashn_mock import catalog
from fashn_mock.engine import retention
from fashn_mock.engine.prediction import Prediction
from fashn_mock.errors import ApiError
from fashn_mock.media import MediaStore, RenderJob
from fashn_mock.media.video import VideoUnavailable

MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "mp4": "video/mp4"}
CDN_PREFIX = "/cdn"


def render_job(prediction: Prediction, index: int) -> RenderJob:
    spec = catalog.BY_NAME[prediction.model]
    return RenderJob(model=prediction.model, inputs_json=prediction.inputs_json,
                     seed=prediction.seed, index=index, size=prediction.size,
                     output_format=prediction.output_format, transparent=spec.transparent)


def output_list(prediction: Prediction, base_url: str, media: MediaStore,
                now: float) -> list[str]:
    """The ``output`` array of a completed prediction, as seen at ``now``."""
    if prediction.return_base64:
        if retention.base64_expired(prediction, now):
            return [retention.EXPIRED_BASE64] * prediction.outputs
        kind = MEDIA_TYPES[prediction.output_format]
        return [f"data:{kind};base64,"
                + base64.b64encode(_bytes(media, render_job(prediction, i))).decode("ascii")
                for i in range(prediction.outputs)]
    return [f"{base_url}{CDN_PREFIX}/{prediction.id}/{name}"
            for name in prediction.output_names()]


def output_file(prediction: Prediction, name: str, media: MediaStore,
                now: float) -> tuple[bytes, str] | None:
    """The bytes and media type behind ``/cdn/<id>/<name>``, if that output exists
    at ``now``. Base64 outputs are never on the CDN (DOCS: kept in memory only)."""
    if prediction.playback is not None:
        return prediction.playback.output_file(prediction, name, now)
    names = prediction.output_names()
    if (name not in names or prediction.return_base64
            or retention.cdn_expired(prediction, now)):
        return None
    job = render_job(prediction, names.index(name))
    return _bytes(media, job), MEDIA_TYPES[prediction.output_format]


def _bytes(media: MediaStore, job: RenderJob) -> bytes:
    try:
        return media.get(job)
    except VideoUnavailable as exc:
        raise ApiError(501, "NotImplemented", str(exc)) from exc
