"""Point the official SDKs' environment variables at an emulator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

ENV_BASE_URL, ENV_API_KEY = "FASHN_BASE_URL", "FASHN_API_KEY"


@contextmanager
def environment(base_url: str, api_key: str) -> Iterator[None]:
    """Point ``FASHN_BASE_URL``/``FASHN_API_KEY`` at the emulator, then restore them."""
    saved = {name: os.environ.get(name) for name in (ENV_BASE_URL, ENV_API_KEY)}
    os.environ[ENV_BASE_URL], os.environ[ENV_API_KEY] = base_url, api_key
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
