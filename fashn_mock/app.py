"""Compose the faces into one ASGI application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fashn_mock.engine import Engine
from fashn_mock.faces import cdn, control, native
from fashn_mock.faces.journaling import JournalMiddleware
from fashn_mock.faces.network import NetworkMiddleware

HTTP_NAMES = {404: "NotFound", 405: "BadRequest"}


async def openapi_yaml(request: Request) -> Response:
    """The contract this emulator implements (generated from its catalog)."""
    from fashn_mock.contract.openapi import render_yaml

    return Response(render_yaml(), media_type="application/yaml")


def http_error_response(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 as FASHN-shaped JSON instead of plain text."""
    assert isinstance(exc, HTTPException)
    name = HTTP_NAMES.get(exc.status_code, "BadRequest")
    message = ("Not found: no such route " + request.url.path
               if exc.status_code == 404 else f"{exc.detail}: {request.method} "
               f"{request.url.path}")
    return JSONResponse({"error": name, "message": message}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


def server_error_response(request: Request, exc: Exception) -> Response:
    """The last resort: an unexpected bug still answers the documented 500 body."""
    return JSONResponse({"error": "InternalServerError", "message": "Server error"},
                        status_code=500)


def create_app(engine: Engine) -> Starlette:
    routes = [*native.routes(engine), *cdn.routes(engine),
              Route("/openapi.yaml", openapi_yaml, methods=["GET"])]
    if engine.config.control:
        routes += control.routes(engine)
    return Starlette(
        routes=routes,
        # network faults outside the journal: it records what the app answered
        middleware=[Middleware(NetworkMiddleware, engine=engine),
                    Middleware(JournalMiddleware, engine=engine)],
        exception_handlers={
            HTTPException: http_error_response,
            Exception: server_error_response,
        },
    )
