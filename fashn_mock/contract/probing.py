"""The scripted probes: requests that cost nothing (bad keys, malformed bodies,
unknown ids, the credits endpoint) with the answer the contract requires. Run
bodies are passed through ``budget.make_free``: if an API wrongly accepted one, the
prediction would fail to load its images, which is free. The lists here are the
native ones; each dialect lists its own (``Dialect.probes``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fashn_mock import catalog
from fashn_mock.contract.budget import make_free
from fashn_mock.contract.components import example_inputs

INVALID_KEY = "fa-contract-invalid-key-0000"
OPERATIONS = (("POST", "/v1/run"), ("GET", "/v1/status/{id}"), ("GET", "/v1/credits"))
NO_BODY = object()


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    path: str
    status: int
    error: str | None = None
    """The ``error`` name the body must carry."""
    key: Any = ...
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = NO_BODY
    content: bytes | None = None
    key_in: str | None = None
    """Send the target's key in this header instead of the dialect's usual one."""
    absolute: bool = False
    """``path`` is the server's, not under the dialect's base path."""
    schema: str | None = None
    """Check the body against this schema (a JSON pointer) instead of the operation's
    responses: for requests that are no operation of the contract (wrong method...)."""


def _valid_run_body() -> dict[str, Any]:
    spec = catalog.BY_NAME["tryon-v1.6"]
    body: dict[str, Any] = make_free({"model_name": spec.name, "inputs": example_inputs(spec)})
    return body


def auth_probes() -> list[Probe]:
    found = []
    for method, template in OPERATIONS:
        path = template.replace("{id}", str(uuid.uuid4()))
        body = _valid_run_body() if method == "POST" else NO_BODY
        label = f"{method} {template}"
        found += [
            Probe(f"{label} without Authorization -> 401", method, path, 401,
                  "UnauthorizedAccess", key=None, json=body),
            Probe(f"{label} with a non-Bearer scheme -> 401", method, path, 401,
                  "UnauthorizedAccess", key=None, headers={"Authorization": "Basic Zm9vOmJhcg=="},
                  json=body),
            Probe(f"{label} with a Bearer scheme but no key -> 401", method, path, 401,
                  "UnauthorizedAccess", key=None, headers={"Authorization": "Bearer"},
                  json=body),
            Probe(f"{label} with an invalid key -> 401", method, path, 401,
                  "UnauthorizedAccess", key=INVALID_KEY, json=body),
        ]
    return found


def body_probes() -> list[Probe]:
    valid = _valid_run_body()
    return [
        Probe("POST /v1/run with an empty body -> 400", "POST", "/v1/run", 400, "BadRequest",
              content=b"", headers={"Content-Type": "application/json"}),
        Probe("POST /v1/run with malformed JSON -> 400", "POST", "/v1/run", 400, "BadRequest",
              content=b'{"model_name": ', headers={"Content-Type": "application/json"}),
        Probe("POST /v1/run with a JSON array -> 400", "POST", "/v1/run", 400, "BadRequest",
              json=[valid]),
        Probe("POST /v1/run with an unknown model_name -> 400", "POST", "/v1/run", 400,
              "BadRequest", json={**valid, "model_name": "tryon-v0.0-unknown"}),
        Probe("POST /v1/run with a non-string model_name -> 400", "POST", "/v1/run", 400,
              "BadRequest", json={**valid, "model_name": 16}),
        Probe("POST /v1/run with inputs not an object -> 400", "POST", "/v1/run", 400,
              "BadRequest", json={**valid, "inputs": "model_image"}),
        Probe("POST /v1/run without inputs -> 400", "POST", "/v1/run", 400, "BadRequest",
              json={"model_name": "tryon-v1.6"}),
        Probe("GET /v1/status/{id} of an unknown id -> 404", "GET",
              f"/v1/status/{uuid.uuid4()}", 404, "NotFound"),
        Probe("GET /v1/status/{id} of a malformed id -> 404", "GET",
              "/v1/status/not-a-prediction-id", 404, "NotFound"),
        Probe("GET /v1/credits -> 200", "GET", "/v1/credits", 200),
    ]
