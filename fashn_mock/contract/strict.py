"""Strict client checking: how one incoming request departs from the contract.

``check_request(method, path, query, body, headers, dialect)`` is a pure function: it
returns a list of ``Violation`` (which field, what is wrong, what the contract says,
in which dialect) and never raises, so the emulator can record violations in its
journal and still answer the request as the real API would. Stricter than the API
on one point: input fields a model does not define are reported (the API silently
ignores them, which hides typos such as ``num_image``). The gateways' requests are
checked against their own contracts (``strict_gateways``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fashn_mock import catalog
from fashn_mock.contract.document import document
from fashn_mock.contract.strict_gateways import check_gateway_request
from fashn_mock.contract.violations import (
    BODY_KEYS,
    NO_BODY,
    Violation,
    describe,
    inputs_violations,
    route_violation,
    run_body_violations,
    short,
)
from fashn_mock.validation import is_webhook_url

__all__ = ["NO_BODY", "Violation", "check_request"]


def check_request(method: str, path: str, query: Mapping[str, Any] | None = None,
                  body: Any = NO_BODY, headers: Mapping[str, str] | None = None,
                  dialect: str = "native") -> list[Violation]:
    """Every way this request departs from ``dialect``'s contract; empty when it
    conforms."""
    if dialect != "native":
        return check_gateway_request(dialect, method, path, query, body, headers)
    doc = document()
    operation = doc.find_operation(method, path)
    if operation is None:
        return [route_violation(doc, method, path)]
    found = _header_violations(headers) if headers is not None else []
    found += _query_violations(operation.spec(), dict(query or {}))
    if operation.template == "/v1/run":
        found += _body_violations(body)
    return found


def _header_violations(headers: Mapping[str, str]) -> list[Violation]:
    value = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
    scheme, _, key = value.partition(" ")
    if scheme.lower() == "bearer" and key.strip():
        return []
    problem = "missing" if not value else f"not a Bearer token: {value.split(' ')[0]!r}"
    return [Violation("header", "Authorization", problem,
                      "Authorization: Bearer <API key> on every request")]


def _query_violations(operation: dict[str, Any], query: dict[str, Any]) -> list[Violation]:
    declared = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
    found = []
    for name, value in query.items():
        parameter = declared.get(name)
        if parameter is None:
            known = ", ".join(declared) or "none"
            found.append(Violation("query", name, "not a documented query parameter",
                                   f"documented: {known}"))
            continue
        if name == "webhook_url" and not is_webhook_url(value):
            found.append(Violation("query", name, f"{short(value)} is not an http(s) URI",
                                   describe(parameter["schema"], parameter["description"])))
    return found


def _body_violations(body: Any) -> list[Violation]:
    if isinstance(body, dict) and not any(k in body for k in BODY_KEYS):
        spec = catalog.BY_NAME[catalog.LEGACY_BODY_MODEL]
        return inputs_violations(document(), spec, body, "",
                                 "/components/schemas/LegacyTryOnRequest")
    return run_body_violations(document(), body, catalog.BY_NAME)
