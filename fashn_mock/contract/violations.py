"""A contract violation by one request, and the checks every dialect shares: the
route, a ``{model_name, inputs}`` body, one model's inputs against its schema."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from jsonschema.exceptions import ValidationError

from fashn_mock.catalog import ModelSpec
from fashn_mock.contract.components import component_name
from fashn_mock.contract.document import Document

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


def route_violation(doc: Document, method: str, path: str) -> Violation:
    documented = ", ".join(f"{o.method} {o.template}" for o in doc.operations)
    return Violation("route", f"{method.upper()} {path}", "not an operation of the "
                     "contract", f"documented: {documented}", doc.dialect)


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
