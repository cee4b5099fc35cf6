"""``GET /healthz``: 200 for orchestrators, whatever the configuration."""

from __future__ import annotations

import pytest

from fashn_mock import Emulator, __version__


@pytest.mark.parametrize("settings", [{}, {"control": False}, {"api_keys": ("only-me",)},
                                      {"control_token": "t"}])
def test_healthz_answers_without_a_key(settings: dict[str, object]) -> None:
    emulator = Emulator(**settings)  # type: ignore[arg-type]
    with emulator.httpx_client() as client:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "version": __version__}
        assert response.headers["cache-control"] == "no-store"
        assert client.head("/healthz").status_code == 200
        assert client.post("/healthz").status_code == 405


def test_probes_are_not_journaled() -> None:
    emulator = Emulator()
    with emulator.httpx_client() as client:
        for _ in range(3):
            client.get("/healthz")
    assert emulator.journal() == []
