"""Strict client checking: how one incoming request departs from the contract.

``check_request(method, path, query, body)`` is a pure function: it returns a list
of ``Violation`` (which field, what is wrong, what the contract says) and never
raises, so the emulator can record violations in its journal and still answer
the request as the real API would. Stricter than the API on one point: input
fields a model does not define are reported (the API silently ignores them,
which hides typos such as ``num_image``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from fashn_mock import catalog
from fashn_mock.catalog import ModelSpec
from fashn_mock.contract.components import component_name
from fashn_mock.contract.document import find_operation, operations, validator
from fashn_mock.validation import is_webhook_url

NO_BODY: Any = object()
"""Pass as ``body`` when the request had none."""
BODY_KEYS = ("model_name", "inputs")


@dataclass(frozen=True)
class Violation:
    location: str
    """``route``, ``header``, ``query`` or ``body``."""
    field: str
    """e.g. ``inputs.num_samples`` or ``webhook_url``."""
    problem: str
    contract: str
    """What the contract says about that field."""

    def as_json(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.location} {self.field}: {self.problem} (contract: {self.contract})"


def check_request(method: str, path: str, query: Mapping[str, Any] | None = None,
                  body: Any = NO_BODY, headers: Mapping[str, str] | None = None
                  ) -> list[Violation]:
    """Every way this request departs from the contract; empty when it conforms."""
    operation = find_operation(method, path)
    if operation is None:
        documented = ", ".join(f"{o.method} {o.template}" for o in operations())
        return [Violation("route", f"{method.upper()} {path}", "not an operation of the "
                          "contract", f"documented: {documented}")]
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
            found.append(Violation("query", name, f"{_short(value)} is not an http(s) URI",
                                   describe(parameter["schema"], parameter["description"])))
    return found


def _body_violations(body: Any) -> list[Violation]:
    if body is NO_BODY or body is None:
        return [Violation("body", "(body)", "missing", "a JSON object {model_name, inputs}")]
    if not isinstance(body, dict):
        return [Violation("body", "(body)", f"a JSON {_kind(body)}",
                          "a JSON object {model_name, inputs}")]
    if not any(k in body for k in BODY_KEYS):
        spec = catalog.BY_NAME[catalog.LEGACY_BODY_MODEL]
        return _inputs_violations(spec, body, "", "/components/schemas/LegacyTryOnRequest")
    found = [Violation("body", key, "not a documented body field",
                       "the body has model_name and inputs") for key in body
             if key not in BODY_KEYS]
    name, inputs = body.get("model_name"), body.get("inputs")
    names = ", ".join(s.name for s in catalog.MODELS)
    chosen = catalog.get(name) if isinstance(name, str) else None
    if chosen is None:
        problem = "missing" if name is None else f"unknown model {_short(name)}"
        found.append(Violation("body", "model_name", problem, f"one of: {names}"))
    if not isinstance(inputs, dict):
        problem = "missing" if inputs is None else f"a JSON {_kind(inputs)}"
        found.append(Violation("body", "inputs", problem, "a JSON object of model inputs"))
    elif chosen is not None:
        pointer = f"/components/schemas/{component_name(chosen)}Inputs"
        found += _inputs_violations(chosen, inputs, "inputs.", pointer)
    return found


def _inputs_violations(spec: ModelSpec, inputs: dict[str, Any], prefix: str,
                       pointer: str) -> list[Violation]:
    found = [_from_error(spec, error, prefix)
             for error in validator(pointer).iter_errors(inputs)]
    known = ", ".join(spec.properties)
    found += [Violation("body", prefix + key, f"not an input of {spec.name} (the API "
                        "ignores it)", f"inputs of {spec.name}: {known}")
              for key in inputs if key not in spec.properties]
    return sorted(found, key=lambda v: v.field)


def _from_error(spec: ModelSpec, error: ValidationError, prefix: str) -> Violation:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = str(error.message).split("'")[1]
        return Violation("body", prefix + missing, "required field is missing",
                         f"{spec.name} requires: {', '.join(spec.required)}")
    if error.validator in ("anyOf", "not") and not path:
        options = " or ".join(", ".join(g) for g in spec.any_of_required) or "see schema"
        return Violation("body", prefix.rstrip(".") or "(body)",
                         "none of the alternative required fields is given",
                         f"{spec.name} needs one of: {options}")
    name = path[0] if path else ""
    schema = spec.properties.get(name, {})
    field = prefix + ".".join(path) if path else prefix.rstrip(".") or "(body)"
    return Violation("body", field, _problem(error),
                     describe(schema, schema.get("description", "")))


def _problem(error: ValidationError) -> str:
    got = _short(error.instance)
    schema = error.schema if isinstance(error.schema, dict) else {}
    match error.validator:
        case "enum":
            return f"{got} is not an allowed value"
        case "type":
            return f"{got} is {_kind(error.instance)}, expected {schema.get('type')}"
        case "minimum" | "maximum":
            return f"{got} is out of range"
        case "minLength":
            return "must not be empty"
        case _:
            return f"{got}: {error.message}"


def describe(schema: Mapping[str, Any], description: str = "") -> str:
    """A field's contract in one line: type, allowed values, range, default, meaning."""
    parts = [str(schema.get("type", "any"))]
    if "enum" in schema:
        parts.append("one of " + ", ".join(json.dumps(v) for v in schema["enum"]))
    if "minimum" in schema or "maximum" in schema:
        parts.append(f"{schema.get('minimum', '-inf')}..{schema.get('maximum', 'inf')}")
    if "pattern" in schema:
        parts.append(f"matching {schema['pattern']}")
    if "default" in schema:
        parts.append(f"default {json.dumps(schema['default'])}")
    text = ", ".join(parts)
    return f"{text}: {description}" if description else text


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
