from __future__ import annotations

import base64

import pytest

from fashn_mock import catalog
from fashn_mock.engine.inputs import data_uri_size, load_images
from fashn_mock.media import decode
from tests.media.test_decode import png_claiming
from tests.support import AUTH, URL, data_uri

TRYON = catalog.BY_NAME["tryon-v1.6"]


def test_data_uris_are_decoded_and_measured() -> None:
    loaded = load_images(TRYON, {"model_image": data_uri((30, 40), "jpeg"), "garment_image": URL})
    assert loaded.error is None and loaded.sizes == {"model_image": (30, 40)}


@pytest.mark.parametrize(("value", "problem"), [
    ("iVBORw0KGgo=", "Invalid URL format"),  # base64 without the data: prefix
    ("data:image/png;base64,not-base64!!", "Invalid base64 image data"),
    ("data:image/png;base64," + base64.b64encode(b"plain text").decode(),
     "Invalid base64 image data"),
    ("ftp://example.com/a.png", "Invalid URL format"),
])
def test_unloadable_images_give_the_real_message(value: str, problem: str) -> None:
    loaded = load_images(TRYON, {"model_image": value, "garment_image": URL})
    assert loaded.error == f"Error loading model image: {problem}"


def test_saved_models_only_for_try_on_model_images() -> None:
    assert load_images(TRYON, {"model_image": "saved:anna", "garment_image": URL}).error is None
    assert load_images(TRYON, {"model_image": URL, "garment_image": "saved:anna"}).error
    edit = catalog.BY_NAME["edit"]
    assert load_images(edit, {"image": "saved:anna", "prompt": "x"}).error


def test_truncated_image_does_not_decode() -> None:
    uri = data_uri((50, 50))
    assert data_uri_size(uri) == (50, 50)
    with pytest.raises(decode.ImageRefused, match="Invalid base64 image data"):
        data_uri_size(uri[: len(uri) // 2])


def test_images_above_the_pixel_cap_fail_to_load() -> None:
    uri = "data:image/png;base64," + base64.b64encode(png_claiming(13_000, 13_000)).decode()
    loaded = load_images(TRYON, {"model_image": URL, "garment_image": uri})
    # Pillow may refuse the header itself (where warnings are errors): no dimensions then
    assert loaded.error is not None
    assert loaded.error.startswith("Error loading garment image: The image has 169.0 MP")
    assert loaded.error.endswith(
        "; fashn-mock accepts at most 36 MP (6000x6000, the docs' largest advised input)")


def test_a_too_large_image_fails_the_prediction_end_to_end() -> None:
    from fashn_mock import Emulator

    uri = "data:image/png;base64," + base64.b64encode(png_claiming(8000, 8000)).decode()
    with Emulator(time_scale=0).httpx_client(headers=AUTH) as client:
        body = {"model_name": "background-remove", "inputs": {"image": uri}}
        prediction_id = client.post("/v1/run", json=body).json()["id"]
        status = client.get(f"/v1/status/{prediction_id}").json()
    assert status["status"] == "failed"
    assert status["error"]["name"] == "ImageLoadError"
    assert status["error"]["message"] == (
        "Error loading image: The image has 64.0 MP (8000x8000); fashn-mock accepts at "
        "most 36 MP (6000x6000, the docs' largest advised input)")


def test_exif_rotation_swaps_the_measured_size() -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when displayed
    Image.new("RGB", (40, 30)).save(buffer, "JPEG", exif=exif)
    uri = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
    loaded = load_images(TRYON, {"model_image": uri, "garment_image": URL})
    assert loaded.sizes["model_image"] == (30, 40)
