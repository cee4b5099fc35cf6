"""``BackgroundServer``: a URL clients can use, under the name every handle uses."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from fashn_mock import BackgroundServer


async def hello(request: object) -> PlainTextResponse:
    return PlainTextResponse("hello")


APP = Starlette(routes=[Route("/", hello)])


def test_base_url_and_url_agree() -> None:
    with BackgroundServer(APP) as server:
        assert server.base_url == server.url == f"http://127.0.0.1:{server.port}"
        assert httpx.get(server.base_url).text == "hello"


def test_every_interface_is_reached_on_loopback() -> None:
    with BackgroundServer(APP, host="0.0.0.0") as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        assert httpx.get(server.base_url).text == "hello"
