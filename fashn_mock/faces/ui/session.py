"""Dashboard sessions when the control API has a token (``--control-token``).

A login form exchanges the token for a cookie, so the token never appears in a
URL and the page's scripts never hold it. The cookie is ``<issued>.<signature>``:
an HMAC-SHA256 of the issue time keyed by the token (the token itself is not in
it), valid for ``MAX_AGE`` wall seconds, ``HttpOnly`` and ``SameSite=Strict``.
Changing the token ends every session. Signatures are compared in constant time.

``SameSite`` does not separate ports of one host (another local dev server is
"same-site"), so a cookie alone authorizes reads only; a request that changes
state must also carry ``X-Fashn-Mock-UI: 1``, a header no other origin can send
without a CORS preflight, which this server never grants.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from starlette.requests import Request

COOKIE = "fashn_mock_ui"
UI_HEADER = "x-fashn-mock-ui"
MAX_AGE = 12 * 3600
"""Wall seconds a login lasts."""
SKEW = 60
"""Wall seconds an issue time may lie in the future (a clock step)."""
SAFE_METHODS = ("GET", "HEAD")


def _sign(token: str, issued: int) -> str:
    return hmac.new(token.encode(), f"fashn-mock-ui:{issued}".encode(),
                    hashlib.sha256).hexdigest()


def issue(token: str, now: float | None = None) -> str:
    """A new session cookie value."""
    issued = int(time.time() if now is None else now)
    return f"{issued}.{_sign(token, issued)}"


def valid(cookie: str | None, token: str, now: float | None = None) -> bool:
    """Whether ``cookie`` was issued for ``token`` and has not expired."""
    if not cookie or len(cookie) > 128:
        return False
    issued_text, _, signature = cookie.partition(".")
    if not (issued_text.isascii() and issued_text.isdigit()) or len(issued_text) > 12:
        return False
    issued = int(issued_text)
    age = (time.time() if now is None else now) - issued
    if not -SKEW <= age <= MAX_AGE:
        return False
    return hmac.compare_digest(signature.encode(), _sign(token, issued).encode())


def cookie_allows(request: Request, token: str) -> bool:
    """Whether the session cookie authorizes this request (see the module docstring)."""
    if not valid(request.cookies.get(COOKIE), token):
        return False
    return request.method in SAFE_METHODS or request.headers.get(UI_HEADER) == "1"
