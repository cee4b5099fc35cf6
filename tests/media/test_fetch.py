"""URL inputs, fetched from a real local server (never the internet)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from fashn_mock import Emulator, catalog
from fashn_mock.cli import config_from, serve_params
from fashn_mock.engine.inputs import load_images
from fashn_mock.media import Fetcher, FetchError, MediaStore, RenderJob
from fashn_mock.media.fetch import fetcher_for, is_loopback
from fashn_mock.server import BackgroundServer
from tests.media import images
from tests.support import AUTH

SHIRT = images.encode(images.shirt((80, 120)))
CAP = 4096


def _app(hits: Counter[str]) -> Starlette:
    async def serve(request: Request) -> Response:
        path = request.url.path
        hits[path] += 1
        if path == "/shirt.png":
            return Response(SHIRT, media_type="image/png")
        if path == "/text":
            return PlainTextResponse("hello", media_type="text/plain;charset=UTF-8")
        if path == "/redirect":
            return RedirectResponse("/shirt.png", status_code=302)
        if path == "/garbage.png":
            return Response(b"not a picture", media_type="image/png")
        if path == "/big.png":
            return Response(b"\0" * (CAP + 1), media_type="image/png")

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(4):
                yield b"\0" * (CAP // 2)

        if path == "/stream.png":
            return StreamingResponse(chunks(), media_type="image/png")
        return PlainTextResponse("no such picture", status_code=404)

    return Starlette(routes=[Route("/{path:path}", serve)])


@pytest.fixture(scope="module")
def hits() -> Counter[str]:
    return Counter()


@pytest.fixture(scope="module")
def server(hits: Counter[str]) -> Iterator[BackgroundServer]:
    with BackgroundServer(_app(hits)) as running:
        yield running


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    fetcher = Fetcher(max_bytes=CAP)
    yield fetcher
    fetcher.close()


def test_an_image_is_fetched_once_and_measured(server: BackgroundServer, fetcher: Fetcher,
                                               hits: Counter[str]) -> None:
    url = f"{server.url}/shirt.png"
    before = hits["/shirt.png"]
    assert fetcher.image_size(url) == (80, 120)
    assert fetcher.fetch(url) == SHIRT
    assert hits["/shirt.png"] == before + 1


def test_redirects_are_followed(server: BackgroundServer, fetcher: Fetcher) -> None:
    assert fetcher.fetch(f"{server.url}/redirect") == SHIRT


@pytest.mark.parametrize(("path", "message"), [
    ("/text", "The URL's Content-Type is not an image. Content-Type: text/plain;charset=UTF-8"),
    ("/nothing.png", "Failed to download the URL: HTTP 404 Not Found"),
    ("/big.png", f"The image is larger than {CAP} bytes"),
    ("/stream.png", f"The image is larger than {CAP} bytes"),
])
def test_unusable_answers_are_fetch_errors(server: BackgroundServer, fetcher: Fetcher,
                                           path: str, message: str) -> None:
    with pytest.raises(FetchError) as error:
        fetcher.fetch(server.url + path)
    assert str(error.value) == message


def test_undecodable_images_are_refused(server: BackgroundServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="not a valid image"):
        fetcher.image_size(f"{server.url}/garbage.png")


def test_only_loopback_hosts_unless_allowed() -> None:
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(200, content=SHIRT, headers={"content-type": "image/png"})

    fetcher = Fetcher(("images.example",), transport=httpx.MockTransport(handler))
    assert fetcher.fetch("https://IMAGES.example/a.png") == SHIRT
    with pytest.raises(FetchError, match=r"host other\.example is not allowed"):
        fetcher.fetch("https://other.example/a.png")
    assert requested == ["https://images.example/a.png"]


def test_timeouts_are_fetch_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    fetcher = Fetcher(transport=httpx.MockTransport(handler))
    with pytest.raises(FetchError, match="Timed out"):
        fetcher.fetch("http://127.0.0.1:9/slow.png")


@pytest.mark.parametrize(("host", "loopback"), [
    ("localhost", True), ("api.localhost", True), ("127.0.0.1", True), ("127.8.0.1", True),
    ("[::1]", True), ("10.0.0.1", False), ("example.com", False), ("localhost.evil", False),
])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_load_images_gives_the_api_message(server: BackgroundServer, fetcher: Fetcher) -> None:
    spec = catalog.BY_NAME["tryon-v1.6"]
    loaded = load_images(spec, {"model_image": f"{server.url}/text",
                                "garment_image": f"{server.url}/shirt.png"}, fetcher)
    assert loaded.error == ("Error loading model image: The URL's Content-Type is not an "
                            "image. Content-Type: text/plain;charset=UTF-8")
    loaded = load_images(spec, {"model_image": f"{server.url}/shirt.png",
                                "garment_image": f"{server.url}/shirt.png"}, fetcher)
    assert loaded.error is None
    assert loaded.sizes == {"model_image": (80, 120), "garment_image": (80, 120)}


def test_without_a_fetcher_urls_load_unfetched(server: BackgroundServer) -> None:
    loaded = load_images(catalog.BY_NAME["background-remove"], {"image": f"{server.url}/text"})
    assert (loaded.error, loaded.sizes) == (None, {})


def test_fetched_inputs_are_composed_into_outputs(server: BackgroundServer,
                                                  fetcher: Fetcher) -> None:
    inputs = json.dumps({"image": f"{server.url}/shirt.png"})
    job = RenderJob("background-remove", inputs, 42, 0, (80, 120), "png", transparent=True)
    fetched = Image.open(io.BytesIO(MediaStore(10**6, fetcher=fetcher).get(job)))
    unfetched = Image.open(io.BytesIO(MediaStore(10**6).get(job)))
    assert images.mean_colour(fetched, (39, 64, 41, 66))[2] > 150  # the blue shirt
    assert images.difference(fetched, unfetched) > 10


def test_cli_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASHN_MOCK_FETCH_ALLOW_HOSTS", "env.test")
    config = config_from(serve_params(["--fetch-inputs", "--fetch-allow-host", "a.test",
                                       "--fetch-allow-host", "b.test"]))
    assert config.fetch_inputs is True
    assert config.fetch_allow_hosts == ("a.test", "b.test")  # flags override the variable
    assert config_from(serve_params([])).fetch_allow_hosts == ("env.test",)
    assert config_from(serve_params([])).fetch_inputs is False


def test_config_turns_fetching_on() -> None:
    assert fetcher_for(Emulator().config) is None
    fetcher = fetcher_for(Emulator(fetch_inputs=True, fetch_allow_hosts=("cdn.test",)).config)
    assert fetcher is not None and fetcher.allow_hosts == {"cdn.test"}


def test_a_text_url_fails_the_prediction_end_to_end(server: BackgroundServer) -> None:
    emulator = Emulator(time_scale=0, fetch_inputs=True)
    with emulator.httpx_client(headers=AUTH) as client:
        body = {"model_name": "tryon-v1.6",
                "inputs": {"model_image": f"{server.url}/text",
                           "garment_image": f"{server.url}/shirt.png"}}
        prediction_id = client.post("/v1/run", json=body).json()["id"]
        status = client.get(f"/v1/status/{prediction_id}").json()
    assert status["status"] == "failed"
    assert status["error"] == {
        "name": "ImageLoadError",
        "message": "Error loading model image: The URL's Content-Type is not an image. "
                   "Content-Type: text/plain;charset=UTF-8"}


class TricklingServer:
    """A loopback HTTP server that sends one byte every ``interval`` seconds, for
    ``seconds`` at most: each read finishes quickly, the response never does."""

    def __init__(self, *, headers_first: bool, interval: float = 0.05,
                 seconds: float = 10.0) -> None:
        self.headers_first = headers_first
        self.interval = interval
        self.seconds = seconds
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/slow.png"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TricklingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            connection, _ = self._listener.accept()
            with connection:
                connection.recv(65536)
                head = (b"HTTP/1.1 200 OK\r\ncontent-type: image/png\r\n"
                        b"content-length: 100000\r\n\r\n")
                if self.headers_first:
                    connection.sendall(head)
                    head = b"\0" * 100000
                for byte in head[: int(self.seconds / self.interval)]:
                    if self._stop.wait(self.interval):
                        return
                    connection.sendall(bytes([byte]))


@pytest.mark.parametrize("headers_first", [True, False], ids=["slow-body", "slow-headers"])
def test_a_trickling_server_is_cut_off_at_the_deadline(headers_first: bool) -> None:
    """httpx's timeouts bound each read; the fetcher bounds the whole fetch. (Wall
    time is the point here: the deadline is short so the test is quick.)"""
    fetcher = Fetcher(timeout=0.5)
    with TricklingServer(headers_first=headers_first) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"Timed out downloading the URL \(took more "
                                             r"than 0\.5 s\)"):
            fetcher.fetch(server.url)
        elapsed = time.monotonic() - started
    fetcher.close()
    assert elapsed < 3.0  # the server would trickle for 10 s


def test_concurrent_fetches_are_bounded() -> None:
    active, peak = 0, 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1  # handlers all run on the fetcher's one event loop
        peak = max(peak, active)
        await asyncio.sleep(0.02)  # widen the window in which fetches could overlap
        active -= 1
        return httpx.Response(200, content=SHIRT, headers={"content-type": "image/png"})

    fetcher = Fetcher(max_parallel=2, transport=httpx.MockTransport(handler))
    urls = [f"http://127.0.0.1:9/{i}.png" for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert list(pool.map(fetcher.fetch, urls)) == [SHIRT] * 8
    fetcher.close()
    assert peak == 2


def test_waiting_for_a_slot_counts_against_the_deadline() -> None:
    release = threading.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        while not release.is_set():
            await asyncio.sleep(0.01)
        return httpx.Response(200, content=SHIRT, headers={"content-type": "image/png"})

    fetcher = Fetcher(max_parallel=1, timeout=0.3, transport=httpx.MockTransport(handler))
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(fetcher.fetch, "http://127.0.0.1:9/a.png")
        with pytest.raises(FetchError, match="Timed out"):
            fetcher.fetch("http://127.0.0.1:9/b.png")  # the only slot stays taken
        release.set()
        with pytest.raises(FetchError, match="Timed out"):
            first.result()  # it held the slot past its own deadline too
    fetcher.close()


def test_a_closed_fetcher_refuses_to_fetch(server: BackgroundServer) -> None:
    fetcher = Fetcher()
    assert fetcher.fetch(f"{server.url}/shirt.png") == SHIRT
    fetcher.close()
    assert fetcher.fetch(f"{server.url}/shirt.png") == SHIRT  # cached
    with pytest.raises(RuntimeError, match="closed"):
        fetcher.fetch(f"{server.url}/redirect")


def test_refused_hosts_do_not_wait_for_a_slot() -> None:
    release = threading.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        while not release.is_set():
            await asyncio.sleep(0.01)
        return httpx.Response(200, content=SHIRT, headers={"content-type": "image/png"})

    fetcher = Fetcher(max_parallel=1, transport=httpx.MockTransport(handler))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        busy = pool.submit(fetcher.fetch, "http://127.0.0.1:9/a.png")
        with pytest.raises(FetchError, match="not allowed"):
            fetcher.fetch("https://example.com/a.png")  # while the only slot is taken
        release.set()
        assert busy.result() == SHIRT
    fetcher.close()
