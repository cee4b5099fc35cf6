"""The shipped contract, and checking one HTTP exchange against it.

``load()`` reads the ``openapi.yaml`` shipped in the wheel (or the checkout's top-level
file), falling back to generating it. ``check_response`` says, in words, how a
response differs from what the contract documents for its route and status.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from fashn_mock.contract import openapi

Doc = dict[str, Any]
URI = "urn:fashn-mock:contract"
CHECKOUT_FILE = Path(__file__).resolve().parents[2] / "openapi.yaml"


def shipped_text() -> str | None:
    """The contract file shipped with this installation, if there is one."""
    packaged = resources.files("fashn_mock").joinpath("openapi.yaml")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    if CHECKOUT_FILE.is_file():
        return CHECKOUT_FILE.read_text(encoding="utf-8")
    return None


@cache
def _loaded() -> Doc:
    text = shipped_text()
    loaded: Doc = yaml.safe_load(text) if text else openapi.build()
    return loaded


def load() -> Doc:
    """A private copy of the contract (the shipped file, else freshly generated)."""
    return copy.deepcopy(_loaded())


@cache
def _registry() -> Registry[Any]:
    registry: Registry[Any] = Registry().with_resource(
        URI, DRAFT202012.create_resource(_loaded()))
    return registry


@cache
def validator(pointer: str) -> Draft202012Validator:
    """A validator for the schema at a JSON pointer, e.g. ``/components/schemas/X``."""
    return Draft202012Validator({"$ref": f"{URI}#{pointer}"}, registry=_registry())


def schema_errors(pointer: str, instance: Any) -> list[str]:
    """Each way ``instance`` breaks the schema at ``pointer``, as ``where: what``."""
    found = []
    for error in validator(pointer).iter_errors(instance):
        where = "/".join(str(p) for p in error.absolute_path) or "(body)"
        found.append(f"{where}: {error.message}")
    return sorted(found)


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pointer: str
    """JSON pointer of the operation object."""

    def spec(self) -> Doc:
        path = _loaded()["paths"][self.template]
        operation: Doc = path[self.method.lower()]
        return operation


def _escape(template: str) -> str:
    return template.replace("~", "~0").replace("/", "~1")


@cache
def operations() -> tuple[Operation, ...]:
    return tuple(Operation(method.upper(), template, f"/paths/{_escape(template)}/{method}")
                 for template, item in _loaded()["paths"].items() for method in item)


def find_operation(method: str, path: str) -> Operation | None:
    """The documented operation a concrete request path belongs to."""
    for operation in operations():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(operation.template))
        if operation.method == method.upper() and re.fullmatch(pattern, path):
            return operation
    return None


def check_response(method: str, path: str, status: int, headers: Mapping[str, str],
                   body: bytes | str | None) -> list[str]:
    """How one response breaks the contract (an empty list when it conforms)."""
    operation = find_operation(method, path)
    if operation is None:
        return [f"{method} {path}: no such operation in the contract"]
    responses = operation.spec()["responses"]
    if str(status) not in responses:
        return [f"status {status} is not documented for {operation.method} "
                f"{operation.template} (documented: {', '.join(responses)})"]
    response = responses[str(status)]
    pointer = f"{operation.pointer}/responses/{status}"
    lowered = {k.lower(): v for k, v in headers.items()}
    problems = _header_problems(response.get("headers", {}), lowered)
    content = response.get("content", {})
    if not content:
        return problems
    media = lowered.get("content-type", "").split(";")[0].strip()
    if media not in content:
        return [*problems, f"content-type {media or '(none)'} is not documented "
                           f"(documented: {', '.join(content)})"]
    try:
        parsed = json.loads(body or b"")
    except ValueError:
        return [*problems, "body is not valid JSON"]
    errors = schema_errors(f"{pointer}/content/{_escape(media)}/schema", parsed)
    return problems + [f"body {error}" for error in errors]


def _header_problems(declared: Mapping[str, Any], actual: Mapping[str, str]) -> list[str]:
    problems = []
    for name, spec in declared.items():
        spec = _resolve(spec)
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


def _resolve(spec: Doc) -> Doc:
    target = spec.get("$ref")
    if not isinstance(target, str):
        return spec
    node: Any = _loaded()
    for part in target.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    resolved: Doc = node
    return resolved
