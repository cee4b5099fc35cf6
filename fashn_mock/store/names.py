"""Store URLs and key prefixes, checked without importing a client."""

from __future__ import annotations

import re

PREFIX = re.compile(r"[A-Za-z0-9._-]{1,64}")
SCHEMES = {"redis": "redis", "valkey": "redis", "rediss": "rediss", "valkeys": "rediss",
           "unix": "unix"}
"""URL schemes a shared store accepts, and what redis-py calls them (Valkey speaks the
same protocol)."""


def check_url(url: str) -> str:
    """``url`` as redis-py reads it (``valkey://`` is ``redis://``: the same protocol),
    or ``ValueError`` saying what a store URL looks like."""
    scheme, sep, rest = url.partition("://") if isinstance(url, str) else ("", "", "")
    if not sep or scheme.lower() not in SCHEMES or not rest:
        raise ValueError(f"store URL {url!r}: expected redis://host:port/db (or valkey://, "
                         "rediss:// for TLS, unix:///path)")
    return f"{SCHEMES[scheme.lower()]}://{rest}"


def check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not PREFIX.fullmatch(prefix):
        raise ValueError(f"store prefix {prefix!r}: 1-64 letters, digits, '.', '_' or '-'")
    return prefix
