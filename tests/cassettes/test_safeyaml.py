"""Untrusted YAML: plain JSON-like data, or an error naming the line."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock.cassettes import safeyaml
from fashn_mock.cassettes.format import DUMPER
from fashn_mock.cassettes.safeyaml import MAX_DEPTH, YamlError, line_of, load

BOMB = "\n".join(["version: 1", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
                  *(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]"
                    for p, c in zip("abcdefgh", "bcdefghi", strict=True)),
                  "interactions: [*i]"])
"""The classic: 9 levels of 9 aliases, ~10^9 strings once expanded."""


def refused(text: str) -> YamlError:
    with pytest.raises(YamlError) as caught:
        load(text)
    return caught.value


def test_plain_data_loads() -> None:
    assert load("a: 1\nb: [x, 2.5, null, true, '1e3', \"yes\"]\nc: {d: e}\n") == \
        {"a": 1, "b": ["x", 2.5, None, True, "1e3", "yes"], "c": {"d": "e"}}
    assert load("") is None


def test_an_alias_bomb_is_refused_at_its_first_anchor() -> None:
    assert len(BOMB) < 1000
    error = refused(BOMB)
    assert error.line == 2 and "anchors (&a) are not allowed" in error.message


@pytest.mark.parametrize(("text", "line", "message"), [
    ("a: 1\nb:\n  c: .nan\n", 3, "non-finite number (.nan)"),
    ("a: [1, -.inf]\n", 1, "non-finite number (-.inf)"),
    ("a: 1.0e+999\n", 1, "non-finite number (1.0e+999)"),
    ("x: " + "9" * 400 + "\n", 1, "more than 30 digits"),
    ("when: 2024-01-01\n", 1, "timestamp value is not JSON-like data (quote it"),
    ("blob: !!binary aGk=\n", 1, "binary value"),
    ("obj: !!python/object:os.system x\n", 1, "python/object:os.system value"),
    ("s: !!set {a, b}\n", 1, "tag tag:yaml.org,2002:set is not allowed"),
    ("x: !custom 3\n", 1, "!custom value"),
    ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
    ("1: one\n", 1, "mapping key '1' must be a string"),
    ("? [k]\n: v\n", 1, "mapping keys must be plain strings"),
    ("<<: {a: 1}\n", 1, "merge value"),
    ("a: 1\n---\nb: 2\n", 2, "one YAML document"),
    ("a: [\n", 2, "invalid YAML"),
    ("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", 1, "nested deeper"),
    ("a: " + "[" * 5000, 1, "invalid YAML"),  # libyaml's own limit, no recursion
])
def test_what_is_refused_and_where(text: str, line: int, message: str) -> None:
    error = refused(text)
    assert message in error.message and error.line == line


def test_an_alias_is_refused_on_its_line() -> None:
    error = refused("a: 1\nb: 2\nc: *x\n")
    assert error.line == 3 and "aliases (*x) are not allowed" in error.message


@pytest.mark.parametrize(("path", "line"), [
    ((), 1), (("interactions",), 2), (("interactions", 0, "timeline", 1, "at"), 8),
    (("interactions", 0, "timeline", 1, "missing"), 7),
    (("interactions", 0, "timeline", 5), 5), (("interactions", 3), 2),
    (("interactions", 0, "request"), 3), (("interactions", 0, "request", "method"), 4)])
def test_line_of(path: safeyaml.Path, line: int) -> None:
    text = ("version: 1\ninteractions:\n- request:\n    method: GET\n  timeline:\n"
            "  - at: 1\n  - polls: 2\n    at: 2\n")
    assert line_of(text, path) == line


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@given(json_values)
def test_everything_the_dumper_writes_loads_back(value: Any) -> None:
    text = yaml.dump({"value": value, "again": value}, Dumper=DUMPER, sort_keys=False,
                     allow_unicode=True, width=1000)
    loaded = load(text)  # never an anchor, even for a repeated value
    assert json.dumps(loaded, sort_keys=True) == json.dumps({"value": value,
                                                             "again": value}, sort_keys=True)
    assert all(not isinstance(v, float) or math.isfinite(v) for v in _leaves(loaded))


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]
