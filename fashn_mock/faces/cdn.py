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
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(ValueError):
    """A byte range that starts past the end of the file."""


def byte_range(header: str | None, length: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` bytes asked for by a single-range header;
    None to send everything (no header, several ranges, or a malformed one).
    Raises ``RangeNotSatisfiable`` when no byte of the range exists."""
    match = RANGE.match((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        if int(last) == 0 or length == 0:
            raise RangeNotSatisfiable(header)
        return max(0, length - int(last)), length - 1
    start = int(first)
    end = min(length - 1, int(last)) if last else length - 1
    if start >= length or start > end:
        raise RangeNotSatisfiable(header)
    return start, end


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
