"""Fetch URL image inputs (``--fetch-inputs``), the way the real API loads them
(docs/api-facts.md#image-inputs).

Off by default. When on, only loopback hosts (``localhost``, ``127.0.0.0/8``,
``::1``) are fetched unless more hosts are allowed explicitly, so the emulator
never reaches the internet by accident. A response must be a 200 with an image
``Content-Type`` and at most ``max_bytes`` long; anything else is a
``FetchError`` whose message completes ``"Error loading <input>: ..."``, e.g.
``The URL's Content-Type is not an image. Content-Type: text/plain;charset=UTF-8``.

Every fetch has a total deadline (``timeout``, 10 s by default), covering the
wait for a free slot, redirects and the whole body: a server that trickles bytes
cannot hold a fetch longer. httpx's own timeouts bound each network operation,
not the whole (encode/httpx#1450), so fetches run on a small asyncio loop of
their own, where a deadline cancels cleanly; callers block as before. At most
``max_parallel`` fetches run at once.

Fetched bodies are kept in a small LRU cache, so the render of an output reuses
the bytes validated at submit time instead of fetching again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
from collections import OrderedDict
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from fashn_mock.catalog.rules import Size
from fashn_mock.config import Config
from fashn_mock.media import decode

TIMEOUT_SECONDS = 10.0
"""The total time one fetch may take, from asking for a slot to the last byte."""
MAX_PARALLEL_FETCHES = 4
MAX_BYTES = 32 * 1024 * 1024
CACHE_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5
LOOPBACK_NAMES = ("localhost",)
T = TypeVar("T")


class FetchError(Exception):
    """A URL input that cannot be loaded; ``str(error)`` is the API's message tail."""


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _LoopThread:
    """An asyncio event loop on a daemon thread, which blocking callers use."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                        name="fashn-mock-fetcher")
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class Fetcher:
    """Fetches image URLs under a host policy, with a deadline, a size cap and a cache."""

    def __init__(self, allow_hosts: tuple[str, ...] = (), *,
                 timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES,
                 cache_bytes: int = CACHE_BYTES, max_parallel: int = MAX_PARALLEL_FETCHES,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.cache_bytes = cache_bytes
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                         transport=transport, trust_env=False,
                                         headers={"user-agent": "fashn-mock (input fetcher)"})
        self._slots = asyncio.Semaphore(max_parallel)
        self._loop: _LoopThread | None = None
        self._closed = False
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cached = 0
        self._lock = threading.Lock()
        self.requests = 0
        """How many HTTP requests were made (cache misses and redirect hops)."""

    def allowed(self, url: str) -> bool:
        return host_allowed(url, self.allow_hosts)

    def fetch(self, url: str) -> bytes:
        """The body behind ``url`` (cached), or ``FetchError``; blocks the caller."""
        with self._lock:
            body = self._cache.get(url)
            if body is not None:
                self._cache.move_to_end(url)
                return body
            if self._closed:
                raise RuntimeError("this Fetcher is closed")
            self._check(url)  # refused at once, without waiting for a slot
            if self._loop is None:
                self._loop = _LoopThread()
            loop = self._loop
        body = loop.run(self._within_deadline(url))
        self._remember(url, body)
        return body

    def image_size(self, url: str) -> Size:
        """Fetch ``url`` and check that it is a decodable image; its pixel size."""
        body = self.fetch(url)
        try:
            return decode.measure(body)
        except decode.Undecodable as exc:
            raise FetchError("The URL's content is not a valid image") from exc
        except decode.ImageRefused as exc:
            raise FetchError(str(exc)) from exc

    def close(self) -> None:
        with self._lock:
            loop, self._loop, self._closed = self._loop, None, True
        if loop is not None:
            loop.run(self._client.aclose())
            loop.stop()

    async def _within_deadline(self, url: str) -> bytes:
        try:
            async with asyncio.timeout(self.timeout):
                async with self._slots:
                    return await self._download(url)
        except TimeoutError:
            raise FetchError(f"Timed out downloading the URL (took more than "
                             f"{self.timeout:g} s)") from None

    def _check(self, url: str) -> None:
        """``FetchError`` unless ``url`` may be fetched (scheme and host policy)."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError("Invalid URL format")
        if not self.allowed(url):
            host = urlsplit(url).hostname
            raise FetchError(f"The URL's host {host} is not allowed: fashn-mock fetches "
                             "loopback hosts only unless --fetch-allow-host names it")

    async def _download(self, url: str) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            self._check(url)
            body, location = await self._get(url)
            if body is not None:
                return body
            url = urljoin(url, location or "")
        raise FetchError(f"Too many redirects (more than {MAX_REDIRECTS})")

    async def _get(self, url: str) -> tuple[bytes | None, str | None]:
        """GET ``url``: its body, or the target of a redirect."""
        with self._lock:
            self.requests += 1
        try:
            async with self._client.stream("GET", url) as response:
                if response.is_redirect and "location" in response.headers:
                    return None, response.headers["location"]
                if response.status_code != 200:
                    raise FetchError(f"Failed to download the URL: HTTP "
                                     f"{response.status_code} {response.reason_phrase}")
                content_type = response.headers.get("content-type", "")
                if not content_type.lower().startswith("image/"):
                    raise FetchError("The URL's Content-Type is not an image. "
                                     f"Content-Type: {content_type}")
                return await self._read(response), None
        except httpx.TimeoutException as exc:
            raise FetchError("Timed out downloading the URL") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"Failed to download the URL: {exc}") from exc

    async def _read(self, response: httpx.Response) -> bytes:
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise FetchError(f"The image is larger than {self.max_bytes} bytes")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"The image is larger than {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _remember(self, url: str, body: bytes) -> None:
        if len(body) > self.cache_bytes:
            return
        with self._lock:
            if url in self._cache:
                return
            self._cache[url] = body
            self._cached += len(body)
            while self._cached > self.cache_bytes:
                _, evicted = self._cache.popitem(last=False)
                self._cached -= len(evicted)


def host_allowed(url: str, allow_hosts: frozenset[str]) -> bool:
    """Whether ``url``'s host is loopback or one of ``allow_hosts`` (lower-case names):
    the host policy of ``--fetch-inputs``, which webhook delivery shares."""
    host = urlsplit(url).hostname or ""
    return is_loopback(host) or host.lower() in allow_hosts


def fetcher_for(config: Config) -> Fetcher | None:
    """The fetcher a config asks for: None unless ``fetch_inputs`` is on."""
    return Fetcher(config.fetch_allow_hosts) if config.fetch_inputs else None
