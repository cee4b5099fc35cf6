"""What the suites talk to: a base URL, API keys, a dialect, and one HTTP client for
every suite.

``Sender`` sends through httpx (a real socket, or the emulator in-process), counts
the requests, and waits out 429s when asked (sleeping, or advancing an emulator's
clock through its ``/_mock`` control API). It keeps no history: a suite that finds
a failure passes the ``httpx.Response`` to ``report.Failure.of``, which prints
``response.request`` as a curl line.
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from fashn_mock.contract.dialects import Call, Dialect
from fashn_mock.contract.known_dialects import get

DEFAULT_KEY_ENV = "FASHN_API_KEY"
OTHER_KEY_ENV = "FASHN_OTHER_API_KEY"
REAL_HOSTS = ("api.fashn.ai",)


def normalise_base_url(url: str) -> str:
    """``https://api.fashn.ai/v1/`` and ``https://api.fashn.ai`` name the same API."""
    url = url.rstrip("/")
    return url.removesuffix("/v1")


def split_base_url(url: str, dialect: Dialect) -> tuple[str, str]:
    """(server URL, base path of the dialect's API on it): a URL ending with one of the
    dialect's bases names that base, else the first one is meant."""
    url = url.rstrip("/")
    for suffix in dialect.suffixes:
        url = url.removesuffix(suffix)
    for base in dialect.bases:
        if base and url.endswith(base):
            return url.removesuffix(base), base
    return url, dialect.bases[0]


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date);
    None when absent or unusable."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return seconds if seconds >= 0 else None


@dataclass
class Target:
    """The API under test.

    ``client_factory`` makes in-process clients (``Emulator(...).httpx_client``);
    without it a real socket is used. ``is_emulator``/``clock_control`` are
    detected from the target unless given.
    """

    base_url: str
    api_key: str
    other_api_key: str | None = None
    client_factory: Callable[..., httpx.Client] | None = None
    timeout: float = 60.0
    is_emulator: bool | None = None
    clock_control: bool | None = None
    dialect: str = "native"
    """``native``, ``concurred`` or ``pixazo`` (``contract.dialects``)."""
    base_path: str = field(default="", init=False)
    """Where the dialect's API lives on the server (Pixazo: one of its two bases)."""

    def __post_init__(self) -> None:
        self.base_url, self.base_path = split_base_url(self.base_url, self.speaks)

    @property
    def speaks(self) -> Dialect:
        """The dialect object (``ValueError`` for an unknown name)."""
        return get(self.dialect)

    @property
    def api_url(self) -> str:
        """The URL the contract's paths are relative to."""
        return self.base_url + self.base_path

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def client(self) -> httpx.Client:
        if self.client_factory is not None:
            return self.client_factory(base_url=self.base_url, timeout=self.timeout)
        return httpx.Client(base_url=self.base_url, timeout=self.timeout)

    def secrets(self) -> dict[str, str]:
        """Key values to print as environment variables in curl lines."""
        found = {self.api_key: f"${DEFAULT_KEY_ENV}"}
        if self.other_api_key:
            found[self.other_api_key] = f"${OTHER_KEY_ENV}"
        return found

    def detect(self, client: httpx.Client) -> None:
        """Is this fashn-mock (it serves its contract), and may its clock be moved?"""
        if self.host in (*REAL_HOSTS, *self.speaks.real_hosts):
            self.is_emulator, self.clock_control = False, False
            return
        if self.is_emulator is None:
            try:
                answer = client.get("/openapi.yaml")
                self.is_emulator = answer.status_code == 200 and "fashn-mock" in answer.text
            except httpx.HTTPError:
                self.is_emulator = False
        if self.clock_control is None:
            self.clock_control = False
            if self.is_emulator:
                with contextlib.suppress(httpx.HTTPError):
                    self.clock_control = client.get("/_mock/clock").status_code == 200


@dataclass
class Sender:
    """Sends requests for every suite; waits out 429s when ``retry_429``."""

    target: Target
    retry_429: bool = True
    max_wait: float = 90.0
    """Longest Retry-After honoured (seconds); longer 429s are returned as they are."""
    client: httpx.Client = field(init=False)
    requests: int = 0
    waited: float = 0.0
    advanced: float = 0.0
    """Seconds the emulator's clock was moved instead of waiting."""
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.client = self.target.client()
        self.target.detect(self.client)

    def close(self) -> None:
        self.client.close()

    def auth(self, key: str | None) -> dict[str, str]:
        return self.target.speaks.auth(key) if key else {}

    def call(self, call: Call, *, key: str | object | None = ..., **kwargs: Any
             ) -> httpx.Response:
        """Send a dialect's ``Call`` (under the target's base path unless absolute)."""
        path = call.path if call.absolute else self.target.base_path + call.path
        return self.send(call.method, path, key=key, **call.kwargs(), **kwargs)

    def send(self, method: str, url: str, *, key: str | object | None = ...,
             headers: Mapping[str, str] | None = None, retry_429: bool | None = None,
             **kwargs: Any) -> httpx.Response:
        """One request; ``key=...`` uses the target's key, ``None`` sends no
        Authorization (``headers`` may then carry a custom one)."""
        chosen = self.target.api_key if key is ... else key
        merged = {**self.auth(chosen if isinstance(chosen, str) else None), **(headers or {})}
        retry = self.retry_429 if retry_429 is None else retry_429
        while True:
            started = time.perf_counter()
            request = self.client.build_request(method, url, headers=merged, **kwargs)
            try:
                response = self.client.send(request)
            except httpx.TransportError:
                raise
            except Exception as exc:  # an in-process app raising: a 500 over a socket
                response = crashed(request, exc)
            try:
                response.elapsed  # noqa: B018 - in-process responses may lack it
            except RuntimeError:
                response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
            self.count()
            wait = retry_after_seconds(response.headers.get("retry-after"))
            if not (retry and response.status_code == 429 and wait is not None
                    and wait <= self.max_wait
                    and not self.target.speaks.out_of_credits(response)):
                return response
            self.pause(wait)

    def balance(self, key: str | None = None) -> int | None:
        """``key``'s balance (default: the target's key) in the dialect's unit, or None
        when the target offers no way to read it."""
        chosen = key or self.target.api_key
        call = self.target.speaks.balance_call(chosen, bool(self.target.is_emulator))
        if call is None:
            return None
        return self.target.speaks.read_balance(self.call(call, key=key or ...))

    def count(self) -> None:
        """Count one request sent (from any thread)."""
        with self._lock:
            self.requests += 1

    def pause(self, seconds: float) -> None:
        """Let ``seconds`` pass for the target: move an emulator's clock, else sleep."""
        if self.target.clock_control:
            self.client.post("/_mock/clock/advance", json={"seconds": seconds})
            self.advanced += seconds
        else:
            time.sleep(seconds)
            self.waited += seconds


def crashed(request: httpx.Request, exc: Exception) -> httpx.Response:
    """What a client on a socket would get from an app that raised: a bare 500."""
    text = f"fashn-mock contract: the app raised in-process: {type(exc).__name__}: {exc}"
    return httpx.Response(500, text=text, request=request,
                          headers={"content-type": "text/plain"})

