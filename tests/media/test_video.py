from __future__ import annotations

import io
import json
import sys
from typing import Any

import av
import pytest
from PIL import Image

from fashn_mock import Emulator
from fashn_mock.media.held import HeldInputs
from fashn_mock.media.job import RenderJob
from fashn_mock.media.sources import ImageLoader
from fashn_mock.media.video import FPS, VideoUnavailable, render_video
from tests.media import images
from tests.support import AUTH

SMALL = (96, 160)


def job(inputs: dict[str, Any], *, seed: int = 42, size: tuple[int, int] = SMALL) -> RenderJob:
    return RenderJob("image-to-video", json.dumps(inputs, sort_keys=True), seed, 0, size, "mp4")


def probe(data: bytes) -> tuple[Any, list[Image.Image]]:
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        frames = [frame.to_image()  # type: ignore[no-untyped-call]
                  for frame in container.decode(stream)]
        return stream, frames


def test_an_h264_clip_of_the_requested_size_and_length() -> None:
    data = render_video(job({"duration": 5, "image": images.uri(images.person())}),
                        ImageLoader())
    stream, frames = probe(data)
    assert stream.codec_context.name == "h264"
    assert stream.codec_context.pix_fmt == "yuv420p"
    assert (stream.width, stream.height) == SMALL
    assert len(frames) == 5 * FPS
    assert float(stream.duration * stream.time_base) == pytest.approx(5.0)
    assert data[4:8] == b"ftyp" and data.index(b"moov") < data.index(b"mdat")  # faststart
    assert images.difference(frames[0], frames[-1]) > 2  # the camera moves


def test_same_job_same_bytes_other_seed_differs() -> None:
    loader = ImageLoader()
    first = render_video(job({"duration": 5}), loader)
    assert render_video(job({"duration": 5}), loader) == first
    assert render_video(job({"duration": 5}, seed=7), loader) != first


def test_held_stand_ins_give_the_same_clip() -> None:
    from tests.media.test_render import held, noisy

    inputs = {"duration": 5, "image": images.uri(noisy((300, 500))),
              "end_image": images.uri(images.person())}
    store = HeldInputs(64 * 1024 * 1024)
    stand_in = held("image-to-video", inputs, store, size=SMALL, fmt="mp4")
    assert "data:" not in stand_in.inputs_json and len(store) == 2
    assert render_video(stand_in, ImageLoader(held=store)) == \
        render_video(job(inputs), ImageLoader())


def test_the_clip_ends_on_the_end_image() -> None:
    end = Image.new("RGB", (50, 50), (240, 30, 30))
    _, frames = probe(render_video(job({"duration": 5, "end_image": images.uri(end)}),
                                   ImageLoader()))
    assert images.mean_colour(frames[-1], (10, 10, 80, 120)) == pytest.approx((240, 30, 30),
                                                                             abs=20)


def test_without_pyav_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(VideoUnavailable, match=r"fashn-mock\[video\]"):
        render_video(job({"duration": 5}), ImageLoader())


def test_the_cdn_serves_a_playable_mp4() -> None:
    emulator = Emulator(time_scale=0)
    body = {"model_name": "image-to-video",
            "inputs": {"image": images.uri(images.person()), "resolution": "480p",
                       "duration": 5}}
    with emulator.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=body).json()["id"]
        status = client.get(f"/v1/status/{prediction_id}").json()
        url = status["output"][0]
        assert url.endswith(f"/cdn/{prediction_id}/output_0.mp4")
        response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    stream, frames = probe(response.content)
    assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 480, 854)
    assert len(frames) == 5 * FPS


def test_the_cdn_answers_501_without_pyav(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "av", None)
    emulator = Emulator(time_scale=0)
    body = {"model_name": "image-to-video", "inputs": {"image": images.uri(images.person()),
                                                       "resolution": "480p"}}
    with emulator.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=body).json()["id"]
        response = client.get(f"/cdn/{prediction_id}/output_0.mp4")
    assert response.status_code == 501
    assert response.json()["error"] == "NotImplemented"
    assert "fashn-mock[video]" in response.json()["message"]
