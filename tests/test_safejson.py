"""JSON from clients: parsed within limits, into values that encode again."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fashn_mock import safejson


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize(("raw", "reason"), [
    (nested(safejson.MAX_DEPTH + 1), "nested more than 32 levels deep"),
    (b"[" * 500 + b"]" * 500, "nested more than 32 levels deep"),
    (b"[" * 100_000 + b"]" * 100_000, "nested more than 32 levels deep"),  # RecursionError
    (b'{"seed": ' + b"7" * 5000 + b"}", "an integer has more than 4,300 digits"),
    (b'{"\\ud800": 1}', "a string holds a lone surrogate (\\ud800)"),
    (b'{"a": ["x\\udfff"]}', "a string holds a lone surrogate (\\udfff)"),
    (b'"\xed\xa0\x80"', "can't decode byte 0xed"),  # a surrogate encoded as UTF-8
    (b"[NaN]", "NaN is not a JSON number"),
    (b'{"a": -Infinity}', "-Infinity is not a JSON number"),
    (b"[1e400]", "the number 1e400 is out of range"),
    (b"[" + b"0," * (safejson.MAX_ITEMS + 1) + b"0]", "more than 100,000 values"),
    (b"{", "not valid JSON (Expecting property name"),
])
def test_what_breaks_a_server_later_is_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(safejson.Rejected) as refused:
        safejson.loads(raw)
    assert reason in str(refused.value)


@pytest.mark.parametrize(("raw", "value"), [
    (nested(safejson.MAX_DEPTH), json.loads(nested(safejson.MAX_DEPTH))),
    (b'{"a": "\\ud83d\\ude00"}', {"a": "\U0001f600"}),  # a surrogate *pair* is one character
    (b'["' + b"," * 200_000 + b'"]', ["," * 200_000]),  # commas in strings are not values
    (b"[" + b"7" * 4300 + b"]", [int("7" * 4300)]),
    (b'\xef\xbb\xbf{"a": 1}', {"a": 1}),  # a UTF-8 byte order mark
    ('{"a": 1}'.encode("utf-16"), {"a": 1}),
])
def test_everything_else_parses_as_json_does(raw: bytes, value: Any) -> None:
    assert safejson.loads(raw) == value


any_text = st.text(st.characters(exclude_categories=()))  # lone surrogates too
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(any_text, children, max_size=3), max_leaves=60)


@given(value=json_values, depth=st.integers(0, 60))
def test_what_parses_can_be_encoded_and_walked_again(value: Any, depth: int) -> None:
    for _ in range(depth):
        value = [value]
    raw = json.dumps(value).encode("utf-8", "surrogatepass")  # NaN, Infinity, surrogates too
    try:
        parsed = safejson.loads(raw)
    except safejson.Rejected:
        return
    json.dumps(parsed, allow_nan=False, ensure_ascii=False).encode("utf-8")
    safejson.check(parsed)
    assert parsed == json.loads(raw)


@given(raw=st.binary(max_size=200))
def test_any_bytes_parse_or_are_rejected(raw: bytes) -> None:
    with contextlib.suppress(safejson.Rejected):
        safejson.loads(raw)


@example(b"\x00ab")  # "{" then NUL: UTF-16-LE
@example(b"\x00\x00\x00")  # UTF-32-LE
@given(st.binary(max_size=6))
def test_bodies_are_decoded_as_json_detect_encoding_says(tail: bytes) -> None:
    for raw in (b"{" + tail, tail):
        try:
            expected: object = raw.decode(json.detect_encoding(raw))
        except UnicodeDecodeError:
            expected = safejson.Rejected
        try:
            found: object = safejson._decoded(raw)
        except safejson.Rejected:
            found = safejson.Rejected
        assert found == expected
