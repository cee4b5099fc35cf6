"""Shared plumbing for HTTP faces: bounded body reading and JSON error rendering."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fashn_mock.errors import ApiError, payload_too_large

HTTP_NAMES = {404: "NotFound", 405: "BadRequest"}


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 as soon as it is known to exceed ``limit`` bytes."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise payload_too_large(limit)
    first = await request.receive()  # most bodies arrive in one message: no stream needed
    if first["type"] == "http.request" and not first.get("more_body", False):
        body: bytes = first.get("body", b"")
        if len(body) > limit:
            raise payload_too_large(limit)
        return body
    chunks = [first.get("body", b"")] if first["type"] == "http.request" else []
    size = len(chunks[0]) if chunks else 0
    if size > limit:
        raise payload_too_large(limit)
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise payload_too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def base_url(request: Request, public_url: str | None) -> str:
    """Where clients reach this emulator, for absolute output URLs: the Host the
    request was sent to (cheaper than building ``request.base_url``)."""
    if public_url:
        return public_url.rstrip("/")
    host = request.headers.get("host")
    if not host:
        return str(request.base_url).rstrip("/")
    return f"{request.scope['scheme']}://{host}{request.scope.get('root_path', '')}".rstrip("/")


def api_error_response(request: Request, exc: Exception) -> Response:
    """An ApiError as JSON, with the request's rate headers once it was admitted."""
    assert isinstance(exc, ApiError)
    headers = {**getattr(request.state, "rate_headers", {}), **exc.headers}
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


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
