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

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from fashn_mock import catalog
from fashn_mock.catalog import ModelSpec
from fashn_mock.contract.components import component_name
from fashn_mock.contract.document import Document, document
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
    dialect: str = "native"
    """Whose contract: ``native``, ``concurred`` or ``pixazo``."""

    def as_json(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        where = "" if self.dialect == "native" else f"[{self.dialect}] "
        return f"{where}{self.location} {self.field}: {self.problem} (contract: " \
               f"{self.contract})"


def check_request(method: str, path: str, query: Mapping[str, Any] | None = None,
                  body: Any = NO_BODY, headers: Mapping[str, str] | None = None,
                  dialect: str = "native") -> list[Violation]:
    """Every way this request departs from ``dialect``'s contract; empty when it
    conforms."""
    if dialect != "native":
        from fashn_mock.contract.strict_gateways import check_gateway_request

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


def route_violation(doc: Document, method: str, path: str) -> Violation:
    documented = ", ".join(f"{o.method} {o.template}" for o in doc.operations)
    return Violation("route", f"{method.upper()} {path}", "not an operation of the "
                     "contract", f"documented: {documented}", doc.dialect)


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


def run_body_violations(doc: Document, body: Any, models: Mapping[str, ModelSpec]
                        ) -> list[Violation]:
    """How a ``{model_name, inputs}`` body departs from ``doc`` (whose models are
    ``models``, each with a ``<Name>Inputs`` schema)."""
    def violation(field: str, problem: str, contract: str) -> Violation:
        return Violation("body", field, problem, contract, doc.dialect)

    if body is NO_BODY or body is None:
        return [violation("(body)", "missing", "a JSON object {model_name, inputs}")]
    if not isinstance(body, dict):
        return [violation("(body)", f"a JSON {json_kind(body)}",
                          "a JSON object {model_name, inputs}")]
    found = [violation(key, "not a documented body field",
                       "the body has model_name and inputs") for key in body
             if key not in BODY_KEYS]
    name, inputs = body.get("model_name"), body.get("inputs")
    names = ", ".join(models)
    chosen = models.get(name) if isinstance(name, str) else None
    if chosen is None:
        problem = "missing" if name is None else f"unknown model {short(name)}"
        found.append(violation("model_name", problem, f"one of: {names}"))
    if not isinstance(inputs, dict):
        problem = "missing" if inputs is None else f"a JSON {json_kind(inputs)}"
        found.append(violation("inputs", problem, "a JSON object of model inputs"))
    elif chosen is not None:
        pointer = f"/components/schemas/{component_name(chosen)}Inputs"
        found += inputs_violations(doc, chosen, inputs, "inputs.", pointer)
    return found


def inputs_violations(doc: Document, spec: ModelSpec, inputs: dict[str, Any], prefix: str,
                      pointer: str) -> list[Violation]:
    """How ``inputs`` depart from ``spec``'s schema at ``pointer`` in ``doc``; fields
    the model does not define are reported too."""
    found = [_from_error(spec, error, prefix, doc.dialect)
             for error in doc.validator(pointer).iter_errors(inputs)]
    known = ", ".join(spec.properties)
    found += [Violation("body", prefix + key, f"not an input of {spec.name} (the API "
                        "ignores it)", f"inputs of {spec.name}: {known}", doc.dialect)
              for key in inputs if key not in spec.properties]
    return sorted(found, key=lambda v: v.field)


def _from_error(spec: ModelSpec, error: ValidationError, prefix: str,
                dialect: str) -> Violation:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = str(error.message).split("'")[1]
        return Violation("body", prefix + missing, "required field is missing",
                         f"{spec.name} requires: {', '.join(spec.required)}", dialect)
    if error.validator in ("anyOf", "not") and not path:
        options = " or ".join(", ".join(g) for g in spec.any_of_required) or "see schema"
        return Violation("body", prefix.rstrip(".") or "(body)",
                         "none of the alternative required fields is given",
                         f"{spec.name} needs one of: {options}", dialect)
    name = path[0] if path else ""
    schema = spec.properties.get(name, {})
    field = prefix + ".".join(path) if path else prefix.rstrip(".") or "(body)"
    return Violation("body", field, _problem(error),
                     describe(schema, schema.get("description", "")), dialect)


def _problem(error: ValidationError) -> str:
    got = short(error.instance)
    schema = error.schema if isinstance(error.schema, dict) else {}
    match error.validator:
        case "enum":
            return f"{got} is not an allowed value"
        case "type":
            return f"{got} is {json_kind(error.instance)}, expected {schema.get('type')}"
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


def json_kind(value: Any) -> str:
    """A value's JSON type name."""
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


def short(value: Any) -> str:
    """A value as JSON, cut to 60 characters."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
