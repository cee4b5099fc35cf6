"""A real upstream for recording: an emulator on a loopback server, on a manual
clock that the tests advance between polls (deterministic timelines, no sleeps)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from fashn_mock import BackgroundServer, Emulator

KEY = "fa-Rec0rdK3y-5ecretHashValue0123456789"
"""A key of the documented shape (fa-UNIQUE_ID-HASH): it must never reach disk."""
AUTH = {"Authorization": f"Bearer {KEY}"}
TRYON: dict[str, Any] = {"model_name": "tryon-v1.6",
         "inputs": {"model_image": "https://example.com/m.jpg",
                    "garment_image": "https://example.com/g.jpg", "mode": "performance"}}


@dataclass
class Upstream:
    emulator: Emulator
    url: str

    def now(self) -> float:
        return self.emulator.now()


@dataclass
class Observed:
    """What a client saw of one prediction."""

    run: httpx.Response
    polls: list[httpx.Response] = field(default_factory=list)

    @property
    def statuses(self) -> list[str]:
        return [p.json().get("status", f"HTTP {p.status_code}") if p.status_code == 200
                else f"HTTP {p.status_code}" for p in self.polls]

    @property
    def last(self) -> dict[str, Any]:
        body: dict[str, Any] = self.polls[-1].json()
        return body


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    emulator = Emulator(manual_clock=True, time_scale=1, seed=0, api_keys=(KEY,))
    with BackgroundServer(emulator.app) as server:
        yield Upstream(emulator, server.url)


def drive(client: httpx.Client, body: dict[str, Any], advance: Any = None,
          step: float = 1.0, limit: int = 60, **kwargs: Any) -> Observed:
    """POST a run, then poll until terminal; ``advance(step)`` between polls moves
    whichever clock drives the server (the upstream's while recording)."""
    observed = Observed(client.post("/v1/run", json=body, **kwargs))
    if observed.run.status_code != 200:
        return observed
    prediction_id = observed.run.json()["id"]
    for _ in range(limit):
        poll = client.get(f"/v1/status/{prediction_id}")
        observed.polls.append(poll)
        if poll.status_code == 200 and poll.json()["status"] not in (
                "starting", "in_queue", "processing"):
            break
        if advance is not None:
            advance(step)
    return observed


FAILING: dict[str, Any] = {"model_name": "tryon-v1.6",
           "inputs": {"model_image": "https://example.com/bad-pose.jpg",
                      "garment_image": "https://example.com/g.jpg"}}
BASE64: dict[str, Any] = {"model_name": "background-remove",
          "inputs": {"image": "https://example.com/bag.jpg", "return_base64": True}}
LIMITED: dict[str, Any] = {"model_name": "edit", "inputs": {"image": "https://example.com/a.jpg",
                                            "prompt": "make it red"}}


@dataclass
class Recording:
    """A session recorded through the proxy, and what the client saw meanwhile."""

    path: Any
    tryon: Observed
    failed: Observed
    inline: Observed
    limited: Observed
    credits: httpx.Response
    output_bytes: bytes


def record_session(path: Any, upstream: Upstream, mode: str = "all",
                   **session: Any) -> Recording:
    """Record four predictions and a balance through a ``CassetteSession``."""
    from fashn_mock.cassettes import CassetteSession

    clock = upstream.emulator.clock
    with CassetteSession(path, mode, upstream=upstream.url, clock=clock.now,
                         **session) as cassette, \
            httpx.Client(base_url=cassette.base_url, headers=AUTH) as client:
        tryon = drive(client, TRYON, clock.advance, step=0.5)
        output_bytes = httpx.get(tryon.last["output"][0]).content
        failed = drive(client, FAILING, clock.advance, headers={"X-Fashn-Mock-Error":
                                                                "PoseError"})
        inline = drive(client, BASE64, clock.advance, step=0.5)
        limited = drive(client, LIMITED, headers={"X-Fashn-Mock-Error": "RateLimitExceeded"})
        credits = client.get("/v1/credits")
    return Recording(path, tryon, failed, inline, limited, credits, output_bytes)


@pytest.fixture(scope="session")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    """One recorded session, shared read-only by the tests that inspect or replay it."""
    emulator = Emulator(manual_clock=True, time_scale=1, seed=0, api_keys=(KEY,))
    with BackgroundServer(emulator.app) as server:
        yield record_session(tmp_path_factory.mktemp("recorded") / "session.yaml",
                             Upstream(emulator, server.url))
