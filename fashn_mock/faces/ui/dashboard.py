"""The dashboard's routes under ``/_mock/ui``: server-rendered views (Jinja2), their
live fragments, the SSE stream, the login form and the static files.

It is served with the control API (off with ``--no-control``) and behind its token
(``faces.ui.session``). Pages read through ``views``; their forms steer through the
control API itself (``/_mock/...``), so every operation has one implementation.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from fashn_mock.engine import Engine
from fashn_mock.engine.errors import BodyTooLarge
from fashn_mock.faces.common import read_body
from fashn_mock.faces.control import authorized, token_matches
from fashn_mock.faces.ui import session, views
from fashn_mock.faces.ui.live import Live
from fashn_mock.faces.ui.views import PREFIX, BadQuery

if TYPE_CHECKING:
    from jinja2 import Environment

STATIC = PREFIX + "/static"
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
NAV = (("predictions", "Predictions", PREFIX), ("books", "Books", f"{PREFIX}/books"),
       ("journal", "Journal and reports", f"{PREFIX}/journal"),
       ("controls", "Controls", f"{PREFIX}/controls"))
LOGIN_BODY_BYTES = 4096
Endpoint = Callable[[Request], Awaitable[Response]]


def clock_text(seconds: float) -> str:
    """An emulator instant as UTC, to the millisecond."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def iso(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat()


@functools.cache
def environment() -> Environment:
    """The templates (loaded on first use: importing Jinja2 is not free)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("fashn_mock.faces.ui", "templates"),
                      autoescape=select_autoescape(default=True), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(clock=clock_text, iso=iso, quote=lambda s: quote(str(s), safe=""))
    env.globals.update(prefix=PREFIX, static=STATIC, nav=NAV,
                       thumbnail_size=views.thumbnail_size, output_url=views.output_url)
    return env


def routes(engine: Engine) -> list[BaseRoute]:
    config = engine.config
    live = Live(engine)

    def render(request: Request, template: str, context: dict[str, Any],
               status: int = 200) -> HTMLResponse:
        clock = engine.clock
        values = {"now": clock.now(), "frozen": clock.frozen, "time_scale": config.time_scale,
                  "logout": bool(config.control_token),
                  "webhooks": served(request, "/_mock/webhooks"),
                  "replay": served(request, "/_mock/replay"), **context}
        html = environment().get_template(template).render(values)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def allowed(request: Request) -> bool:
        token = config.control_token
        return not token or authorized(request, token)

    def page(handler: Callable[[Request], dict[str, Any] | None], template: str,
             part: bool = False) -> Endpoint:
        """A view (``part``: its live fragment), behind the token, rendered off the loop."""
        error = "parts/error.html" if part else "error.html"

        async def endpoint(request: Request) -> Response:
            if not allowed(request):
                if part:
                    return JSONResponse({"error": "UnauthorizedAccess",
                                         "message": "Dashboard: log in first"}, 401)
                target = request.url.path + (f"?{request.url.query}" if request.url.query
                                             else "")
                return RedirectResponse(f"{PREFIX}/login?next={quote(target, safe='')}", 303)
            try:
                context = await run_in_threadpool(handler, request)
            except BadQuery as bad:
                return render(request, error, {"title": "Bad request", "message": str(bad),
                                               "view": ""}, 400)
            if context is None:
                return render(request, error, {
                    "title": "Not found", "view": "",
                    "message": "No such prediction (it may have been forgotten: "
                               "retention, or a reset)."}, 404)
            return render(request, template, context)
        return endpoint

    def query(request: Request) -> dict[str, str]:
        return dict(request.query_params)

    def predictions(request: Request) -> dict[str, Any]:
        return views.predictions(engine, query(request))

    def prediction(request: Request) -> dict[str, Any] | None:
        return views.prediction(engine, request.path_params["id"])

    def books(request: Request) -> dict[str, Any]:
        return views.books(engine, query(request))

    def journal(request: Request) -> dict[str, Any]:
        return views.journal(engine, query(request))

    def controls(request: Request) -> dict[str, Any]:
        return views.controls(engine)

    async def events(request: Request) -> Response:
        if not allowed(request):
            return JSONResponse({"error": "UnauthorizedAccess",
                                 "message": "Dashboard: log in first"}, 401)
        return live.response()

    async def login(request: Request) -> Response:
        token = config.control_token
        target = safe_next(request.query_params.get("next"))
        if not token:
            return RedirectResponse(PREFIX, 303)
        if request.method == "GET":
            return render(request, "login.html", {"title": "Log in", "view": "",
                                                  "next": target, "wrong": False})
        try:
            raw = await read_body(request, LOGIN_BODY_BYTES)
        except BodyTooLarge:
            raw = b""
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        target = safe_next(form.get("next"))
        if not token_matches(form.get("token"), token):
            return render(request, "login.html", {"title": "Log in", "view": "",
                                                  "next": target, "wrong": True}, 401)
        response = RedirectResponse(target, 303)
        response.set_cookie(session.COOKIE, session.issue(token), max_age=session.MAX_AGE,
                            path="/_mock", httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
        return response

    async def logout(request: Request) -> Response:
        response = RedirectResponse(f"{PREFIX}/login" if config.control_token else PREFIX,
                                    303)
        response.delete_cookie(session.COOKIE, path="/_mock", httponly=True,
                               samesite="strict")
        return response

    return [
        Route(PREFIX, page(predictions, "predictions.html"), methods=["GET"]),
        Route(PREFIX + "/", page(predictions, "predictions.html"), methods=["GET"]),
        Route(PREFIX + "/predictions/{id}", page(prediction, "prediction.html"),
              methods=["GET"]),
        Route(PREFIX + "/books", page(books, "books.html"), methods=["GET"]),
        Route(PREFIX + "/journal", page(journal, "journal.html"), methods=["GET"]),
        Route(PREFIX + "/controls", page(controls, "controls.html"), methods=["GET"]),
        Route(PREFIX + "/part/predictions", page(predictions, "parts/predictions.html",
                                                 part=True), methods=["GET"]),
        Route(PREFIX + "/part/predictions/{id}", page(prediction, "parts/prediction.html",
                                                      part=True), methods=["GET"]),
        Route(PREFIX + "/part/books", page(books, "parts/books.html", part=True),
              methods=["GET"]),
        Route(PREFIX + "/part/journal", page(journal, "parts/journal.html", part=True),
              methods=["GET"]),
        Route(PREFIX + "/part/controls", page(controls, "parts/controls.html", part=True),
              methods=["GET"]),
        Route(PREFIX + "/events", events, methods=["GET"]),
        Route(PREFIX + "/login", login, methods=["GET", "POST"]),
        Route(PREFIX + "/logout", logout, methods=["POST"]),
        Mount(STATIC, StaticFiles(packages=[("fashn_mock.faces.ui", "static")]),
              name="fashn-mock-ui-static"),
    ]


def served(request: Request, path: str) -> bool:
    """Whether the application has a route at ``path`` (features added by others:
    webhooks, replay), so the page asks for it only when it exists."""
    app = request.scope.get("app")
    return any(getattr(route, "path", None) == path for route in getattr(app, "routes", ()))


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a dashboard path only (no open redirect)."""
    if not target or not target.startswith(PREFIX) or "//" in target or "\\" in target \
            or any(ord(c) < 0x21 for c in target):
        return PREFIX
    return target
