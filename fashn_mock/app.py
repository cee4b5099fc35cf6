"""Compose the faces into one ASGI application: the three API dialects, the CDN, the
control plane, health and the contract, behind the journal."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fashn_mock.engine import Engine
from fashn_mock.faces import cdn, concurred, control, health, native, pixazo
from fashn_mock.faces.journaling import NATIVE, JournalMiddleware
from fashn_mock.faces.network import NetworkMiddleware
from fashn_mock.faces.pixazo import errors as pixazo_errors
from fashn_mock.faces.ui import dashboard

HTTP_NAMES = {404: "NotFound", 405: "BadRequest"}
ErrorHandler = Callable[[Request, Exception], Response]


async def openapi_yaml(request: Request) -> Response:
    """The contract this emulator implements, generated from its catalog: the native
    one, or a gateway's with ``?dialect=concurred|pixazo``."""
    from fashn_mock.contract.openapi import DIALECTS, render_yaml

    dialect = request.query_params.get("dialect", "native")
    if dialect not in DIALECTS:
        return JSONResponse({"error": "NotFound", "message": f"no contract for dialect "
                             f"{dialect[:40]!r}; known: {', '.join(DIALECTS)}"},
                            status_code=404)
    return Response(render_yaml(dialect), media_type="application/yaml")


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
    concurred_face = concurred.Face(engine)
    routes: list[BaseRoute] = [
        *native.routes(engine), *concurred_face.routes(), *pixazo.routes(engine),
        *cdn.routes(engine), *health.routes(),
        Route("/openapi.yaml", openapi_yaml, methods=["GET"])]
    if engine.config.control:
        routes += [*control.routes(engine), *dashboard.routes(engine)]
    # each gateway answers unknown routes and unexpected bugs in its own shape
    unrouted_by_prefix: dict[str, ErrorHandler] = {
        concurred.PREFIX: concurred_face.http_error,
        pixazo.PREFIX: lambda request, exc: pixazo_errors.unrouted(request)}
    crashed_by_prefix: dict[str, ErrorHandler] = {
        pixazo.PREFIX: lambda request, exc: pixazo_errors.crashed(request)}

    def by_prefix(table: dict[str, ErrorHandler], default: ErrorHandler) -> ErrorHandler:
        def answer(request: Request, exc: Exception) -> Response:
            path = request.url.path + "/"
            found = next((h for prefix, h in table.items() if path.startswith(prefix)),
                         default)
            return found(request, exc)
        return answer

    unrouted = by_prefix(unrouted_by_prefix, http_error_response)
    crashed = by_prefix(crashed_by_prefix, server_error_response)

    journaled = (NATIVE, concurred.JOURNAL, pixazo.JOURNAL)
    return Starlette(
        routes=routes,
        # network faults outside the journal: it records what the app answered
        middleware=[Middleware(NetworkMiddleware, engine=engine, routes=journaled),
                    Middleware(JournalMiddleware, engine=engine, routes=journaled)],
        exception_handlers={HTTPException: unrouted, Exception: crashed},
    )
