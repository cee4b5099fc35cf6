"""The probes suite: each of the target dialect's scripted probes (``probing``) sent
once, its status and error name compared, its response checked against the contract."""

from __future__ import annotations

import time
from typing import Any

from fashn_mock.contract.probing import INVALID_KEY, NO_BODY, Probe
from fashn_mock.contract.report import Failure, SuiteResult
from fashn_mock.contract.target import Sender


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
