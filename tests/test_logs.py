"""Logging configuration: JSON lines for uvicorn and fashn-mock, levels per logger."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest

from fashn_mock.logs import JsonFormatter, log_config


@pytest.fixture
def restore_logging() -> Iterator[None]:
    names = ("uvicorn", "uvicorn.error", "uvicorn.access", "fashn_mock")
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level,
                 logging.getLogger(n).propagate) for n in names}
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers, logger.level, logger.propagate = handlers, level, propagate


def record(name: str, message: str, args: tuple[object, ...] = (), **extra: object
           ) -> logging.LogRecord:
    made = logging.makeLogRecord({"name": name, "msg": message, "args": args,
                                  "levelname": "INFO", "levelno": logging.INFO, **extra})
    return made


def test_json_lines_carry_access_fields_and_extras() -> None:
    line = JsonFormatter().format(record("uvicorn.access", '%s - "%s %s HTTP/%s" %d',
                                         ("127.0.0.1:5", "GET", "/v1/x\n", "1.1", 200),
                                         color_message="ignored"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == '127.0.0.1:5 - "GET /v1/x\n HTTP/1.1" 200'
    assert (entry["client"], entry["method"], entry["path"], entry["status"]) \
        == ("127.0.0.1:5", "GET", "/v1/x\n", 200)
    assert "color_message" not in entry and entry["time"].endswith("Z")
    own = json.loads(JsonFormatter().format(record("fashn_mock", "hi", url="http://x")))
    assert own["url"] == "http://x" and own["logger"] == "fashn_mock"


def test_exceptions_stay_on_one_line() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        failed = record("uvicorn.error", "failed", exc_info=sys.exc_info())
    line = JsonFormatter().format(failed)
    assert "\n" not in line and "RuntimeError: boom" in json.loads(line)["exception"]


@pytest.mark.parametrize(("level", "own"), [("debug", logging.DEBUG), ("info", logging.INFO),
                                            ("warning", logging.INFO),
                                            ("error", logging.ERROR)])
def test_fashn_mock_messages_show_unless_error_or_critical(level: str, own: int) -> None:
    assert log_config(level, "text")["loggers"]["fashn_mock"]["level"] == own


@pytest.mark.usefixtures("restore_logging")
def test_the_json_config_formats_every_logger() -> None:
    logging.config.dictConfig(log_config("info", "json"))
    stream = io.StringIO()
    for name in ("uvicorn.error", "uvicorn.access", "fashn_mock"):
        for handler in logging.getLogger(name).handlers or logging.getLogger("uvicorn").handlers:
            handler.setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("fashn_mock").info("banner", extra={"port": 1})
    logging.getLogger("uvicorn.error").warning("careful")
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["logger"], e["message"]) for e in entries] \
        == [("fashn_mock", "banner"), ("uvicorn.error", "careful")]
