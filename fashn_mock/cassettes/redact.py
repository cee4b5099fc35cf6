"""Keep secrets off disk: API keys, bearer tokens and user patterns in cassettes.

Every API key seen in an ``Authorization`` header, any bearer token and anything
shaped like a FASHN key (``fa-<id>-<hash>``) becomes ``<REDACTED>``. A known key is
also found in its encoded forms: percent-encoded (any characters, either hex
case, as in a query string or a double-encoded URL) and base64 (standard and
URL-safe alphabets, at any alignment inside a longer encoded text, as in a Basic
``Authorization`` value or a base64 payload). Extra patterns (``--redact REGEX``,
e.g. customer image URLs) become ``<redacted:HASH>``: the hash of the matched text
keeps two different URLs distinct, so requests that differ only there still
match the right recording on replay (the same patterns are applied to replayed
requests). ``check`` refuses to write text with a known secret.

Extra patterns come from cassettes, which are untrusted, and run on every replayed
request: they are compiled with RE2 (``google-re2``), whose matching time is
linear in the input, so no pattern can backtrack catastrophically and stall the
event loop. RE2 syntax is Python's minus look-around and backreferences (refused
when loading, with the reason); ``\\w`` and ``\\d`` are ASCII-only there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

import re2

PLACEHOLDER = "<REDACTED>"
BEARER = re.compile(r"(?i)\bbearer\s+(?!<REDACTED>)[^\s\"',;]+")
KEY_SHAPE = re.compile(r"\bfa-[A-Za-z0-9_]{4,}-[A-Za-z0-9_]{8,}\b")
"""The documented key format ``fa-UNIQUE_ID-HASH``."""
MIN_SECRET = 4
"""Shorter "keys" are not redacted by exact match (they would mangle ordinary text);
key-shaped and bearer patterns still apply."""
MIN_ENCODED_SECRET = 12
"""Base64 forms are searched only for secrets this long (shorter ones would match
ordinary base64 text by chance)."""
MAX_PATTERN = 1000
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


class SecretLeak(RuntimeError):
    """Raised instead of writing a cassette that still holds a secret."""


class UnsafePattern(ValueError):
    """A redaction pattern that cannot be used (bad syntax, too big, matches nothing)."""


def compile_pattern(pattern: str) -> Any:
    """An RE2 pattern object (``sub``, ``search``) for ``pattern``, or ``UnsafePattern``."""
    if len(pattern) > MAX_PATTERN:
        raise UnsafePattern(f"redaction pattern longer than {MAX_PATTERN} characters")
    try:
        compiled = re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) \
            else str(exc)
        raise UnsafePattern(f"redaction pattern {pattern!r}: {reason} (RE2 syntax: no "
                            "look-around, no backreferences)") from None
    if compiled.fullmatch("") is not None:
        raise UnsafePattern(f"redaction pattern {pattern!r} matches empty text")
    return compiled


def _percent(text: str) -> str:
    """A regex for ``text`` with any of its characters percent-encoded (either case)."""
    parts = []
    for char in text:
        encoded = "".join("%" + "".join(f"[{h}{h.lower()}]" if h.isalpha() else h
                                        for h in f"{byte:02X}")
                          for byte in char.encode())
        parts.append(f"(?:{re.escape(char)}|{encoded})")
    return "".join(parts)


def base64_forms(secret: str) -> set[str]:
    """The base64 text that encodes ``secret`` wherever it sits in a longer input:
    for each of the 3 alignments, the characters determined by the secret alone."""
    data = secret.encode()
    forms = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data + b"\0\0").decode()
        first = -(-offset * 8 // 6)
        last = (offset + len(data)) * 8 // 6
        core = encoded[first:last]
        forms |= {core, core.replace("+", "-").replace("/", "_")}
    return forms


def secret_pattern(secret: str) -> str:
    """A regex for ``secret`` in every form that must stay off disk."""
    forms = [_percent(secret)]
    if len(secret) >= MIN_ENCODED_SECRET:
        forms += [re.escape(f) for f in sorted(base64_forms(secret), key=len, reverse=True)]
    return "|".join(forms)


class Redactor:
    def __init__(self, patterns: Sequence[str] = (), secrets: Iterable[str] = ()) -> None:
        self.patterns = tuple(patterns)
        self._compiled = [compile_pattern(p) for p in self.patterns]
        self._secrets: set[str] = set()
        self._known: re.Pattern[str] | None = None
        self.version = 0
        """Grows whenever a new secret is learnt (cached redacted text is then stale)."""
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret: str) -> None:
        """Redact this exact string (an API key seen in a request) from now on."""
        secret = secret.strip()
        if len(secret) >= MIN_SECRET and secret not in self._secrets:
            self._secrets.add(secret)
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._known = re.compile("|".join(secret_pattern(s) for s in ordered))
            self.version += 1

    def add_authorization(self, header: str | None) -> None:
        """Learn the key in an ``Authorization: Bearer <key>`` (or Basic) header."""
        if not header:
            return
        scheme, _, credentials = header.strip().partition(" ")
        credentials = credentials.strip()
        self.add_secret(credentials or scheme)
        if scheme.lower() == "basic" and credentials:
            try:
                decoded = base64.b64decode(credentials, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return
            user, _, password = decoded.partition(":")
            for part in (decoded, user, password):
                self.add_secret(part)

    def text(self, value: str) -> str:
        if self._known is not None:
            value = self._known.sub(PLACEHOLDER, value)
        value = BEARER.sub(f"Bearer {PLACEHOLDER}", value)
        value = KEY_SHAPE.sub(PLACEHOLDER, value)
        for pattern in self._compiled:
            value = pattern.sub(_tag, value)
        return value

    def data(self, value: Any) -> Any:
        """A copy of a JSON-like value with every string (and key) redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def check(self, text: str) -> None:
        """Raise ``SecretLeak`` if a known secret (in any form) or a key-shaped token
        is in ``text``."""
        if (self._known is not None and self._known.search(text)) or KEY_SHAPE.search(text):
            raise SecretLeak("refusing to write a cassette that contains an API key")


def _tag(match: Any) -> str:
    return f"<redacted:{hashlib.sha256(match.group().encode()).hexdigest()[:12]}>"
