from __future__ import annotations

from fashn_mock.catalog import checks


def test_model_image_cannot_combine_with_references() -> None:
    assert checks.model_image_alone({"model_image": "u"}, {}) is None
    message = checks.model_image_alone({"model_image": "u", "image_prompt": "v"}, {})
    assert message and "image_prompt" in message


def test_end_image_needs_1080p() -> None:
    assert checks.end_image_needs_1080p({"end_image": "u", "resolution": "1080p"}, {}) is None
    assert checks.end_image_needs_1080p({"end_image": "u", "resolution": "720p"}, {})


def test_reframe_rules() -> None:
    assert checks.reframe_target_given({"mode": "aspect_ratio"}, {})
    assert checks.reframe_target_given({"mode": "direction"}, {}) is None
    assert checks.reframe_changes_ratio({"aspect_ratio": "1:1"}, {"image": (1000, 1010)})
    assert checks.reframe_changes_ratio({"aspect_ratio": "16:9"}, {"image": (1000, 1000)}) \
        is None
    assert checks.reframe_changes_ratio({"aspect_ratio": "1:1"}, {}) is None


def test_mask_must_match_image() -> None:
    assert checks.mask_matches_image({}, {"image": (10, 10), "mask": (10, 10)}) is None
    assert checks.mask_matches_image({}, {"image": (10, 10), "mask": (10, 12)})
