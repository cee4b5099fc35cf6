"""The access log of ``serve`` and ``record``: uvicorn's line per request, made cheap.

uvicorn logs every response through ``logging`` as it starts: a ``LogRecord``, a
copy of it, colour and format, and a write plus a flush per line, about a third of
the emulator's CPU per request. Here an ASGI middleware only notes what the line
needs (a tuple); the lines are rendered and written in batches, every ``INTERVAL``
seconds (``MAX_PENDING`` lines at most) and when the server stops.

The lines still go through the logging setup (``fashn_mock.logs``): the handlers
configured on the ``uvicorn.access`` logger are taken over, so its level
(``--log-level warning`` hides the lines), stream (stdout) and formatter
(``--log-format``) hold, and the lines are the ones that formatter writes. A
handler whose formatter is not known to be cheap to reproduce gets a ``LogRecord``
per line as before, only batched.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Sequence
from typing import Any
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fashn_mock.logs import ACCESS_MESSAGE, LOGGER, JsonFormatter, access_json

INTERVAL = 0.05
"""Seconds between writes of the pending lines."""
MAX_PENDING = 1000
"""Lines held at most before they are written at once (bounded memory and delay)."""
Entry = tuple[Scope, int, float]
"""What one line needs: the request's client, method, path, query string and HTTP
version (the scope's own keys, copied into a small dict: holding the whole scope until
the batch is written would keep all it refers to alive through young garbage
collections, which costs more than the copy), the response status, and the time (Unix
seconds; 0 when no line shows it)."""
_SAFE_PATH = re.compile(r"[A-Za-z0-9_.~/-]*")
"""Paths that ``urllib.parse.quote`` leaves as they are."""
_SENTINELS = {name: f"\x00{name}\x00" for name in ("client", "method", "path", "version")}


def client_address(client: Any) -> str:
    """``host:port`` of the scope's client, as uvicorn shows it ('' when unknown)."""
    return f"{client[0]}:{client[1]}" if client else ""


class Paths:
    """Paths as uvicorn shows them (``urllib.parse.quote``), with the last ones kept:
    a client polls the same status path again and again."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self.shown: dict[str, str] = {}

    def __call__(self, path: str, query: bytes) -> str:
        """The quoted path and the raw query string (a query that is not ASCII is
        shown with escapes instead of failing)."""
        shown = self.shown.get(path)
        if shown is None:
            if len(self.shown) >= self.size:
                self.shown.clear()
            shown = self.shown[path] = path if _SAFE_PATH.fullmatch(path) else quote(path)
        return f"{shown}?{query.decode('ascii', 'backslashreplace')}" if query else shown


full_path = Paths()
"""The quoted path and the raw query string, as uvicorn shows them."""


def record_args(entry: Entry) -> tuple[str, str, str, str, int]:
    """The arguments of uvicorn's access ``LogRecord`` for ``entry``."""
    scope, status, _ = entry
    return (client_address(scope.get("client")), scope["method"],
            full_path(scope["path"], scope.get("query_string", b"")),
            scope.get("http_version", "1.1"), status)


class TemplateRender:
    """Lines of a formatter whose output depends only on the record's arguments (not
    on its time): the formatter itself formats one line per status code, with
    markers in place of the other arguments; the text between the markers is kept,
    and each line is that text with the request's values in between."""

    timed = False

    def __init__(self, formatter: logging.Formatter) -> None:
        self.formatter = formatter
        self.pieces: dict[int, tuple[str, str, str, str, str] | None] = {}
        self.paths = Paths()

    def works(self) -> bool:
        """Whether this formatter's lines can be made from pieces."""
        return not self.formatter.usesTime() and self._pieces(200) is not None

    def __call__(self, entries: Sequence[Entry]) -> list[str]:
        pieces_of, shown_of, paths = self.pieces, self.paths.shown, self.paths
        lines = []
        for entry in entries:  # one loop, no call per line: this runs for every request
            scope, status, _ = entry
            pieces = pieces_of.get(status)
            if pieces is None:
                pieces = pieces_of[status] = self._pieces(status)
                if pieces is None:
                    lines.append(self.formatter.format(access_record(entry)))
                    continue
            path, query, client = scope["path"], scope.get("query_string"), scope.get("client")
            shown = None if query else shown_of.get(path)
            if shown is None:
                shown = paths(path, query or b"")
            address = f"{client[0]}:{client[1]}" if client else ""
            lines.append(f"{pieces[0]}{address}{pieces[1]}{scope['method']}{pieces[2]}{shown}"
                         f"{pieces[3]}{scope.get('http_version', '1.1')}{pieces[4]}")
        return lines

    def _pieces(self, status: int) -> tuple[str, str, str, str, str] | None:
        """The text around client, method, path and version (in this order) in the
        formatter's line for ``status``; None if they do not appear once each so."""
        if status in self.pieces:
            return self.pieces[status]
        record = access_record(({"method": "", "path": ""}, status, 0.0))
        record.args = (*_SENTINELS.values(), status)
        text = self.formatter.format(record)
        if any(text.count(marker) != 1 for marker in _SENTINELS.values()):
            return None
        markers = "|".join(_SENTINELS.values())
        if re.findall(markers, text) != list(_SENTINELS.values()):
            return None
        parts = re.split(markers, text)
        return parts[0], parts[1], parts[2], parts[3], parts[4]


class JsonRender:
    """``JsonFormatter``'s lines, without a ``LogRecord`` each."""

    timed = True

    def __call__(self, entries: Sequence[Entry]) -> list[str]:
        return [access_json(entry[2], *record_args(entry)) for entry in entries]


def access_record(entry: Entry) -> logging.LogRecord:
    """The ``LogRecord`` uvicorn would have made for ``entry``."""
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 0, ACCESS_MESSAGE,
                               record_args(entry), None)
    record.created = entry[2]
    record.msecs = (entry[2] - int(entry[2])) * 1000
    return record


class Writer:
    """Writes batches of lines to one handler."""

    def __init__(self, handler: logging.Handler,
                 render: TemplateRender | JsonRender | None) -> None:
        self.handler = handler
        self.render = render
        """None: a ``LogRecord`` per line, handled by the handler as usual."""
        self.failed = False

    @property
    def timed(self) -> bool:
        """Whether its lines show the time of the request."""
        return self.render is None or self.render.timed

    def write(self, entries: Sequence[Entry]) -> None:
        handler = self.handler
        if self.render is None:
            for entry in entries:
                record = access_record(entry)
                if record.levelno >= handler.level:
                    handler.handle(record)
            return
        if self.failed:
            return
        assert isinstance(handler, logging.StreamHandler)
        lines = self.render(entries)
        lines.append("")
        text = handler.terminator.join(lines)
        handler.acquire()
        try:
            handler.stream.write(text)
            handler.flush()
        except (OSError, ValueError) as error:
            self.failed = True
            LOGGER.warning(f"the access log cannot be written ({error}); access lines are "
                           "dropped from now on")
        finally:
            handler.release()


def writer_for(handler: logging.Handler) -> Writer:
    """The cheapest writer that writes what ``handler`` would."""
    formatter = handler.formatter
    if type(handler) is not logging.StreamHandler or handler.filters or formatter is None \
            or handler.level > logging.INFO:
        return Writer(handler, None)
    if type(formatter) is JsonFormatter:
        return Writer(handler, JsonRender())
    template = TemplateRender(formatter)
    return Writer(handler, template if template.works() else None)


class AccessLog:
    """Pending access lines and the writers they go to."""

    def __init__(self, writers: Sequence[Writer], interval: float = INTERVAL,
                 max_pending: int = MAX_PENDING) -> None:
        self.writers = list(writers)
        self.interval = interval
        self.max_pending = max_pending
        self.timed = any(writer.timed for writer in self.writers)
        """Whether a line shows the time (else none is taken per request)."""
        self._pending: list[Entry] = []
        self._timer: asyncio.TimerHandle | None = None

    def add(self, scope: Scope, status: int) -> None:
        """Note the response ``status`` to the request of ``scope``; written within
        ``interval`` seconds (at once when ``max_pending`` lines wait)."""
        pending = self._pending
        pending.append(({"client": scope.get("client"), "method": scope["method"],
                         "path": scope["path"], "query_string": scope.get("query_string", b""),
                         "http_version": scope.get("http_version", "1.1")},
                        status, time.time() if self.timed else 0.0))
        if len(pending) == 1:
            self._timer = asyncio.get_running_loop().call_later(self.interval, self.flush)
        elif len(pending) >= self.max_pending:
            self.flush()

    def flush(self) -> None:
        """Write the pending lines now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        entries, self._pending = self._pending, []
        if entries:
            for writer in self.writers:
                writer.write(entries)

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """``app``, with every HTTP response it starts noted in this log."""
        return AccessLogMiddleware(app, self)


class AccessLogMiddleware:
    """Notes the status of every HTTP response ``app`` starts. (Its ``send`` is a plain
    function returning the awaitable of the server's own: no coroutine of its own per
    message.)"""

    def __init__(self, app: ASGIApp, log: AccessLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        add = self.log.add

        def send_logged(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                add(scope, message["status"])
            return send(message)

        await self.app(scope, receive, send_logged)


def take_over(logger: logging.Logger | None = None) -> AccessLog | None:
    """An ``AccessLog`` writing to the handlers of ``logger`` (``uvicorn.access``),
    which it takes off the logger (so uvicorn stops logging each request itself);
    None when the logger does not log access lines (level above info) or its records
    propagate to other loggers' handlers (then uvicorn keeps logging as it does).
    ``give_back`` puts the handlers back."""
    logger = logger or logging.getLogger("uvicorn.access")
    if not logger.isEnabledFor(logging.INFO) or logger.propagate or not logger.handlers \
            or logger.filters:
        return None
    handlers, logger.handlers = logger.handlers, []
    return AccessLog([writer_for(handler) for handler in handlers])


def give_back(log: AccessLog, logger: logging.Logger | None = None) -> None:
    """Write what is pending and return the handlers ``take_over`` took."""
    logger = logger or logging.getLogger("uvicorn.access")
    log.flush()
    logger.handlers = [writer.handler for writer in log.writers] + logger.handlers
