"""The gateways' contracts are generated from the same catalog as ``openapi.yaml``: the
committed files cannot drift, they are valid OpenAPI, they say what each gateway's
face does (models, fields, envelopes, errors, headers, events), and the emulator
and the CLI serve them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from openapi_spec_validator import validate

from fashn_mock import Emulator
from fashn_mock.catalog.gateways import concurred, pixazo
from fashn_mock.catalog.gateways.pixazo import BASES
from fashn_mock.catalog.gateways.pixazo import ERROR_TEXTS as TEXTS
from fashn_mock.cli import cli
from fashn_mock.contract.components import component_name
from fashn_mock.contract.document import document
from fashn_mock.contract.openapi import DIALECTS, build, file_name, render_yaml
from fashn_mock.engine import errors
from fashn_mock.faces.concurred.errors import wire_form as concurred_wire
from fashn_mock.faces.pixazo import bodies
from fashn_mock.validation import parse_run_body

ROOT = Path(__file__).resolve().parents[2]
GATEWAYS = ("concurred", "pixazo")
FIELD_KEYWORDS = ("type", "enum", "minimum", "maximum", "default", "minLength", "const")


def committed(dialect: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / file_name(dialect)).read_text())
    return loaded


@pytest.mark.parametrize("dialect", GATEWAYS)
def test_committed_files_are_the_generated_ones(dialect: str) -> None:
    assert (ROOT / file_name(dialect)).read_text() == render_yaml(dialect), \
        f"{file_name(dialect)} drifted: run `fashn-mock openapi --dialect {dialect} > " \
        f"{file_name(dialect)}`"


def test_file_names_and_the_native_default() -> None:
    assert [file_name(d) for d in DIALECTS] == [
        "openapi.yaml", "openapi.concurred.yaml", "openapi.pixazo.yaml"]
    assert render_yaml() == render_yaml("native")
    with pytest.raises(ValueError, match="unknown dialect 'soap'"):
        build("soap")


@pytest.mark.parametrize(("dialect", "version"), [("concurred", "3.2.0"),
                                                  ("pixazo", "3.1.0")])
def test_valid_openapi(dialect: str, version: str) -> None:
    contract = committed(dialect)
    assert contract["openapi"] == version
    validate(contract)


def test_the_wheel_ships_every_contract() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    for dialect in DIALECTS:
        name = file_name(dialect)
        assert f'"{name}" = "fashn_mock/{name}"' in pyproject


# --- Concurred ----------------------------------------------------------------------------
CONCURRED = committed("concurred")
C_SCHEMAS = CONCURRED["components"]["schemas"]
C_PATHS = CONCURRED["paths"]


def test_concurred_routes_and_security() -> None:
    assert {(p, m) for p, item in C_PATHS.items() for m in item} == {
        ("/api/v1/fashion/run", "post"), ("/api/v1/fashion/status/{id}", "get"),
        ("/api/v1/fashion/subscribe", "post")}
    assert CONCURRED["security"] == [{"bearerAuth": []}, {"apiKeyAuth": []}]  # either one
    schemes = CONCURRED["components"]["securitySchemes"]
    assert schemes["apiKeyAuth"] == {**schemes["apiKeyAuth"], "type": "apiKey",
                                     "in": "header", "name": "X-API-Key"}
    assert schemes["bearerAuth"]["scheme"] == "bearer"


@pytest.mark.parametrize("spec", concurred.MODELS, ids=lambda s: s.name)
def test_concurred_inputs_are_its_catalog_forms(spec: Any) -> None:
    contract = C_SCHEMAS[component_name(spec) + "Inputs"]
    assert contract["required"] == list(spec.required)
    assert set(contract["properties"]) == set(spec.properties)
    for name, field in spec.properties.items():
        for keyword in FIELD_KEYWORDS:
            assert contract["properties"][name].get(keyword) == field.get(keyword), name
    request = C_SCHEMAS[component_name(spec) + "Request"]
    assert request["properties"]["model_name"] == {"const": spec.name}


def test_concurred_run_body_is_one_of_its_ten_models() -> None:
    names = [spec.name for spec in concurred.MODELS]
    assert len(names) == 10 and C_SCHEMAS["ModelName"]["enum"] == names
    refs = [r["$ref"].rsplit("/", 1)[1] for r in C_SCHEMAS["RunRequest"]["oneOf"]]
    assert refs == [component_name(s) + "Request" for s in concurred.MODELS]
    for path in ("/api/v1/fashion/run", "/api/v1/fashion/subscribe"):
        examples = C_PATHS[path]["post"]["requestBody"]["content"]["application/json"][
            "examples"]
        assert set(examples) == set(names)
        for example in examples.values():
            parse_run_body(example["value"], concurred.BY_NAME, legacy_model=None)


DOCUMENTED = {("/api/v1/fashion/run", "post"): {"200", "400", "401", "413", "429", "500",
                                                "503"},
              ("/api/v1/fashion/status/{id}", "get"): {"200", "401", "404", "429", "500",
                                                       "503"},
              ("/api/v1/fashion/subscribe", "post"): {"200", "400", "401", "413", "429",
                                                      "500", "503"}}


@pytest.mark.parametrize(("path", "method"), DOCUMENTED)
def test_concurred_responses_carry_rate_headers(path: str, method: str) -> None:
    responses = C_PATHS[path][method]["responses"]
    assert set(responses) == DOCUMENTED[(path, method)]
    for status, response in responses.items():
        assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(
            response["headers"])
        assert ("Retry-After" in response["headers"]) == (status == "429")
    for name in ("RateLimitLimit", "RateLimitRemaining", "RateLimitReset", "RetryAfter"):
        assert CONCURRED["components"]["headers"][name]["required"] is True


REFUSALS = [errors.InvalidRequest("x"), errors.BodyTooLarge(10), errors.Unauthenticated(
    "missing"), errors.UnknownPrediction("p"), errors.RateLimited("concurred.run", None),
    errors.NoFreeSlot(6, 1.0), errors.OutOfCredits(3, 0), errors.ServiceFault("unavailable", "m"),
    errors.ServiceFault("internal", "m"), errors.Unsupported("x")]


@pytest.mark.parametrize("error", REFUSALS, ids=lambda e: type(e).__name__)
def test_every_concurred_refusal_is_documented(error: errors.DomainError) -> None:
    status, code, message, _ = concurred_wire(error)
    body = {"success": False, "error": {"code": code, "message": message},
            "meta": {"requestId": "3f1c2b9a-6d4e-4f7a-9b2c-1e5d8a7c6b40",
                     "timestamp": "2026-03-04T12:00:00.000Z"}}
    from fashn_mock.contract.openapi_concurred import ERROR_SCHEMAS

    doc = document("concurred")
    assert doc.schema_errors(f"/components/schemas/{ERROR_SCHEMAS[status]}", body) == []
    assert doc.schema_errors("/components/schemas/ErrorResponse",
                             {**body, "success": True})


def test_concurred_events_are_described_per_event() -> None:
    stream = C_PATHS["/api/v1/fashion/subscribe"]["post"]["responses"]["200"]["content"][
        "text/event-stream"]
    item = stream["itemSchema"]
    assert item["then"]["properties"]["data"] == {
        "contentMediaType": "application/json",
        "contentSchema": {"$ref": "#/components/schemas/FashionEvent"}}
    assert item["else"]["properties"]["data"] == {"const": "[DONE]"}
    kinds = [C_SCHEMAS[r["$ref"].rsplit("/", 1)[1]]["properties"]["type"]["const"]
             for r in C_SCHEMAS["FashionEvent"]["oneOf"]]
    assert kinds == ["job_submitted", "status_update", "completed", "failed", "error"]
    order = stream["x-fashn-mock-event-order"]
    assert order["first"] == "job_submitted" and order["done"] == "[DONE]"
    assert order["repeated"]["order"] == ["in_queue", "processing"]
    assert set(order["last"]) == {"completed", "failed", "error"}
    assert C_SCHEMAS["CompletedEvent"]["properties"]["error"] == {"type": "null"}


# --- Pixazo -------------------------------------------------------------------------------
PIXAZO = committed("pixazo")
P_SCHEMAS = PIXAZO["components"]["schemas"]


def test_pixazo_servers_security_and_routes() -> None:
    urls = [server["url"] for server in PIXAZO["servers"]]
    assert [f"https://gateway.pixazo.ai{base}" for base in BASES] == urls[:2]
    assert set(PIXAZO["paths"]) == {"/fashn-virtual-try-on-request",
                                    "/fashn-virtual-try-on-request-result"}
    scheme = PIXAZO["components"]["securitySchemes"]["subscriptionKey"]
    assert (scheme["in"], scheme["name"]) == ("header", "Ocp-Apim-Subscription-Key")
    assert document("pixazo").bases == tuple(sorted(BASES, key=len, reverse=True))


def test_pixazo_request_is_the_flat_catalog_body() -> None:
    request = P_SCHEMAS["TryOnRequest"]
    assert request["properties"] == pixazo.SPEC.inputs_schema()["properties"]
    assert request["required"] == ["model_image", "garment_image"]
    assert request["properties"]["num_samples"]["maximum"] == 5
    examples = PIXAZO["paths"]["/fashn-virtual-try-on-request"]["post"]["requestBody"][
        "content"]["application/json"]["examples"]
    for example in examples.values():
        bodies.parse_request(example["value"])


def test_pixazo_errors_are_exactly_one_text() -> None:
    for path, statuses in (("/fashn-virtual-try-on-request", {400, 401, 403, 429, 500}),
                           ("/fashn-virtual-try-on-request-result",
                            {400, 401, 403, 404, 429, 500})):
        responses = PIXAZO["paths"][path]["post"]["responses"]
        assert {int(s) for s in responses} - {200} == statuses
        assert statuses <= set(TEXTS)
        assert ("headers" in responses["429"]) and "Retry-After" in responses["429"]["headers"]
    doc = document("pixazo")
    assert doc.schema_errors("/components/schemas/ErrorResponse", {"error": "x"}) == []
    assert doc.schema_errors("/components/schemas/ErrorResponse",
                             {"error": "x", "message": "y"})


@pytest.mark.parametrize(("body", "valid"), [
    ({"status": "IN_QUEUE", "request_id": "fashn-req-1", "queue_position": 0,
      "estimated_time_remaining_seconds": 3}, True),
    ({"status": "IN_PROGRESS", "request_id": "fashn-req-1", "queue_position": -1,
      "estimated_time_remaining_seconds": 3}, False),
    ({"status": "COMPLETED", "request_id": "fashn-req-1",
      "images": [{"url": "https://x/o.png", "width": 1, "height": 2,
                  "content_type": "image/png"}],
      "metadata": {"mode": "fast", "num_samples": 5, "output_format": "png",
                   "processing_time_seconds": 0}}, True),
    ({"status": "COMPLETED", "request_id": "fashn-req-1",
      "images": [{"url": "https://x/o.png", "width": 1, "height": 2,
                  "content_type": "image/webp"}],
      "metadata": {"mode": "fast", "num_samples": 1, "output_format": "png",
                   "processing_time_seconds": 0}}, False),
    ({"status": "FAILED", "request_id": "fashn-req-1", "error_code": "INVALID_IMAGE_URI",
      "error_message": "m"}, True),
    ({"status": "FAILED", "request_id": "req-1", "error_code": "X", "error_message": "m"},
     False),
    ({"status": "DONE", "request_id": "fashn-req-1"}, False),
])
def test_pixazo_result_is_one_of_three_shapes(body: dict[str, Any], valid: bool) -> None:
    found = document("pixazo").schema_errors("/components/schemas/ResultResponse", body)
    assert (found == []) == valid, found


# --- served and printed ---------------------------------------------------------------------
@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_cli_prints_each_contract(dialect: str) -> None:
    result = CliRunner().invoke(cli, ["openapi", "--dialect", dialect])
    assert result.exit_code == 0 and result.output == render_yaml(dialect)


def test_the_cli_reads_the_dialect_from_the_environment_and_refuses_others(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASHN_MOCK_OPENAPI_DIALECT", "pixazo")
    assert CliRunner().invoke(cli, ["openapi"]).output == render_yaml("pixazo")
    result = CliRunner().invoke(cli, ["openapi", "--dialect", "soap"])
    assert result.exit_code == 2 and "Invalid value for '--dialect'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_emulator_serves_each_contract(dialect: str) -> None:
    with Emulator().httpx_client() as client:
        response = client.get("/openapi.yaml", params={"dialect": dialect})
        assert response.status_code == 200 and response.text == render_yaml(dialect)
        assert response.headers["content-type"].startswith("application/yaml")
        assert client.get("/openapi.yaml").text == render_yaml()


@pytest.mark.parametrize("value", ["soap", "", "x" * 10_000, "native\x00"])
def test_an_unknown_dialect_is_a_404_in_one_line(value: str) -> None:
    with Emulator().httpx_client() as client:
        response = client.get("/openapi.yaml", params={"dialect": value})
    assert response.status_code == 404 and len(response.text) < 300
    assert "known: native, concurred, pixazo" in response.json()["message"]
