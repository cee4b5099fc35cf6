from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from fashn_mock import catalog
from fashn_mock.catalog import rules
from tests.support import MINIMAL_INPUTS

DOCUMENTED = {
    "tryon-max", "tryon-v1.6", "tryon-v1.5", "product-to-model", "face-to-model",
    "model-create", "model-variation", "model-swap", "reframe", "background-change",
    "background-remove", "image-to-video", "edit", "packshot",
}
SDK_MODELS = DOCUMENTED - {"tryon-v1.5", "model-variation"}


def test_every_documented_model_is_in_the_catalog() -> None:
    assert set(catalog.BY_NAME) == DOCUMENTED
    assert {spec.name for spec in catalog.MODELS if not spec.legacy} == SDK_MODELS


@pytest.mark.parametrize("spec", catalog.MODELS, ids=lambda s: s.name)
def test_inputs_schema_is_valid_json_schema(spec: catalog.ModelSpec) -> None:
    Draft202012Validator.check_schema(spec.inputs_schema())
    for name in spec.required:
        assert name in spec.properties


@pytest.mark.parametrize("spec", catalog.MODELS, ids=lambda s: s.name)
def test_defaults_satisfy_their_own_schema(spec: catalog.ModelSpec) -> None:
    for name, default in spec.defaults().items():
        Draft202012Validator(spec.properties[name]).validate(default)


@pytest.mark.parametrize("spec", catalog.MODELS, ids=lambda s: s.name)
def test_minimal_inputs_price_time_and_size(spec: catalog.ModelSpec) -> None:
    inputs = {**spec.defaults(), **MINIMAL_INPUTS[spec.name]}
    assert spec.credits(inputs) >= 1
    low, high = spec.seconds(inputs)
    assert 0 < low <= high
    width, height = spec.geometry(inputs, {})
    assert width > 0 and height > 0


def test_shared_seed_and_count_ranges() -> None:
    for spec in catalog.MODELS:
        if "seed" in spec.properties:
            assert spec.properties["seed"]["minimum"] == 0
            assert spec.properties["seed"]["maximum"] == 2**32 - 1
        for name in ("num_images", "num_samples"):
            if name in spec.properties:
                assert (spec.properties[name]["minimum"], spec.properties[name]["maximum"]) \
                    == (1, 4)


def test_union_of_documented_forms() -> None:
    reframe = catalog.BY_NAME["reframe"]
    assert reframe.required == ("image",)
    assert {"aspect_ratio", "mode", "target_direction", "target_aspect_ratio"} \
        <= set(reframe.properties)
    assert set(catalog.BY_NAME["face-to-model"].properties["aspect_ratio"]["enum"]) \
        == set(rules.SIZES_1K)


def test_face_to_model_defaults_to_jpeg_and_two_thirds() -> None:
    spec = catalog.BY_NAME["face-to-model"]
    assert spec.defaults()["output_format"] == "jpeg"
    assert spec.geometry(spec.defaults(), {}) == (832, 1248)


def test_try_on_models_can_raise_pose_errors() -> None:
    assert "PoseError" in catalog.BY_NAME["tryon-v1.6"].runtime_errors
    assert "PoseError" not in catalog.BY_NAME["edit"].runtime_errors
