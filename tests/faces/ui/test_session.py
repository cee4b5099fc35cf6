"""Dashboard session cookies: signed by the token, expiring, never the token itself."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from fashn_mock.faces.ui import session

NOW = 1_800_000_000.0


def request(method: str = "GET", cookie: str | None = None,
            ui_header: bool = False) -> Request:
    headers = []
    if cookie is not None:
        headers.append((b"cookie", f"{session.COOKIE}={cookie}".encode()))
    if ui_header:
        headers.append((session.UI_HEADER.encode(), b"1"))
    return Request({"type": "http", "method": method, "path": "/_mock/reset",
                    "headers": headers, "query_string": b""})


def test_a_cookie_is_valid_for_its_token_until_it_expires() -> None:
    cookie = session.issue("token", NOW)
    assert "token" not in cookie
    assert session.valid(cookie, "token", NOW)
    assert session.valid(cookie, "token", NOW + session.MAX_AGE)
    assert not session.valid(cookie, "token", NOW + session.MAX_AGE + 1)
    assert not session.valid(cookie, "token", NOW - session.SKEW - 1)  # issued in the future
    assert not session.valid(cookie, "other", NOW)  # a new token ends every session


def test_a_tampered_cookie_is_refused() -> None:
    issued, _, signature = session.issue("token", NOW).partition(".")
    later = str(int(issued) + 100)
    assert not session.valid(f"{later}.{signature}", "token", NOW + 100)
    flipped = signature[:-1] + ("1" if signature[-1] != "1" else "2")
    assert not session.valid(f"{issued}.{flipped}", "token", NOW)
    for bad in ("", ".", "abc.def", f"{issued}.", f"١٢٣.{signature}", "9" * 200):
        assert not session.valid(bad, "token", NOW)


@given(st.text(max_size=300))
def test_any_cookie_text_is_refused_without_error(text: str) -> None:
    assert not session.valid(text, "token", NOW)


def test_the_cookie_authorizes_reads_and_only_header_marked_changes() -> None:
    cookie = session.issue("token")
    assert session.cookie_allows(request("GET", cookie), "token")
    assert not session.cookie_allows(request("POST", cookie), "token")  # cross-site form
    assert session.cookie_allows(request("POST", cookie, ui_header=True), "token")
    assert not session.cookie_allows(request("POST", None, ui_header=True), "token")
    assert not session.cookie_allows(request("GET", "1.2"), "token")
