"""The contract is generated from the catalog: the committed file cannot drift, and
for every model and field the two agree in both directions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from fashn_mock import catalog
from fashn_mock.catalog import RUNTIME_ERRORS
from fashn_mock.contract.components import component_name
from fashn_mock.contract.openapi import render_yaml
from fashn_mock.faces.native.errors import HTTP_ERRORS

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = yaml.safe_load((ROOT / "openapi.yaml").read_text())
SCHEMAS = COMMITTED["components"]["schemas"]
FIELD_KEYWORDS = ("type", "enum", "minimum", "maximum", "default", "minLength", "const")


def test_committed_file_is_the_generated_one() -> None:
    assert (ROOT / "openapi.yaml").read_text() == render_yaml(), \
        "openapi.yaml drifted: run `fashn-mock openapi > openapi.yaml`"


def test_contract_is_valid_openapi_31() -> None:
    assert COMMITTED["openapi"].startswith("3.1")
    validate(COMMITTED)


def test_the_wheel_ships_the_contract() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"openapi.yaml" = "fashn_mock/openapi.yaml"' in pyproject


def inputs_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = SCHEMAS[component_name(catalog.BY_NAME[name]) + "Inputs"]
    return schema


@pytest.mark.parametrize("spec", catalog.MODELS, ids=lambda s: s.name)
def test_every_catalog_field_is_in_the_contract(spec: catalog.ModelSpec) -> None:
    contract = inputs_schema(spec.name)
    assert contract["required"] == list(spec.required)
    assert set(contract["properties"]) == set(spec.properties)
    for name, field in spec.properties.items():
        documented = contract["properties"][name]
        for keyword in FIELD_KEYWORDS:
            assert documented.get(keyword) == field.get(keyword), (name, keyword)
        assert documented.get("description"), f"{spec.name}.{name} has no description"
        assert "type" in documented, f"{spec.name}.{name} has no type"
    groups = [g["required"] for g in contract.get("anyOf", [])]
    assert groups == [list(g) for g in spec.any_of_required]


@pytest.mark.parametrize("name", [n for n in SCHEMAS if n.endswith("Inputs")])
def test_every_contract_schema_is_a_catalog_model(name: str) -> None:
    request = SCHEMAS[name.removesuffix("Inputs") + "Request"]
    model = request["properties"]["model_name"]["const"]
    spec = catalog.BY_NAME[model]
    assert component_name(spec) + "Inputs" == name
    contract = SCHEMAS[name]
    for field, documented in contract["properties"].items():
        assert field in spec.properties, f"{model}.{field} is not in the catalog"
        for keyword in FIELD_KEYWORDS:
            assert spec.properties[field].get(keyword) == documented.get(keyword)
    assert request["required"] == ["model_name", "inputs"]
    assert request["properties"]["inputs"] == {"$ref": f"#/components/schemas/{name}"}


def test_run_body_is_one_of_every_model_plus_the_legacy_form() -> None:
    refs = [item["$ref"].rsplit("/", 1)[1] for item in SCHEMAS["RunRequest"]["oneOf"]]
    expected = [component_name(s) + "Request" for s in catalog.MODELS]
    assert refs == [*expected, "LegacyTryOnRequest"]
    legacy = SCHEMAS["LegacyTryOnRequest"]
    assert legacy["properties"] == SCHEMAS[
        component_name(catalog.BY_NAME[catalog.LEGACY_BODY_MODEL]) + "Inputs"]["properties"]
    assert legacy["not"] == {"anyOf": [{"required": ["model_name"]},
                                       {"required": ["inputs"]}]}


def test_error_names_and_runtime_errors_come_from_the_catalog() -> None:
    assert SCHEMAS["ErrorResponse"]["properties"]["error"]["enum"] == list(HTTP_ERRORS)
    names = SCHEMAS["RuntimeError"]["properties"]["name"]["enum"]
    assert names == [*RUNTIME_ERRORS, "PollingTimeout"]
    too_many = SCHEMAS["TooManyRequestsError"]["allOf"][1]["properties"]["error"]["enum"]
    assert too_many == ["RateLimitExceeded", "ConcurrencyLimitExceeded", "OutOfCredits"]


DOCUMENTED = {
    ("/v1/run", "post"): {"200", "400", "401", "413", "429", "500"},
    ("/v1/status/{id}", "get"): {"200", "401", "404", "429", "500"},
    ("/v1/credits", "get"): {"200", "401", "429", "500"},
}


@pytest.mark.parametrize(("path", "method"), DOCUMENTED)
def test_every_documented_response_has_a_body_schema_and_headers(path: str,
                                                                method: str) -> None:
    responses = COMMITTED["paths"][path][method]["responses"]
    assert set(responses) == DOCUMENTED[(path, method)]
    for status, response in responses.items():
        assert response["content"]["application/json"]["schema"]["$ref"]
        headers = response["headers"]
        assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(
            headers)
        assert ("Retry-After" in headers) == (status == "429")
    assert COMMITTED["components"]["headers"]["RetryAfter"]["required"] is True


def test_status_carries_credits_used_and_links_chain_run_to_status() -> None:
    paths = COMMITTED["paths"]
    status_ok = paths["/v1/status/{id}"]["get"]["responses"]["200"]
    assert "x-fashn-credits-used" in status_ok["headers"]
    link = paths["/v1/run"]["post"]["responses"]["200"]["links"]["GetStatus"]
    assert link == {"operationId": "getStatus", "parameters": {"id": "$response.body#/id"},
                    "description": link["description"]}
    webhook = paths["/v1/run"]["post"]["parameters"][0]
    assert webhook["name"] == "webhook_url" and webhook["in"] == "query"
    payload = COMMITTED["webhooks"]["predictionFinished"]["post"]["requestBody"]
    assert payload["content"]["application/json"]["schema"]["$ref"].endswith("WebhookPayload")


def test_status_lifecycle_is_in_the_contract() -> None:
    status = SCHEMAS["StatusResponse"]
    assert status["properties"]["status"]["enum"] == [
        "starting", "in_queue", "processing", "completed", "failed", "canceled", "time_out"]
    rules = {tuple(r["if"]["properties"]["status"].get("enum", [])) or
             r["if"]["properties"]["status"]["const"]: r["then"] for r in status["allOf"]}
    assert rules["completed"]["required"] == ["output"]
    assert rules["failed"]["properties"]["error"] == {"$ref": "#/components/schemas/RuntimeError"}
    assert rules[("starting", "in_queue", "processing")]["properties"]["error"] == {
        "type": "null"}


def test_request_examples_are_valid_bodies() -> None:
    from fashn_mock.validation import parse_run_body

    examples = COMMITTED["paths"]["/v1/run"]["post"]["requestBody"]["content"][
        "application/json"]["examples"]
    assert set(examples) == set(catalog.BY_NAME)
    for example in examples.values():
        parse_run_body(example["value"])
