"""Reaching the connection under a request: uvicorn's transport (each of its HTTP
implementations and event loops), the in-process link, or none."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from fashn_mock.faces.links import LINK_EXTENSION, SocketLink, link_of


async def app(scope: Any, receive: Any, send: Any) -> None:
    """``/reset`` resets the connection through its link; ``/`` names the link."""
    while (await receive()).get("more_body"):
        pass
    link = link_of(scope, receive)
    if scope["path"] == "/reset" and link is not None:
        link.reset()
        while (await receive())["type"] != "http.disconnect":
            pass
        return
    body = type(link).__name__.encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def serving(http: str, loop: str) -> Iterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                            lifespan="off", access_log=False, http=http,
                            loop=loop)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_uvicorn_connections_can_be_reset(http: str, loop: str) -> None:
    with serving(http, loop) as url, httpx.Client(base_url=url) as client:
        assert client.get("/").text == "SocketLink"
        with pytest.raises(httpx.ReadError, match="reset"):
            client.post("/reset", content=b"x" * 100)
        assert client.get("/").text == "SocketLink"  # a new connection


def test_the_in_process_link_comes_first_and_plain_servers_have_none() -> None:
    marker = object()

    async def receive() -> dict[str, Any]:
        return {}

    assert link_of({"extensions": {LINK_EXTENSION: marker}}, receive) is marker
    assert link_of({"extensions": None}, receive) is None
    assert link_of({}, receive) is None


def test_a_socket_link_without_a_socket_still_aborts() -> None:
    calls: list[str | bytes] = []

    class Transport:
        def get_extra_info(self, name: str) -> None:
            return None

        def abort(self) -> None:
            calls.append("abort")

        def close(self) -> None:
            calls.append("close")

        def write(self, data: bytes) -> None:
            calls.append(data)

    link = SocketLink(Transport())
    link.write(b"x")
    link.close()
    link.reset()
    assert calls == [b"x", "close", "abort"]
