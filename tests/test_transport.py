"""The in-process transports behave like a socket for clients."""

from __future__ import annotations

import asyncio

from fashn_mock import Config, Emulator


def test_in_process_responses_have_elapsed_and_app_errors_are_500s() -> None:
    emulator = Emulator(time_scale=0)

    def broken(key: str) -> None:
        raise ZeroDivisionError

    emulator.engine.balance = broken  # type: ignore[method-assign, assignment]
    with emulator.httpx_client(headers={"Authorization": "Bearer k"}) as client:
        ok = client.get("/v1/status/123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1")
        assert ok.status_code == 200 and ok.elapsed.total_seconds() >= 0
        failed = client.get("/v1/credits")
        assert failed.status_code == 500
        assert failed.json() == {"error": "InternalServerError", "message": "Server error"}

    async def call() -> int:
        async with emulator.async_httpx_client(headers={"Authorization": "Bearer k"}) as c:
            return (await c.get("/v1/credits")).status_code

    assert asyncio.run(call()) == 500


def test_keyword_settings_override_a_config() -> None:
    emulator = Emulator(Config(seed=3, time_scale=1), time_scale=0)
    assert (emulator.config.seed, emulator.config.time_scale) == (3, 0)
