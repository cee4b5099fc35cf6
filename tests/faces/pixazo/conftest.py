from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fashn_mock import Emulator
from tests.faces.pixazo.support import HEADERS


@pytest.fixture
def pixazo(emulator: Emulator) -> Iterator[httpx.Client]:
    """An in-process client speaking Pixazo's dialect (its three documented headers)."""
    with emulator.httpx_client(headers=HEADERS) as client:
        yield client
