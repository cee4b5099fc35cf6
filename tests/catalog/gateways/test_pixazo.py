"""Pixazo as data: its spec, the enum mapping both ways, error codes and price."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from fashn_mock import catalog
from fashn_mock.catalog.gateways import pixazo

NATIVE = catalog.BY_NAME["tryon-v1.6"]
MAPPED = tuple(pixazo.PIXAZO_VALUES)
DOCUMENTED_MAPPING = {
    ("category", "auto"): "auto", ("category", "top"): "tops",
    ("category", "bottom"): "bottoms", ("category", "dress"): "one-pieces",
    ("category", "outerwear"): "tops",
    ("mode", "fast"): "performance", ("mode", "balanced"): "balanced",
    ("mode", "high_quality"): "quality",
    ("garment_photo_type", "auto"): "auto", ("garment_photo_type", "on_model"): "model",
    ("garment_photo_type", "flat_lay"): "flat-lay",
    ("moderation_level", "strict"): "conservative",
    ("moderation_level", "moderate"): "permissive",
    ("moderation_level", "permissive"): "permissive",
}
"""Every value of Pixazo's parameter table and the native value it runs as."""


def test_the_spec_is_tryon_v16_with_the_union_of_values_and_five_samples() -> None:
    spec = pixazo.SPEC
    Draft202012Validator.check_schema(spec.inputs_schema())
    assert spec.name == NATIVE.name and spec.required == NATIVE.required
    assert spec.geometry is NATIVE.geometry and spec.seconds is NATIVE.seconds
    for name in MAPPED:
        assert spec.properties[name]["enum"][:len(NATIVE.properties[name]["enum"])] \
            == NATIVE.properties[name]["enum"]
        assert set(spec.properties[name]["enum"]) == \
            set(NATIVE.properties[name]["enum"]) | set(pixazo.PIXAZO_VALUES[name])
    assert spec.properties["num_samples"]["maximum"] == 5
    assert NATIVE.properties["num_samples"]["maximum"] == 4  # the native spec is untouched
    assert "return_base64" not in spec.properties and "seed" in spec.properties
    assert spec.defaults() == {k: v for k, v in NATIVE.defaults().items()
                               if k != "return_base64"}


def test_every_value_of_pixazos_table_maps_as_documented() -> None:
    assert {(f, v) for f, values in pixazo.PIXAZO_VALUES.items() for v in values} \
        == set(DOCUMENTED_MAPPING)
    for (name, value), native in DOCUMENTED_MAPPING.items():
        assert pixazo.native_inputs({name: value}) == {name: native}


@given(st.fixed_dictionaries({}, optional={
    name: st.sampled_from(pixazo.SPEC.properties[name]["enum"]) for name in MAPPED}),
    st.integers(1, 4), st.booleans())
def test_any_accepted_body_maps_into_the_native_schema(
        chosen: dict[str, Any], samples: int, segmentation_free: bool) -> None:
    inputs = {"model_image": "https://example.com/a.jpg",
              "garment_image": "https://example.com/b.jpg", "num_samples": samples,
              "segmentation_free": segmentation_free, **chosen}
    Draft202012Validator(pixazo.SPEC.inputs_schema()).validate(inputs)
    native = pixazo.native_inputs(inputs)
    Draft202012Validator(NATIVE.inputs_schema()).validate(native)
    assert native.keys() == inputs.keys()
    assert pixazo.native_inputs(native) == native  # native values are left alone


@pytest.mark.parametrize("name", MAPPED)
def test_native_values_pass_unchanged(name: str) -> None:
    for value in NATIVE.properties[name]["enum"]:
        assert pixazo.native_inputs({name: value}) == {name: value}


def test_mode_maps_back_to_pixazos_words() -> None:
    for mode in pixazo.PIXAZO_VALUES["mode"]:
        assert pixazo.PIXAZO_MODE[pixazo.native_inputs({"mode": mode})["mode"]] == mode
    assert set(pixazo.PIXAZO_MODE) == set(NATIVE.properties["mode"]["enum"])


def test_every_runtime_error_has_an_error_code() -> None:
    assert set(pixazo.ERROR_CODES) == set(catalog.RUNTIME_ERRORS)
    assert pixazo.error_code("ImageLoadError") == "INVALID_IMAGE_URI"
    assert pixazo.error_code("NoSuchError") == pixazo.FALLBACK_CODE
    codes = [*pixazo.ERROR_CODES.values(), pixazo.FALLBACK_CODE,
             *(code for code, _ in pixazo.INTERRUPTIONS.values())]
    assert all(re.fullmatch(r"[A-Z]+(?:_[A-Z]+)*", code) for code in codes)
    assert set(pixazo.INTERRUPTIONS) == {"canceled", "time_out"}


def test_price_is_dollars_per_request_and_no_credits() -> None:
    assert pixazo.PRICE_USD == 0.075 and pixazo.CREDITS == 0
