"""Helpers shared by tests: image inputs, request bodies, fashn-mock as a process."""

from __future__ import annotations

import base64
import io
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import httpx
from PIL import Image

KEY = "test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
URL = "https://example.com/person.jpg"


def data_uri(size: tuple[int, int] = (64, 96), fmt: str = "png",
             colour: tuple[int, int, int] = (200, 80, 40)) -> str:
    """A real, decodable image as a data URI."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt.upper())
    return f"data:image/{fmt};base64," + base64.b64encode(buffer.getvalue()).decode()


def tryon(**inputs: Any) -> dict[str, Any]:
    return {"model_name": "tryon-v1.6",
            "inputs": {"model_image": URL, "garment_image": URL, **inputs}}


MINIMAL_INPUTS: dict[str, dict[str, Any]] = {
    "tryon-max": {"model_image": URL, "product_image": URL},
    "tryon-v1.6": {"model_image": URL, "garment_image": URL},
    "tryon-v1.5": {"model_image": URL, "garment_image": URL},
    "product-to-model": {"product_image": URL},
    "face-to-model": {"face_image": URL},
    "model-create": {"prompt": "a model in a linen suit"},
    "model-variation": {"model_image": URL},
    "model-swap": {"model_image": URL},
    "reframe": {"image": URL, "aspect_ratio": "16:9"},
    "background-change": {"image": URL, "prompt": "a beach at dusk"},
    "background-remove": {"image": URL},
    "image-to-video": {"image": URL, "resolution": "480p"},
    "edit": {"image": URL, "prompt": "make the shirt red"},
    "packshot": {"product_image": URL},
}
"""The smallest valid inputs for every catalog model."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: IO[bytes] | None = None,
                 timeout: float = 15.0) -> None:
    """Poll ``url``/healthz until it answers 200 (the process must stay alive)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output = b""
            if log is not None:
                log.seek(0)
                output = log.read()
            raise AssertionError(f"fashn-mock at {url} never became healthy (exit "
                                 f"{process.poll()}):\n{output.decode(errors='replace')}")
        time.sleep(0.02)


@contextmanager
def fashn_mock_process(*args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``fashn-mock <args> --port P`` as a real process until ``/healthz`` answers;
    yields its URL and the process, and stops it afterwards."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, "-m", "fashn_mock", *args, "--port",
                                    str(port), "--log-level", "warning"],
                                   env={**os.environ, "PYTHONWARNINGS": "ignore"},
                                   stdout=subprocess.DEVNULL, stderr=log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process, log)
            yield url, process
        finally:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=10)


class Spawned:
    """``python -m fashn_mock <args>`` as a process whose output lines are read as
    they come (``wait_for``); killed on exit if still running."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fashn_mock", *args], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env={**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})})
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        self._ended = 0
        self._readers = [threading.Thread(target=self._read, args=(stream,), daemon=True)
                         for stream in (self.process.stdout, self.process.stderr)]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[bytes] | None) -> None:
        assert stream is not None
        for raw in stream:
            self._new.put(raw.decode("utf-8", "replace").rstrip("\n"))
        self._new.put(None)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        """The first line (stdout or stderr) containing ``text``, waiting for it."""
        found = next((line for line in self.lines if text in line), None)
        deadline = time.monotonic() + timeout
        while found is None:
            line = self._next(deadline)
            if line is None:
                raise AssertionError(f"no line with {text!r} (exit {self.process.poll()}):\n"
                                     + "\n".join(self.lines))
            found = line if text in line else None
        return found

    def finish(self, timeout: float = 15.0) -> int:
        """Wait for the process to end (after a signal); its exit code. All its output
        is in ``lines`` afterwards."""
        code = self.process.wait(timeout=timeout)
        deadline = time.monotonic() + 5
        while self._next(deadline) is not None:
            pass
        return code

    def _next(self, deadline: float) -> str | None:
        """The next output line; None once both streams ended or at the deadline."""
        while self._ended < 2:
            try:
                line = self._new.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                self._ended += 1
                continue
            self.lines.append(line)
            return line
        return None

    def __enter__(self) -> Spawned:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
