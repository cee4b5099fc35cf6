"""The Concurred gateway as the contract suites speak it (``dialects.Dialect``).

Submissions are ``{model_name, inputs}`` for its 10 models, answered in its envelope
(``data.prediction_id``, ``data.status``...); keys go in ``Authorization: Bearer``
(its probes also check ``X-API-Key``); prices are its own credits. It has no balance
route: on fashn-mock the control API tells (``/_mock/keys/{key}/credits``), elsewhere
the balance is unknown. Its subscribe route is checked by the ``sse`` suite.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from fashn_mock.catalog.gateways import concurred as gateway
from fashn_mock.contract import samples
from fashn_mock.contract.budget import UNLOADABLE_IMAGE, Pricing
from fashn_mock.contract.components import example_inputs
from fashn_mock.contract.dialects import Call, Dialect, Doc, Reading, json_object
from fashn_mock.contract.openapi_concurred import PATHS
from fashn_mock.contract.probing import INVALID_KEY, NO_BODY, Probe
from fashn_mock.contract.samples import Template

RUN, STATUS, SUBSCRIBE = PATHS["run"], PATHS["status"], PATHS["subscribe"]
PRICING = Pricing(gateway.BY_NAME)
"""Its models and credit prices (each variant's ``credits`` is Concurred's price)."""


def _fuzz_operations() -> tuple[Doc, ...]:
    return (
        {"include-name": f"POST {RUN}", "checks": {
            "negative_data_rejection": {"expected-statuses": ["400"]},
            "positive_data_acceptance": {"expected-statuses": ["200"]}}},
        {"include-name": f"GET {STATUS}", "checks": {
            "negative_data_rejection": {"expected-statuses": ["400", "404"]},
            "positive_data_acceptance": {"expected-statuses": ["200", "404"]}}},
    )


@dataclass(frozen=True, eq=False)
class Concurred(Dialect):
    name: str = "concurred"
    suffixes: tuple[str, ...] = ("/api/v1/fashion",)
    real_hosts: tuple[str, ...] = ("agent-heavy.vercel.app",)
    suites: tuple[str, ...] = ("probes", "schemathesis", "links", "lifecycle", "sse")
    models: tuple[str, ...] = tuple(gateway.BY_NAME)
    run_path: str = RUN
    accepted_statuses: tuple[int, ...] = (404,)
    pricing: Pricing = field(default=PRICING)
    fuzz_operations: tuple[Doc, ...] = field(default_factory=_fuzz_operations)
    balance_in_contract: bool = False

    def status_call(self, prediction_id: str) -> Call:
        return Call("GET", STATUS.replace("{id}", prediction_id))

    def subscribe_call(self, body: Any) -> Call:
        return Call("POST", SUBSCRIBE, body)

    def free_call(self) -> Call:
        return self.status_call(str(uuid.uuid4()))

    def created_id(self, response: httpx.Response) -> str | None:
        data = json_object(response).get("data")
        found = data.get("prediction_id") if isinstance(data, dict) else None
        return found if isinstance(found, str) else None

    def read_status(self, response: httpx.Response) -> Reading:
        data = json_object(response).get("data")
        if not isinstance(data, dict):
            return Reading(None)
        status = data.get("status")
        return Reading(status if isinstance(status, str) else None, data.get("output"),
                       data.get("error"))

    def error_name(self, response: httpx.Response) -> str | None:
        error = json_object(response).get("error")
        code = error.get("code") if isinstance(error, dict) else None
        return code if isinstance(code, str) else None

    def out_of_credits(self, response: httpx.Response) -> bool:
        return self.error_name(response) == "INSUFFICIENT_CREDITS"

    def balance_call(self, key: str, on_emulator: bool) -> Call | None:
        if not on_emulator:
            return None
        return Call("GET", f"/_mock/keys/{key}/credits", absolute=True)

    def balance_curl(self) -> str:
        return 'curl -sS "$BASE_URL/_mock/keys/$FASHN_API_KEY/credits"'

    def probes(self) -> list[Probe]:
        return probes()

    def templates(self) -> list[Template]:
        return templates()

    def fuzz_documents(self, wanted: set[str] | None) -> Iterator[tuple[str, Doc]]:
        for name in gateway.BY_NAME:
            if wanted is None or name in wanted:
                yield name, self.model_document(name)
        doc = self.schemathesis_document()
        del doc["paths"][RUN]
        yield "", doc


def valid_body() -> dict[str, Any]:
    """A try-on body that costs nothing (its images cannot load)."""
    spec = gateway.BY_NAME["tryon-v1.6"]
    body: dict[str, Any] = PRICING.make_free({"model_name": spec.name,
                                              "inputs": example_inputs(spec)})
    return body


def probes() -> list[Probe]:

    json_header = {"Content-Type": "application/json"}
    unknown = STATUS.replace("{id}", str(uuid.uuid4()))
    valid = valid_body()
    found = []
    for method, path in (("POST", RUN), ("GET", unknown), ("POST", SUBSCRIBE)):
        body = valid if method == "POST" else NO_BODY
        label = f"{method} {path if path != unknown else STATUS}"
        found += [
            Probe(f"{label} without a key -> 401", method, path, 401, "UNAUTHORIZED",
                  key=None, json=body),
            Probe(f"{label} with a non-Bearer scheme -> 401", method, path, 401,
                  "UNAUTHORIZED", key=None, headers={"Authorization": "Basic Zm9vOmJhcg=="},
                  json=body),
            Probe(f"{label} with a Bearer scheme but no key -> 401", method, path, 401,
                  "UNAUTHORIZED", key=None, headers={"Authorization": "Bearer"}, json=body),
            Probe(f"{label} with an invalid key -> 401", method, path, 401, "UNAUTHORIZED",
                  key=INVALID_KEY, json=body),
        ]
    found += [
        Probe(f"GET {STATUS} with the key in X-API-Key: unknown id -> 404", "GET", unknown,
              404, "NOT_FOUND", key=None, key_in="X-API-Key"),
        Probe(f"GET {STATUS} of an unknown id -> 404", "GET", unknown, 404, "NOT_FOUND"),
        Probe(f"POST {RUN} with an empty body -> 400", "POST", RUN, 400, "VALIDATION_ERROR",
              content=b"", headers=json_header),
        Probe(f"POST {RUN} with malformed JSON -> 400", "POST", RUN, 400, "VALIDATION_ERROR",
              content=b'{"model_name": ', headers=json_header),
        Probe(f"POST {RUN} with a JSON array -> 400", "POST", RUN, 400, "VALIDATION_ERROR",
              json=[valid]),
        Probe(f"POST {RUN} with a native-only model (edit) -> 400", "POST", RUN, 400,
              "VALIDATION_ERROR", json={"model_name": "edit", "inputs": {
                  "image": UNLOADABLE_IMAGE, "prompt": "p"}}),
        Probe(f"POST {RUN} with a non-string model_name -> 400", "POST", RUN, 400,
              "VALIDATION_ERROR", json={**valid, "model_name": 16}),
        Probe(f"POST {RUN} with inputs not an object -> 400", "POST", RUN, 400,
              "VALIDATION_ERROR", json={**valid, "inputs": "model_image"}),
        Probe(f"POST {RUN} background-change without its required prompt -> 400", "POST",
              RUN, 400, "VALIDATION_ERROR", json={"model_name": "background-change",
                                                  "inputs": {"image": UNLOADABLE_IMAGE}}),
        Probe(f"POST {SUBSCRIBE} with malformed JSON -> 400", "POST", SUBSCRIBE, 400,
              "VALIDATION_ERROR", content=b"[", headers=json_header),
        Probe(f"GET {RUN} (wrong method) -> 405", "GET", RUN, 405, "METHOD_NOT_ALLOWED",
              schema="/components/schemas/MethodNotAllowedError"),
        Probe("GET /api/v1/fashion/nothing-here -> 404", "GET",
              "/api/v1/fashion/nothing-here", 404, "NOT_FOUND",
              schema="/components/schemas/NotFoundError"),
    ]
    return found


def reframe_twice(image: str) -> Template:
    """Concurred sells no ``edit``: its multi-output body is a reframe."""
    return Template("reframe x2", {"model_name": "reframe", "inputs": {
        "image": image, "mode": "direction", "target_direction": "both", "num_images": 2}})


def templates() -> list[Template]:
    return samples.templates(reframe_twice)


CONCURRED = Concurred()
