"""``GET /healthz``: liveness and readiness for orchestrators and scripts.

Served whatever the configuration (also with ``--no-control``), never journaled,
never rate limited, no key needed: 200 ``{"status": "ok", "version": ...}``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PATH = "/healthz"


async def healthz(request: Request) -> Response:
    from fashn_mock import __version__  # at call time: the package imports this module

    return JSONResponse({"status": "ok", "version": __version__},
                        headers={"cache-control": "no-store"})


def routes() -> list[Route]:
    return [Route(PATH, healthz, methods=["GET"])]
