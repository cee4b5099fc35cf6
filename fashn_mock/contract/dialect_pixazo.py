"""The Pixazo gateway as the contract suites speak it (``dialects.Dialect``).

One model (try-on v1.6) with a flat body, under either of its two bases; the key in
``Ocp-Apim-Subscription-Key``; results read by POSTing ``{"request_id"}``. Pixazo
bills USD 0.075 per completed request, so a budget counts requests: each request
meant to complete reserves 1, and a body with an unloadable image (a free failure)
reserves nothing. The balance (in requests, negative: spent) is read from fashn-mock's
control API; elsewhere it is unknown.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from fashn_mock.catalog.gateways import pixazo as gateway
from fashn_mock.catalog.gateways.pixazo import BASES, REQUEST_ID_PREFIX, RESULT, SUBMIT
from fashn_mock.catalog.gateways.pixazo import ERROR_TEXTS as TEXTS
from fashn_mock.contract.budget import UNLOADABLE_IMAGE, Pricing
from fashn_mock.contract.components import example_inputs
from fashn_mock.contract.dialects import Call, Dialect, Doc, Reading, json_object
from fashn_mock.contract.probing import INVALID_KEY, Probe
from fashn_mock.contract.samples import SCRIPTED_POSE_ERROR, Template, tiny_png

PRICING = Pricing({}, flat=gateway.SPEC, price=lambda spec, inputs: 1)
"""Every request is one unit (USD 0.075), whatever ``num_samples``."""
STATUSES = {"IN_QUEUE": "in_queue", "IN_PROGRESS": "processing", "COMPLETED": "completed",
            "FAILED": "failed"}
"""Pixazo's status -> the native word (order only moves forward in both)."""


def _fuzz_operations() -> tuple[Doc, ...]:
    return (
        {"include-name": f"POST {SUBMIT}", "checks": {
            "negative_data_rejection": {"expected-statuses": ["400"]},
            "positive_data_acceptance": {"expected-statuses": ["200"]}}},
        {"include-name": f"POST {RESULT}", "checks": {
            "negative_data_rejection": {"expected-statuses": ["400", "404"]},
            "positive_data_acceptance": {"expected-statuses": ["200", "404"]}}},
    )


@dataclass(frozen=True, eq=False)
class Pixazo(Dialect):
    name: str = "pixazo"
    unit: str = "requests"
    bases: tuple[str, ...] = BASES
    suffixes: tuple[str, ...] = ()
    real_hosts: tuple[str, ...] = ("gateway.pixazo.ai",)
    models: tuple[str, ...] = ()
    run_path: str = SUBMIT
    accepted_statuses: tuple[int, ...] = (404,)
    names_refusals: bool = False  # one 429 text for rate and concurrency limits
    suites: tuple[str, ...] = ("probes", "schemathesis", "links", "lifecycle")
    pricing: Pricing = field(default=PRICING)
    fuzz_operations: tuple[Doc, ...] = field(default_factory=_fuzz_operations)
    balance_in_contract: bool = False

    def auth(self, key: str) -> dict[str, str]:
        return {"Ocp-Apim-Subscription-Key": key}

    def status_call(self, prediction_id: str) -> Call:
        return Call("POST", RESULT, {"request_id": prediction_id})

    def free_call(self) -> Call:
        return self.status_call(self.unknown_id())

    def unknown_id(self) -> str:
        return f"{REQUEST_ID_PREFIX}{uuid.uuid4()}"

    def created_id(self, response: httpx.Response) -> str | None:
        found = json_object(response).get("request_id")
        return found if isinstance(found, str) else None

    def read_status(self, response: httpx.Response) -> Reading:
        body = json_object(response)
        status = STATUSES.get(str(body.get("status")))
        if status == "completed":
            images = body.get("images")
            output = [image.get("url") if isinstance(image, dict) else image
                      for image in images] if isinstance(images, list) else images
            return Reading(status, output, None)
        if status == "failed":
            return Reading(status, None, {"name": body.get("error_code"),
                                          "message": body.get("error_message")})
        return Reading(status)

    def error_name(self, response: httpx.Response) -> str | None:
        """The documented part of the error text (before a detail or a note)."""
        text = json_object(response).get("error")
        if not isinstance(text, str):
            return None
        return text.split(":")[0].split(" (")[0]

    def out_of_credits(self, response: httpx.Response) -> bool:
        return False

    def balance_call(self, key: str, on_emulator: bool) -> Call | None:
        if not on_emulator:
            return None
        return Call("GET", f"/_mock/keys/{key}/credits", absolute=True)

    def read_balance(self, response: httpx.Response) -> int | None:
        spent = json_object(response).get("spent_usd")
        if response.status_code != 200 or not isinstance(spent, int | float):
            return None
        return -round(spent / gateway.PRICE_USD)

    def balance_curl(self) -> str:
        return 'curl -sS "$BASE_URL/_mock/keys/$FASHN_API_KEY/credits"  # spent_usd'

    def probes(self) -> list[Probe]:
        return probes()

    def templates(self) -> list[Template]:
        return templates()

    def expected_outputs(self, body: Any) -> int:
        return int(body.get("num_samples", 1)) if isinstance(body, dict) else 0

    def fuzz_documents(self, wanted: set[str] | None) -> Iterator[tuple[str, Doc]]:
        yield "", self.schemathesis_document()


def valid_body() -> dict[str, Any]:
    """A flat try-on body that costs nothing (its images cannot load)."""
    body: dict[str, Any] = PRICING.make_free(example_inputs(gateway.SPEC))
    return body


def probes() -> list[Probe]:

    json_header = {"Content-Type": "application/json"}
    valid = valid_body()
    unknown = {"request_id": f"{REQUEST_ID_PREFIX}{uuid.uuid4()}"}
    found = []
    for path, body in ((SUBMIT, valid), (RESULT, unknown)):
        found += [
            Probe(f"POST {path} without a subscription key -> 401", "POST", path, 401,
                  TEXTS[401], key=None, json=body),
            Probe(f"POST {path} with an empty subscription key -> 401", "POST", path, 401,
                  TEXTS[401], key=None, headers={"Ocp-Apim-Subscription-Key": ""},
                  json=body),
            Probe(f"POST {path} with an invalid key -> 401", "POST", path, 401, TEXTS[401],
                  key=INVALID_KEY, json=body),
        ]
    bad = TEXTS[400]
    found += [
        Probe(f"POST {SUBMIT} with an empty body -> 400", "POST", SUBMIT, 400, bad,
              content=b"", headers=json_header),
        Probe(f"POST {SUBMIT} with malformed JSON -> 400", "POST", SUBMIT, 400, bad,
              content=b'{"model_image": ', headers=json_header),
        Probe(f"POST {SUBMIT} with a JSON array -> 400", "POST", SUBMIT, 400, bad,
              json=[valid]),
        Probe(f"POST {SUBMIT} without garment_image -> 400", "POST", SUBMIT, 400, bad,
              json={"model_image": UNLOADABLE_IMAGE}),
        Probe(f"POST {SUBMIT} with a category of neither vocabulary -> 400", "POST", SUBMIT,
              400, bad, json={**valid, "category": "hat"}),
        Probe(f"POST {SUBMIT} with num_samples 6 -> 400", "POST", SUBMIT, 400, bad,
              json={**valid, "num_samples": 6}),
        Probe(f"POST {RESULT} without request_id -> 400", "POST", RESULT, 400, bad, json={}),
        Probe(f"POST {RESULT} with a numeric request_id -> 400", "POST", RESULT, 400, bad,
              json={"request_id": 5}),
        Probe(f"POST {RESULT} of an unknown request_id -> 404", "POST", RESULT, 404,
              TEXTS[404], json=unknown),
        Probe(f"POST {RESULT} of a malformed request_id -> 404", "POST", RESULT, 404,
              TEXTS[404], json={"request_id": "not-a-request-id"}),
        Probe(f"GET {SUBMIT} (wrong method) -> 404", "GET", SUBMIT, 404, TEXTS[404],
              schema="/components/schemas/ErrorResponse"),
    ]
    found += [Probe(f"POST {base}{RESULT} (each documented base) of an unknown "
                    "request_id -> 404", "POST", base + RESULT, 404, TEXTS[404],
                    json=unknown, absolute=True) for base in BASES]
    return found


def templates() -> list[Template]:
    image, garment = tiny_png(), tiny_png((200, 40, 40))
    return [
        Template("try-on", {"model_image": image, "garment_image": garment}),
        Template("try-on x2, Pixazo's values", {
            "model_image": image, "garment_image": garment, "num_samples": 2,
            "mode": "fast", "category": "top", "garment_photo_type": "flat_lay"}),
        Template("try-on x5", {"model_image": image, "garment_image": garment,
                               "num_samples": 5, "mode": "performance"}),
        Template("unloadable image", {"model_image": UNLOADABLE_IMAGE,
                                      "garment_image": garment}, must_fail=True),
        Template("scripted PoseError", {"model_image": SCRIPTED_POSE_ERROR,
                                        "garment_image": "https://example.com/g.jpg"},
                 must_fail=True, emulator_only=True),
    ]


PIXAZO = Pixazo()
