"""Scripted checks that cost nothing: auth errors, malformed bodies, unknown ids and
the credits endpoint. Every response is also checked against the contract.

Run bodies are passed through ``budget.make_free`` first: if the API wrongly
accepted one, the prediction would fail to load its images, which is free. The
probes here are the native ones; each dialect lists its own (``Dialect.probes``).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from fashn_mock import catalog
from fashn_mock.contract.budget import make_free
from fashn_mock.contract.components import example_inputs
from fashn_mock.contract.report import Failure, SuiteResult
from fashn_mock.contract.target import INVALID_KEY, Sender

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


def run_probes(sender: Sender) -> SuiteResult:
    """Run every probe of the target's dialect once; each is free by construction."""
    suite = SuiteResult("probes", "scripted, credit-free checks: auth errors, malformed "
                                  "bodies, unknown ids, the credits endpoint")
    suite.checked = ["status code and error name", "response conforms to the contract",
                     "credits total = subscription + on_demand"]
    dialect = sender.target.speaks
    if dialect.name != "native":
        suite.description = "scripted, credit-free checks: auth errors, malformed bodies, " \
                            "unknown ids, wrong methods"
        suite.checked = suite.checked[:2]
    started, before = time.perf_counter(), sender.requests
    secrets = sender.target.secrets()
    any_key = _accepts_any_key(sender)
    if any_key:
        suite.notes.append("the target accepts any API key (an emulator started without "
                           "--api-key): invalid-key probes not sent")
    for probe in dialect.probes():
        if any_key and probe.key == INVALID_KEY:
            suite.skipped["invalid-key probe (any key is accepted)"] += 1
            continue
        if probe.json is not NO_BODY and dialect.is_run(probe.path) \
                and dialect.pricing.worst_case(probe.json) > 0:
            suite.skipped["probe body could cost credits"] += 1
            continue
        kwargs: dict[str, Any] = {"headers": probe.headers}
        if probe.key_in is not None:
            kwargs["headers"] = {**probe.headers, probe.key_in: sender.target.api_key}
        if probe.json is not NO_BODY:
            kwargs["json"] = probe.json
        elif probe.content is not None:
            kwargs["content"] = probe.content
        path = probe.path if probe.absolute else sender.target.base_path + probe.path
        response = sender.send(probe.method, path, key=probe.key, **kwargs)
        suite.cases += 1
        for problem in _problems(probe, response, sender):
            suite.fail(Failure.of(probe.name, problem, response, secrets))
    suite.requests = sender.requests - before
    suite.seconds = time.perf_counter() - started
    return suite


def _accepts_any_key(sender: Sender) -> bool:
    """An emulator without configured keys takes every key; the real API does not."""
    if not sender.target.is_emulator:
        return False
    dialect = sender.target.speaks
    response = sender.call(dialect.free_call(), key=INVALID_KEY)
    return response.status_code in dialect.accepted_statuses


def _problems(probe: Probe, response: Any, sender: Sender) -> list[str]:
    dialect = sender.target.speaks
    doc = dialect.document
    if probe.schema is not None:
        problems = [f"body {e}" for e in doc.schema_errors(probe.schema, _json(response))]
    else:
        problems = doc.check_response(probe.method, response.request.url.path,
                                      response.status_code, response.headers,
                                      response.content)
    if response.status_code != probe.status:
        problems.insert(0, f"expected HTTP {probe.status}, got {response.status_code}")
    elif probe.error is not None:
        name = dialect.error_name(response)
        if name != probe.error:
            problems.insert(0, f"expected error {probe.error!r}, got {name!r}")
    if probe.path == "/v1/credits" and response.status_code == 200:
        credits = _json(response).get("credits") or {}
        parts = [credits.get(k) for k in ("total", "subscription", "on_demand")]
        numbers = [p for p in parts if isinstance(p, int)]
        if len(numbers) == 3 and numbers[0] != numbers[1] + numbers[2]:
            problems.append(f"credits total {numbers[0]} != subscription {numbers[1]} + "
                            f"on_demand {numbers[2]}")
        if any(p < 0 for p in numbers):
            problems.append(f"negative credit balance: {credits}")
    return problems


def _json(response: Any) -> dict[str, Any]:
    try:
        parsed = response.json()
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
