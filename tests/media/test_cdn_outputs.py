"""Every image model's outputs through the HTTP faces: documented size, format,
mode and Content-Type; identical bytes for identical requests."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx
import pytest
from PIL import Image

from fashn_mock import Emulator, catalog
from tests.media import images
from tests.support import AUTH, MINIMAL_INPUTS, URL

IMAGE_MODELS = [s.name for s in catalog.MODELS if s.output_kind == "image"]
PHOTO = images.uri(images.person(), "jpeg")


def _inputs(model: str, **extra: Any) -> dict[str, Any]:
    inputs = {k: PHOTO if v == URL else v for k, v in MINIMAL_INPUTS[model].items()}
    return {**inputs, **extra}


@pytest.fixture
def client() -> Any:
    with Emulator(time_scale=0).httpx_client(headers=AUTH) as client:
        yield client


def _run(client: httpx.Client, model: str, inputs: dict[str, Any]) -> dict[str, Any]:
    prediction_id = client.post("/v1/run", json={"model_name": model, "inputs": inputs}
                                ).json()["id"]
    status: dict[str, Any] = client.get(f"/v1/status/{prediction_id}").json()
    assert status["status"] == "completed", status
    return status


@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_outputs_decode_to_the_documented_geometry(client: httpx.Client, model: str) -> None:
    spec = catalog.BY_NAME[model]
    inputs = _inputs(model)
    url = _run(client, model, inputs)["output"][0]
    inputs = {**spec.defaults(), **inputs}
    fmt = spec.output_format(inputs)
    assert url.endswith(f"/output_0.{fmt}")
    response = client.get(url)
    assert response.headers["content-type"] == f"image/{fmt}"
    image = Image.open(io.BytesIO(response.content))
    expected = spec.geometry(inputs, {k: (300, 450) for k in spec.image_inputs if k in inputs})
    assert image.size == expected
    assert image.format == fmt.upper()
    assert image.mode == ("RGBA" if spec.transparent else "RGB")


@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_output_format_and_base64(client: httpx.Client, fmt: str) -> None:
    inputs = _inputs("edit", output_format=fmt, return_base64=True, num_images=2)
    output = _run(client, "edit", inputs)["output"]
    assert len(output) == 2 and output[0] != output[1]
    for uri in output:
        prefix, data = uri.split(",", 1)
        assert prefix == f"data:image/{fmt};base64"
        assert Image.open(io.BytesIO(base64.b64decode(data))).format == fmt.upper()


def test_identical_requests_give_identical_bytes(client: httpx.Client) -> None:
    inputs = _inputs("tryon-v1.6", seed=7)
    first, second = (_run(client, "tryon-v1.6", inputs)["output"][0] for _ in range(2))
    assert first != second  # two predictions, two URLs...
    assert client.get(first).content == client.get(second).content  # ...the same picture
    other = _run(client, "tryon-v1.6", _inputs("tryon-v1.6", seed=8))["output"][0]
    assert client.get(other).content != client.get(first).content
