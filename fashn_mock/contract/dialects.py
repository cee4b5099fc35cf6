"""The wire dialects the contract suites speak: one object per dialect says where its
contract is, how it authenticates, how a prediction is submitted, polled and read,
what it costs and which suites apply. The suites are written once against this
interface (``Dialect``); ``get(name)`` returns ``native``, ``concurred`` or ``pixazo``
(``known_dialects``; the gateways in ``dialect_concurred``, ``dialect_pixazo``).

Paths in a ``Call`` are the contract's paths; ``Target.base_path`` (where the
dialect's API lives on a server, e.g. Pixazo's ``/fashn-virtual-try-on-917/v1``) is
put in front when sending.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from fashn_mock import catalog
from fashn_mock.contract.budget import NATIVE as NATIVE_PRICING
from fashn_mock.contract.budget import Pricing
from fashn_mock.contract.components import component_name
from fashn_mock.contract.document import Document, document
from fashn_mock.contract.probing import Probe, auth_probes, body_probes
from fashn_mock.contract.samples import Template, templates
from fashn_mock.contract.strict import check_request

Doc = dict[str, Any]
NO_JSON: Any = object()
IGNORED_BY_THE_API = ("(the API ignores it)", "not a documented body field")
"""Body departures that do not make a correct API refuse the request."""


@dataclass(frozen=True)
class Call:
    """One request, by the contract's path."""

    method: str
    path: str
    json: Any = NO_JSON
    absolute: bool = False
    """The path is the server's (e.g. ``/_mock/...``), not under the dialect's base."""

    def kwargs(self) -> dict[str, Any]:
        return {} if self.json is NO_JSON else {"json": self.json}


@dataclass(frozen=True)
class Reading:
    """A status answer in the native vocabulary (``status`` None when unreadable)."""

    status: str | None
    output: Any = None
    error: Any = None

    def view(self) -> dict[str, Any]:
        return {"status": self.status, "output": self.output, "error": self.error}


def json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        parsed = response.json()
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@dataclass(frozen=True, eq=False)
class Dialect:
    """The native dialect; the gateways override what differs."""

    name: str = "native"
    unit: str = "credits"
    """What a budget counts: ``credits``, or ``requests`` (Pixazo bills USD per request)."""
    bases: tuple[str, ...] = ("",)
    """Where its API lives on a server (the first by default)."""
    suffixes: tuple[str, ...] = ("/v1",)
    """Dropped from a base URL (``https://api.fashn.ai/v1`` = ``https://api.fashn.ai``)."""
    real_hosts: tuple[str, ...] = ("api.fashn.ai",)
    suites: tuple[str, ...] = ("probes", "schemathesis", "links", "lifecycle", "webhooks")
    models: tuple[str, ...] = (*(spec.name for spec in catalog.MODELS), "legacy")
    """What ``--model`` may name."""
    run_path: str = "/v1/run"
    accepted_statuses: tuple[int, ...] = (200,)
    """Answers to ``free_call`` that show a key was accepted."""
    names_refusals: bool = True
    """Whether a 429 says which limit refused (then a retry after its Retry-After must
    not be refused by the same limit again)."""
    pricing: Pricing = field(default=NATIVE_PRICING)
    fuzz_operations: tuple[Doc, ...] = (
        {"include-name": "POST /v1/run", "checks": {
            "negative_data_rejection": {"expected-statuses": ["400"]},
            "positive_data_acceptance": {"expected-statuses": ["200"]}}},
        {"include-name": "GET /v1/status/{id}", "checks": {
            "negative_data_rejection": {"expected-statuses": ["400", "404"]},
            "positive_data_acceptance": {"expected-statuses": ["200", "404"]}}},
    )
    """schemathesis' per-operation configuration (expected statuses)."""

    @property
    def document(self) -> Document:
        return document(self.name)

    # --- the wire ------------------------------------------------------------------------
    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def run_call(self, body: Any) -> Call:
        return Call("POST", self.run_path, body)

    def status_call(self, prediction_id: str) -> Call:
        return Call("GET", f"/v1/status/{prediction_id}")

    def subscribe_call(self, body: Any) -> Call:
        """A request that submits ``body`` and answers its events (``sse`` suite)."""
        raise ValueError(f"the {self.name} dialect has no subscribe route")

    def free_call(self) -> Call:
        """An authenticated request that costs nothing."""
        return Call("GET", "/v1/credits")

    def unknown_id(self) -> str:
        return str(uuid.uuid4())

    def is_run(self, path: str) -> bool:
        """Whether requests to this contract path create predictions."""
        return path == self.run_path

    def created_id(self, response: httpx.Response) -> str | None:
        """The prediction a successful run answer names."""
        found = json_object(response).get("id")
        return found if isinstance(found, str) else None

    def read_status(self, response: httpx.Response) -> Reading:
        body = json_object(response)
        status = body.get("status")
        return Reading(status if isinstance(status, str) else None, body.get("output"),
                       body.get("error"))

    def error_name(self, response: httpx.Response) -> str | None:
        """The error name (or code, or text) a refusal carries."""
        name = json_object(response).get("error")
        return name if isinstance(name, str) else None

    def out_of_credits(self, response: httpx.Response) -> bool:
        """A 429 that waiting will not cure."""
        return self.error_name(response) == "OutOfCredits"

    balance_in_contract: bool = True
    """Whether ``balance_call`` is an operation of the contract (else the control API)."""

    def balance_call(self, key: str, on_emulator: bool) -> Call | None:
        """A request that reads ``key``'s balance, if the target offers one (gateways:
        fashn-mock's control API only)."""
        return Call("GET", "/v1/credits")

    def read_balance(self, response: httpx.Response) -> int | None:
        """What is left to spend, in ``unit`` (lower after spending); None when unknown."""
        credits = json_object(response).get("credits")
        total = credits.get("total") if isinstance(credits, dict) else None
        return total if isinstance(total, int) and response.status_code == 200 else None

    def balance_curl(self) -> str:
        """How a reader checks the balance by hand."""
        return 'curl -sS "$BASE_URL/v1/credits" -H "Authorization: Bearer $FASHN_API_KEY"'

    # --- what the suites send --------------------------------------------------------------
    def probes(self) -> list[Probe]:
        return [*auth_probes(), *body_probes()]

    def templates(self) -> list[Template]:
        return templates()

    def expected_outputs(self, body: Any) -> int:
        """Outputs a completed prediction of this body has."""
        found = self.pricing.spec_and_inputs(body)
        if found is None:
            return 0
        spec, inputs = found
        if spec.output_kind == "video":
            return 1
        return int(inputs.get("num_images", inputs.get("num_samples", 1)))

    def accepts_body(self, body: Any) -> bool:
        """Whether a correct API accepts this run body (then it creates a prediction)."""
        violations = check_request("POST", self.run_path, body=body, dialect=self.name)
        return not any(v.location == "body" and not v.problem.endswith(IGNORED_BY_THE_API)
                       for v in violations)

    def schemathesis_document(self) -> Doc:
        """The contract without streaming operations (the SSE suite checks those)."""
        doc = self.document.load()
        for template, item in list(doc["paths"].items()):
            for method, operation in list(item.items()):
                if any("text/event-stream" in response.get("content", {})
                       for response in operation.get("responses", {}).values()):
                    del item[method]
            if not item:
                del doc["paths"][template]
        return doc

    def fuzz_documents(self, wanted: set[str] | None) -> Iterator[tuple[str, Doc]]:
        """(label, contract) pairs to fuzz: one per model with its run body inlined, then
        the other operations."""
        for name in [*(spec.name for spec in catalog.MODELS), "legacy"]:
            if wanted is None or name in wanted:
                yield name, self.model_document(name)
        doc = self.document.load()
        del doc["paths"][self.run_path]
        yield "", doc

    def model_document(self, name: str) -> Doc:
        """The contract with the run operation taking only ``name``'s body, inlined."""
        components = self.document.raw["components"]["schemas"]
        if name == "legacy":
            body = copy.deepcopy(components["LegacyTryOnRequest"])
        else:
            prefix = component_name(self.pricing.models[name])
            body = copy.deepcopy(components[prefix + "Request"])
            body["properties"]["inputs"] = copy.deepcopy(components[prefix + "Inputs"])
        doc = self.schemathesis_document()
        doc["paths"] = {self.run_path: doc["paths"][self.run_path]}
        for operation in doc["paths"][self.run_path].values():
            operation["requestBody"]["content"] = {"application/json": {"schema": body}}
        return doc


NATIVE = Dialect()
