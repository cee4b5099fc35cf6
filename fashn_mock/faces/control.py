"""The control plane, ``/_mock/...``: steer and inspect the emulator over HTTP.

The routes are generated from the steering table (``steering.operations``): each
reads its parameters from the path, the query or the JSON body as declared, calls
the same-named method of a ``Steering`` view and answers the result's JSON form.
The only other route is the webhook receiver of the test inboxes.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fashn_mock import safejson
from fashn_mock.engine import Engine
from fashn_mock.engine.errors import DomainError, InvalidRequest, Unauthenticated
from fashn_mock.faces.common import base_url, read_body
from fashn_mock.faces.native.errors import wire_form
from fashn_mock.faces.ui.session import cookie_allows
from fashn_mock.steering import OPERATIONS, Operation, Steering
from fashn_mock.steering.operations import Param, to_json
from fashn_mock.validation import parse_json

PREFIX = "/_mock"
TOKEN_HEADER = "x-fashn-mock-token"
INBOX_BODY_BYTES = 16 * 1024 * 1024
"""Enough for a webhook carrying base64 outputs."""
SECRET_HEADERS = ("authorization", "cookie", TOKEN_HEADER)
"""Not kept by inboxes."""
BODY_BYTES = 1024 * 1024
Endpoint = Callable[[Request], Awaitable[Response]]


def render(request: Request, error: DomainError) -> Response:
    """Control-plane refusals: the native body shape, with the engine's own message."""
    status, name, _, headers = wire_form(error)
    return JSONResponse({"error": name, "message": error.message}, status_code=status,
                        headers=headers)


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so timing does not reveal the token."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def authorized(request: Request, token: str) -> bool:
    """The token header, or the dashboard's session cookie (``faces.ui.session``)."""
    return token_matches(request.headers.get(TOKEN_HEADER), token) \
        or cookie_allows(request, token)


def routes(engine: Engine) -> list[Route]:
    """One route per steering operation, and the inboxes' webhook receiver."""
    return [*(Route(PREFIX + operation.path, endpoint(engine, operation),
                    methods=[operation.method], name=operation.name)
              for operation in OPERATIONS),
            Route(PREFIX + "/inbox/{name}", receiver(engine), methods=["POST"])]


def endpoint(engine: Engine, operation: Operation) -> Endpoint:
    """The HTTP form of ``operation``: token check, parameters, the call, its JSON."""
    config = engine.config

    async def answer(request: Request) -> Response:
        try:
            if config.control_token and not authorized(request, config.control_token):
                raise Unauthenticated(
                    "unknown", f"Control API: missing or wrong {TOKEN_HEADER} header")
            values = await arguments(operation, request)
            view = Steering(engine, base_url=base_url(request, config.public_url))
            result = await run_in_threadpool(getattr(view, operation.name), **values)
        except DomainError as error:
            return render(request, error)
        except ValueError as error:  # e.g. the clock refusing a move
            return render(request, InvalidRequest(f"Control API: {error}"))
        return JSONResponse(to_json(result, operation.envelope))

    return answer


async def arguments(operation: Operation, request: Request) -> dict[str, Any]:
    """The operation's parameters, from where the table says each one lives."""
    values: dict[str, Any] = {}
    for param in operation.where("path"):
        values[param.name] = _read(param, request.path_params[param.name], text=True)
    query = request.query_params
    declared = {param.name: param for param in operation.where("query")}
    _refuse_unknown(set(query), declared, "query parameter")
    for name, param in declared.items():
        if query.get(name):  # an empty value (an HTML form's blank field) is no value
            values[name] = _read(param, query[name], text=True)
    sent = await _body(request)
    declared = {param.name: param for param in operation.where("body")}
    _refuse_unknown(set(sent), declared, "field")
    for name, param in declared.items():
        if sent.get(name) is not None:  # null: the default
            values[name] = _read(param, sent[name], text=False)
        elif param.required:
            raise InvalidRequest(f"{name}: required", field=name)
    return values


def _read(param: Param, value: Any, *, text: bool) -> Any:
    try:
        return param.kind.from_text(value) if text else param.kind.from_json(value)
    except ValueError as error:
        raise InvalidRequest(f"{param.name}: {error}", field=param.name) from None


def _refuse_unknown(sent: set[str], declared: dict[str, Param], what: str) -> None:
    unknown = sorted(sent - set(declared))
    if unknown:
        known = ", ".join(declared) or "none"
        raise InvalidRequest(f"Control API: unknown {what}(s) {', '.join(unknown)}; "
                             f"known: {known}", field=unknown[0])


async def _body(request: Request) -> dict[str, Any]:
    raw = await read_body(request, BODY_BYTES)
    if not raw.strip():
        return {}
    parsed = parse_json(raw)
    if not isinstance(parsed, dict):
        raise InvalidRequest("Control API: expected a JSON object", field="body")
    return parsed


def receiver(engine: Engine) -> Endpoint:
    """A webhook receiver: keeps what is POSTed (no token needed, so the emulator's
    own deliveries and any client can reach it; reading it needs the token)."""
    webhooks = engine.webhooks

    async def receive(request: Request) -> Response:
        try:
            box = webhooks.inboxes.get(request.path_params["name"])
            raw = await read_body(request, INBOX_BODY_BYTES)
        except DomainError as error:
            return render(request, error)
        try:
            received: Any = safejson.loads(raw)
        except ValueError:  # not JSON (or beyond safejson's limits): keep the text
            received = raw.decode("utf-8", "replace")
        headers = {k: v for k, v in request.headers.items() if k not in SECRET_HEADERS}
        answer = box.receive(engine.clock.now(), headers, received, len(raw))
        return JSONResponse({"inbox": box.name, "accepted": answer < 300},
                            status_code=answer)

    return receive
