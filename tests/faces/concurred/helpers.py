"""Shared by the Concurred face tests: keys, bodies and an SSE frame reader."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

KEY = "concurred-key"
BEARER = {"Authorization": f"Bearer {KEY}"}
API_KEY = {"X-API-Key": KEY}
URL = "https://example.com/person.jpg"
RUN = "/api/v1/fashion/run"
SUBSCRIBE = "/api/v1/fashion/subscribe"
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def status_path(prediction_id: str) -> str:
    return f"/api/v1/fashion/status/{prediction_id}"


def tryon(**inputs: Any) -> dict[str, Any]:
    return {"model_name": "tryon-v1.6",
            "inputs": {"model_image": URL, "garment_image": URL, **inputs}}


def video(**inputs: Any) -> dict[str, Any]:
    return {"model_name": "image-to-video", "inputs": {"image": URL, **inputs}}


@dataclass(frozen=True)
class Frame:
    event: str | None
    data: Any
    """The parsed JSON payload, or the raw text (``[DONE]``)."""

    @property
    def type(self) -> str:
        return str(self.data["type"]) if isinstance(self.data, dict) else str(self.data)


def frames(lines: Iterable[str]) -> Iterator[Frame]:
    """SSE frames as they complete (comments, such as pings, are skipped)."""
    event: str | None = None
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                text = "\n".join(data)
                yield Frame(event, text if text == "[DONE]" else json.loads(text))
            event, data = None, []
        elif line.startswith(":"):
            continue
        elif line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data.append(line.removeprefix("data: "))


def parse(text: str) -> list[Frame]:
    return list(frames(text.split("\n")))


def types(found: Iterable[Frame]) -> list[str]:
    return [f.type if f.type != "status_update" else f"status_update:{f.data['status']}"
            for f in found]


def eventually(condition: Callable[[], bool], limit: float = 10.0) -> bool:
    """Wait (bounded) for another thread to reach a state; the outcome is asserted."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True
