"""``serve --workers N``: N uvicorn worker processes on one socket, one emulator.

The workers share their state through the store (``--store``), so each builds its own
``Emulator`` from the same settings: the parent hands them over in an environment
variable (the ``Config`` as JSON, checked again by ``Config`` itself when read) and
uvicorn imports ``worker_app`` in each worker (``factory=True``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp
from uvicorn.supervisors import Multiprocess

from fashn_mock import allocator
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.collector import tune_gc
from fashn_mock.config import Config
from fashn_mock.logs import log_config
from fashn_mock.onewrite import HttpProtocol
from fashn_mock.serving import STARTUP_FAILURE, Bound

CONFIG_ENV = "FASHN_MOCK_WORKER_CONFIG"
MAX_WORKERS = 64


def encode(config: Config) -> str:
    """``config`` as JSON (rate rules as ``"LIMIT/SECONDS"``)."""
    fields = dataclasses.asdict(config)
    fields["rates"] = {name: str(rule) for name, rule in config.rates.items()}
    return json.dumps(fields)


def decode(text: str) -> Config:
    """The ``Config`` that ``encode`` wrote (``ValueError`` for anything else)."""
    try:
        fields = json.loads(text)
        if not isinstance(fields, dict):
            raise ValueError("not a JSON object")
        fields["rates"] = {str(name): RateRule.parse(str(rule))
                           for name, rule in dict(fields.get("rates", {})).items()}
        for name in ("api_keys", "fetch_allow_hosts", "webhook_allow_hosts"):
            if name in fields:
                fields[name] = tuple(fields[name])
        return Config(**fields)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"{CONFIG_ENV} holds no settings fashn-mock wrote: {exc}") from None


def worker_app() -> ASGIApp:
    """The app of one worker: an emulator on the parent's settings (``CONFIG_ENV``)."""
    from fashn_mock.emulator import Emulator

    text = os.environ.get(CONFIG_ENV)
    if not text:
        raise RuntimeError(f"{CONFIG_ENV} is not set: run workers with "
                           "`fashn-mock serve --workers N`")
    emulator = Emulator(decode(text))
    tune_gc()
    return emulator.app


def run(config: Config, workers: int, *, log_level: str, log_format: str,
        on_bound: Callable[[Bound], None], shutdown_timeout: int) -> int:
    """Serve ``workers`` processes on ``config.host``/``config.port`` until
    SIGINT/SIGTERM; 0, or ``STARTUP_FAILURE`` if the address cannot be bound."""
    os.environ[CONFIG_ENV] = encode(config)
    allocator.tune()
    server_config = uvicorn.Config(
        "fashn_mock.workers:worker_app", factory=True, workers=workers, host=config.host,
        port=config.port, log_level=log_level, log_config=log_config(log_level, log_format),
        lifespan="off", http=HttpProtocol, timeout_graceful_shutdown=shutdown_timeout)
    try:
        sock = server_config.bind_socket()
    except SystemExit:  # uvicorn logged why (the address is in use, ...)
        return STARTUP_FAILURE
    on_bound(Bound(config.host, int(sock.getsockname()[1])))
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(server_config, sockets=[sock]).run()
    return 0
