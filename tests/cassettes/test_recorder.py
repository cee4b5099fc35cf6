"""The recorder on its own: steps, polls, outputs, without any HTTP."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import httpx

from fashn_mock.cassettes import Cassette
from fashn_mock.cassettes.format import Response
from fashn_mock.cassettes.recorder import Recorder
from tests.support import data_uri


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def status(status: str, **extra: Any) -> Response:
    return Response(200, {}, {"id": "p", "status": status, "error": None, "output": None,
                              **extra})


async def fake_download(url: str) -> tuple[bytes, str | None]:
    if "gone" in url:
        raise httpx.HTTPStatusError("404 Not Found", request=httpx.Request("GET", url),
                                    response=httpx.Response(404))
    return f"bytes of {url}".encode(), "image/jpeg"


def recorder(tmp_path: Path) -> tuple[Recorder, Clock]:
    clock = Clock()
    return Recorder(Cassette(tmp_path / "c.yaml"), downloader=fake_download, clock=clock), clock


def test_polls_merge_into_steps_and_every_change_is_recorded(tmp_path: Path) -> None:
    rec, clock = recorder(tmp_path)
    rec.run({}, {"model_name": "edit", "inputs": {"image": data_uri(), "prompt": "p"}},
            Response(200, {}, {"id": "p", "error": None}), started=clock())
    assert rec.tracks("p") and not rec.tracks("q")
    for at, answer in [(0.1, status("starting")), (0.6, status("starting")),
                       (1.0, Response(429, {"retry-after": "1"}, {"error": "RateLimitExceeded"})),
                       (1.5, Response(429, {}, {"error": "RateLimitExceeded"})),
                       (2.0, status("processing"))]:
        clock.now = 100 + at
        asyncio.run(rec.status("p", answer))
    rec.flush()
    saved = Cassette.load(tmp_path / "c.yaml").interactions[0]
    assert [(s.status, s.at, s.polls) for s in saved.timeline] == \
        [("starting", 0.1, 2), (None, 1.0, 2), ("processing", 2.0, 1)]
    image = saved.request.body["inputs"]["image"]
    assert image.startswith("data:image/png;sha256,")  # input images are not stored


def test_outputs_are_downloaded_once_and_referenced(tmp_path: Path) -> None:
    rec, clock = recorder(tmp_path)
    rec.run({}, {"model_name": "edit"}, Response(200, {}, {"id": "p", "error": None}), clock())
    inline = "data:image/png;base64," + base64.b64encode(b"inline png").decode()
    done = status("completed", output=["https://cdn.example/p/output_0.jpeg",
                                       "https://cdn.example/p/gone.png", inline,
                                       "<base64>_expired", "https://cdn.example/q/output_0.jpeg"])
    asyncio.run(rec.status("p", done))
    asyncio.run(rec.status("p", status("completed", output=["ignored"])))
    rec.close()
    (interaction,) = Cassette.load(tmp_path / "c.yaml").interactions
    first, gone, data, expired, clash = interaction.outputs
    assert (first.name, first.content_type) == ("output_0.jpeg", "image/jpeg")
    assert first.file is not None and data.file is not None
    assert (tmp_path / first.file).read_bytes() == b"bytes of https://cdn.example/p/output_0.jpeg"
    assert gone.file is None and gone.note is not None and "404" in gone.note
    assert gone.value == "https://cdn.example/p/gone.png"
    assert data.base64 and (tmp_path / data.file).read_bytes() == b"inline png"
    assert (expired.file, expired.value) == (None, "<base64>_expired")
    assert clash.name == "4_output_0.jpeg"  # names stay unique
    assert interaction.timeline[-1].polls == 2
    assert interaction.timeline[-1].response.body["output"] == [
        first.file, gone.value, data.file, "<base64>_expired", clash.file]
