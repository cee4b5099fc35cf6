"""JSON from clients, parsed within limits into values that can always be
walked and encoded again.

Python's ``json`` accepts things that break a server later: nesting until a
``RecursionError`` (and anything a few hundred levels deep breaks the recursive
walks after it: validation, the journal, JSON responses), integers past
Python's 4,300-digit conversion limit, ``NaN``/``Infinity`` and numbers that
overflow to infinity (which strict JSON encoders refuse), lone UTF-16
surrogates (``"\\ud800"``, which cannot be encoded as UTF-8), and millions of
tiny values from one large body. ``loads`` refuses each with a reason.

The checks cost almost nothing on ordinary bodies: the tree is walked only when
the text could break a limit (more brackets than ``MAX_DEPTH``, a surrogate
escape).
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

MAX_DEPTH = 32
"""Nesting levels (the top-level object or array is level 1)."""
MAX_ITEMS = 100_000
"""Values in arrays and objects, roughly: more commas than this outside strings."""
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Left in a parsed string only by an unpaired surrogate escape."""
STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


class Rejected(ValueError):
    """Text that is not JSON within the limits; ``str(error)`` says why."""


def loads(raw: bytes | str) -> Any:
    """The JSON value in ``raw``, or ``Rejected``."""
    text = raw if isinstance(raw, str) else _decoded(raw)
    if text.count(",") > MAX_ITEMS and STRING.sub("", text).count(",") > MAX_ITEMS:
        raise Rejected(f"more than {MAX_ITEMS:,} values")
    try:
        value = _DECODER.decode(text)
    except Rejected:
        raise
    except RecursionError:
        raise Rejected(f"nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise Rejected(f"not valid JSON ({exc})") from None
    except ValueError:  # Python's limit on integer digits
        raise Rejected(f"an integer has more than {sys.get_int_max_str_digits():,} "
                       "digits") from None
    surrogates = "\\u" in text and SURROGATE_ESCAPE.search(text) is not None
    if surrogates or text.count("[") + text.count("{") > MAX_DEPTH:
        check(value, surrogates=surrogates)
    return value


def check(value: Any, *, surrogates: bool = True) -> None:
    """``Rejected`` when a parsed value nests too deep or holds a lone surrogate."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > MAX_DEPTH:
                raise Rejected(f"nested more than {MAX_DEPTH} levels deep")
            if surrogates:
                for key in item:
                    _text(key)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            if depth > MAX_DEPTH:
                raise Rejected(f"nested more than {MAX_DEPTH} levels deep")
            stack.extend((child, depth + 1) for child in item)
        elif surrogates and isinstance(item, str):
            _text(item)


def _text(text: str) -> None:
    found = LONE_SURROGATE.search(text)
    if found:
        raise Rejected(f"a string holds a lone surrogate (\\u{ord(found.group()):04x}), "
                       "which is not Unicode text")


def _decoded(raw: bytes) -> str:
    # an object whose second byte is not NUL: what ``json.detect_encoding`` finds (no
    # BOM starts with "{"), without its dozen checks (about 0.8 µs a request)
    encoding = "utf-8" if raw[:1] == b"{" and raw[1:2] != b"\x00" \
        else json.detect_encoding(raw)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise Rejected(f"not valid JSON ({exc})") from None


def _constant(name: str) -> Any:
    raise Rejected(f"not valid JSON ({name} is not a JSON number)")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise Rejected(f"the number {text[:40]} is out of range")
    return number


_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_finite)
"""Built once: ``json.loads`` with hooks would build a decoder per call."""
