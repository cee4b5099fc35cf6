"""Strict checking per dialect: Concurred and Pixazo requests against their own
contracts, and ``--strict`` recording each violation with its dialect."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock import Emulator
from fashn_mock.catalog.gateways import concurred
from fashn_mock.contract.components import example_inputs
from fashn_mock.contract.strict import NO_BODY, Violation, check_request

URL = "https://example.com/person.jpg"
RUN, STATUS = "/api/v1/fashion/run", "/api/v1/fashion/status/abc"
SUBMIT = "/fashn-virtual-try-on-917/v1/fashn-virtual-try-on-request"
RESULT = "/fashn-virtual-try-on/v1/fashn-virtual-try-on-request-result"
BEARER = {"Authorization": "Bearer k"}
SUBSCRIPTION = {"Ocp-Apim-Subscription-Key": "k"}


def concurred_check(method: str, path: str, body: Any = NO_BODY,
                    headers: dict[str, str] | None = None,
                    query: dict[str, str] | None = None) -> list[Violation]:
    return check_request(method, path, query, body, headers, dialect="concurred")


def pixazo_check(path: str, body: Any = NO_BODY, headers: dict[str, str] | None = None,
                 method: str = "POST") -> list[Violation]:
    return check_request(method, path, None, body, headers, dialect="pixazo")


@pytest.mark.parametrize("spec", concurred.MODELS, ids=lambda s: s.name)
def test_every_concurred_example_is_clean(spec: Any) -> None:
    body = {"model_name": spec.name, "inputs": example_inputs(spec)}
    for path in (RUN, "/api/v1/fashion/subscribe"):
        assert concurred_check("POST", path, body, BEARER) == []
    assert concurred_check("GET", STATUS, headers={"x-api-key": "k"}) == []


def test_concurred_violations_name_its_own_forms() -> None:
    found = concurred_check("POST", RUN, {"model_name": "edit", "inputs": {}}, {})
    assert [(v.location, v.field) for v in found] == [("header", "Authorization"),
                                                      ("body", "model_name")]
    assert "image-to-video" in found[1].contract and "edit" not in found[1].contract
    assert {v.dialect for v in found} == {"concurred"}
    reframe = concurred_check("POST", RUN, {"model_name": "reframe", "inputs": {
        "image": URL, "target_aspect_ratio": "21:9", "expansion": "x"}}, BEARER)
    assert [(v.field, v.problem) for v in reframe] == [
        ("inputs.expansion", "not an input of reframe (the API ignores it)"),
        ("inputs.target_aspect_ratio", '"21:9" is not an allowed value')]
    missing = concurred_check("POST", RUN, {"model_name": "background-change",
                                            "inputs": {"image": URL}}, BEARER)
    assert [v.field for v in missing] == ["inputs.prompt"]


def test_concurred_routes_headers_and_query() -> None:
    route = concurred_check("DELETE", RUN)
    assert route[0].location == "route" and "POST /api/v1/fashion/run" in route[0].contract
    assert concurred_check("GET", STATUS, headers={"Authorization": "Basic x"})[0].problem \
        == "not a Bearer token: 'Basic'"
    assert concurred_check("GET", STATUS, headers={"X-API-Key": " "})[0].problem == "missing"
    query = concurred_check("GET", STATUS, headers=BEARER, query={"verbose": "1"})
    assert [(v.location, v.field) for v in query] == [("query", "verbose")]
    assert str(query[0]).startswith("[concurred] query verbose")


def test_pixazo_submit_is_the_flat_body_in_either_vocabulary() -> None:
    body = {"model_image": URL, "garment_image": URL}
    assert pixazo_check(SUBMIT, {**body, "category": "top", "mode": "fast"},
                        SUBSCRIPTION) == []
    assert pixazo_check(SUBMIT, {**body, "category": "tops", "num_samples": 5},
                        SUBSCRIPTION) == []
    found = pixazo_check(SUBMIT, {"model_image": URL, "category": "hat", "num_samples": 6,
                                  "return_base64": True}, {})
    assert [(v.location, v.field) for v in found] == [
        ("header", "Ocp-Apim-Subscription-Key"), ("body", "category"),
        ("body", "garment_image"), ("body", "num_samples"), ("body", "return_base64")]
    assert {v.dialect for v in found} == {"pixazo"}
    assert pixazo_check(SUBMIT, [body], SUBSCRIPTION)[0].problem == "a JSON array"


@pytest.mark.parametrize(("body", "fields"), [
    ({"request_id": "fashn-req-1"}, []),
    ({}, ["request_id"]),
    ({"request_id": ""}, ["request_id"]),
    ({"request_id": 5, "extra": 1}, ["request_id", "extra"]),
    (NO_BODY, ["(body)"]),
])
def test_pixazo_result_body(body: Any, fields: list[str]) -> None:
    assert [v.field for v in pixazo_check(RESULT, body, SUBSCRIPTION)] == fields


def test_pixazo_routes_under_either_base_only() -> None:
    assert pixazo_check("/fashn-virtual-try-on/v1/fashn-virtual-try-on-request",
                        {"model_image": URL, "garment_image": URL}, SUBSCRIPTION) == []
    assert pixazo_check("/fashn-virtual-try-on-request", {}, SUBSCRIPTION)[0].location \
        == "route"
    assert pixazo_check(SUBMIT, method="GET")[0].location == "route"
    assert pixazo_check(SUBMIT, {}, {"ocp-apim-subscription-key": ""})[0].problem == "empty"


@given(body=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                         lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                         max_leaves=10),
       dialect=st.sampled_from(["concurred", "pixazo"]),
       path=st.sampled_from([RUN, STATUS, SUBMIT, RESULT, "/x", ""]))
def test_any_request_gives_violations_never_an_exception(body: Any, dialect: str,
                                                          path: str) -> None:
    found = check_request("POST", path, {"q": "1"}, body, {"x": "y"}, dialect=dialect)
    assert all(isinstance(v, Violation) and v.dialect == dialect for v in found)


def test_strict_journal_records_each_dialect_against_its_contract() -> None:
    emulator = Emulator(strict=True, manual_clock=True)
    with emulator.httpx_client() as client:
        client.post("/v1/run", json={"model_name": "tryon-v1.6", "inputs": {
            "model_image": URL, "garment_image": URL, "num_image": 2}},
            headers=BEARER)
        client.post(RUN, json={"model_name": "edit", "inputs": {"image": URL}},
                    headers={"X-API-Key": "k"})
        client.post(SUBMIT, json={"model_image": URL, "garment_image": URL,
                                  "category": "top", "moderation_level": "strict"},
                    headers=SUBSCRIPTION)  # clean: Pixazo's own values
        client.post(RESULT, json={"request_id": 7}, headers=SUBSCRIPTION)
        found = client.get("/_mock/violations").json()["violations"]
    by_path: dict[str, list[dict[str, str]]] = {}
    for violation in found:
        by_path.setdefault(violation["path"], []).append(violation)
    assert set(by_path) == {"/v1/run", RUN, RESULT}
    assert [(v["dialect"], v["field"]) for v in by_path["/v1/run"]] == [
        ("native", "inputs.num_image")]
    assert [(v["dialect"], v["field"]) for v in by_path[RUN]] == [("concurred", "model_name")]
    assert [(v["dialect"], v["field"]) for v in by_path[RESULT]] == [("pixazo", "request_id")]
    dialects = {e.path: e.dialect for e in emulator.journal()}
    assert dialects == {"/v1/run": "native", RUN: "concurred", SUBMIT: "pixazo",
                        RESULT: "pixazo"}
    assert {v.dialect for v in emulator.violations()} == {"native", "concurred", "pixazo"}


def test_a_body_refused_before_it_was_read_is_not_reported_missing() -> None:
    emulator = Emulator(strict=True, manual_clock=True)
    with emulator.httpx_client() as client:
        assert client.post("/v1/run", json={"model_name": "tryon-v1.6", "inputs": {
            "model_image": URL, "garment_image": URL}}).status_code == 401
        assert client.post(SUBMIT, json={"model_image": URL}).status_code == 401
        assert client.post("/v1/run", headers=BEARER).status_code == 400  # really none
    fields = [(v.dialect, v.location, v.field) for v in emulator.violations()]
    assert fields == [("native", "header", "Authorization"),
                      ("pixazo", "header", "Ocp-Apim-Subscription-Key"),
                      ("native", "body", "(body)")]
