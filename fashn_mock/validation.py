"""Parse and validate a ``POST /v1/run`` body against the catalog's JSON Schemas.

Validation itself is done by ``jsonschema``; this module only picks the most
useful error and phrases it as "which field, what was wrong, what is allowed".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from fashn_mock import catalog, safejson
from fashn_mock.catalog import ModelSpec
from fashn_mock.errors import ApiError, bad_request

MODEL_NAMES = ", ".join(spec.name for spec in catalog.MODELS)
WEBHOOK_URL_SCHEMA = {"type": "string", "format": "uri", "pattern": "^https?://"}
"""The ``webhook_url`` query parameter (the contract uses this very schema): an RFC 3986
URI (DOCS-OAS ``format: uri``) with an http(s) scheme."""
_WEBHOOK_URL = jsonschema_rs.validator_for(WEBHOOK_URL_SCHEMA, validate_formats=True)


def is_webhook_url(value: object) -> bool:
    return bool(_WEBHOOK_URL.is_valid(value))


@dataclass(frozen=True)
class RunRequest:
    """A validated run request; ``inputs`` has every documented default applied."""

    spec: ModelSpec
    inputs: dict[str, Any]
    legacy_body: bool = False

    def canonical_inputs(self) -> str:
        """Stable JSON of the inputs: equal requests give equal strings."""
        return self._canonical

    @cached_property
    def _canonical(self) -> str:
        return json.dumps(self.inputs, sort_keys=True, separators=(",", ":"))


@cache
def validator_for(name: str) -> Draft202012Validator:
    spec = catalog.BY_NAME[name]
    return Draft202012Validator(spec.inputs_schema())


def parse_json(raw: bytes) -> Any:
    """Decode a request body within ``safejson``'s limits (depth, size, numbers,
    Unicode), or raise 400 with the reason."""
    if not raw.strip():
        raise bad_request("Invalid request body: the body is empty; expected a JSON object")
    try:
        return safejson.loads(raw)
    except safejson.Rejected as exc:
        raise bad_request(f"Invalid request body: {exc}") from None


def parse_webhook_url(value: str | None) -> str | None:
    """The ``webhook_url`` query parameter, or 400 unless it is an http(s) URI
    (the contract: ``format: uri``, ``pattern: ^https?://``)."""
    if value is None:
        return None
    if not is_webhook_url(value):
        raise bad_request(f"webhook_url: {value!r} is not an http(s) URL; percent-encode "
                          "spaces and non-ASCII characters")
    return value


def parse_run_body(body: Any) -> RunRequest:
    """Validate ``{model_name, inputs}`` (or the legacy flat try-on body)."""
    if not isinstance(body, dict):
        raise bad_request(f"Invalid request body: expected a JSON object, got {_kind(body)}")
    if "model_name" not in body and "inputs" not in body:
        return _validated(catalog.BY_NAME[catalog.LEGACY_BODY_MODEL], body, "", legacy=True)
    name, inputs = body.get("model_name"), body.get("inputs")
    if not isinstance(name, str):
        raise bad_request(f"model_name: expected a string, got {_kind(name)}; "
                          f"allowed: {MODEL_NAMES}")
    spec = catalog.get(name)
    if spec is None:
        raise bad_request(f"model_name: unknown model {name!r}; allowed: {MODEL_NAMES}")
    if not isinstance(inputs, dict):
        raise bad_request(f"inputs: expected a JSON object, got {_kind(inputs)}")
    return _validated(spec, inputs, "inputs.", legacy=False)


@cache
def fast_validator_for(name: str) -> Any:
    """A compiled (Rust) validator of the same schema: the fast path for valid bodies."""
    return jsonschema_rs.validator_for(catalog.BY_NAME[name].inputs_schema())


def _validated(spec: ModelSpec, inputs: dict[str, Any], prefix: str, *,
               legacy: bool) -> RunRequest:
    if not fast_validator_for(spec.name).is_valid(inputs):
        # jsonschema is the reference and explains the failure in detail
        error = best_match(validator_for(spec.name).iter_errors(inputs))
        if error is not None:
            raise _explain(spec, error, prefix)
    return RunRequest(spec, {**spec.defaults(), **inputs}, legacy_body=legacy)


def _explain(spec: ModelSpec, error: ValidationError, prefix: str) -> ApiError:
    """Phrase a jsonschema error for a person: field, problem, what is allowed."""
    field = prefix + ".".join(str(p) for p in error.absolute_path)
    where = f"{field.rstrip('.') or 'inputs'} (model {spec.name})"
    schema = error.schema if isinstance(error.schema, dict) else {}
    got = error.instance
    match error.validator:
        case "required":
            missing = str(error.message).split("'")[1]
            text = (f"{prefix}{missing} (model {spec.name}): required field is missing; "
                    f"required: {', '.join(spec.required)}")
        case "anyOf":
            options = " or ".join(", ".join(g) for g in spec.any_of_required)
            text = f"{where}: one of these fields is required: {options}"
        case "enum":
            allowed = ", ".join(json.dumps(v) for v in schema["enum"])
            text = f"{where}: {json.dumps(got)} is not allowed; allowed: {allowed}"
        case "type":
            text = f"{where}: expected {schema['type']}, got {_kind(got)} {_short(got)}"
        case "minimum" | "maximum":
            text = (f"{where}: {got} is out of range; allowed: "
                    f"{schema.get('minimum', '-inf')}..{schema.get('maximum', 'inf')}")
        case "minLength":
            text = f"{where}: must not be empty"
        case _:
            text = f"{where}: {error.message}"
    return bad_request(text)


def _kind(value: Any) -> str:
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean",
             int: "integer", float: "number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
