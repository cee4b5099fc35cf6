from __future__ import annotations

import pytest

from fashn_mock import catalog
from fashn_mock.catalog import rules


@pytest.mark.parametrize(("mode", "resolution", "per_output"), [
    (None, "1k", 1), (None, "2k", 3), (None, "4k", 4),
    ("fast", "1k", 1), ("fast", "4k", 3), ("balanced", "2k", 3), ("quality", "4k", 5),
])
def test_shared_credit_table(mode: str | None, resolution: str, per_output: int) -> None:
    inputs = {"resolution": resolution, "num_images": 3}
    if mode:
        inputs["generation_mode"] = mode
    assert rules.shared_credits(inputs) == per_output * 3


def test_face_reference_surcharge() -> None:
    spec = catalog.BY_NAME["model-create"]
    inputs = {"prompt": "x", "resolution": "1k", "num_images": 2}
    assert spec.credits(inputs) == 2
    assert spec.credits({**inputs, "face_reference": "https://x/f.png"}) == (1 + 3) * 2


def test_tryon_max_omitted_mode_bills_balanced() -> None:
    spec = catalog.BY_NAME["tryon-max"]
    assert spec.credits({"resolution": "1k", "num_images": 1}) == 2
    assert spec.credits({"resolution": "4k", "num_images": 2, "generation_mode": "quality"}) \
        == 10


@pytest.mark.parametrize(("duration", "resolution", "credits"), [
    (5, "480p", 1), (5, "720p", 3), (5, "1080p", 6), (10, "480p", 2), (10, "1080p", 12)])
def test_video_credits(duration: int, resolution: str, credits: int) -> None:
    spec = catalog.BY_NAME["image-to-video"]
    assert spec.credits({"duration": duration, "resolution": resolution}) == credits


def test_tryon_v16_costs_one_per_sample_and_times_by_mode() -> None:
    spec = catalog.BY_NAME["tryon-v1.6"]
    assert spec.credits({"num_samples": 4}) == 4
    assert spec.seconds({"mode": "performance"}) == (4.5, 5.5)
    assert spec.seconds({"mode": "quality"}) == (12, 17)


def test_image_to_video_takes_one_to_three_minutes() -> None:
    spec = catalog.BY_NAME["image-to-video"]
    for duration in (5, 10):
        for resolution in ("480p", "720p", "1080p"):
            low, high = spec.seconds({"duration": duration, "resolution": resolution})
            assert 60 <= low <= high <= 180


def test_nearest_ratio() -> None:
    assert rules.nearest_ratio((1000, 1500)) == "2:3"
    assert rules.nearest_ratio((1920, 1080)) == "16:9"
