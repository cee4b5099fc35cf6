from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Config
from fashn_mock.catalog import BY_NAME as NATIVE
from fashn_mock.catalog.gateways import concurred
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.engine import Engine
from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.validation import parse_run_body

URL = "https://example.com/a.jpg"
PAGE_MODELS = ["tryon-v1.6", "product-to-model", "face-to-model", "model-create",
               "model-variation", "model-swap", "reframe", "background-change",
               "background-remove", "image-to-video"]
OUTPUT = {"seed", "output_format", "return_base64"}
FORMS: dict[str, set[str]] = {
    "tryon-v1.6": {"model_image", "garment_image", "category", "mode", "garment_photo_type",
                   "moderation_level", "num_samples", "segmentation_free", *OUTPUT},
    "product-to-model": {"product_image", "model_image", "image_prompt", "prompt",
                         "aspect_ratio", "resolution", "face_reference", "num_images",
                         *OUTPUT},
    "face-to-model": {"face_image", "prompt", "aspect_ratio", *OUTPUT},
    "model-create": {"prompt", "image_reference", "reference_type", "aspect_ratio",
                     "lora_url", "disable_prompt_enhancement", "face_reference",
                     "num_images", *OUTPUT},
    "model-variation": {"model_image", "variation_strength", "lora_url", *OUTPUT},
    "model-swap": {"model_image", "prompt", "background_change",
                   "disable_prompt_enhancement", "lora_url", "face_reference", "num_images",
                   *OUTPUT},
    "reframe": {"image", "mode", "target_aspect_ratio", "target_direction", "num_images",
                *OUTPUT},
    "background-change": {"image", "prompt", "disable_prompt_enhancement", *OUTPUT},
    "background-remove": {"image", "return_base64"},
    "image-to-video": {"image", "prompt", "negative_prompt", "duration", "resolution"},
}
"""Each model's inputs as the Concurred page documents them (plus face_reference and
num_images where its credits table prices them)."""


def test_its_ten_models_in_the_pages_order() -> None:
    assert [spec.name for spec in concurred.MODELS] == PAGE_MODELS
    assert list(concurred.BY_NAME) == PAGE_MODELS


@pytest.mark.parametrize("name", PAGE_MODELS)
def test_forms_follow_the_page(name: str) -> None:
    spec = concurred.BY_NAME[name]
    assert set(spec.properties) == FORMS[name]
    assert set(spec.required) <= set(spec.properties)
    assert not spec.any_of_required and not spec.legacy


def test_forms_that_differ_from_native() -> None:
    by = concurred.BY_NAME
    assert by["background-change"].required == ("image", "prompt")
    assert NATIVE["background-change"].required == ("image",)  # native left as it was
    face = by["face-to-model"].properties
    assert face["aspect_ratio"]["enum"] == ["1:1", "4:5", "3:4", "2:3", "9:16"]
    assert face["aspect_ratio"]["default"] == "2:3"
    assert face["output_format"]["default"] == "jpeg"
    product = by["product-to-model"].properties
    assert product["resolution"]["enum"] == ["1k", "4k"]
    assert len(product["aspect_ratio"]["enum"]) == 9 and "21:9" not in \
        product["aspect_ratio"]["enum"]
    assert by["product-to-model"].checks == ()  # model_image combines with image_prompt
    reframe = by["reframe"].properties
    assert "aspect_ratio" not in reframe and reframe["mode"]["enum"] == [
        "direction", "aspect_ratio"]
    assert reframe["target_direction"]["enum"] == ["both", "down", "up"]
    assert len(reframe["target_aspect_ratio"]["enum"]) == 9
    video = by["image-to-video"].properties
    assert video["duration"] == {**video["duration"], "enum": [5, 10], "default": 5}
    assert video["resolution"]["default"] == "1080p"
    assert by["model-variation"].properties["variation_strength"]["default"] == "subtle"


@pytest.mark.parametrize(("name", "inputs", "credits"), [
    ("tryon-v1.6", {}, 3),
    ("tryon-v1.6", {"num_samples": 4}, 12),
    ("product-to-model", {}, 3),
    ("product-to-model", {"face_reference": URL}, 5),
    ("product-to-model", {"face_reference": URL, "num_images": 3}, 15),
    ("face-to-model", {}, 3),
    ("model-create", {"num_images": 2}, 6),
    ("model-create", {"face_reference": URL, "num_images": 2}, 10),
    ("model-variation", {}, 3),
    ("model-swap", {"face_reference": URL}, 5),
    ("reframe", {"num_images": 2}, 4),
    ("background-change", {}, 2),
    ("background-remove", {}, 2),
    ("image-to-video", {"duration": 10, "resolution": "1080p"}, 5),
])
def test_its_own_credit_prices(name: str, inputs: dict[str, Any], credits: int) -> None:
    spec = concurred.BY_NAME[name]
    assert concurred.price(name, {**spec.defaults(), **inputs}) == credits


@given(count=st.integers(1, 4), face=st.booleans())
def test_prices_scale_with_outputs(count: int, face: bool) -> None:
    inputs = {"num_images": count, **({"face_reference": URL} if face else {})}
    for name in ("product-to-model", "model-create", "model-swap"):
        assert concurred.price(name, inputs) == (5 if face else 3) * count
    assert concurred.price("reframe", inputs) == 2 * count
    assert concurred.price("tryon-v1.6", {"num_samples": count}) == 3 * count


def test_documented_speeds() -> None:
    by = concurred.BY_NAME
    assert by["model-variation"].seconds({}) == (8, 10)
    assert by["model-swap"].seconds({}) == (10, 12)
    assert by["background-remove"].seconds({}) == (1, 3)
    assert by["reframe"].seconds({}) == (11, 13)
    assert by["tryon-v1.6"].seconds({"mode": "quality"}) == (12, 17)
    low, high = by["image-to-video"].seconds({"duration": 5, "resolution": "1080p"})
    assert 60 <= low <= high <= 180


def test_forms_validate_through_the_shared_parser() -> None:
    body = {"model_name": "background-change", "inputs": {"image": URL}}
    with pytest.raises(InvalidRequest, match=r"inputs\.prompt"):
        parse_run_body(body, concurred.BY_NAME, legacy_model=None)
    with pytest.raises(InvalidRequest, match="unknown model 'edit'"):
        parse_run_body({"model_name": "edit", "inputs": {"image": URL}}, concurred.BY_NAME,
                       legacy_model=None)
    run = parse_run_body({"model_name": "reframe", "inputs": {
        "image": URL, "aspect_ratio": "16:9", "mode": "aspect_ratio",
        "target_aspect_ratio": "16:9"}}, concurred.BY_NAME, legacy_model=None)
    assert run.ignored == ("aspect_ratio",)  # the current form is not Concurred's


def test_rate_windows_join_the_engines_unless_limits_are_off() -> None:
    documented = {"concurred.run": RateRule(30, 60), "concurred.subscribe": RateRule(30, 60),
                  "concurred.status": RateRule(40, 10)}
    assert documented == concurred.RATES
    engine = Engine(Config())
    assert {**concurred.RATES, "run": RateRule(50, 60)}.items() <= engine.rates.rules.items()
    assert Engine(Config(limits=False)).rates.rules == {}
    custom = Engine(Config(rates={"concurred.run": RateRule(2, 60)}))
    assert custom.rates.rules["concurred.run"] == RateRule(2, 60)
