"""Read an OpenAPI schema the lenient way, to compare it with what reality sent.

``undocumented(schema, instance)`` finds object keys no (sub)schema declares and
values outside every declared ``enum``; ``enums(schema)`` lists each declared enum
by path. Subschemas (``$ref``, ``allOf``/``oneOf``/``anyOf``, ``then``/``else``) are
taken as a union: a field or value documented in any branch counts as documented.
Paths look like ``error/name`` and ``output[]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]
BRANCHES = ("allOf", "oneOf", "anyOf")
MAX_DEPTH = 12


@dataclass(frozen=True)
class Surprise:
    path: str
    kind: str
    """``field`` (an undocumented key) or ``enum`` (a value outside the enum)."""
    value: Any = None
    documented: tuple[Any, ...] = ()


class SchemaReader:
    def __init__(self, document: Schema) -> None:
        self.document = document

    def resolve(self, schema: Any) -> Schema:
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
            node: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema, seen = node, seen + 1
        return schema if isinstance(schema, dict) else {}

    def flatten(self, schemas: list[Any], depth: int = 0) -> Iterator[Schema]:
        """Every schema that constrains the same value, branches included."""
        for raw in schemas:
            schema = self.resolve(raw)
            yield schema
            if depth < MAX_DEPTH:
                nested = [s for key in BRANCHES for s in schema.get(key, [])]
                nested += [schema[key] for key in ("then", "else") if key in schema]
                yield from self.flatten(nested, depth + 1)

    def undocumented(self, schema: Any, instance: Any) -> list[Surprise]:
        found: list[Surprise] = []
        self._walk([schema], instance, "", found)
        return found

    def _walk(self, schemas: list[Any], instance: Any, path: str,
              found: list[Surprise]) -> None:
        flat = list(self.flatten(schemas))
        if isinstance(instance, dict):
            properties: dict[str, list[Any]] = {}
            for schema in flat:
                for name, sub in schema.get("properties", {}).items():
                    properties.setdefault(name, []).append(sub)
            closed = any("properties" in s for s in flat) and not any(
                s.get("additionalProperties") not in (None, False) or "patternProperties" in s
                for s in flat)
            for key, value in instance.items():
                where = f"{path}/{key}" if path else str(key)
                if key in properties:
                    self._walk(properties[key], value, where, found)
                elif closed:
                    found.append(Surprise(where, "field", value))
        elif isinstance(instance, list):
            items = [s["items"] for s in flat if isinstance(s.get("items"), dict)]
            for value in instance if items else ():
                self._walk(items, value, f"{path}[]", found)
        else:
            allowed = [v for s in flat for v in s.get("enum", [])]
            if allowed and instance not in allowed:
                documented = tuple(dict.fromkeys(allowed))
                found.append(Surprise(path or "(body)", "enum", instance, documented))

    def enums(self, schema: Any) -> dict[str, set[Any]]:
        """Each path that declares an enum, and its values."""
        found: dict[str, set[Any]] = {}
        self._enums([schema], "", found, 0)
        return found

    def _enums(self, schemas: list[Any], path: str, found: dict[str, set[Any]],
               depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        flat = list(self.flatten(schemas))
        values = {v for s in flat for v in s.get("enum", []) if _hashable(v)}
        if values:
            found.setdefault(path or "(body)", set()).update(values)
        properties: dict[str, list[Any]] = {}
        for schema in flat:
            for name, sub in schema.get("properties", {}).items():
                properties.setdefault(name, []).append(sub)
        for name, subs in properties.items():
            self._enums(subs, f"{path}/{name}" if path else name, found, depth + 1)
        items = [s["items"] for s in flat if isinstance(s.get("items"), dict)]
        if items:
            self._enums(items, f"{path}[]", found, depth + 1)


def _hashable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None
