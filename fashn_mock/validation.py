"""Parse and validate a run body against the catalog's JSON Schemas.

Validation is ``jsonschema-rs`` (compiled, with structured errors); this module
only picks the most useful error and phrases it as "which field, what was wrong,
what is allowed". Only declared fields reach the engine: fields a model does not
define are dropped here (and reported by ``--strict``), and documented defaults
are filled in.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs

from fashn_mock import catalog, safejson
from fashn_mock.catalog import ModelSpec
from fashn_mock.engine.errors import InvalidRequest

MODEL_NAMES = ", ".join(spec.name for spec in catalog.MODELS)
WEBHOOK_URL_SCHEMA = {"type": "string", "format": "uri", "pattern": "^https?://"}
"""The ``webhook_url`` query parameter (the contract uses this very schema): an RFC 3986
URI (``format: uri``; docs/api-facts.md#webhooks) with an http(s) scheme."""
_WEBHOOK_URL = jsonschema_rs.validator_for(WEBHOOK_URL_SCHEMA, validate_formats=True)
WEAK = ("AnyOf", "OneOfNotValid", "OneOfMultipleValid")
CACHED_UP_TO = 64 * 1024
"""A request's canonical JSON up to this length is kept once made."""
"""Error kinds that only say "none of the alternatives fit": reported last."""


def is_webhook_url(value: object) -> bool:
    return bool(_WEBHOOK_URL.is_valid(value))


@dataclass(frozen=True)
class RunRequest:
    """A validated run request; ``inputs`` holds the declared fields, defaults applied."""

    spec: ModelSpec
    inputs: dict[str, Any]
    legacy_body: bool = False
    ignored: tuple[str, ...] = field(default=())
    """Fields the model does not declare, dropped from ``inputs``."""
    sent: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    """The declared fields as sent, when ``inputs`` is the model's defaults updated
    with them (unknown: None)."""

    def canonical_inputs(self) -> str:
        """Stable JSON of the inputs: equal requests give equal strings. Kept for
        the next call unless long (a data URI): then made again when asked."""
        return self._json("_canonical", self.inputs)

    def kept_canonical_inputs(self) -> str | None:
        """``canonical_inputs()`` if it was made and kept, else None (never makes it)."""
        found: str | None = self.__dict__.get("_canonical")
        return found

    def sent_json(self) -> str:
        """Stable JSON of the declared fields as sent, without the defaults (half the
        work of ``canonical_inputs`` for a try-on); every string a client wrote is in
        it. ``canonical_inputs()`` when what was sent is unknown. Kept as that is."""
        return self.canonical_inputs() if self.sent is None else self._json("_sent", self.sent)

    def kept_sent_json(self) -> str | None:
        """``sent_json()`` if it was made and kept, else None (never makes it)."""
        if self.sent is None:
            return self.kept_canonical_inputs()
        found: str | None = self.__dict__.get("_sent")
        return found

    def _json(self, name: str, value: dict[str, Any]) -> str:
        """``canonical_json(value)``, kept under ``name`` once made unless longer than
        ``CACHED_UP_TO`` (a data URI): then made again when asked."""
        found: str | None = self.__dict__.get(name)
        if found is None:
            found = canonical_json(value)
            if len(found) <= CACHED_UP_TO:
                self.__dict__[name] = found  # frozen: as cached_property does
        return found

    def stored_inputs(self) -> str | SentInputs:
        """What a prediction keeps of these inputs: their canonical JSON if made,
        else the JSON of the fields as sent, which makes it when first read."""
        found = self.kept_canonical_inputs()
        if found is not None:
            return found
        if self.sent is None:
            return self.canonical_inputs()
        return SentInputs(self.spec, self.sent_json())


@dataclass(frozen=True, slots=True)
class SentInputs:
    """A run's declared inputs as sent (``RunRequest.sent_json``): smaller than
    their canonical JSON, which ``canonical_inputs()`` makes by applying the model's
    defaults, the same text as ``RunRequest.canonical_inputs()`` gives."""

    spec: ModelSpec
    sent_json: str

    def canonical_inputs(self) -> str:
        return canonical_json({**self.spec.defaults(), **json.loads(self.sent_json)})


def _canonical_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, sort_keys=True, separators=(",", ":"))``, the same text,
    from one encoder made once: ``dumps`` makes a ``JSONEncoder`` and ``iterencode`` a
    C encoder on every call, about two thirds of its time for a run's inputs. Values
    here are parsed JSON, never circular, so the circular-reference check is off (its
    only effect is a ``ValueError`` for a value that refers to itself)."""
    made = getattr(json.encoder, "c_make_encoder", None)  # private: not in the stubs
    if made is None:  # no C accelerator (another Python): the standard way
        standard = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
        return standard.encode
    encode = made(None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii,
                  None, ":", ",", True, False, True)

    def canonical(value: Any) -> str:
        if isinstance(value, str):  # as ``JSONEncoder.encode`` does for a bare string
            return str(json.encoder.encode_basestring_ascii(value))
        return "".join(encode(value, 0))
    return canonical


canonical_json = _canonical_encoder()
"""Stable JSON of a value (sorted keys, no spaces, ASCII)."""


def canonical_pieces(inputs: Mapping[str, Any], plain: Collection[str] = ()) -> list[str]:
    """``canonical_json(inputs)`` in pieces that join to it, where the string value of
    each input named in ``plain`` (known to be printable ASCII without a quote or a
    backslash, as a data URI that decoded is) is a piece as it is: not copied."""
    pieces: list[str] = []
    for key in sorted(inputs):
        value = inputs[key]
        pieces.append(("," if pieces else "{") + canonical_json(key) + ":")
        if key in plain and isinstance(value, str):
            pieces += ['"', value, '"']
        else:
            pieces.append(canonical_json(value))
    pieces.append("}" if pieces else "{}")
    return pieces


def parse_json(raw: bytes) -> Any:
    """Decode a request body within ``safejson``'s limits (depth, size, numbers,
    Unicode), or raise 400 with the reason."""
    if not raw.strip():
        raise InvalidRequest("Invalid request body: the body is empty; expected a JSON object",
                             field="body")
    try:
        return safejson.loads(raw)
    except safejson.Rejected as exc:
        raise InvalidRequest(f"Invalid request body: {exc}", field="body") from None


def parse_webhook_url(value: str | None) -> str | None:
    """The ``webhook_url`` query parameter, unless it is not an http(s) URI
    (the contract: ``format: uri``, ``pattern: ^https?://``)."""
    if value is None:
        return None
    if not is_webhook_url(value):
        raise InvalidRequest(f"webhook_url: {value!r} is not an http(s) URL; percent-encode "
                             "spaces and non-ASCII characters", field="webhook_url")
    return value


def parse_run_body(body: Any, models: Mapping[str, ModelSpec] | None = None, *,
                   legacy_model: str | None = catalog.LEGACY_BODY_MODEL) -> RunRequest:
    """Validate ``{model_name, inputs}`` against ``models`` (default: the native catalog);
    a flat body without either key runs as ``legacy_model`` when there is one."""
    models = catalog.BY_NAME if models is None else models
    if not isinstance(body, dict):
        raise InvalidRequest(f"Invalid request body: expected a JSON object, got {_kind(body)}",
                             field="body")
    if "model_name" not in body and "inputs" not in body and legacy_model is not None:
        return validated(models[legacy_model], body, "", legacy=True)
    name, inputs = body.get("model_name"), body.get("inputs")
    if not isinstance(name, str):
        raise InvalidRequest(f"model_name: expected a string, got {_kind(name)}; "
                             f"allowed: {', '.join(models)}", field="model_name")
    spec = models.get(name)
    if spec is None:
        raise InvalidRequest(f"model_name: unknown model {name!r}; "
                             f"allowed: {', '.join(models)}", field="model_name")
    if not isinstance(inputs, dict):
        raise InvalidRequest(f"inputs: expected a JSON object, got {_kind(inputs)}",
                             field="inputs")
    return validated(spec, inputs, "inputs.", legacy=False)


_VALIDATORS: dict[int, tuple[ModelSpec, Any]] = {}


def validator_for(spec: ModelSpec) -> Any:
    """The compiled validator of one model's inputs schema (compiled once per spec)."""
    found = _VALIDATORS.get(id(spec))
    if found is None or found[0] is not spec:
        found = _VALIDATORS[id(spec)] = (spec, jsonschema_rs.validator_for(spec.inputs_schema()))
    return found[1]


def validated(spec: ModelSpec, inputs: dict[str, Any], prefix: str, *,
              legacy: bool) -> RunRequest:
    """``inputs`` checked against ``spec``; refused with the most useful error."""
    validator = validator_for(spec)
    if not validator.is_valid(inputs):
        raise _explain(spec, _best(validator.iter_errors(inputs)), prefix)
    properties = spec.properties
    declared = {k: v for k, v in inputs.items() if k in properties}
    ignored = tuple(k for k in inputs if k not in properties)
    return RunRequest(spec, {**spec.defaults(), **declared}, legacy_body=legacy,
                      ignored=ignored, sent=declared)


def _best(errors: Any) -> Any:
    """The most useful error: the shallowest, and a concrete one before "none of the
    alternatives fit" (the ranking of ``jsonschema.exceptions.best_match``)."""
    best, best_rank = None, (-1_000_000, False)
    for error in errors:
        rank = (-len(error.instance_path), type(error.kind).__name__ not in WEAK)
        if best is None or rank > best_rank:
            best, best_rank = error, rank
    return best


def _explain(spec: ModelSpec, error: Any, prefix: str) -> InvalidRequest:
    """Phrase a validation error for a person: field, problem, what is allowed."""
    path = [str(p) for p in error.instance_path]
    field_name = prefix + ".".join(path)
    where = f"{field_name.rstrip('.') or 'inputs'} (model {spec.name})"
    schema = spec.properties.get(path[0], {}) if len(path) == 1 else {}
    got = error.instance
    kind = type(error.kind).__name__
    match kind:
        case "Required":
            missing = str(error.kind.property)
            field_name = prefix + missing
            text = (f"{field_name} (model {spec.name}): required field is missing; "
                    f"required: {', '.join(spec.required)}")
        case "AnyOf":
            options = " or ".join(", ".join(g) for g in spec.any_of_required)
            text = f"{where}: one of these fields is required: {options}"
        case "Enum" if "enum" in schema:
            allowed = ", ".join(json.dumps(v) for v in schema["enum"])
            text = f"{where}: {json.dumps(got)} is not allowed; allowed: {allowed}"
        case "Type" if "type" in schema:
            text = f"{where}: expected {schema['type']}, got {_kind(got)} {_short(got)}"
        case "Minimum" | "Maximum":
            text = (f"{where}: {got} is out of range; allowed: "
                    f"{schema.get('minimum', '-inf')}..{schema.get('maximum', 'inf')}")
        case "MinLength":
            text = f"{where}: must not be empty"
        case _:
            text = f"{where}: {error.message}"
    return InvalidRequest(text, field=field_name.rstrip(".") or None)


def _kind(value: Any) -> str:
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean",
             int: "integer", float: "number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
