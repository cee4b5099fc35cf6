"""Where outputs live on the emulator's own CDN (``cdn.fashn.ai`` in production):
``<base>/cdn/<prediction id>/output_<i>.<ext>``."""

from __future__ import annotations

CDN_PREFIX = "/cdn"


def cdn_url(base_url: str, prediction_id: str, name: str) -> str:
    return f"{base_url}{CDN_PREFIX}/{prediction_id}/{name}"
