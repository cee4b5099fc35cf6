"""The emulator's own CDN: ``/cdn/{id}/output_{i}.{ext}``, rendered on first GET.

Single byte ranges are honoured (``206 Partial Content``), as browsers' video
players (Safari's in particular) require before they play an MP4.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fashn_mock.engine import Engine, retention
from fashn_mock.faces.common import answering_errors
from fashn_mock.faces.native.errors import render
from fashn_mock.urls import CDN_PREFIX

CACHE_CONTROL = f"public, max-age={int(retention.CDN_RETENTION_SECONDS)}"
RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
MAX_DIGITS = 18
"""Longer positions exceed any file (and Python's int conversion limit): read as infinity."""


class RangeNotSatisfiable(ValueError):
    """A byte range that starts past the end of the file."""


def byte_range(header: str | None, length: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` bytes asked for by a single-range header;
    None to send everything (no header, several ranges, or a malformed one).
    Raises ``RangeNotSatisfiable`` when no byte of the range exists."""
    match = RANGE.match((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = (_position(group) for group in match.groups())
    if first is None:  # the last N bytes
        if last == 0 or length == 0:
            raise RangeNotSatisfiable(header)
        return max(0, length - (last or 0)), length - 1
    end = length - 1 if last is None else min(length - 1, last)
    if first >= length or first > end:
        raise RangeNotSatisfiable(header)
    return first, end


def _position(digits: str) -> int | None:
    """A byte position: None when absent, a huge stand-in when too long to matter."""
    if not digits:
        return None
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= MAX_DIGITS else 10**MAX_DIGITS


def routes(engine: Engine) -> list[Route]:
    @answering_errors(render)
    async def output(request: Request) -> Response:
        found = await run_in_threadpool(engine.output, request.path_params["id"],
                                        request.path_params["name"])
        if found is None:
            return JSONResponse({"error": "NotFound", "message": "Output not found"},
                                status_code=404)
        data, media_type = found
        headers = {"cache-control": CACHE_CONTROL, "accept-ranges": "bytes"}
        try:
            wanted = byte_range(request.headers.get("range"), len(data))
        except RangeNotSatisfiable:
            return Response(status_code=416, headers={**headers,
                                                      "content-range": f"bytes */{len(data)}"})
        if wanted is not None:
            first, last = wanted
            headers["content-range"] = f"bytes {first}-{last}/{len(data)}"
            return Response(data[first:last + 1], status_code=206, media_type=media_type,
                            headers=headers)
        return Response(data, media_type=media_type, headers=headers)

    return [Route(CDN_PREFIX + "/{id}/{name}", output, methods=["GET"])]
