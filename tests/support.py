"""Helpers shared by tests: image inputs and request bodies."""

from __future__ import annotations

import base64
import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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


@contextmanager
def fashn_mock_process(*args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``fashn-mock <args> --port P`` as a real process until it answers HTTP;
    yields its URL and the process, and stops it afterwards."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "fashn_mock.cli", *args, "--port",
                                str(port), "--log-level", "warning"],
                               env={**os.environ, "PYTHONWARNINGS": "ignore"},
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"{url}/nowhere", timeout=0.5)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)
