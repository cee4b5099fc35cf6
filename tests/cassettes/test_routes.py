"""``GET /_mock/replay``: misses are bounded, counted and shown."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from fashn_mock import Emulator
from fashn_mock.cassettes import ReplaySource, replay
from fashn_mock.cassettes.routes import PATH, replay_report, routes
from tests.cassettes.example import FOLDER, TRYON

KEY = {"Authorization": "Bearer k"}


def other(n: int) -> dict[str, Any]:
    return {"model_name": "model-create", "inputs": {"prompt": f"a linen suit {n}"}}


def replaying(monkeypatch: pytest.MonkeyPatch, limit: int) -> tuple[Emulator, ReplaySource]:
    monkeypatch.setattr(replay, "MAX_MISSES", limit)
    emulator = Emulator(manual_clock=True, time_scale=0)
    return emulator, ReplaySource.load(FOLDER, by_polls=True).attach(emulator)


def test_without_cassettes_the_report_says_so() -> None:
    report = replay_report(Emulator(manual_clock=True))
    assert report["replaying"] is False and report["misses"]["total"] == 0


def test_misses_are_bounded_counted_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, source = replaying(monkeypatch, limit=5)
    with emulator.httpx_client(headers=KEY) as client:
        assert client.post("/v1/run", json=TRYON).status_code == 200  # played
        for n in range(12):
            assert client.post("/v1/run", json=other(n)).status_code == 200  # emulated
    assert source.miss_count == 12 and len(source.misses) == 5
    report = replay_report(emulator.engine)  # the engine works as well as the emulator
    assert report["replaying"] and report["played"] == 1 and report["by"] == "polls"
    assert report["cassettes"] == [str(FOLDER / "example.yaml")]
    assert report["recorded_runs"] == 2 and report["match"] == "model_name, inputs"
    misses = report["misses"]
    assert (misses["total"], misses["kept"], misses["limit"]) == (12, 5, 5)
    assert [m["number"] for m in misses["recent"]] == [8, 9, 10, 11, 12]  # the latest
    last = misses["recent"][-1]
    assert last["model_name"] == "model-create"
    assert "no recorded /v1/run matches this model-create request" in last["explanation"]
    assert "nearest:" in last["explanation"]


def test_long_explanations_are_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, source = replaying(monkeypatch, limit=5)
    monkeypatch.setattr(replay, "MAX_DIFFERENCES", 2)
    different = {"category": "bottoms", "mode": "quality", "seed": 1, "num_samples": 3,
                 "output_format": "jpeg"}  # undeclared fields would be dropped, not compared
    near = {"model_name": "tryon-v1.6", "inputs": {**TRYON["inputs"], **different}}
    with emulator.httpx_client(headers=KEY) as client:
        client.post("/v1/run", json=near)
    (explanation,) = source.misses
    assert explanation.count("\n  inputs.") == 2
    assert "... and 3 more" in explanation


def test_the_route_in_an_app(monkeypatch: pytest.MonkeyPatch) -> None:
    emulator, _source = replaying(monkeypatch, limit=3)
    with emulator.httpx_client(headers=KEY) as client:
        client.post("/v1/run", json=other(1))

    async def ask() -> tuple[httpx.Response, httpx.Response]:
        app = Starlette(routes=routes(emulator))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://control") as control:
            return await control.get(PATH), await control.post(PATH)

    answer, wrong_method = asyncio.run(ask())
    assert answer.status_code == 200 and wrong_method.status_code == 405
    body = answer.json()
    assert body["misses"]["total"] == 1 and body["misses"]["recent"][0]["number"] == 1
    assert body == replay_report(emulator)
