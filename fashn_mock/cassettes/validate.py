"""What a cassette may hold: the type and range of every recorded field.

``document(data)`` checks data read by ``safeyaml.load`` (already JSON-like, finite
and shallow) and raises ``Problem`` with the path of the first wrong value, which
the loader turns into ``file:line: ...``. The ranges are those of real traffic:
an HTTP status a server can answer with, offsets of at most a week, header
values that cannot split a response, redaction patterns that compile safely.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from fashn_mock.cassettes.redact import UnsafePattern, compile_pattern
from fashn_mock.cassettes.safeyaml import Path

MIN_STATUS, MAX_STATUS = 200, 599
"""Final HTTP statuses (a 1xx is never a final answer; above 599 is not HTTP)."""
MAX_AT = 7 * 24 * 3600.0
MAX_POLLS = 1_000_000
MAX_OUTPUTS = 100
MAX_REDACTIONS = 100
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}")
HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]{0,8192}")
"""Latin-1 text without control characters: nothing that could end a header line."""
CREDITS = re.compile(r"[0-9]{1,7}")
REQUEST_PATH = re.compile(r"/[\x21-\x7e]{0,2047}")
OUTPUT_NAME = re.compile(r"[^/\\\x00-\x1f\x7f]{1,255}")
CREDITS_HEADER = "x-fashn-credits-used"


class Problem(ValueError):
    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message

    @property
    def where(self) -> str:
        """``interactions[3].timeline[0].at``"""
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text.lstrip(".") or "(document)"


def document(data: Any) -> None:
    root = _mapping(data, (), {"version", "recorded_with", "upstream", "redactions",
                               "interactions"})
    _optional(root, (), "recorded_with", _text)
    _optional(root, (), "upstream", _text)
    redactions = _list(root.get("redactions"), ("redactions",), MAX_REDACTIONS)
    for index, pattern in enumerate(redactions):
        where = ("redactions", index)
        _text(pattern, where)
        try:
            compile_pattern(pattern)
        except UnsafePattern as exc:
            raise Problem(where, str(exc)) from None
    for index, interaction in enumerate(_list(root.get("interactions"),
                                              ("interactions",))):
        _interaction(interaction, ("interactions", index))


def _interaction(data: Any, path: Path) -> None:
    item = _mapping(data, path, {"request", "response", "timeline", "outputs"})
    request = _mapping(_required(item, path, "request"), (*path, "request"),
                       {"method", "path", "query", "body"})
    here = (*path, "request")
    method = _required(request, here, "method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise Problem((*here, "method"), f"an HTTP method ({', '.join(sorted(METHODS))})")
    target = _required(request, here, "path")
    if not isinstance(target, str) or not REQUEST_PATH.fullmatch(target):
        raise Problem((*here, "path"), "a request path: '/' then printable ASCII")
    query = _mapping(request.get("query") or {}, (*here, "query"), None)
    for key, value in query.items():
        if not isinstance(value, str | int | float | bool):
            raise Problem((*here, "query", key), "a query value must be a scalar")
    _response(_required(item, path, "response"), (*path, "response"))
    last = 0.0
    for index, raw in enumerate(_list(item.get("timeline"), (*path, "timeline"))):
        where = (*path, "timeline", index)
        step = _mapping(raw, where, {"at", "polls", "response"})
        at = _number(_required(step, where, "at"), (*where, "at"), 0, MAX_AT, "seconds")
        if at < last:
            raise Problem((*where, "at"), f"offsets must not decrease ({at} after {last})")
        last = at
        _optional(step, where, "polls", lambda v, p: _integer(v, p, 1, MAX_POLLS, "polls"))
        _response(_required(step, where, "response"), (*where, "response"))
    for index, raw in enumerate(_list(item.get("outputs"), (*path, "outputs"),
                                      MAX_OUTPUTS)):
        _output(raw, (*path, "outputs", index))


def _response(data: Any, path: Path) -> None:
    response = _mapping(data, path, {"status", "headers", "body"})
    _integer(_required(response, path, "status"), (*path, "status"), MIN_STATUS, MAX_STATUS,
             "an HTTP status")
    headers = _mapping(response.get("headers") or {}, (*path, "headers"), None)
    for name, value in headers.items():
        where = (*path, "headers", name)
        if not HEADER_NAME.fullmatch(name):
            raise Problem(where, f"not an HTTP header name: {name!r}")
        if not isinstance(value, str | int | float) or isinstance(value, bool) or \
                not HEADER_VALUE.fullmatch(str(value)):
            raise Problem(where, "a header value: Latin-1 text without control characters")
        if name.lower() == CREDITS_HEADER and not CREDITS.fullmatch(str(value)):
            raise Problem(where, "credits used: a whole number from 0 to 9999999")


def _output(data: Any, path: Path) -> None:
    output = _mapping(data, path, {"name", "file", "content_type", "base64", "note", "value"})
    name = _required(output, path, "name")
    if not isinstance(name, str) or not OUTPUT_NAME.fullmatch(name) or name in (".", ".."):
        raise Problem((*path, "name"), "an output file name (no '/', no control characters)")
    _optional(output, path, "file", _text)
    kind = output.get("content_type")
    if kind is not None and not (isinstance(kind, str) and HEADER_VALUE.fullmatch(kind)):
        raise Problem((*path, "content_type"), "a media type without control characters")
    if not isinstance(output.get("base64", False), bool):
        raise Problem((*path, "base64"), "true or false")
    _optional(output, path, "note", _text)
    _optional(output, path, "value", _text)


# --- primitives -------------------------------------------------------------------------
def _mapping(value: Any, path: Path, allowed: set[str] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Problem(path, f"expected a mapping, found {_kind(value)}")
    if allowed is not None:
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise Problem((*path, unknown[0]), f"unknown field {unknown[0]!r} (expected "
                                               f"{', '.join(sorted(allowed))})")
    return value


def _list(value: Any, path: Path, limit: int | None = None) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Problem(path, f"expected a list, found {_kind(value)}")
    if limit is not None and len(value) > limit:
        raise Problem(path, f"at most {limit} entries, found {len(value)}")
    return value


def _required(mapping: Mapping[str, Any], path: Path, key: str) -> Any:
    if key not in mapping:
        raise Problem(path, f"missing field {key!r}")
    return mapping[key]


def _optional(mapping: Mapping[str, Any], path: Path, key: str,
              check: Callable[[Any, Path], object]) -> None:
    if mapping.get(key) is not None:
        check(mapping[key], (*path, key))


def _text(value: Any, path: Path) -> str:
    if not isinstance(value, str):
        raise Problem(path, f"expected text, found {_kind(value)}")
    return value


def _number(value: Any, path: Path, low: float, high: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not low <= value <= high:
        raise Problem(path, f"{what}: a number from {low:g} to {high:g}, not {value!r}")
    return float(value)


def _integer(value: Any, path: Path, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Problem(path, f"{what}: a whole number from {low} to {high}, not {value!r}")
    return value


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
            type(None): "nothing"}.get(type(value), "a number")
