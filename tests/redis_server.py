"""A real Redis (or Valkey) server for the shared-store tests, started on a free loopback
port; without a server binary those tests skip, saying how to install one."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

from tests.support import free_port

SERVER = shutil.which("redis-server") or shutil.which("valkey-server")
INSTALL = ("no redis-server (or valkey-server) on PATH: install one to run the shared-store "
           "tests, e.g. `apt-get install redis-server`")


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """``redis://127.0.0.1:<port>/0`` of a throwaway server (no persistence)."""
    if SERVER is None:
        pytest.skip(INSTALL)
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        process = subprocess.Popen(
            [SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT)
        try:
            _wait_ready(port, process)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    import redis

    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            if client.ping():
                client.close()
                return
        except redis.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{SERVER} did not start on port {port}")
        time.sleep(0.02)


def prefix_for(request: pytest.FixtureRequest) -> str:
    """A key prefix of this test alone (its keys deleted first)."""
    prefix = "t" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]
    url = request.getfixturevalue("redis_url")
    import redis

    client = redis.Redis.from_url(url)
    for name in client.scan_iter(match=f"{prefix}:*"):
        client.delete(name)
    client.close()
    return prefix
