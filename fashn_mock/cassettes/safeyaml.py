"""YAML for untrusted files: plain JSON-like data, or an error with its line.

Cassettes come from repositories and colleagues, so they are read as hostile
input. ``load`` builds values straight from the (libyaml, when available) event
stream and refuses, with the line of the offence:

- anchors and aliases (``&a``/``*a``): an alias bomb of a few hundred bytes
  expands to gigabytes; recorded traffic never needs them;
- tags other than the JSON-like core ones (``!!binary``, ``!!timestamp``,
  ``!!set``, custom tags) and unquoted dates, which are not JSON values;
- non-finite numbers (``.nan``, ``.inf``) and integers of more than ``MAX_DIGITS``
  digits; non-string mapping keys, merge keys (``<<``) and duplicate keys;
- nesting deeper than ``MAX_DEPTH`` and more than one document.

``line_of(text, path)`` finds the line of the value at a path such as
``("interactions", 3, "timeline", 0, "at")``, for messages about valid YAML
holding wrong values (the search runs only when there is something to report).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

PathPart = str | int
Path = tuple[PathPart, ...]
MAX_DEPTH = 64
"""Recorded FASHN bodies nest a few levels; deeper means a hand-made trap."""
MAX_DIGITS = 30
CORE = "tag:yaml.org,2002:"
SCALAR_TAGS = {CORE + name for name in ("str", "int", "float", "bool", "null")}
COLLECTION_TAGS = {CORE + "seq", CORE + "map"}
_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()


class YamlError(ValueError):
    """Text that is not acceptable YAML for a cassette; ``line`` is 1-based."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _line(event: yaml.Event) -> int | None:
    mark = event.start_mark
    return None if mark is None else mark.line + 1


@dataclass
class _Frame:
    value: dict[str, Any] | list[Any]
    path: Path
    key: str | None = None
    """The key waiting for its value (mappings only)."""
    key_line: int | None = None
    index: int = 0


def _events(text: str) -> Iterator[yaml.Event]:
    try:
        yield from yaml.parse(text, Loader=_PARSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlError(None if mark is None else mark.line + 1,
                        f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(None, f"invalid YAML: {exc}") from None


def _scalar(event: yaml.ScalarEvent) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        tag = _RESOLVER.resolve(ScalarNode, event.value,  # type: ignore[no-untyped-call]
                                event.implicit)
    if tag not in SCALAR_TAGS:
        shown = tag.removeprefix(CORE) if tag.startswith(CORE) else tag
        hint = " (quote it to keep it a string)" if event.tag is None else ""
        raise YamlError(_line(event), f"a YAML {shown} value is not JSON-like data{hint}")
    if tag == CORE + "int" and len(event.value) > MAX_DIGITS:
        raise YamlError(_line(event), f"an integer of more than {MAX_DIGITS} digits")
    try:
        value = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, ScalarNode(tag, event.value))
    except (ValueError, yaml.YAMLError) as exc:
        raise YamlError(_line(event), f"unreadable value {event.value!r}: {exc}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlError(_line(event), f"a non-finite number ({event.value}) is not allowed")
    return value


def _check_node(event: yaml.NodeEvent, depth: int) -> None:
    if isinstance(event, yaml.AliasEvent):
        raise YamlError(_line(event), f"YAML aliases (*{event.anchor}) are not allowed "
                                      "in a cassette")
    if event.anchor is not None:
        raise YamlError(_line(event), f"YAML anchors (&{event.anchor}) are not allowed "
                                      "in a cassette")
    if isinstance(event, yaml.CollectionStartEvent):
        if event.tag not in (None, "!") and event.tag not in COLLECTION_TAGS:
            raise YamlError(_line(event), f"YAML tag {event.tag} is not allowed")
        if depth >= MAX_DEPTH:
            raise YamlError(_line(event), f"nested deeper than {MAX_DEPTH} levels")


def _walk(text: str) -> Iterator[tuple[Path, int | None, Any]]:
    """Every value node as (path, line, value), the line of its key for a mapping
    member; containers are yielded empty at their start and filled as the walk goes
    on. Enforces every rule of the module."""
    stack: list[_Frame] = []
    documents = 0
    for event in _events(text):
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlError(_line(event), "a cassette is one YAML document")
            continue
        if not isinstance(event, yaml.NodeEvent | yaml.CollectionEndEvent):
            continue  # stream and document ends
        if isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
            continue
        _check_node(event, len(stack))
        top = stack[-1] if stack else None
        if top is not None and isinstance(top.value, dict) and top.key is None:
            if not isinstance(event, yaml.ScalarEvent):
                raise YamlError(_line(event), "mapping keys must be plain strings")
            key = _scalar(event)
            if not isinstance(key, str):
                raise YamlError(_line(event), f"mapping key {event.value!r} must be a "
                                              "string (quote it)")
            if key in top.value:
                raise YamlError(_line(event), f"duplicate key {key!r}")
            top.key, top.key_line = key, _line(event)
            continue
        line = _line(event)
        if top is None:
            path: Path = ()
        elif isinstance(top.value, dict):
            assert top.key is not None
            path, line = (*top.path, top.key), top.key_line
        else:
            path = (*top.path, top.index)
        value: Any
        if isinstance(event, yaml.MappingStartEvent):
            value = {}
        elif isinstance(event, yaml.SequenceStartEvent):
            value = []
        else:
            assert isinstance(event, yaml.ScalarEvent)  # aliases were refused above
            value = _scalar(event)
        if top is not None:
            if isinstance(top.value, dict):
                assert top.key is not None
                top.value[top.key] = value
                top.key = None
            else:
                top.value.append(value)
                top.index += 1
        yield path, line, value
        if isinstance(value, dict | list) and isinstance(event, yaml.CollectionStartEvent):
            stack.append(_Frame(value, path))


def load(text: str) -> Any:
    """The single document in ``text`` as plain data (None when empty)."""
    root: Any = None
    for path, _line_number, value in _walk(text):
        if not path:
            root = value
    return root


def line_of(text: str, path: Path) -> int | None:
    """The line of the value at ``path`` (of its key, for a mapping member), or of
    its nearest existing ancestor."""
    best: int | None = None
    try:
        for here, line, _value in _walk(text):
            if here == path[:len(here)]:
                best = line
                if here == path:
                    break
    except YamlError:
        pass
    return best
