"""Keep secrets off disk: API keys, bearer tokens and user patterns in cassettes.

Every API key seen in an ``Authorization`` header, any bearer token and anything
shaped like a FASHN key (``fa-<id>-<hash>``) becomes ``<REDACTED>``. Extra patterns
(``--redact REGEX``, e.g. customer image URLs) become ``<redacted:HASH>``: the hash
of the matched text keeps two different URLs distinct, so requests that differ
only there still match the right recording on replay (the same patterns are
applied to replayed requests). ``check`` refuses to write text with a known secret.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any

PLACEHOLDER = "<REDACTED>"
BEARER = re.compile(r"(?i)\bbearer\s+(?!<REDACTED>)[^\s\"',;]+")
KEY_SHAPE = re.compile(r"\bfa-[A-Za-z0-9_]{4,}-[A-Za-z0-9_]{8,}\b")
"""The documented key format ``fa-UNIQUE_ID-HASH``."""
MIN_SECRET = 4
"""Shorter "keys" are not redacted by exact match (they would mangle ordinary text);
key-shaped and bearer patterns still apply."""


class SecretLeak(RuntimeError):
    """Raised instead of writing a cassette that still holds a secret."""


class Redactor:
    def __init__(self, patterns: Sequence[str] = (), secrets: Iterable[str] = ()) -> None:
        self.patterns = tuple(patterns)
        self._compiled = [re.compile(p) for p in self.patterns]
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, secret: str) -> None:
        """Redact this exact string (an API key seen in a request) from now on."""
        secret = secret.strip()
        if len(secret) >= MIN_SECRET:
            self._secrets.add(secret)

    def add_authorization(self, header: str | None) -> None:
        """Learn the key in an ``Authorization: Bearer <key>`` header."""
        if header:
            self.add_secret(header.partition(" ")[2] or header)

    def text(self, value: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            value = value.replace(secret, PLACEHOLDER)
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
        """Raise ``SecretLeak`` if a known secret or a key-shaped token is in ``text``."""
        if any(secret in text for secret in self._secrets) or KEY_SHAPE.search(text):
            raise SecretLeak("refusing to write a cassette that contains an API key")


def _tag(match: re.Match[str]) -> str:
    return f"<redacted:{hashlib.sha256(match.group().encode()).hexdigest()[:12]}>"
