"""``GET /_mock/replay``: what the replay source loaded, played and missed.

Like pytest-httpserver's "no handler" report: each recent unmatched ``/v1/run``
with the nearest recording, field by field, and how many missed in all. The
control plane mounts ``routes(emulator)`` (behind its token, like every
``/_mock`` route); without cassettes the report says ``"replaying": false``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fashn_mock.cassettes.replay import MAX_MISSES, ReplaySource

PATH = "/_mock/replay"


def replay_report(target: Any) -> dict[str, Any]:
    """The report of the ``ReplaySource`` attached to ``target`` (an ``Emulator`` or
    its ``Engine``)."""
    engine = getattr(target, "engine", target)
    source = getattr(engine, "playback", None)
    if isinstance(source, ReplaySource):
        return source.report()
    return {"replaying": False, "cassettes": [], "recorded_runs": 0, "played": 0,
            "misses": {"total": 0, "kept": 0, "limit": MAX_MISSES, "recent": []}}


def routes(target: Any) -> list[Route]:
    """The routes to mount on the control plane of ``target``."""

    async def replay(request: Request) -> JSONResponse:
        return JSONResponse(replay_report(target))

    return [Route(PATH, replay, methods=["GET"])]
