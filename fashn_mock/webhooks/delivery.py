"""Deliver the engine's webhook jobs: check the host, render the body, POST it, report.

The ``Deliverer`` is the engine's webhook dispatcher. A job arrives from a
scheduler handler (so it only hands the job to the ``Worker``); on the worker's
loop it is checked against the host policy (loopback, plus
``--webhook-allow-host``: the same check as ``--fetch-inputs``, made before
connecting), rendered by the face's ``render`` (the ``/v1/status`` body at that
instant; image-rendering bodies off the loop) and POSTed with
``Content-Type: application/json`` and a ``User-Agent`` naming fashn-mock. The
outcome goes back to ``engine.webhooks.record``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from starlette.types import ASGIApp

from fashn_mock.engine import Engine, PredictionState
from fashn_mock.engine.webhooks import Job, Outcome
from fashn_mock.media.fetch import host_allowed
from fashn_mock.webhooks.worker import Post, Worker

Render = Callable[[Engine, PredictionState, str], dict[str, Any]]
"""(engine, state, base URL) -> the status body, e.g. ``faces.native.payload``."""


def user_agent() -> str:
    from fashn_mock import __version__

    return f"fashn-mock/{__version__} (webhook delivery)"


class Deliverer:
    def __init__(self, engine: Engine, render: Render, *,
                 local: Mapping[str, ASGIApp] | None = None,
                 worker: Worker | None = None, heavy: Callable[[PredictionState], bool]
                 = lambda state: False) -> None:
        self.engine = engine
        self.render = render
        self.heavy = heavy
        """Whether rendering a state decodes or encodes images (then: a thread)."""
        self.allow_hosts = frozenset(h.lower() for h in engine.config.webhook_allow_hosts)
        self.local = frozenset(origin.rstrip("/").lower() for origin in (local or {}))
        self.worker = worker or Worker(user_agent=user_agent(), local=local)
        engine.webhooks.dispatcher = self.dispatch

    def allowed(self, url: str) -> bool:
        """Loopback, ``--webhook-allow-host`` names, or this emulator in-process."""
        return host_allowed(url, self.allow_hosts) or any(
            url.lower().startswith(origin + "/") or url.lower() == origin
            for origin in self.local)

    def dispatch(self, job: Job) -> None:
        """Hand one attempt to the worker (called from scheduler handlers: never blocks)."""
        self.worker.submit(lambda post: self._deliver(job, post))

    async def _deliver(self, job: Job, post: Post) -> None:
        webhooks = self.engine.webhooks
        at, wall = self.engine.clock.now(), time.time()
        try:
            if not self.allowed(job.url):
                outcome = Outcome("refused", at, wall, error=(
                    "host not allowed: fashn-mock delivers webhooks to loopback hosts only "
                    "unless --webhook-allow-host names the host"))
            else:
                outcome = await self._post(job, post, at, wall)
        except Exception as exc:  # a rendering bug must still be journaled
            outcome = Outcome("failed", at, wall, error=f"{type(exc).__name__}: {exc}")
        webhooks.record(job, outcome)

    async def _post(self, job: Job, post: Post, at: float, wall: float) -> Outcome:
        prediction = self.engine.predictions.get(job.prediction_id)
        if prediction is None:
            return Outcome("failed", at, wall, error="the prediction no longer exists")
        state = PredictionState(prediction, prediction.status_at(at), at)
        if self.heavy(state):
            body = await asyncio.get_running_loop().run_in_executor(
                None, self._body, state, job.base_url)
        else:
            body = self._body(state, job.base_url)
        answer = await post(job.url, body)
        return Outcome("delivered" if answer.ok else "failed", at, wall,
                       status_code=answer.status_code, error=answer.error,
                       latency=answer.latency, prediction_status=state.status)

    def _body(self, state: PredictionState, base_url: str) -> bytes:
        payload = self.render(self.engine, state, base_url)
        return json.dumps(payload, separators=(",", ":")).encode()
