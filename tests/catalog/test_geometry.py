from __future__ import annotations

import pytest

from fashn_mock import catalog


def size(model: str, images: dict[str, tuple[int, int]] | None = None, **inputs: object) \
        -> tuple[int, int]:
    spec = catalog.BY_NAME[model]
    return spec.geometry({**spec.defaults(), **inputs}, images or {})


def test_try_on_sizes() -> None:
    assert size("tryon-v1.6") == (864, 1296)
    assert size("tryon-v1.5") == (576, 864)


@pytest.mark.parametrize(("ratio", "expected"), [
    ("1:1", (1024, 1024)), ("2:3", (832, 1248)), ("16:9", (1360, 768)), ("21:9", (1568, 672))])
def test_model_create_1k_table(ratio: str, expected: tuple[int, int]) -> None:
    assert size("model-create", prompt="x", aspect_ratio=ratio) == expected


def test_reframe_variant_and_tiers() -> None:
    assert size("reframe", aspect_ratio="16:9") == (1360, 760)
    assert size("reframe", aspect_ratio="3:2") == (1248, 832)
    assert size("edit", aspect_ratio="1:1", resolution="2k") == (2048, 2048)
    assert size("edit", aspect_ratio="2:3", resolution="4k") == (3328, 4992)


def test_ratio_follows_the_input_image_when_not_given() -> None:
    assert size("edit", {"image": (1920, 1080)}) == (1360, 768)
    assert size("edit") == (1024, 1024)


def test_face_reference_caps_model_create_at_2k() -> None:
    assert size("model-create", aspect_ratio="1:1", resolution="4k",
                face_reference="https://x/f.png") == (2048, 2048)


def test_background_remove_keeps_input_size_up_to_4mp() -> None:
    assert size("background-remove", {"image": (640, 480)}) == (640, 480)
    width, height = size("background-remove", {"image": (4000, 4000)})
    assert width * height <= 4_000_000 and width == height


def test_video_sizes() -> None:
    assert size("image-to-video", resolution="1080p") == (1080, 1920)
    assert size("image-to-video", {"image": (1600, 900)}, resolution="480p") == (854, 480)
