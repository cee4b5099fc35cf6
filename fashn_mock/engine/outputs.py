"""What a prediction's outputs look like to clients: CDN URLs or data URIs, and
the bytes behind each URL."""

from __future__ import annotations

import base64

from fashn_mock import catalog
from fashn_mock.engine.prediction import Prediction
from fashn_mock.media import MediaStore, RenderJob

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
        kind = MEDIA_TYPES[prediction.output_format]
        return [f"data:{kind};base64,"
                + base64.b64encode(media.get(render_job(prediction, i))).decode("ascii")
                for i in range(prediction.outputs)]
    return [f"{base_url}{CDN_PREFIX}/{prediction.id}/{name}"
            for name in prediction.output_names()]


def output_file(prediction: Prediction, name: str, media: MediaStore,
                now: float) -> tuple[bytes, str] | None:
    """The bytes and media type behind ``/cdn/<id>/<name>``, if that output exists
    at ``now``."""
    names = prediction.output_names()
    if name not in names:
        return None
    return media.get(render_job(prediction, names.index(name))), \
        MEDIA_TYPES[prediction.output_format]
