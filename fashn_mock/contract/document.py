"""The shipped contracts, and checking one HTTP exchange against them.

``document(dialect)`` is one dialect's contract: the file shipped in the wheel (or
the checkout's top-level file), falling back to generating it. Its
``check_response`` says, in words, how a response differs from what the contract
documents for its route and status (an event stream is checked event by event and
in order, ``contract.streams``). The module-level functions are the native ones.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from fashn_mock.contract import openapi
from fashn_mock.contract.streams import check_stream

Doc = dict[str, Any]
URI = "urn:fashn-mock:contract"
CHECKOUT = Path(__file__).resolve().parents[2]
CHECKOUT_FILE = CHECKOUT / "openapi.yaml"
SSE = "text/event-stream"


def shipped_text(dialect: str = "native") -> str | None:
    """The contract file shipped with this installation, if there is one."""
    name = openapi.file_name(dialect)
    packaged = resources.files("fashn_mock").joinpath(name)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    if (CHECKOUT / name).is_file():
        return (CHECKOUT / name).read_text(encoding="utf-8")
    return None


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pointer: str
    """JSON pointer of the operation object."""
    owner: Document | None = field(default=None, compare=False, repr=False)

    def spec(self) -> Doc:
        raw = (self.owner or document()).raw
        operation: Doc = raw["paths"][self.template][self.method.lower()]
        return operation


class Document:
    """One dialect's contract: schemas, operations and response checks."""

    def __init__(self, dialect: str = "native") -> None:
        self.dialect = dialect
        self.uri = URI if dialect == "native" else f"{URI}:{dialect}"
        self._validators: dict[str, Draft202012Validator] = {}

    @cached_property
    def raw(self) -> Doc:
        text = shipped_text(self.dialect)
        loaded: Doc = yaml.safe_load(text) if text else openapi.build(self.dialect)
        return loaded

    def load(self) -> Doc:
        """A private copy of the contract."""
        return copy.deepcopy(self.raw)

    @cached_property
    def registry(self) -> Registry[Any]:
        registry: Registry[Any] = Registry().with_resource(
            self.uri, DRAFT202012.create_resource(self.raw))
        return registry

    def validator(self, pointer: str) -> Draft202012Validator:
        """A validator for the schema at a JSON pointer, e.g. ``/components/schemas/X``."""
        found = self._validators.get(pointer)
        if found is None:
            found = self._validators[pointer] = Draft202012Validator(
                {"$ref": f"{self.uri}#{pointer}"}, registry=self.registry)
        return found

    def schema_errors(self, pointer: str, instance: Any) -> list[str]:
        """Each way ``instance`` breaks the schema at ``pointer``, as ``where: what``."""
        found = []
        for error in self.validator(pointer).iter_errors(instance):
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            found.append(f"{where}: {error.message}")
        return sorted(found)

    @cached_property
    def bases(self) -> tuple[str, ...]:
        """Path prefixes of the servers (``""`` when the paths are absolute)."""
        found = {urlsplit(server["url"]).path.rstrip("/")
                 for server in self.raw.get("servers", [])}
        return tuple(sorted(found, key=len, reverse=True)) or ("",)

    @cached_property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(Operation(method.upper(), template, f"/paths/{_escape(template)}/{method}",
                               self)
                     for template, item in self.raw["paths"].items() for method in item)

    @cached_property
    def _patterns(self) -> list[tuple[Operation, re.Pattern[str]]]:
        return [(o, re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(o.template))))
                for o in self.operations]

    def find_operation(self, method: str, path: str) -> Operation | None:
        """The documented operation a concrete request path belongs to (under any
        server's base path)."""
        for base in self.bases:
            if base and not path.startswith(base + "/"):
                continue
            relative = path[len(base):]
            for operation, pattern in self._patterns:
                if operation.method == method.upper() and pattern.fullmatch(relative):
                    return operation
        return None

    def check_response(self, method: str, path: str, status: int,
                       headers: Mapping[str, str], body: bytes | str | None) -> list[str]:
        """How one response breaks the contract (an empty list when it conforms)."""
        operation = self.find_operation(method, path)
        if operation is None:
            return [f"{method} {path}: no such operation in the contract"]
        responses = operation.spec()["responses"]
        if str(status) not in responses:
            return [f"status {status} is not documented for {operation.method} "
                    f"{operation.template} (documented: {', '.join(responses)})"]
        response = responses[str(status)]
        pointer = f"{operation.pointer}/responses/{status}"
        lowered = {k.lower(): v for k, v in headers.items()}
        problems = self._header_problems(response.get("headers", {}), lowered)
        content = response.get("content", {})
        if not content:
            return problems
        media = lowered.get("content-type", "").split(";")[0].strip()
        if media not in content:
            return [*problems, f"content-type {media or '(none)'} is not documented "
                               f"(documented: {', '.join(content)})"]
        if media == SSE:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body or ""
            return problems + check_stream(self, f"{pointer}/content/{_escape(media)}", text)
        try:
            parsed = json.loads(body or b"")
        except ValueError:
            return [*problems, "body is not valid JSON"]
        errors = self.schema_errors(f"{pointer}/content/{_escape(media)}/schema", parsed)
        return problems + [f"body {error}" for error in errors]

    def _header_problems(self, declared: Mapping[str, Any],
                         actual: Mapping[str, str]) -> list[str]:
        problems = []
        for name, spec in declared.items():
            spec = self.resolve(spec)
            value = actual.get(name.lower())
            if value is None:
                if spec.get("required"):
                    problems.append(f"header {name} is required but missing")
                continue
            schema = spec.get("schema", {})
            if schema.get("type") == "integer":
                try:
                    number = int(value)
                except ValueError:
                    problems.append(f"header {name}: {value!r} is not an integer")
                    continue
                if number < schema.get("minimum", number):
                    problems.append(f"header {name}: {number} is below {schema['minimum']}")
        return problems

    def resolve(self, spec: Doc) -> Doc:
        """``spec``, or what its local ``$ref`` points at."""
        target = spec.get("$ref")
        if not isinstance(target, str):
            return spec
        node: Any = self.raw
        for part in target.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        resolved: Doc = node
        return resolved


@cache
def document(dialect: str = "native") -> Document:
    """The contract of ``dialect`` (``ValueError`` for an unknown one)."""
    if dialect not in openapi.DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; known: {', '.join(openapi.DIALECTS)}")
    return Document(dialect)


def _escape(template: str) -> str:
    return template.replace("~", "~0").replace("/", "~1")


# --- the native contract, as module functions -------------------------------------------
def load() -> Doc:
    """A private copy of the native contract (the shipped file, else generated)."""
    return document().load()


def validator(pointer: str) -> Draft202012Validator:
    return document().validator(pointer)


def schema_errors(pointer: str, instance: Any) -> list[str]:
    return document().schema_errors(pointer, instance)


def operations() -> tuple[Operation, ...]:
    return document().operations


def find_operation(method: str, path: str) -> Operation | None:
    return document().find_operation(method, path)


def check_response(method: str, path: str, status: int, headers: Mapping[str, str],
                   body: bytes | str | None) -> list[str]:
    """How one response breaks the native contract (an empty list when it conforms)."""
    return document().check_response(method, path, status, headers, body)
