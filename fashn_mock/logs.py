"""Logging for the HTTP-serving commands: one ``logging`` configuration for uvicorn's
loggers and fashn-mock's own (``fashn_mock``), as text or as one JSON object per line.

The configuration is the dict uvicorn applies at start (``log_config``), based on
uvicorn's own, so the text format looks as it always did.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

LOGGER = logging.getLogger("fashn_mock")
"""fashn-mock's own start, stop and notice messages."""
LEVELS = {"critical": logging.CRITICAL, "error": logging.ERROR, "warning": logging.WARNING,
          "info": logging.INFO, "debug": logging.DEBUG}
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message", "asctime", "color_message", "taskName"}
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")
ACCESS_MESSAGE = '%s - "%s %s HTTP/%s" %d'
"""uvicorn's access-log message; its arguments are ``_ACCESS_FIELDS``."""


def utc_time(created: float) -> str:
    """``2026-03-04T05:06:07.089Z``: a record's time in JSON lines."""
    return datetime.datetime.fromtimestamp(created, datetime.UTC) \
        .isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, the fields of
    an access-log line, anything passed as ``extra=``, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": utc_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) \
                and len(record.args) == len(_ACCESS_FIELDS):
            entry.update(zip(_ACCESS_FIELDS, record.args, strict=True))
        entry.update((key, value) for key, value in vars(record).items()
                     if key not in _RECORD_FIELDS and not key.startswith("_"))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def access_json(created: float, client: str, method: str, path: str, http_version: str,
                status: int) -> str:
    """What ``JsonFormatter`` writes for uvicorn's access record with these arguments
    (``fashn_mock.accesslog`` writes it without making the record)."""
    args = (client, method, path, http_version, status)
    entry: dict[str, Any] = {"time": utc_time(created), "level": "INFO",
                             "logger": "uvicorn.access", "message": ACCESS_MESSAGE % args}
    entry.update(zip(_ACCESS_FIELDS, args, strict=True))
    return json.dumps(entry, default=str, ensure_ascii=False)


def log_config(level: str, fmt: str) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` for uvicorn: ``level`` for uvicorn's loggers;
    fashn-mock's own messages at info or above unless ``level`` is error or critical."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    formatters = config["formatters"]
    if fmt == "json":
        for name in formatters:
            formatters[name] = {"()": JsonFormatter}
        formatters["fashn_mock"] = {"()": JsonFormatter}
    else:
        formatters["fashn_mock"] = {**formatters["default"],
                                    "fmt": "%(levelprefix)s fashn-mock: %(message)s"}
    config["handlers"]["fashn_mock"] = {**config["handlers"]["default"],
                                        "formatter": "fashn_mock"}
    chosen = LEVELS[level]
    own = chosen if chosen > logging.WARNING else min(chosen, logging.INFO)
    config["loggers"]["fashn_mock"] = {"handlers": ["fashn_mock"], "propagate": False,
                                       "level": own}
    return config
