"""The batched access log: the lines uvicorn's formatters write, written in batches
through the handlers it takes over from the access logger."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.types import Message, Receive, Scope, Send
from uvicorn.logging import AccessFormatter
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

from fashn_mock import accesslog
from fashn_mock.accesslog import AccessLog, Entry, TemplateRender, Writer
from fashn_mock.logs import ACCESS_MESSAGE, JsonFormatter, access_json

if TYPE_CHECKING:
    from uvicorn._types import HTTPScope

UVICORN_FMT = '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s'

clients = st.one_of(st.none(), st.tuples(
    st.sampled_from(["127.0.0.1", "::1", "10.0.0.7", "testclient"]),
    st.integers(0, 65535)))
paths = st.text(min_size=1, max_size=40).map(lambda text: "/" + text)
queries = st.text(st.characters(max_codepoint=127), max_size=20).map(str.encode)
statuses = st.integers(100, 599)
methods = st.sampled_from(["GET", "POST", "HEAD", "DELETE", "PATCH"])
versions = st.sampled_from(["1.0", "1.1"])


def scope_of(client: Any, method: str, path: str, query: bytes, version: str) -> Scope:
    return {"type": "http", "client": client, "method": method, "path": path,
            "query_string": query, "http_version": version}


def uvicorns_record(scope: Scope, status: int, created: float = 0.0) -> logging.LogRecord:
    """The record uvicorn's protocol logs for this response."""
    http = cast("HTTPScope", scope)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 0, ACCESS_MESSAGE,
                               (get_client_addr(http), scope["method"],
                                get_path_with_query_string(http), scope["http_version"],
                                status), None)
    record.created = created
    return record


def entry_of(scope: Scope, status: int, created: float = 0.0) -> Entry:
    return scope, status, created


@given(clients, methods, paths, queries, versions, statuses, st.booleans())
def test_text_lines_are_the_ones_uvicorns_formatter_writes(
        client: Any, method: str, path: str, query: bytes, version: str, status: int,
        colours: bool) -> None:
    formatter = AccessFormatter(UVICORN_FMT, use_colors=colours)
    scope = scope_of(client, method, path, query, version)
    render = TemplateRender(formatter)
    assert render.works()
    assert render([entry_of(scope, status)]) \
        == [formatter.format(uvicorns_record(scope, status))]


@given(clients, methods, paths, queries, versions, statuses,
       st.floats(0, 4e9, allow_nan=False))
def test_json_lines_are_the_ones_the_json_formatter_writes(
        client: Any, method: str, path: str, query: bytes, version: str, status: int,
        created: float) -> None:
    scope = scope_of(client, method, path, query, version)
    expected = JsonFormatter().format(uvicorns_record(scope, status, created))
    assert accesslog.JsonRender()([entry_of(scope, status, created)]) == [expected]
    assert access_json(created, *accesslog.record_args(entry_of(scope, status))) == expected


@given(clients, methods, paths, queries, statuses)
def test_any_formatter_of_the_message_is_reproduced(
        client: Any, method: str, path: str, query: bytes, status: int) -> None:
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s (%(levelno)d)")
    scope = scope_of(client, method, path, query, "1.1")
    render = TemplateRender(formatter)
    assert render.works()
    assert render([entry_of(scope, status)] * 2) \
        == [formatter.format(uvicorns_record(scope, status))] * 2


def test_a_query_that_is_not_ascii_is_shown_escaped() -> None:
    assert accesslog.full_path("/v1/run", b"a=\xc3\xa9") == "/v1/run?a=\\xc3\\xa9"
    assert accesslog.full_path("/a b", b"") == "/a%20b"


def test_paths_seen_are_kept_within_a_bound() -> None:
    paths = accesslog.Paths(size=3)
    for n in range(10):
        assert paths(f"/p {n}", b"") == f"/p%20{n}"
        assert len(paths.shown) <= 3


def test_a_formatter_that_shows_the_time_is_not_templated() -> None:
    timed = AccessFormatter("%(asctime)s " + UVICORN_FMT, use_colors=False)
    assert not TemplateRender(timed).works()
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(timed)
    assert accesslog.writer_for(handler).render is None  # a record per line, as before


def test_a_formatter_without_the_request_fields_is_not_templated() -> None:
    assert not TemplateRender(logging.Formatter("%(levelname)s")).works()
    assert not TemplateRender(logging.Formatter("%(message).20s")).works()  # cut short
    reordered = AccessFormatter('%(request_line)s from %(client_addr)s', use_colors=False)
    assert not TemplateRender(reordered).works()


# --- the log and its middleware ---------------------------------------------------------
@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    """An access logger configured as ``fashn_mock.logs`` configures uvicorn's."""
    made = logging.getLogger("fashn_mock.test_access")
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(AccessFormatter(UVICORN_FMT, use_colors=False))
    made.handlers, made.propagate, made.filters = [handler], False, []
    made.setLevel(logging.INFO)
    yield made
    made.handlers = []


def written(logger: logging.Logger, log: AccessLog | None = None) -> list[str]:
    handlers = [w.handler for w in log.writers] if log else logger.handlers
    stream = handlers[0].stream  # type: ignore[attr-defined]
    return str(stream.getvalue()).splitlines()


async def answering(scope: Scope, receive: Receive, send: Send) -> None:
    status = int(scope["path"].rsplit("/", 1)[1])
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def call(app: Any, scope: Scope) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def request(path: str, client: Any = ("127.0.0.1", 5000)) -> Scope:
    return scope_of(client, "GET", path, b"", "1.1")


def test_lines_wait_for_the_interval_then_go_in_one_write(logger: logging.Logger) -> None:
    log = accesslog.take_over(logger)
    assert log is not None and logger.handlers == []  # uvicorn no longer logs itself
    assert not log.writers[0].timed  # uvicorn's text lines do not show the time
    log.interval = 0  # the next turn of the event loop
    app = log.middleware(answering)

    async def scenario() -> tuple[list[str], list[str]]:
        for status in (200, 404, 500):
            answer = await call(app, request(f"/s/{status}"))
            assert answer[0]["status"] == status  # the app's messages pass untouched
        before = written(logger, log)
        for _ in range(3):
            await asyncio.sleep(0)  # the timer writes them
        return before, written(logger, log)

    before, after = asyncio.run(scenario())
    assert before == []
    assert after == ['INFO:     127.0.0.1:5000 - "GET /s/200 HTTP/1.1" 200 OK',
                     'INFO:     127.0.0.1:5000 - "GET /s/404 HTTP/1.1" 404 Not Found',
                     'INFO:     127.0.0.1:5000 - "GET /s/500 HTTP/1.1" 500 Internal Server '
                     'Error']


def test_a_line_shows_the_request_as_it_was_answered(logger: logging.Logger) -> None:
    log = accesslog.take_over(logger)
    assert log is not None
    app = log.middleware(answering)
    scope = request("/s/200")

    async def scenario() -> None:
        await call(app, scope)
        scope["path"], scope["method"] = "/changed", "PUT"  # after the answer: not shown

    asyncio.run(scenario())
    log.flush()
    assert written(logger, log) == ['INFO:     127.0.0.1:5000 - "GET /s/200 HTTP/1.1" 200 OK']


def test_a_full_batch_is_written_at_once(logger: logging.Logger) -> None:
    log = accesslog.take_over(logger)
    assert log is not None
    log.max_pending = 4
    app = log.middleware(answering)

    async def scenario() -> list[str]:
        for _ in range(9):
            await call(app, request("/s/201"))
        return written(logger, log)

    assert len(asyncio.run(scenario())) == 8  # two full batches; the ninth waits
    log.flush()
    assert len(written(logger, log)) == 9


def test_giving_back_writes_what_is_pending_and_restores_the_handlers(
        logger: logging.Logger) -> None:
    handlers = list(logger.handlers)
    log = accesslog.take_over(logger)
    assert log is not None

    async def scenario() -> None:
        await call(log.middleware(answering), request("/s/204", client=None))

    asyncio.run(scenario())
    accesslog.give_back(log, logger)
    assert logger.handlers == handlers
    assert written(logger) == ['INFO:      - "GET /s/204 HTTP/1.1" 204 No Content']


def test_other_scopes_pass_through(logger: logging.Logger) -> None:
    log = accesslog.take_over(logger)
    assert log is not None
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    asyncio.run(call(log.middleware(app), {"type": "lifespan"}))
    log.flush()
    assert seen == ["lifespan"] and written(logger, log) == []


@pytest.mark.parametrize("change", ["level", "propagate", "filter", "no handlers"])
def test_no_access_log_is_taken_over_when_the_logger_would_not_write_alone(
        logger: logging.Logger, change: str) -> None:
    if change == "level":
        logger.setLevel(logging.WARNING)  # --log-level warning: no access lines
    elif change == "propagate":
        logger.propagate = True
    elif change == "filter":
        logger.addFilter(lambda record: True)
    else:
        logger.handlers = []
    handlers = list(logger.handlers)
    assert accesslog.take_over(logger) is None
    assert logger.handlers == handlers  # uvicorn goes on as configured


def test_a_handler_with_a_filter_gets_records(logger: logging.Logger) -> None:
    handler = logger.handlers[0]
    handler.addFilter(lambda record: "/s/404" not in record.getMessage())
    log = accesslog.take_over(logger)
    assert log is not None and log.writers[0].render is None

    async def scenario() -> None:
        app = log.middleware(answering)
        for status in (200, 404):
            await call(app, request(f"/s/{status}"))

    asyncio.run(scenario())
    log.flush()
    assert written(logger, log) == ['INFO:     127.0.0.1:5000 - "GET /s/200 HTTP/1.1" 200 OK']


def test_json_lines_through_the_json_formatter(logger: logging.Logger) -> None:
    logger.handlers[0].setFormatter(JsonFormatter())
    log = accesslog.take_over(logger)
    assert log is not None and isinstance(log.writers[0].render, accesslog.JsonRender)
    assert log.timed  # JSON lines show the time
    asyncio.run(call(log.middleware(answering), request("/s/201")))
    log.flush()
    [line] = written(logger, log)
    entry = json.loads(line)
    assert (entry["logger"], entry["path"], entry["status"]) == ("uvicorn.access", "/s/201", 201)


class Broken(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError("the reader is gone")


def test_a_stream_that_fails_warns_once_and_drops_lines(
        caplog: pytest.LogCaptureFixture) -> None:
    handler = logging.StreamHandler(Broken())
    handler.setFormatter(AccessFormatter(UVICORN_FMT, use_colors=False))
    writer = accesslog.writer_for(handler)
    entry = entry_of(request("/s/200"), 200)
    with caplog.at_level(logging.WARNING, logger="fashn_mock"):
        writer.write([entry])
        writer.write([entry])
    warnings = [r for r in caplog.records if "access log" in r.getMessage()]
    assert len(warnings) == 1 and "the reader is gone" in warnings[0].getMessage()
    assert isinstance(writer, Writer) and writer.failed


def test_no_time_is_taken_for_lines_that_do_not_show_it() -> None:
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(AccessFormatter(UVICORN_FMT, use_colors=False))
    log = AccessLog([accesslog.writer_for(handler)])
    assert not log.timed

    async def scenario() -> None:
        log.add(request("/s/200"), 200)

    asyncio.run(scenario())
    assert log._pending[0][2] == 0.0
    log.flush()
