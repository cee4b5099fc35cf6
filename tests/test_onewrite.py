"""The HTTP protocol that sends a response's head and first body bytes in one write."""

from __future__ import annotations

import asyncio
import functools
import socket
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import uvicorn
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from uvicorn.server import ServerState

from fashn_mock import onewrite
from fashn_mock.onewrite import HOLD_LIMIT, HttpProtocol, Joining, OneWriteH11
from fashn_mock.server import BackgroundServer

REQUEST = b"GET /answer HTTP/1.1\r\nHost: test\r\n\r\n"


class Recorded(asyncio.Transport):
    """A connection that records what is done to it, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Any] = []
        self.closing = False

    @property
    def writes(self) -> list[bytes]:
        return [data for call, data in self.calls if call == "write"]

    @property
    def sent(self) -> bytes:
        """Every byte written, in order (by ``write`` and ``writelines``)."""
        return b"".join(b"".join(data) if call == "writelines" else data
                        for call, data in self.calls if call in ("write", "writelines"))

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.calls.append(("write", bytes(data)))

    def writelines(self, list_of_data: Any) -> None:
        self.calls.append(("writelines", [bytes(data) for data in list_of_data]))

    def close(self) -> None:
        self.closing = True
        self.calls.append(("close", None))

    def abort(self) -> None:
        self.closing = True
        self.calls.append(("abort", None))

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000),
                "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def get_write_buffer_size(self) -> int:
        return 7

    def pause_reading(self) -> None:
        self.calls.append(("pause_reading", None))

    def resume_reading(self) -> None:
        self.calls.append(("resume_reading", None))


def in_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on a fresh event loop."""
    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))
    return run


async def turn() -> None:
    """Let the event loop run the callbacks already scheduled."""
    await asyncio.sleep(0)


@in_loop
async def test_a_write_that_follows_joins_the_held_one() -> None:
    raw = Recorded()
    joining = Joining(raw, asyncio.get_running_loop())
    joining.write(b"head\r\n\r\n")
    joining.write(b"")  # nothing: it neither joins nor is held
    assert raw.writes == []
    joining.write(memoryview(b"body"))
    assert raw.writes == [b"head\r\n\r\nbody"]
    joining.write(b"more")  # nothing held now: this one is held in turn
    await turn()
    assert raw.writes == [b"head\r\n\r\nbody", b"more"]


@in_loop
async def test_a_lone_write_goes_out_on_the_next_turn_of_the_loop() -> None:
    raw = Recorded()
    joining = Joining(raw, asyncio.get_running_loop())
    joining.write(bytearray(b"head"))
    assert raw.writes == []
    assert joining.get_write_buffer_size() == 7 + 4
    await turn()
    assert raw.writes == [b"head"]
    await turn()
    assert raw.writes == [b"head"]  # written once


@in_loop
async def test_closing_writes_what_is_held_first_and_aborting_drops_it() -> None:
    raw = Recorded()
    joining = Joining(raw, asyncio.get_running_loop())
    joining.write(b"last words")
    joining.close()
    assert raw.calls == [("write", b"last words"), ("close", None)]
    await turn()
    assert raw.writes == [b"last words"]

    raw = Recorded()
    joining = Joining(raw, asyncio.get_running_loop())
    joining.write(b"never sent")
    joining.abort()
    await turn()
    assert raw.calls == [("abort", None)]


@in_loop
async def test_what_is_held_is_dropped_when_the_connection_is_lost_meanwhile() -> None:
    raw = Recorded()
    joining = Joining(raw, asyncio.get_running_loop())
    joining.write(b"head")
    raw.closing = True  # the peer reset the connection before the loop turned
    await turn()
    assert raw.calls == []


@in_loop
async def test_large_writes_and_writes_to_a_closing_transport_are_not_held() -> None:
    raw = Recorded()
    joining = Joining(raw, asyncio.get_running_loop())
    joining.write(b"x" * (HOLD_LIMIT + 1))
    assert raw.writes == [b"x" * (HOLD_LIMIT + 1)]
    joining.write(b"head")
    joining.write(b"y" * (HOLD_LIMIT + 1))  # joins the head in one vectored send
    assert raw.calls[-1] == ("writelines", [b"head", b"y" * (HOLD_LIMIT + 1)])
    raw.closing = True
    joining.write(b"late")
    assert raw.writes[-1] == b"late"


STEPS = st.lists(st.one_of(
    st.binary(max_size=64).map(lambda data: ("write", data)),
    st.integers(HOLD_LIMIT - 2, HOLD_LIMIT + 2).map(lambda size: ("write", b"L" * size)),
    st.just(("turn", b""))), max_size=12)


@settings(max_examples=200, deadline=None)
@given(steps=STEPS, close=st.booleans())
def test_the_bytes_sent_are_the_bytes_written_in_order(steps: list[tuple[str, bytes]],
                                                       close: bool) -> None:
    """Whatever the writes and the turns of the loop between them: the same bytes in
    the same order, at most one write held, and nothing held once the loop has turned
    (or the transport is closed)."""
    async def play() -> None:
        raw = Recorded()
        joining = Joining(raw, asyncio.get_running_loop())
        written = b""
        for kind, data in steps:
            if kind == "write":
                joining.write(data)
                written += data
            else:
                await turn()
                assert joining.get_write_buffer_size() == 7  # nothing held
            assert written.startswith(raw.sent)
            assert len(written) - len(raw.sent) <= HOLD_LIMIT  # one small write at most
        if close:
            joining.close()
        else:
            await turn()
        assert raw.sent == written
        assert all(d for call, d in raw.calls if call in ("write", "writelines"))

    asyncio.run(play())


@in_loop
async def test_other_calls_reach_the_transport() -> None:
    raw = Recorded()
    joining = Joining(raw, asyncio.get_running_loop())
    joining.pause_reading()
    joining.resume_reading()
    assert joining.get_extra_info("peername") == ("127.0.0.1", 50000)
    assert joining.get_extra_info("nothing", 5) == 5
    assert not joining.is_closing()
    joining.writelines([b"a", b"b"])
    await turn()
    assert raw.calls == [("pause_reading", None), ("resume_reading", None), ("write", b"ab")]


async def answer(request: Request) -> Response:
    return JSONResponse({"status": "completed"})


async def serve_one(protocol_class: type[asyncio.Protocol], app: Any,
                    until: Any = None) -> Recorded:
    """Feed REQUEST to a connection of ``protocol_class`` serving ``app``."""
    config = uvicorn.Config(app, lifespan="off", log_config=None)
    config.load()
    protocol: Any = protocol_class(config, ServerState(), {},  # type: ignore[call-arg]
                                   _loop=asyncio.get_running_loop())
    raw = Recorded()
    protocol.connection_made(raw)
    protocol.data_received(REQUEST)
    for _ in range(200):
        await turn()
        if until is None and protocol.cycle.response_complete:
            break
        if until is not None and until(raw):
            break
    await turn()
    return raw


@pytest.mark.parametrize("protocol_class", [HttpProtocol, OneWriteH11],
                         ids=["httptools", "h11"])
@in_loop
async def test_a_response_goes_out_in_one_write(protocol_class: type[asyncio.Protocol]
                                                ) -> None:
    raw = await serve_one(protocol_class, Starlette(routes=[Route("/answer", answer)]))
    assert len(raw.writes) == 1
    head, body = raw.writes[0].split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert body == b'{"status":"completed"}'


@pytest.mark.parametrize("protocol_class", [HttpProtocol, OneWriteH11],
                         ids=["httptools", "h11"])
@in_loop
async def test_a_stream_sends_its_head_before_its_first_event(
        protocol_class: type[asyncio.Protocol]) -> None:
    """A server-sent-events answer whose first event has not happened yet: the head is
    on the wire anyway (a client waits for it before it waits for events)."""
    event = asyncio.Event()

    async def stream(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})
        await event.wait()
        await send({"type": "http.response.body", "body": b"data: 1\n\n"})

    raw = await serve_one(protocol_class, stream, until=lambda raw: raw.writes)
    assert len(raw.writes) == 1
    assert raw.writes[0].startswith(b"HTTP/1.1 200 OK")
    assert raw.writes[0].endswith(b"\r\n\r\n")
    event.set()
    for _ in range(20):
        await turn()
    assert b"data: 1\n\n" in raw.writes[-1]


def test_served_answers_arrive_whole_in_one_segment() -> None:
    """Over a real loopback socket (``TCP_NODELAY``): one write is one segment, so the
    first read already holds the whole answer."""
    app = Starlette(routes=[Route("/answer", answer)])
    with BackgroundServer(app) as server:
        assert server._server.config.http is HttpProtocol
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
            for _ in range(20):
                client.sendall(REQUEST)
                first = client.recv(65536)
                assert first.startswith(b"HTTP/1.1 200 OK"), first
                assert first.endswith(b'{"status":"completed"}'), first


async def echo(request: Request) -> Response:
    return Response(await request.body())


def test_a_client_that_expects_100_continue_gets_it_before_it_sends_the_body() -> None:
    """``Expect: 100-continue``: uvicorn writes the interim answer when the app first
    reads, then waits for the body; held, it must still go out (on the loop's turn)."""
    app = Starlette(routes=[Route("/echo", echo, methods=["POST"])])
    with BackgroundServer(app) as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n"
                       b"Expect: 100-continue\r\n\r\n")
        assert client.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        client.sendall(b"hello")
        answer = b""
        while not answer.endswith(b"hello"):
            chunk = client.recv(65536)
            assert chunk, answer
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 OK")


def test_serve_runs_httptools_when_installed() -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    assert issubclass(HttpProtocol, HttpToolsProtocol)
    assert onewrite.OneWriteHttpTools is HttpProtocol
