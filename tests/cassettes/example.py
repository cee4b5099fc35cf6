"""Record the example cassette shipped in ``fixtures/cassettes`` from the emulator.

``python -m tests.cassettes.example`` rewrites ``fixtures/cassettes/example.yaml``
(and its media): an emulator on a manual clock plays the upstream, so the
timeline is deterministic; the client polls every 0.5 s of that clock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from fashn_mock import BackgroundServer, Emulator
from fashn_mock.cassettes import CassetteSession
from tests.cassettes.conftest import drive

FOLDER = Path(__file__).resolve().parents[2] / "fixtures" / "cassettes"
KEY = "fa-Examp1eKey-NotARealSecret0000"
TRYON: dict[str, Any] = {"model_name": "tryon-v1.6",
         "inputs": {"model_image": "https://example.com/model.jpg",
                    "garment_image": "https://example.com/shirt.jpg", "mode": "performance"}}
NO_POSE: dict[str, Any] = {"model_name": "tryon-v1.6",
           "inputs": {"model_image": "https://example.com/no-pose.jpg#fashn-mock-error=PoseError",
                      "garment_image": "https://example.com/shirt.jpg"}}


def record_example(folder: Path = FOLDER) -> Path:
    upstream = Emulator(manual_clock=True, time_scale=1, api_keys=(KEY,))
    path = folder / "example.yaml"
    with BackgroundServer(upstream.app) as server, \
            CassetteSession(path, "all", upstream=server.url, clock=upstream.now) as session, \
            httpx.Client(base_url=session.base_url,
                         headers={"Authorization": f"Bearer {KEY}"}) as client:
        drive(client, TRYON, upstream.advance, step=0.5)
        drive(client, NO_POSE, upstream.advance, step=1.0)
        client.get("/v1/credits")
    return path


if __name__ == "__main__":
    print(record_example())
