"""The emulator's own CDN: ``/cdn/{id}/output_{i}.{ext}``, rendered on first GET."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fashn_mock.engine import Engine
from fashn_mock.errors import not_found


def routes(engine: Engine) -> list[Route]:
    async def output(request: Request) -> Response:
        found = await run_in_threadpool(engine.output, request.path_params["id"],
                                        request.path_params["name"])
        if found is None:
            raise not_found("Output not found")
        data, media_type = found
        return Response(data, media_type=media_type,
                        headers={"cache-control": "public, max-age=259200"})

    return [Route("/cdn/{id}/{name}", output, methods=["GET"])]
