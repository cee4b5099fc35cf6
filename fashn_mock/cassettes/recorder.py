"""Turn observed FASHN exchanges into a cassette, saved after every change.

The recorder is told what the proxy saw: a ``/v1/run`` (which starts a timeline
when it created a prediction), each status poll of that prediction (a new step
when something changed, else one more poll of the last step), and other
exchanges. When a prediction completes, its outputs are downloaded at once (CDN
URLs expire after 72 h) into ``media/`` and the recorded payload points at them.
"""

from __future__ import annotations

import base64
import binascii
import functools
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

Downloader = Callable[[str], Awaitable[tuple[bytes, str | None]]]
DOWNLOAD_TIMEOUT = 120.0


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for every short-lived client (building one costs ~20 ms)."""
    return httpx.create_ssl_context()


async def download(url: str) -> tuple[bytes, str | None]:
    """GET a public output URL (no credentials: CDN URLs are public)."""
    async with httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT, follow_redirects=True,
                                 verify=tls()) as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.content, response.headers.get("content-type")


class Recorder:
    def __init__(self, cassette: Cassette, redactor: Redactor | None = None, *,
                 downloader: Downloader = download,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cassette = cassette
        self.redactor = redactor or cassette.redactor()
        self.clock = clock
        self.media = MediaDir(cassette.media_root)
        self._download = downloader
        self._live: dict[str, tuple[Interaction, float]] = {}
        self.recorded = 0
        """Exchanges recorded in this session."""

    def tracks(self, prediction_id: str) -> bool:
        """Whether this prediction was created during this recording."""
        return prediction_id in self._live

    def run(self, query: dict[str, str], body: Any, response: Response,
            started: float) -> Interaction:
        """A ``/v1/run`` sent at ``started`` (``clock()``) and its response."""
        interaction = Interaction(Request("POST", "/v1/run", dict(query), compact_inputs(body)),
                                  response)
        self.cassette.interactions.append(interaction)
        if interaction.prediction_id is not None:
            self._live[interaction.prediction_id] = (interaction, started)
        self._changed()
        return interaction

    async def status(self, prediction_id: str, response: Response) -> None:
        """One poll of a prediction created during this recording."""
        interaction, started = self._live[prediction_id]
        timeline = interaction.timeline
        if timeline and timeline[-1].same_as(response):
            timeline[-1].polls += 1
            self._changed()
            return
        first_end = interaction.terminal is None
        step = Step(self.clock() - started, 1, response)
        timeline.append(step)  # before downloading: concurrent polls count as this step
        self._changed()
        if step.status == "completed" and first_end:
            await self._keep_outputs(interaction, step)
            self._changed()

    def exchange(self, request: Request, response: Response) -> None:
        """Any other exchange (credits, a status poll of an unknown id...)."""
        self.cassette.interactions.append(Interaction(request, response))
        self._changed()

    def save(self) -> None:
        self.cassette.save(self.redactor)

    def _changed(self) -> None:
        self.recorded += 1
        self.save()

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
        interaction.outputs = kept
        body["output"] = [o.file or o.value for o in kept]

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
            return Output(f"output_{index}.{ext}", self.media.put(data, ext), kind, base64=True)
        if urlsplit(value).scheme not in ("http", "https"):
            return Output(f"output_{index}", None, value=value)
        name = PurePosixPath(urlsplit(value).path).name or f"output_{index}"
        try:
            data, kind = await self._download(value)
        except (httpx.HTTPError, OSError) as exc:
            return Output(name, None, value=value, note=f"download failed: {exc}")
        kind = (kind or "").split(";")[0].strip() or None
        return Output(name, self.media.put(data, extension(kind, name)), kind)
