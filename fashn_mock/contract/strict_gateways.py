"""Strict checking of the gateways' requests, each against its own contract.

- Concurred: ``Authorization: Bearer <key>`` or ``X-API-Key``; no query parameters;
  run and subscribe bodies are ``{model_name, inputs}`` for its 10 models, in its
  parameter forms (``catalog.gateways.concurred``).
- Pixazo: ``Ocp-Apim-Subscription-Key``; the submit body is the flat try-on body
  (``catalog.gateways.pixazo.SPEC``, both vocabularies); the result body is
  ``{"request_id": "<non-empty string>"}``.

Like the native checks, input fields a model does not define are reported, though
the gateways ignore them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fashn_mock.catalog.gateways import concurred, pixazo
from fashn_mock.contract.document import Document, document
from fashn_mock.contract.violations import (
    NO_BODY,
    Violation,
    inputs_violations,
    json_kind,
    route_violation,
    run_body_violations,
    short,
)

Checker = Callable[[Document, str, Mapping[str, str] | None, Any], list[Violation]]


def check_gateway_request(dialect: str, method: str, path: str,
                          query: Mapping[str, Any] | None, body: Any,
                          headers: Mapping[str, str] | None) -> list[Violation]:
    """Every way a request departs from the gateway ``dialect``'s contract."""
    doc = document(dialect)
    operation = doc.find_operation(method, path)
    if operation is None:
        return [route_violation(doc, method, path)]
    lowered = {k.lower(): v for k, v in (headers or {}).items()} if headers is not None \
        else None
    found = [Violation("query", name, "not a documented query parameter",
                       "documented: none", dialect) for name in dict(query or {})]
    found += CHECKERS[dialect](doc, operation.template, lowered, body)
    return found


def _concurred(doc: Document, template: str, headers: Mapping[str, str] | None,
               body: Any) -> list[Violation]:
    found = []
    if headers is not None:
        scheme, _, key = headers.get("authorization", "").partition(" ")
        bearer = scheme.lower() == "bearer" and key.strip()
        if not bearer and not headers.get("x-api-key", "").strip():
            value = headers.get("authorization")
            problem = "missing" if value is None else \
                f"not a Bearer token: {value.split(' ')[0]!r}"
            found.append(Violation("header", "Authorization", problem,
                                   "Authorization: Bearer <API key>, or X-API-Key: <API key>",
                                   doc.dialect))
    if template != "/api/v1/fashion/status/{id}":
        found += run_body_violations(doc, body, concurred.BY_NAME)
    return found


def _pixazo(doc: Document, template: str, headers: Mapping[str, str] | None,
            body: Any) -> list[Violation]:
    def violation(field: str, problem: str, contract: str) -> Violation:
        return Violation("body", field, problem, contract, doc.dialect)

    found = []
    if headers is not None and not headers.get("ocp-apim-subscription-key", "").strip():
        problem = "missing" if "ocp-apim-subscription-key" not in headers else "empty"
        found.append(Violation("header", "Ocp-Apim-Subscription-Key", problem,
                               "Ocp-Apim-Subscription-Key: <subscription key>", doc.dialect))
    result = template.endswith("-result")
    expected = "a JSON object {request_id}" if result else "a JSON object of try-on inputs"
    if body is NO_BODY or body is None:
        return [*found, violation("(body)", "missing", expected)]
    if not isinstance(body, dict):
        return [*found, violation("(body)", f"a JSON {json_kind(body)}", expected)]
    if not result:
        return found + inputs_violations(doc, pixazo.SPEC, body, "",
                                         "/components/schemas/TryOnRequest")
    value = body.get("request_id")
    if "request_id" not in body:
        found.append(violation("request_id", "required field is missing", "a request id "
                               "from the submit answer, e.g. fashn-req-<uuid>"))
    elif not isinstance(value, str) or not value:
        found.append(violation("request_id", f"{short(value)} is not a non-empty string",
                               "string: the request_id the submit answer gave"))
    found += [violation(key, "not a documented body field", "the body is {request_id}")
              for key in body if key != "request_id"]
    return found


CHECKERS: dict[str, Checker] = {"concurred": _concurred, "pixazo": _pixazo}
