from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashn_mock.store.names import check_prefix, check_url, shown


@pytest.mark.parametrize(("url", "as_read"), [
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("valkey://cache:6379/2", "redis://cache:6379/2"),
    ("valkeys://:pw@cache:6380", "rediss://:pw@cache:6380"),
    ("unix:///run/redis.sock", "unix:///run/redis.sock"),
])
def test_store_urls_are_read_as_redis_py_reads_them(url: str, as_read: str) -> None:
    assert check_url(url) == as_read


@pytest.mark.parametrize("url", [
    "", "redis", "foo://x", "redis://", "redis://[::1", "redis://h:99999/0", "redis://h:x/0",
    "redis://h:1/abc", "redis://h:1/0?&&", "redis://u:secret@[::1",
])
def test_a_malformed_store_url_is_one_line_that_hides_the_password(url: str) -> None:
    with pytest.raises(ValueError, match="expected redis://host:port/db") as refused:
        check_url(url)
    assert "\n" not in str(refused.value) and "secret" not in str(refused.value)


@given(st.text(max_size=80))
def test_any_text_is_a_store_url_or_a_value_error(text: str) -> None:
    try:
        check_url(text)
    except ValueError as refused:
        assert "\n" not in str(refused).replace(repr(text), "")


@pytest.mark.parametrize(("url", "printed"), [
    ("redis://h:1/0", "redis://h:1/0"),
    ("redis://:pw@h:1/0", "redis://:***@h:1/0"),
    ("redis://user:pw@h:1/0", "redis://user:***@h:1/0"),
    ("redis://us:p@ss@h/0", "redis://us:***@h/0"),
])
def test_a_printed_store_url_hides_its_password(url: str, printed: str) -> None:
    assert shown(url) == printed


@pytest.mark.parametrize("prefix", ["", "a b", "x" * 65, "é", "a:b"])
def test_a_prefix_outside_its_alphabet_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="store prefix"):
        check_prefix(prefix)
