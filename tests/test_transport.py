"""The in-process transports behave like a socket for clients."""

from __future__ import annotations

import asyncio
import gc
import http.cookiejar
import subprocess
import sys
import threading
import warnings
import weakref
from typing import Any

import anyio
import httpx
import pytest

from fashn_mock import Config, Emulator, transport
from fashn_mock.faces.links import LINK_EXTENSION
from fashn_mock.transport import async_httpx_client, httpx_client


def test_in_process_responses_have_elapsed_and_app_errors_are_500s() -> None:
    emulator = Emulator(time_scale=0)

    def broken(key: str) -> None:
        raise ZeroDivisionError

    emulator.engine.balance = broken  # type: ignore[method-assign, assignment]
    with emulator.httpx_client(headers={"Authorization": "Bearer k"}) as client:
        ok = client.get("/v1/status/123a87r9-4129-4bb3-be18-9c9fb5bd7fc1-u1")
        assert ok.status_code == 200 and ok.elapsed.total_seconds() >= 0
        failed = client.get("/v1/credits")
        assert failed.status_code == 500
        assert failed.json() == {"error": "InternalServerError", "message": "Server error"}

    async def call() -> int:
        async with emulator.async_httpx_client(headers={"Authorization": "Bearer k"}) as c:
            return (await c.get("/v1/credits")).status_code

    assert asyncio.run(call()) == 500


def test_keyword_settings_override_a_config() -> None:
    emulator = Emulator(Config(seed=3, time_scale=1), time_scale=0)
    assert (emulator.config.seed, emulator.config.time_scale) == (3, 0)


async def answer(send: Any, body: bytes = b"ok", *, length: bool = True) -> None:
    headers = [(b"content-length", str(len(body)).encode())] if length else []
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def test_a_slow_app_times_out_as_over_a_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == "/listens":  # notices the client leaving, as over a socket
            await receive()
            seen.append((await receive())["type"])
        elif scope["path"] == "/stuck":
            await anyio.sleep(60)
        else:
            await anyio.sleep(0.1)
        await answer(send)

    monkeypatch.setattr(transport, "GRACE_SECONDS", 0.05)
    with httpx_client(app, timeout=0.02) as client:
        for path in ("/listens", "/sleeps", "/stuck"):
            with pytest.raises(httpx.ReadTimeout):
                client.get(path)
        assert seen == ["http.disconnect"]
    with httpx_client(app, timeout=1) as client:
        assert client.get("/sleeps").text == "ok"


def test_broken_links_map_to_httpx_errors_async_too() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        link = scope["extensions"][LINK_EXTENSION]
        if scope["path"] == "/reset":
            link.reset()
        elif scope["path"] == "/chunked":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"part", "more_body": True})
            link.close()
        elif scope["path"] == "/silent":
            return
        await answer(send)

    async def call(path: str) -> httpx.Response:
        async with async_httpx_client(app) as client:
            return await client.get(path)

    with pytest.raises(httpx.ReadError, match="reset by peer"):
        asyncio.run(call("/reset"))
    with pytest.raises(httpx.RemoteProtocolError, match=r"body \(incomplete chunked read\)"):
        asyncio.run(call("/chunked"))
    assert asyncio.run(call("/silent")).status_code == 500  # as uvicorn answers it
    assert asyncio.run(call("/ok")).text == "ok"


def test_the_read_timeout_runs_from_the_last_part_sent() -> None:
    """A stream that keeps sending is not cut by a listener waiting since the start."""
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        async with anyio.create_task_group() as tasks:
            async def listen() -> None:
                await receive()  # the client left: stop streaming
                tasks.cancel_scope.cancel()

            tasks.start_soon(listen)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for _ in range(6):
                await anyio.sleep(0.02)
                await send({"type": "http.response.body", "body": b"x", "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    with httpx_client(app, timeout=0.06) as client:
        assert client.get("/").text == "xxxxxx"


def test_the_loop_thread_runs_calls_and_cancels_what_is_left_when_closed() -> None:
    runner = transport.LoopThread()
    left: list[str] = []

    async def answer(value: int) -> int:
        return await anyio.to_thread.run_sync(lambda: value * 2)  # anyio works on it

    async def fail() -> None:
        raise ValueError("from the app")

    async def linger() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            left.append("cancelled")
            raise

    async def start_lingering() -> None:
        asyncio.get_running_loop().create_task(linger())
        await asyncio.sleep(0)

    assert [runner.call(answer(n)) for n in range(3)] == [0, 2, 4]
    with pytest.raises(ValueError, match="from the app"):
        runner.call(fail())
    runner.call(start_lingering())
    runner.close()
    assert left == ["cancelled"] and runner.loop.is_closed()
    runner.close()  # twice is harmless


def test_a_closed_sync_client_transport_starts_a_new_loop_when_used_again() -> None:
    emulator = Emulator(Config(time_scale=0), manual_clock=True)
    carrier = transport.InProcessTransport(emulator.app)
    with httpx.Client(transport=carrier, base_url="http://fashn-mock.local") as client:
        assert client.get("/healthz").status_code == 200
    carrier.close()
    with httpx.Client(transport=carrier, base_url="http://fashn-mock.local") as client:
        assert client.get("/healthz").status_code == 200


def test_a_sync_client_runs_the_app_on_the_calling_thread_and_leaves_no_loop_behind() -> None:
    """No hop to a helper thread (unless a loop already runs there), and a client
    nobody closed leaves no event loop (no socket) behind once collected."""
    threads: list[str] = []
    workers: list[threading.Thread] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        threads.append(threading.current_thread().name)
        if scope["path"] == "/pool":  # as Starlette's run_in_threadpool
            workers.append(await anyio.to_thread.run_sync(threading.current_thread))
        await answer(send)

    client = httpx_client(app)
    assert client.get("/").text == "ok"

    async def inside_a_loop() -> str:
        return client.get("/").text  # a sync client called from async code

    assert asyncio.run(inside_a_loop()) == "ok"
    assert threads == [threading.current_thread().name, "fashn-mock-in-process"]
    assert [client.get("/pool").text for _ in range(3)] == ["ok"] * 3
    assert len(set(workers)) == 1  # one worker thread, kept between calls
    client.close()
    unclosed = httpx_client(app)
    assert unclosed.get("/").text == "ok"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del unclosed
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_the_loops_of_threads_that_ended_are_closed() -> None:
    """One client used from many short-lived threads keeps one loop per live thread."""
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await answer(send)

    carrier = transport.InProcessTransport(app)
    with httpx.Client(transport=carrier, base_url="http://fashn-mock.local") as client:
        made: list[asyncio.AbstractEventLoop] = []

        def call() -> None:
            assert client.get("/").text == "ok"
            made.append(carrier._local.loop.loop)

        for _ in range(3):
            worker = threading.Thread(target=call)
            worker.start()
            worker.join()
        assert [loop.is_closed() for loop in made] == [True, True, False]
        assert len(carrier._loops) == 1
    assert made[-1].is_closed()


async def cookie_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Sets a cookie on ``/set``; answers every path with the Cookie header it got."""
    await receive()
    headers = [(b"content-type", b"text/plain")]
    if scope["path"] == "/set":
        headers.append((b"set-cookie", b"session=abc; Path=/"))
    got = dict(scope["headers"]).get(b"cookie", b"")
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": got})


def test_in_process_clients_keep_cookies_an_answer_sets_and_no_others() -> None:
    with httpx_client(cookie_app) as client:  # type: ignore[arg-type]
        assert isinstance(client.cookies, transport.SetCookieOnly)
        assert client.get("/plain").text == "" and not client.cookies
        assert client.get("/set").text == ""
        assert dict(client.cookies) == {"session": "abc"}
        assert client.get("/plain").text == "session=abc"
        client.cookies = {"other": "1"}
        assert isinstance(client.cookies, transport.SetCookieOnly)
        assert client.get("/plain").text == "other=1"


def test_async_in_process_clients_keep_cookies_an_answer_sets() -> None:
    async def scenario() -> None:
        async with async_httpx_client(cookie_app, cookies={"given": "x"}) as client:  # type: ignore[arg-type]
            assert isinstance(client.cookies, transport.SetCookieOnly)
            assert (await client.get("/set")).text == "given=x"
            assert dict(client.cookies) == {"given": "x", "session": "abc"}
    asyncio.run(scenario())


def test_an_in_process_answer_read_whole_is_freed_without_the_garbage_collector() -> None:
    """httpx binds a response's stream to the response (a reference cycle); read
    answers lose it, so they go as soon as nobody holds them."""
    with httpx_client(cookie_app) as client:  # type: ignore[arg-type]
        gc.disable()
        try:
            response = client.get("/set")
            assert response.text == "" and response.elapsed.total_seconds() >= 0
            gone = weakref.ref(response)
            del response
            assert gone() is None
        finally:
            gc.enable()
        with client.stream("GET", "/plain") as streamed:  # streaming stays httpx's own
            assert streamed.read() == b"session=abc"


def test_an_async_in_process_answer_read_whole_is_freed_without_the_garbage_collector(
        ) -> None:
    async def scenario() -> None:
        async with async_httpx_client(cookie_app) as client:  # type: ignore[arg-type]
            response = await client.get("/set")
            gone = weakref.ref(response)
            del response
            assert gone() is None
    gc.disable()
    try:
        asyncio.run(scenario())
    finally:
        gc.enable()


EXITING = """
import threading
from fashn_mock import Config, Emulator

emulator = Emulator(Config(time_scale=0, limits=False), manual_clock=True)
client = emulator.httpx_client(headers={"Authorization": "Bearer k"})
assert client.get("/nope").status_code == 404  # its handler runs in the thread pool


def elsewhere() -> None:
    assert client.get("/nope").status_code == 404


thread = threading.Thread(target=elsewhere)
thread.start()
thread.join()
print("exiting")
"""


def test_a_process_exits_with_in_process_clients_left_open() -> None:
    """The app's thread pool started non-daemon workers from the caller's threads; the
    interpreter used to wait for them forever when nobody closed the client."""
    done = subprocess.run([sys.executable, "-c", EXITING], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "exiting"


def test_a_cookie_jar_given_to_an_in_process_client_is_the_one_it_fills() -> None:
    jar = http.cookiejar.CookieJar()
    with httpx_client(cookie_app, cookies=jar) as client:  # type: ignore[arg-type]
        client.get("/set")
    assert [cookie.name for cookie in jar] == ["session"]
