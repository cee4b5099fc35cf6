"""Store URLs and key prefixes, checked without importing a client."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

PREFIX = re.compile(r"[A-Za-z0-9._-]{1,64}")
SCHEMES = {"redis": "redis", "valkey": "redis", "rediss": "rediss", "valkeys": "rediss",
           "unix": "unix"}
"""URL schemes a shared store accepts, and what redis-py calls them (Valkey speaks the
same protocol)."""


def shown(url: str) -> str:
    """``url`` as it may be printed: a password in it becomes ``***``."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, place = rest.rpartition("@")
    if not sep or not at:
        return url
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{place}" if user or colon \
        else f"{scheme}://***@{place}"


def check_url(url: str) -> str:
    """``url`` as redis-py reads it (``valkey://`` is ``redis://``: the same protocol),
    or ``ValueError`` saying what a store URL looks like."""
    scheme, sep, rest = url.partition("://") if isinstance(url, str) else ("", "", "")
    expected = ("expected redis://host:port/db (or valkey://, rediss:// for TLS, "
                "unix:///path)")
    if not sep or scheme.lower() not in SCHEMES or not rest:
        raise ValueError(f"store URL {shown(url)!r}: {expected}")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is no number, or out of range, raises here
        parse_qsl(parts.query, strict_parsing=bool(parts.query))
        database = parts.path.lstrip("/")
        if scheme.lower() != "unix" and database and not database.isdigit():
            raise ValueError(f"database {database!r} is not a number")
    except ValueError as exc:
        raise ValueError(f"store URL {shown(url)!r}: {exc}; {expected}") from None
    return f"{SCHEMES[scheme.lower()]}://{rest}"


def check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not PREFIX.fullmatch(prefix):
        raise ValueError(f"store prefix {prefix!r}: 1-64 letters, digits, '.', '_' or '-'")
    return prefix
