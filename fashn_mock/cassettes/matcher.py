"""Which recorded request a new ``/v1/run`` is, and how a near miss differs.

Requests are compared *normalised*: the catalog's defaults applied to ``inputs``
(leaving out ``mode: balanced`` is the same request as sending it), data-URI
images replaced by their hash (``data:image/png;sha256,...``; cassettes stay small
and readable), and the cassette's redactions applied. The ``Matcher`` says which
fields count: ``model_name``, ``inputs``, ``query``, or single ones such as
``inputs.seed``; ``ignore`` drops fields (``--match-ignore inputs.seed``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fashn_mock.cassettes.errors import REFUSED
from fashn_mock.cassettes.redact import Redactor
from fashn_mock.validation import RunRequest, parse_run_body

Normalised = dict[str, Any]
"""Flat fields: ``model_name``, ``inputs.<name>``, ``query.<name>``."""
GROUPS = ("model_name", "inputs", "query")
FIELD = re.compile(r"(model_name|inputs|query)(\.[A-Za-z0-9_\-]+)?")
DATA_URI = re.compile(r"data:([\w/+.-]*)(?:;[\w=.-]+)*;base64,", re.IGNORECASE)
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "(absent)"})()
MAX_DEPTH = 48


def hash_data_uri(value: str) -> str:
    """``data:image/png;base64,...`` → ``data:image/png;sha256,<hex>``; other strings as is."""
    match = DATA_URI.match(value)
    if match is None:
        return value
    return f"data:{match.group(1)};sha256,{hashlib.sha256(value.encode()).hexdigest()}"


def compact_inputs(inputs: Any, depth: int = 0) -> Any:
    """Inputs as recorded: data URIs hashed (input images are never stored); what
    nests deeper than ``MAX_DEPTH`` is cut (no request can exhaust the stack here)."""
    if depth > MAX_DEPTH:
        return f"<nested deeper than {MAX_DEPTH} levels>"
    if isinstance(inputs, dict):
        return {k: compact_inputs(v, depth + 1) for k, v in inputs.items()}
    if isinstance(inputs, list):
        return [compact_inputs(v, depth + 1) for v in inputs]
    return hash_data_uri(inputs) if isinstance(inputs, str) else inputs


def normalise(model_name: Any, inputs: Any, query: Mapping[str, Any],
              redactor: Redactor) -> Normalised:
    fields: Normalised = {"model_name": model_name}
    if isinstance(inputs, dict):
        clean = redactor.data(compact_inputs(inputs))
        fields.update({f"inputs.{k}": v for k, v in clean.items()})
    elif inputs is not None:
        fields["inputs"] = inputs
    fields.update({f"query.{k}": redactor.text(str(v)) for k, v in query.items()})
    return fields


def from_run(run: RunRequest, query: Mapping[str, Any], redactor: Redactor) -> Normalised:
    """A validated request (defaults already applied), as the engine sees it."""
    return normalise(run.spec.name, run.inputs, query, redactor)


def from_body(body: Any, query: Mapping[str, Any], redactor: Redactor) -> Normalised:
    """A recorded ``/v1/run`` body, normalised through the catalog when it validates
    (else compared as it is: the real API may accept what the catalog does not)."""
    try:
        run = parse_run_body(body)
    except REFUSED:
        if isinstance(body, dict):
            return normalise(body.get("model_name"), body.get("inputs"), query, redactor)
        return normalise(None, body, query, redactor)
    return from_run(run, query, redactor)


@dataclass(frozen=True)
class Difference:
    field: str
    recorded: Any
    sent: Any

    def __str__(self) -> str:
        return f"{self.field}: recorded {_show(self.recorded)}, sent {_show(self.sent)}"


@dataclass(frozen=True)
class Matcher:
    fields: tuple[str, ...] = ("model_name", "inputs")
    ignore: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in (*self.fields, *self.ignore):
            if not FIELD.fullmatch(name):
                raise ValueError(f"match field {name!r}: expected model_name, inputs, query "
                                 "or inputs.<name> / query.<name>")

    @classmethod
    def parse(cls, fields: str | Sequence[str] | None = None,
              ignore: Sequence[str] = ()) -> Matcher:
        """From ``"model_name,inputs"`` (or a list) and fields to ignore."""
        if fields is None:
            return cls(ignore=tuple(ignore))
        names = fields.split(",") if isinstance(fields, str) else list(fields)
        return cls(tuple(n.strip() for n in names if n.strip()), tuple(ignore))

    def selects(self, name: str) -> bool:
        group = name.split(".")[0]
        if name in self.ignore or group in self.ignore:
            return False
        return name in self.fields or group in self.fields

    def key(self, request: Normalised) -> str:
        """Equal keys = the same request for this matcher."""
        chosen = {k: v for k, v in request.items() if self.selects(k)}
        return json.dumps(chosen, sort_keys=True, default=str)

    def differences(self, recorded: Normalised, sent: Normalised) -> list[Difference]:
        names = sorted({*recorded, *sent}, key=lambda n: (GROUPS.index(n.split(".")[0]), n))
        return [Difference(n, recorded.get(n, ABSENT), sent.get(n, ABSENT))
                for n in names if self.selects(n)
                and recorded.get(n, ABSENT) != sent.get(n, ABSENT)]

    def describe(self) -> str:
        text = ", ".join(self.fields)
        return text + (f" (ignoring {', '.join(self.ignore)})" if self.ignore else "")


def _show(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
