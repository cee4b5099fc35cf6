"""The delivery worker: deadline, no redirects, errors as answers, isolation per origin."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine

import httpx
import pytest

from fashn_mock.webhooks import worker as worker_module
from fashn_mock.webhooks.worker import Answer, Post, Worker

Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


class Collect:
    """Submits POSTs and collects their answers, in completion order."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.answers: list[tuple[str, Answer]] = []
        self.done = threading.Condition()

    def post(self, url: str, body: bytes = b"{}") -> None:
        async def work(post: Post) -> None:
            answer = await post(url, body)
            with self.done:
                self.answers.append((url, answer))
                self.done.notify_all()
        self.worker.submit(work)

    def wait(self, count: int) -> list[tuple[str, Answer]]:
        with self.done:
            assert self.done.wait_for(lambda: len(self.answers) >= count, timeout=10)
            return list(self.answers)


def worker(handler: Handler, **options: object) -> Worker:
    return Worker(user_agent="fashn-mock/test", transport=httpx.MockTransport(handler),
                  **options)  # type: ignore[arg-type]


def test_posts_json_with_a_user_agent() -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    collect = Collect(worker(handler))
    collect.post("http://127.0.0.1:1/hook", b'{"id":"x"}')
    [(_, answer)] = collect.wait(1)
    assert answer.ok and answer.status_code == 204 and answer.error is None
    [request] = seen
    assert request.method == "POST" and request.content == b'{"id":"x"}'
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "fashn-mock/test"


@pytest.mark.parametrize(("response", "error"), [
    (httpx.Response(302, headers={"location": "http://elsewhere/"}),
     "redirect to http://elsewhere/ not followed"),
    (httpx.Response(500), "HTTP 500 Internal Server Error"),
    (httpx.Response(404), "HTTP 404 Not Found"),
])
def test_non_2xx_answers_fail(response: httpx.Response, error: str) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return response

    collect = Collect(worker(handler))
    collect.post("http://127.0.0.1:1/hook")
    [(_, answer)] = collect.wait(1)
    assert not answer.ok and answer.status_code == response.status_code
    assert error in (answer.error or "")


def test_connection_errors_are_answers() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    collect = Collect(worker(handler))
    collect.post("http://127.0.0.1:1/hook")
    [(_, answer)] = collect.wait(1)
    assert answer.status_code is None and answer.error == "ConnectError: connection refused"


def test_a_receiver_that_never_answers_times_out() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()  # never set
        raise AssertionError("unreachable")

    collect = Collect(worker(handler, timeout=0.05))
    collect.post("http://127.0.0.1:1/hook")
    [(_, answer)] = collect.wait(1)
    assert answer.status_code is None and answer.error == "timed out after 0.05 s"


def test_a_slow_receiver_never_delays_another() -> None:
    release = threading.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "slow.localhost":
            while not release.is_set():
                await asyncio.sleep(0.001)
        return httpx.Response(200)

    collect = Collect(worker(handler, per_origin=2))
    for _ in range(5):
        collect.post("http://slow.localhost/hook")
    collect.post("http://fast.localhost/hook")
    [(url, _)] = collect.wait(1)
    assert url == "http://fast.localhost/hook"
    release.set()
    assert len(collect.wait(6)) == 6


def test_the_thread_ends_when_idle_and_comes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_module, "IDLE_SECONDS", 0.01)

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    delivering = worker(handler)
    collect = Collect(delivering)
    collect.post("http://127.0.0.1:1/a")
    collect.wait(1)
    session = delivering._session
    if session is not None:  # (it may be gone already)
        session.thread.join(timeout=10)
    assert delivering._session is None
    collect.post("http://127.0.0.1:1/b")
    assert len(collect.wait(2)) == 2


def test_over_a_real_socket() -> None:
    """The network path (not an injected transport): answers, redirects, deadline,
    refused connections."""
    import socket

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, RedirectResponse, Response
    from starlette.routing import Route

    from fashn_mock import BackgroundServer

    release = threading.Event()
    seen: list[tuple[str, str, bytes]] = []

    async def ok(request: Request) -> Response:
        seen.append((request.headers["content-type"], request.headers["user-agent"],
                     await request.body()))
        return JSONResponse({"big": "x" * 200_000})

    async def moved(request: Request) -> Response:
        return RedirectResponse("/ok", status_code=307)

    async def slow(request: Request) -> Response:
        while not release.is_set():
            await asyncio.sleep(0.01)
        return Response()

    app = Starlette(routes=[Route("/ok", ok, methods=["POST"]),
                            Route("/moved", moved, methods=["POST"]),
                            Route("/slow", slow, methods=["POST"])])
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"
    with BackgroundServer(app) as server:
        collect = Collect(Worker(user_agent="fashn-mock/test", timeout=0.5))
        for path in ("/ok", "/moved", "/slow"):
            collect.post(server.url + path, b'{"id":"x"}')
        collect.post(dead)
        answers = dict(collect.wait(4))
        release.set()
    assert answers[server.url + "/ok"].status_code == 200
    assert seen == [("application/json", "fashn-mock/test", b'{"id":"x"}')]
    assert answers[server.url + "/moved"].status_code == 307
    assert "not followed" in (answers[server.url + "/moved"].error or "")
    assert answers[server.url + "/slow"].error == "timed out after 0.5 s"
    assert answers[dead].status_code is None and "Connect" in (answers[dead].error or "")
