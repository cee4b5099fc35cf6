from __future__ import annotations

import base64

import pytest

from fashn_mock import catalog
from fashn_mock.engine.inputs import decode_data_uri, load_images
from tests.support import URL, data_uri

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
    assert decode_data_uri(uri) is not None
    assert decode_data_uri(uri[: len(uri) // 2]) is None


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
