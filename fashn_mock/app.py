"""Compose the faces into one ASGI application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fashn_mock.engine import Engine
from fashn_mock.errors import ApiError
from fashn_mock.faces import cdn, control, health, native
from fashn_mock.faces.common import (
    api_error_response,
    http_error_response,
    server_error_response,
)
from fashn_mock.faces.journaling import JournalMiddleware


async def openapi_yaml(request: Request) -> Response:
    """The contract this emulator implements (generated from its catalog)."""
    from fashn_mock.contract.openapi import render_yaml

    return Response(render_yaml(), media_type="application/yaml")


def create_app(engine: Engine) -> Starlette:
    routes = [*native.routes(engine), *cdn.routes(engine), *health.routes(),
              Route("/openapi.yaml", openapi_yaml, methods=["GET"])]
    if engine.config.control:
        routes += control.routes(engine)
    return Starlette(
        routes=routes,
        middleware=[Middleware(JournalMiddleware, engine=engine)],
        exception_handlers={
            ApiError: api_error_response,
            HTTPException: http_error_response,
            Exception: server_error_response,
        },
    )
