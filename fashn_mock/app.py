"""Compose the faces into one ASGI application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fashn_mock.engine import Engine
from fashn_mock.faces import cdn, control, health, native, pixazo
from fashn_mock.faces.journaling import NATIVE, JournalMiddleware
from fashn_mock.faces.pixazo import errors as pixazo_errors
from fashn_mock.faces.ui import dashboard

HTTP_NAMES = {404: "NotFound", 405: "BadRequest"}


async def openapi_yaml(request: Request) -> Response:
    """The contract this emulator implements (generated from its catalog)."""
    from fashn_mock.contract.openapi import render_yaml

    return Response(render_yaml(), media_type="application/yaml")


def http_error_response(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 as FASHN-shaped JSON instead of plain text (Pixazo's
    shape under its prefix)."""
    assert isinstance(exc, HTTPException)
    if pixazo.owns(request.url.path):
        return pixazo_errors.unrouted(request)
    name = HTTP_NAMES.get(exc.status_code, "BadRequest")
    message = ("Not found: no such route " + request.url.path
               if exc.status_code == 404 else f"{exc.detail}: {request.method} "
               f"{request.url.path}")
    return JSONResponse({"error": name, "message": message}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


def server_error_response(request: Request, exc: Exception) -> Response:
    """The last resort: an unexpected bug still answers the documented 500 body."""
    if pixazo.owns(request.url.path):
        return pixazo_errors.crashed(request)
    return JSONResponse({"error": "InternalServerError", "message": "Server error"},
                        status_code=500)


def create_app(engine: Engine) -> Starlette:
    routes: list[BaseRoute] = [*native.routes(engine), *pixazo.routes(engine),
                               *cdn.routes(engine), *health.routes(),
                               Route("/openapi.yaml", openapi_yaml, methods=["GET"])]
    if engine.config.control:
        routes += [*control.routes(engine), *dashboard.routes(engine)]
    return Starlette(
        routes=routes,
        middleware=[Middleware(JournalMiddleware, engine=engine,
                               routes=(NATIVE, pixazo.JOURNAL))],
        exception_handlers={
            HTTPException: http_error_response,
            Exception: server_error_response,
        },
    )
