"""Turn observed FASHN exchanges into a cassette, saved in the background.

The recorder is told what the proxy saw: a ``/v1/run`` (which starts a timeline
when it created a prediction), each status poll of that prediction (a new step
when something changed, else one more poll of the last step), and other
exchanges. When a prediction completes, its outputs are downloaded at once (CDN
URLs expire after 72 h, downloads are capped at ``MAX_DOWNLOAD`` bytes) into
``media/`` and the recorded payload points at them. Every change is batched into
the next background write (``CassetteWriter``); ``close()`` writes the last one.

Recorded values are what a cassette may hold (``recordable``): a body nested too
deeply, a number JSON allows but a cassette refuses, or a lone surrogate is kept
as a readable placeholder instead of a file that could not be loaded again.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import math
import ssl
import time
from collections.abc import Awaitable, Callable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx

from fashn_mock.cassettes.format import Cassette, Interaction, Output, Request, Response, Step
from fashn_mock.cassettes.matcher import DATA_URI, compact_inputs
from fashn_mock.cassettes.media import MediaDir, extension
from fashn_mock.cassettes.redact import Redactor
from fashn_mock.cassettes.safeyaml import MAX_DEPTH, MAX_DIGITS
from fashn_mock.cassettes.validate import HEADER_VALUE, OUTPUT_NAME
from fashn_mock.cassettes.writer import CassetteWriter

Downloader = Callable[[str], Awaitable[tuple[bytes, str | None]]]
DOWNLOAD_TIMEOUT = 120.0
MAX_DOWNLOAD = 512 * 1024 * 1024
"""The largest output kept (as ``media.MAX_MEDIA_BYTES``, the largest served)."""
BODY_DEPTH = MAX_DEPTH - 8
"""Room for the cassette's own structure around a recorded body."""


class TooLarge(httpx.HTTPError):
    """A response larger than the reader's limit."""


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The (decoded) body of a streamed response, or ``TooLarge`` past ``limit``."""
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise TooLarge(f"response larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"response larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def recordable(value: Any, depth: int = 0) -> Any:
    """``value`` as a cassette can hold it (see the module docstring)."""
    if depth > BODY_DEPTH:
        return f"<not recorded: nested deeper than {BODY_DEPTH} levels>"
    if isinstance(value, dict):
        return {_text(str(k)): recordable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [recordable(v, depth + 1) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return f"<not recorded: {value}>"
    if isinstance(value, int) and not isinstance(value, bool) and \
            abs(value) >= 10 ** MAX_DIGITS:
        return f"<not recorded: an integer of more than {MAX_DIGITS} digits>"
    return _text(value) if isinstance(value, str) else value


def _text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for every short-lived client (building one costs ~20 ms)."""
    return httpx.create_ssl_context()


async def download(url: str, client: httpx.AsyncClient | None = None) -> tuple[bytes, str | None]:
    """GET a public output URL (no credentials: CDN URLs are public), through
    ``client`` (else a client of its own)."""
    if client is None:
        async with httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT, verify=tls()) as own:
            return await download(url, own)
    async with client.stream("GET", url, follow_redirects=True) as response:
        response.raise_for_status()
        return await read_capped(response, MAX_DOWNLOAD), response.headers.get("content-type")


class Recorder:
    def __init__(self, cassette: Cassette, redactor: Redactor | None = None, *,
                 downloader: Downloader | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``downloader`` fetches outputs (default: ``download``; the proxy passes its
        own client)."""
        self.cassette = cassette
        self.redactor = redactor or cassette.redactor()
        self.clock = clock
        self.media = MediaDir(cassette.media_root)
        self.downloader: Downloader = downloader or download
        self.writer = CassetteWriter(cassette, self.redactor)
        self._live: dict[str, tuple[Interaction, float]] = {}
        self.recorded = 0
        """Changes recorded in this session."""

    def tracks(self, prediction_id: str) -> bool:
        """Whether this prediction was created during this recording."""
        return prediction_id in self._live

    def run(self, query: dict[str, str], body: Any, response: Response,
            started: float) -> Interaction:
        """A ``/v1/run`` sent at ``started`` (``clock()``) and its response."""
        interaction = Interaction(Request("POST", "/v1/run", dict(query),
                                          compact_inputs(recordable(body))), response)
        with self.writer.lock:
            self.cassette.interactions.append(interaction)
            if interaction.prediction_id is not None:
                self._live[interaction.prediction_id] = (interaction, started)
            self._changed(None)
        return interaction

    async def status(self, prediction_id: str, response: Response) -> None:
        """One poll of a prediction created during this recording."""
        interaction, started = self._live[prediction_id]
        timeline = interaction.timeline
        with self.writer.lock:
            if timeline and timeline[-1].same_as(response):
                timeline[-1].polls += 1
                self._changed(interaction)
                return
            first_end = interaction.terminal is None
            step = Step(self.clock() - started, 1, response)
            timeline.append(step)  # before downloading: concurrent polls count as this step
            self._changed(interaction)
        if step.status == "completed" and first_end:
            await self._keep_outputs(interaction, step)

    def exchange(self, request: Request, response: Response) -> None:
        """Any other exchange (credits, a status poll of an unknown id...)."""
        with self.writer.lock:
            self.cassette.interactions.append(Interaction(request, response))
            self._changed(None)

    def flush(self) -> None:
        """Wait until the file holds everything recorded so far (raises if a write
        failed, e.g. ``SecretLeak``)."""
        self.writer.flush()

    save = flush
    close = flush

    def _changed(self, interaction: Interaction | None) -> None:
        self.recorded += 1
        self.writer.mark(interaction)

    async def _keep_outputs(self, interaction: Interaction, step: Step) -> None:
        body = step.response.body
        if not isinstance(body, dict) or not isinstance(body.get("output"), list):
            return
        kept = [await self._keep(index, value) for index, value in enumerate(body["output"])]
        names: set[str] = set()
        for index, output in enumerate(kept):
            if output.name in names:
                output.name = f"{index}_{output.name}"
            names.add(output.name)
        with self.writer.lock:
            interaction.outputs = kept
            body["output"] = [o.file or o.value for o in kept]
            self._changed(interaction)

    async def _keep(self, index: int, value: Any) -> Output:
        if not isinstance(value, str):
            return Output(f"output_{index}", None, value=str(value), note="not a string")
        if DATA_URI.match(value):
            kind = value[5:].split(";")[0] or None
            try:
                data = base64.b64decode(value.partition(",")[2], validate=True)
            except (binascii.Error, ValueError):
                return Output(f"output_{index}", None, kind, base64=True,
                              note="undecodable data URI")
            ext = extension(kind)
            return Output(f"output_{index}.{ext}", await self._put(data, ext), kind,
                          base64=True)
        if urlsplit(value).scheme not in ("http", "https"):
            return Output(f"output_{index}", None, value=value)
        name = PurePosixPath(urlsplit(value).path).name
        if not OUTPUT_NAME.fullmatch(name) or name in (".", ".."):
            name = f"output_{index}"
        try:
            data, kind = await self.downloader(value)
        except (httpx.HTTPError, OSError) as exc:
            return Output(name, None, value=value, note=f"download failed: {exc}")
        kind = (kind or "").split(";")[0].strip() or None
        if kind is not None and not HEADER_VALUE.fullmatch(kind):
            kind = None
        return Output(name, await self._put(data, extension(kind, name)), kind)

    async def _put(self, data: bytes, ext: str) -> str:
        """Store an output off the event loop (a write and an fsync)."""
        return await asyncio.to_thread(self.media.put, data, ext)
