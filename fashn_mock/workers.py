"""``serve --workers N``: N uvicorn worker processes on one socket, one emulator.

The workers share their state through the store (``--store``), so each builds its own
``Emulator`` from the same settings: the parent hands them over in an environment
variable (the ``Config``, pickled and base64-encoded: it never leaves this machine's
process tree) and uvicorn imports ``worker_app`` in each worker (``factory=True``).
"""

from __future__ import annotations

import base64
import contextlib
import os
import pickle
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp
from uvicorn.supervisors import Multiprocess

from fashn_mock import allocator
from fashn_mock.config import Config
from fashn_mock.logs import log_config
from fashn_mock.serving import STARTUP_FAILURE, Bound

CONFIG_ENV = "FASHN_MOCK_WORKER_CONFIG"
MAX_WORKERS = 64


def encode(config: Config) -> str:
    return base64.b64encode(pickle.dumps(config)).decode("ascii")


def decode(text: str) -> Config:
    config = pickle.loads(base64.b64decode(text))  # our own parent's: trusted
    if not isinstance(config, Config):
        raise TypeError(f"{CONFIG_ENV} holds no Config")
    return config


def worker_app() -> ASGIApp:
    """The app of one worker: an emulator on the parent's settings (``CONFIG_ENV``)."""
    from fashn_mock.cli import tune_gc
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
        lifespan="off", timeout_graceful_shutdown=shutdown_timeout)
    try:
        sock = server_config.bind_socket()
    except SystemExit:  # uvicorn logged why (the address is in use, ...)
        return STARTUP_FAILURE
    on_bound(Bound(config.host, int(sock.getsockname()[1])))
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(server_config, sockets=[sock]).run()
    return 0
