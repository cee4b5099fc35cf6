"""The journal middleware: what it keeps of each exchange is capped, and nothing
a client sends can make the journal (or the reports read from it) fail."""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fashn_mock import Emulator
from fashn_mock.faces.journaling import HEADERS_CAP, JournalMiddleware, capped, kept
from fashn_mock.transport import httpx_client
from tests.support import AUTH, KEY, tryon

READS = ("/_mock/journal", "/_mock/behaviour", "/_mock/violations")


@pytest.fixture(scope="module")
def strict() -> Emulator:
    return Emulator(manual_clock=True, strict=True)


@pytest.fixture(scope="module")
def strict_client(strict: Emulator) -> Iterator[httpx.Client]:
    with strict.httpx_client(headers=AUTH) as client:
        yield client


def assert_readable(client: httpx.Client) -> None:
    for path in READS:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        json.loads(response.content)


def test_huge_headers_cost_the_journal_a_few_kilobytes() -> None:
    emulator = Emulator(manual_clock=True)
    junk = {"x-junk": "j" * 1_000_000, "x-more": "m" * 100_000}
    with emulator.httpx_client(headers={**junk, **AUTH}) as client:
        for _ in range(20):
            assert client.post("/v1/run", json=tryon()).status_code < 500
    journal = emulator.engine.journal
    assert len(journal) == 20
    assert journal.bytes < 20 * (HEADERS_CAP + 4096 + 2048)  # 22 MB were sent
    assert {entry.key for entry in emulator.journal()} == {KEY}  # the key is kept first


def test_headers_within_the_cap_are_kept_as_they_are() -> None:
    headers = [(b"authorization", b"Bearer k"), (b"accept", b"*/*")]
    assert capped(headers) is headers
    big = [(b"x-a", b"a" * 5000), (b"x-b", b"b" * 5000), (b"authorization", b"Bearer k")]
    assert capped(big) == [(b"authorization", b"Bearer k"), (b"x-a", b"a" * 1024),
                           (b"x-b", b"b" * 1024)]


def test_a_deep_body_leaves_every_report_readable(strict_client: httpx.Client) -> None:
    deep = b'{"model_name": "edit", "inputs": {"x": ' + b"[" * 500 + b"]" * 500 + b"}}"
    assert strict_client.post("/v1/run", content=deep).status_code == 400
    assert_readable(strict_client)
    assert strict_client.post("/_mock/reset").status_code == 200


@pytest.mark.parametrize("raw", [
    b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"a": ' + b"7" * 5000 + b"}",
    b'{"\\ud800": 1}',
    b'{"model_name": "edit", "inputs": {"\\udfff": "x"}}',
    b'{"a": NaN, "b": 1e400, "c": -Infinity}',
    b'"\xed\xa0\x80"',
])
def test_bodies_that_once_broke_the_journal(strict_client: httpx.Client, raw: bytes) -> None:
    assert strict_client.post("/v1/run", content=raw).status_code == 400
    assert_readable(strict_client)


any_text = st.text(st.characters(exclude_categories=()), max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(any_text, children, max_size=3), max_leaves=20)


@settings(max_examples=40)
@given(value=json_values, depth=st.integers(0, 1500), where=st.sampled_from(["field", "body"]))
def test_any_json_at_any_depth_gives_no_5xx_and_a_readable_journal(
        strict_client: httpx.Client, value: Any, depth: int, where: str) -> None:
    for _ in range(depth):
        value = [value]
    body = {"model_name": "edit", "inputs": {"image": "https://example.com/a.png",
                                             "prompt": "p", "extra": value}} \
        if where == "field" else value
    raw = json.dumps(body).encode("utf-8", "surrogatepass")
    assert strict_client.post("/v1/run", content=raw).status_code < 500
    assert_readable(strict_client)


@given(st.lists(st.binary(max_size=40), max_size=6), st.integers(0, 100))
def test_kept_bytes_are_the_first_cap_bytes_of_the_chunks(chunks: list[bytes], cap: int) -> None:
    so_far: bytes | bytearray | None = None
    for seen, chunk in enumerate(chunks, 1):
        so_far = kept(so_far, chunk, cap)
        assert bytes(so_far) == b"".join(chunks[:seen])[:cap]


def test_response_headers_given_as_an_iterable_reach_both_the_client_and_the_journal() -> None:
    """ASGI allows any iterable of headers: the journal must not use it up."""
    emulator = Emulator(time_scale=0)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200,
                    "headers": iter([(b"content-type", b"application/json"),
                                     (b"x-ratelimit-limit", b"7")])})
        await send({"type": "http.response.body", "body": b"{}"})

    with httpx_client(JournalMiddleware(app, emulator.engine)) as client:
        answer = client.get("/v1/credits", headers={"Authorization": "Bearer k"})
    assert answer.headers["x-ratelimit-limit"] == "7"
    assert emulator.engine.journal.entries()[-1].response_headers == {"x-ratelimit-limit": "7"}


def test_the_journal_keeps_no_callable_of_the_connection() -> None:
    """Each exchange is one object the journal keeps until read: once the app has
    returned, it holds nothing of the server's ``receive`` and ``send``."""
    emulator = Emulator(time_scale=0)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    class Connection:
        async def receive(self) -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(self, message: Any) -> None:
            return None

    connection = Connection()
    gone = weakref.ref(connection)
    scope = {"type": "http", "method": "GET", "path": "/v1/credits", "query_string": b"",
             "headers": [(b"authorization", b"Bearer k")]}
    asyncio.run(JournalMiddleware(app, emulator.engine)(scope, connection.receive,
                                                        connection.send))
    del connection
    assert gone() is None  # the journal does not keep the connection alive
    assert emulator.engine.journal.entries()[-1].key == "k"
