from __future__ import annotations

import base64
import io

import httpx
from PIL import Image

from fashn_mock import Emulator
from tests.support import tryon


def test_outputs_are_real_images_of_the_documented_size(emulator: Emulator,
                                                        client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon(output_format="jpeg")).json()["id"]
    assert client.get(f"/cdn/{prediction_id}/output_0.jpeg").status_code == 404  # not yet
    emulator.advance(30)
    url = client.get(f"/v1/status/{prediction_id}").json()["output"][0]
    assert url.endswith("/output_0.jpeg")
    response = client.get(url)
    assert response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("JPEG", (864, 1296))
    assert client.get(f"/cdn/{prediction_id}/output_1.jpeg").status_code == 404
    assert client.get("/cdn/unknown/output_0.png").status_code == 404


def test_return_base64_gives_data_uris(emulator: Emulator, client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon(return_base64=True,
                                                      num_samples=2)).json()["id"]
    emulator.advance(30)
    output = client.get(f"/v1/status/{prediction_id}").json()["output"]
    assert len(output) == 2
    for uri in output:
        prefix, data = uri.split(",", 1)
        assert prefix == "data:image/png;base64"
        assert Image.open(io.BytesIO(base64.b64decode(data))).size == (864, 1296)
