"""Credit safety: prices from the catalog, free-failing bodies, a budget never exceeded,
and whole runs against an API that looks real (not fashn-mock, no clock control)."""

from __future__ import annotations

from typing import Any

import pytest

from fashn_mock import Config, Emulator
from fashn_mock.catalog import BY_NAME
from fashn_mock.contract.budget import (
    UNLOADABLE_IMAGE,
    Budget,
    cost,
    make_free,
    max_cost,
    worst_case,
)
from fashn_mock.contract.runner import Options, run_contract
from fashn_mock.contract.target import Target
from fashn_mock.steering import PredictionSummary
from fashn_mock.validation import RunRequest
from tests.support import URL, tryon

REAL_KEY = "fa-real-key"


def test_prices_come_from_the_catalog() -> None:
    assert cost(tryon(num_samples=3)) == 3
    assert cost({"model_name": "edit", "inputs": {"image": URL, "prompt": "p",
                                                  "resolution": "4k", "num_images": 2}}) == 8
    assert cost({"model_image": URL, "garment_image": URL}) == 1  # legacy body
    assert cost({"model_name": "nope", "inputs": {}}) is None
    assert max_cost("tryon-v1.6") == 4
    assert max_cost("model-create") == (5 + 3) * 4  # quality 4k + face_reference, 4 images
    assert max_cost("image-to-video") == 12


def test_make_free_replaces_only_loadable_images() -> None:
    body = tryon(garment_image="", category="shirt")
    freed = make_free(body)
    assert freed["inputs"]["model_image"] == UNLOADABLE_IMAGE
    assert freed["inputs"]["garment_image"] == ""  # invalid stays invalid
    assert body["inputs"]["model_image"] == URL  # the original is untouched
    created = make_free({"model_name": "model-create", "inputs": {"prompt": "p"}})
    assert created["inputs"]["image_reference"] == UNLOADABLE_IMAGE
    legacy = make_free({"model_image": URL, "garment_image": URL})
    assert legacy == {"model_image": UNLOADABLE_IMAGE, "garment_image": UNLOADABLE_IMAGE}


@pytest.mark.parametrize(("body", "worst"), [
    ([1, 2], 0),
    ({"model_name": "nope", "inputs": {}}, 0),
    ({"model_name": "edit", "inputs": "x"}, 0),
    (make_free(tryon(num_samples=4)), 0),
    (tryon(num_samples=4), 4),
    ({"model_name": "background-remove", "inputs": {}}, 1),
    ({"model_name": "tryon-v1.6", "inputs": {"model_image": URL, "garment_image": URL,
                                             "num_samples": "many"}}, 4),
])
def test_worst_case(body: Any, worst: int) -> None:
    assert worst_case(body) == worst


def test_budget_reservations() -> None:
    budget = Budget(5)
    assert budget.reserve(3) and not budget.reserve(3) and budget.reserve(2)
    assert budget.remaining == 0 and budget.skipped == 1
    budget.release(2)
    assert budget.remaining == 2
    assert Budget(None).reserve(10**9) and Budget(None).unlimited


def real_looking(emulator: Emulator) -> Target:
    """The emulator in-process, presented as a real API: not detected as fashn-mock,
    so no clock control and no free credits."""
    return Target("http://api.example", REAL_KEY, client_factory=emulator.httpx_client,
                  is_emulator=False, clock_control=False)


def mine(emulator: Emulator) -> list[PredictionSummary]:
    return [p for p in emulator.predictions() if p.key == REAL_KEY]


QUICK: dict[str, Any] = {"models": ["tryon-v1.6", "model-create", "background-remove"],
                         "coverage": 30, "examples": 4, "max_sleep": 0.01}


def test_by_default_nothing_is_created_and_nothing_spent() -> None:
    emulator = Emulator(Config(limits=False, time_scale=0, credits=50,
                               api_keys=(REAL_KEY,)))
    report = run_contract(real_looking(emulator), Options(**QUICK))
    assert report.budget.startswith("0 credits")
    assert mine(emulator) == []
    assert emulator.credits(REAL_KEY).total == 50
    probes, fuzz, links, lifecycle, webhooks = report.suites
    assert probes.ran and probes.ok and fuzz.ran and fuzz.cases > 50
    assert fuzz.skipped and not links.ran and not lifecycle.ran
    assert not webhooks.ran  # a remote API cannot call this machine back
    assert fuzz.ok, report.render()


def test_an_api_that_wrongly_accepts_invalid_inputs_still_costs_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative data the API should reject is sent with unloadable images: if it is
    accepted anyway, the prediction fails at load time, and failures are free."""
    def lenient(body: Any) -> RunRequest:
        spec = BY_NAME.get(str(body.get("model_name"))) if isinstance(body, dict) else None
        if spec is None or not isinstance(body.get("inputs"), dict):
            from fashn_mock.validation import parse_run_body

            return parse_run_body(body)
        return RunRequest(spec, {**spec.defaults(), **body["inputs"]})

    monkeypatch.setattr("fashn_mock.faces.native.parse_run_body", lenient)
    emulator = Emulator(Config(limits=False, time_scale=0, credits=50,
                               api_keys=(REAL_KEY,)))
    report = run_contract(real_looking(emulator), Options(suites=("schemathesis",), **QUICK))
    assert any("Schema-violating request accepted" in f.check for f in report.failures)
    created = mine(emulator)
    assert created, "the lenient API should have accepted some invalid bodies"
    assert {p.status for p in created} == {"failed"}
    assert emulator.credits(REAL_KEY).total == 50


@pytest.mark.parametrize("budget", [0, 3, 7])
def test_an_explicit_budget_is_never_exceeded(budget: int) -> None:
    emulator = Emulator(Config(limits=False, time_scale=0, credits=100,
                               api_keys=(REAL_KEY,)))
    report = run_contract(real_looking(emulator), Options(budget=budget, **QUICK))
    spent = 100 - emulator.credits(REAL_KEY).total
    assert spent <= budget
    assert f"spent {spent}" in "\n".join(report.notes)
    if budget:
        assert all(suite.ran for suite in report.suites if suite.name != "webhooks")
        assert any(p.status == "completed" for p in mine(emulator))
