"""Strict client checking: one request in, the contract's complaints out."""

from __future__ import annotations

from typing import Any

import pytest

from fashn_mock import catalog
from fashn_mock.contract.components import example_inputs
from fashn_mock.contract.strict import NO_BODY, Violation, check_request
from tests.support import URL, tryon

AUTH = {"Authorization": "Bearer fa-key"}


def fields(violations: list[Violation]) -> list[str]:
    return [v.field for v in violations]


@pytest.mark.parametrize("spec", catalog.MODELS, ids=lambda s: s.name)
def test_every_model_example_is_clean(spec: catalog.ModelSpec) -> None:
    body = {"model_name": spec.name, "inputs": example_inputs(spec)}
    assert check_request("POST", "/v1/run", {}, body, AUTH) == []


def test_clean_requests_have_no_violations() -> None:
    assert check_request("GET", "/v1/status/abc", {}, NO_BODY, AUTH) == []
    assert check_request("GET", "/v1/credits") == []
    assert check_request("POST", "/v1/run", {"webhook_url": "https://example.com/h"},
                         tryon(num_samples=4, category="tops")) == []
    assert check_request("POST", "/v1/run", {}, {"model_image": URL,
                                                 "garment_image": URL}) == []


def test_each_violation_names_the_field_and_what_the_contract_says() -> None:
    found = check_request("POST", "/v1/run", {}, tryon(num_samples=5, category="shirt"))
    by_field = {v.field: v for v in found}
    assert set(by_field) == {"inputs.num_samples", "inputs.category"}
    assert by_field["inputs.num_samples"].problem == "5 is out of range"
    assert by_field["inputs.num_samples"].contract.startswith("integer, 1..4, default 1")
    assert '"tops"' in by_field["inputs.category"].contract
    assert by_field["inputs.category"].as_json()["location"] == "body"


@pytest.mark.parametrize(("inputs", "field", "problem"), [
    ({"seed": "42"}, "inputs.seed", '"42" is string, expected integer'),
    ({"return_base64": 1}, "inputs.return_base64", "1 is integer, expected boolean"),
    ({"model_image": ""}, "inputs.model_image", "must not be empty"),
    ({"num_sampels": 2}, "inputs.num_sampels", "not an input of tryon-v1.6 (the API ignores it)"),
])
def test_field_problems(inputs: dict[str, Any], field: str, problem: str) -> None:
    found = check_request("POST", "/v1/run", {}, tryon(**inputs))
    assert [(v.field, v.problem) for v in found] == [(field, problem)]


def test_missing_required_and_alternatives() -> None:
    found = check_request("POST", "/v1/run", {}, {"model_name": "tryon-v1.6",
                                                  "inputs": {"model_image": URL}})
    assert fields(found) == ["inputs.garment_image"]
    assert found[0].contract == "tryon-v1.6 requires: model_image, garment_image"
    edit = check_request("POST", "/v1/run", {}, {"model_name": "edit",
                                                 "inputs": {"image": URL}})
    assert [v.contract for v in edit] == ["edit needs one of: prompt or mask_image"]


@pytest.mark.parametrize(("body", "field", "problem"), [
    (NO_BODY, "(body)", "missing"),
    ([1], "(body)", "a JSON array"),
    ({"model_name": "tryon-v9", "inputs": {}}, "model_name", "unknown model \"tryon-v9\""),
    ({"inputs": {}}, "model_name", "missing"),
    ({"model_name": "edit", "inputs": "x"}, "inputs", "a JSON string"),
])
def test_body_shape(body: Any, field: str, problem: str) -> None:
    found = check_request("POST", "/v1/run", {}, body)
    assert (found[0].field, found[0].problem) == (field, problem)


def test_unknown_body_keys_query_parameters_routes_and_auth() -> None:
    found = check_request("POST", "/v1/run", {"webhook": "x"},
                          {**tryon(), "webhook_url": "https://e.com"}, {})
    assert {(v.location, v.field) for v in found} == {
        ("header", "Authorization"), ("query", "webhook"), ("body", "webhook_url")}
    assert check_request("GET", "/v1/credits", headers={"authorization": "Basic x"})[0] \
        .problem == "not a Bearer token: 'Basic'"
    route = check_request("DELETE", "/v1/status/abc")
    assert route[0].location == "route" and "GET /v1/status/{id}" in route[0].contract


@pytest.mark.parametrize("url", ["ftp://example.com", "https://exa mple.com", "https://Ï",
                                 "example.com", "", "HTTPS://example.com", "https://[x"])
def test_webhook_url_must_be_an_http_uri(url: str) -> None:
    found = check_request("POST", "/v1/run", {"webhook_url": url}, tryon())
    assert fields(found) == ["webhook_url"]
    assert "^https?://" in found[0].contract


def test_legacy_flat_body_is_checked_as_tryon_v15() -> None:
    found = check_request("POST", "/v1/run", {}, {"model_image": URL, "category": "hat"})
    assert fields(found) == ["category", "garment_image"]
