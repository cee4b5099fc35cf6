"""The dialect objects the suites speak through: base URLs, keys, submissions and
status readings, prices and balances, per dialect."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fashn_mock import Emulator
from fashn_mock.contract.budget import UNLOADABLE_IMAGE
from fashn_mock.contract.known_dialects import NAMES, get
from fashn_mock.contract.target import Sender, Target

URL = "https://example.com/person.jpg"


@pytest.mark.parametrize(("dialect", "given", "base_url", "base_path"), [
    ("native", "https://api.fashn.ai/v1/", "https://api.fashn.ai", ""),
    ("concurred", "https://agent-heavy.vercel.app/api/v1/fashion",
     "https://agent-heavy.vercel.app", ""),
    ("concurred", "http://127.0.0.1:8000", "http://127.0.0.1:8000", ""),
    ("pixazo", "https://gateway.pixazo.ai/fashn-virtual-try-on/v1/",
     "https://gateway.pixazo.ai", "/fashn-virtual-try-on/v1"),
    ("pixazo", "https://gateway.pixazo.ai/fashn-virtual-try-on-917/v1",
     "https://gateway.pixazo.ai", "/fashn-virtual-try-on-917/v1"),
    ("pixazo", "http://127.0.0.1:8000", "http://127.0.0.1:8000",
     "/fashn-virtual-try-on-917/v1"),
])
def test_a_base_url_names_the_server_and_the_dialect_base(
        dialect: str, given: str, base_url: str, base_path: str) -> None:
    target = Target(given, "k", dialect=dialect)
    assert (target.base_url, target.base_path) == (base_url, base_path)
    assert target.api_url == base_url + base_path


def test_an_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dialect 'soap'"):
        Target("http://x", "k", dialect="soap")
    assert tuple(NAMES) == ("native", "concurred", "pixazo")


@pytest.mark.parametrize(("dialect", "host"), [("native", "https://api.fashn.ai"),
                                               ("concurred", "https://agent-heavy.vercel.app"),
                                               ("pixazo", "https://gateway.pixazo.ai")])
def test_real_hosts_are_never_probed(dialect: str, host: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"probed {request.url}")

    target = Target(host, "k", dialect=dialect,
                    client_factory=lambda **kw: httpx.Client(
                        transport=httpx.MockTransport(refuse), **kw))
    Sender(target).close()
    assert target.is_emulator is False and target.clock_control is False


@pytest.mark.parametrize(("dialect", "header"), [
    ("native", ("Authorization", "Bearer k")), ("concurred", ("Authorization", "Bearer k")),
    ("pixazo", ("Ocp-Apim-Subscription-Key", "k"))])
def test_keys_go_where_each_dialect_reads_them(dialect: str, header: tuple[str, str]) -> None:
    assert get(dialect).auth("k") == dict([header])


def reading(dialect: str, body: Any) -> tuple[Any, ...]:
    response = httpx.Response(200, json=body)
    found = get(dialect).read_status(response)
    return found.status, found.output, found.error


def test_statuses_read_in_the_native_vocabulary() -> None:
    assert reading("concurred", {"success": True, "data": {
        "prediction_id": "p", "status": "completed", "output": ["u"], "error": None}}) \
        == ("completed", ["u"], None)
    assert reading("concurred", {"success": True}) == (None, None, None)
    assert reading("pixazo", {"status": "IN_QUEUE", "request_id": "r"})[0] == "in_queue"
    assert reading("pixazo", {"status": "IN_PROGRESS"})[0] == "processing"
    assert reading("pixazo", {"status": "COMPLETED", "images": [{"url": "a"}, {"url": "b"}]}) \
        == ("completed", ["a", "b"], None)
    assert reading("pixazo", {"status": "FAILED", "error_code": "POSE_DETECTION_FAILED",
                              "error_message": "m"}) == \
        ("failed", None, {"name": "POSE_DETECTION_FAILED", "message": "m"})
    assert reading("pixazo", {"status": "done"})[0] is None


def test_error_names_and_out_of_credits() -> None:
    concurred, pixazo = get("concurred"), get("pixazo")
    refusal = httpx.Response(429, json={"success": False, "error": {
        "code": "INSUFFICIENT_CREDITS", "message": "m"}})
    assert concurred.error_name(refusal) == "INSUFFICIENT_CREDITS"
    assert concurred.out_of_credits(refusal) and not get("native").out_of_credits(refusal)
    text = httpx.Response(400, json={"error": "Invalid request parameters: category: x"})
    assert pixazo.error_name(text) == "Invalid request parameters"
    scripted = httpx.Response(429, json={
        "error": "Rate limit exceeded, please retry later (scripted by fashn-mock)"})
    assert pixazo.error_name(scripted) == "Rate limit exceeded, please retry later"
    assert not pixazo.out_of_credits(scripted)


def test_prices_per_dialect() -> None:
    concurred, pixazo = get("concurred").pricing, get("pixazo").pricing
    tryon = {"model_name": "tryon-v1.6", "inputs": {"model_image": URL, "garment_image": URL,
                                                    "num_samples": 2}}
    assert concurred.cost(tryon) == 6  # 3 Concurred credits per sample
    assert concurred.cost({"model_name": "edit", "inputs": {}}) is None  # not its model
    assert concurred.cost({"model_name": "product-to-model", "inputs": {
        "product_image": URL, "face_reference": URL, "num_images": 2}}) == 10
    assert concurred.max_cost(concurred.models["image-to-video"]) == 5
    flat = {"model_image": URL, "garment_image": URL, "num_samples": 5}
    assert pixazo.cost(flat) == 1 and pixazo.worst_case(flat) == 1  # one request
    assert pixazo.make_free(flat)["model_image"] == UNLOADABLE_IMAGE
    assert pixazo.worst_case(pixazo.make_free(flat)) == 0
    assert pixazo.worst_case([flat]) == 0
    assert get("pixazo").expected_outputs(flat) == 5


def test_balances_through_the_control_api_on_an_emulator() -> None:
    emulator = Emulator(manual_clock=True, time_scale=0)
    for name in ("concurred", "pixazo"):
        target = Target("http://fashn-mock.local", f"key-{name}", dialect=name,
                        client_factory=emulator.httpx_client)
        sender = Sender(target)
        dialect = target.speaks
        before = sender.balance()
        template = dialect.templates()[1]  # a two-output prediction that completes
        response = sender.call(dialect.run_call(template.body))
        assert response.status_code == 200, response.text
        emulator.advance(600)
        spent = (before or 0) - (sender.balance() or 0)
        assert spent == dialect.pricing.cost(template.body) == (6 if name == "concurred"
                                                                 else 1)
        sender.close()
    real = Target("http://api.example", "k", dialect="pixazo", is_emulator=False,
                  clock_control=False, client_factory=emulator.httpx_client)
    assert Sender(real).balance() is None  # no balance route off fashn-mock


def test_the_sse_suite_only_where_there_is_a_subscribe_route() -> None:
    assert "sse" in get("concurred").suites and "sse" not in get("pixazo").suites
    with pytest.raises(ValueError, match="no subscribe route"):
        get("pixazo").subscribe_call({})
