"""One recorded prediction played back as a live one (``engine.playback.Playback``).

By time (default): each recorded status starts at its recorded offset from the
run, times ``--time-scale``, on the emulator's clock. By polls: the n-th status
poll shows what the n-th recorded poll showed (recorded failed polls, such as a
429, are answered again), whatever the clock says. Status bodies are the recorded
ones with the new id; outputs are served from the cassette's media.
"""

from __future__ import annotations

import base64
import copy
from typing import Any, cast

from fashn_mock.cassettes.errors import http_error
from fashn_mock.cassettes.format import Interaction, Output, Response, Step
from fashn_mock.cassettes.media import MediaDir, content_type
from fashn_mock.engine import retention
from fashn_mock.engine.playback import PARKED
from fashn_mock.engine.prediction import ORDER, Prediction, Status
from fashn_mock.urls import cdn_url

CREDITS_USED = "x-fashn-credits-used"
RETRY_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")
PHASES = ("in_queue", "processing", "completed")
"""The phases whose start instants a prediction stores (any terminal = ``completed``)."""


def recorded_error(response: Response) -> Exception:
    """A recorded HTTP error, to be answered again."""
    body = response.body if isinstance(response.body, dict) else {}
    name, message = body.get("error"), body.get("message")
    name = name if isinstance(name, str) else "InternalServerError"
    message = message if isinstance(message, str) else ""
    headers = {k: v for k, v in response.headers.items() if k in RETRY_HEADERS}
    return http_error(response.status, name, message, headers)


class RecordedPlayback:
    def __init__(self, interaction: Interaction, media: MediaDir, *, by_polls: bool) -> None:
        self.interaction = interaction
        self.media = media
        self.by_polls = by_polls
        self.steps = [s for s in interaction.timeline if s.status is not None]
        terminal = interaction.terminal
        self.outcome = cast(Status, terminal.status if terminal else "completed")
        body = terminal.response.body if terminal else {}
        error = body.get("error") if self.outcome == "failed" else None
        self.error: dict[str, str] | None = error if isinstance(error, dict) else None
        credits = terminal.response.headers.get(CREDITS_USED) if terminal else None
        self.cost: int | None = int(credits) if credits and credits.isdigit() else None
        self.outputs = len(interaction.outputs)
        self._polls = 0

    # --- timeline ------------------------------------------------------------------
    def schedule(self, created_at: float, scale: float) -> tuple[float, float, float]:
        if self.by_polls:
            first = self.interaction.timeline[0] if self.interaction.timeline else None
            reached = _rank(first) if first and first.status else 0
            return _phases(created_at, reached)
        def at(offset: float | None) -> float:
            return PARKED if offset is None else created_at + offset * scale

        queued, processing, finished = (at(self._offset(phase)) for phase in PHASES)
        return queued, processing, finished

    def _offset(self, phase: str) -> float | None:
        """When ``phase`` (or a later one) was first seen; the first step counts as 0."""
        for index, step in enumerate(self.steps):
            if _rank(step) >= ORDER[phase]:
                return 0.0 if index == 0 else step.at
        return None

    def poll(self, prediction: Prediction, now: float) -> None:
        if not self.by_polls or not self.interaction.timeline:
            return
        self._polls += 1
        step = self._step_for_poll(self._polls)
        if step.status is None:
            raise recorded_error(step.response)
        reached = _rank(step)
        if reached >= 1:
            prediction.queued_at = min(prediction.queued_at, now)
        if reached >= 2:
            prediction.processing_at = min(prediction.processing_at, now)
        if reached >= 3:
            prediction.finished_at = min(prediction.finished_at, now)

    def _step_for_poll(self, count: int) -> Step:
        seen = 0
        for step in self.interaction.timeline:
            seen += step.polls
            if count <= seen:
                return step
        return self.interaction.timeline[-1]

    # --- what clients see ------------------------------------------------------------
    def payload(self, prediction: Prediction, status: Status, base_url: str,
                now: float) -> dict[str, Any]:
        step = next((s for s in self.steps if s.status == status), None)
        if step is None or not isinstance(step.response.body, dict):
            return {"id": prediction.id, "status": status, "output": None, "error": None}
        body: dict[str, Any] = copy.deepcopy(step.response.body)
        if "id" in body:
            body["id"] = prediction.id
        if status == "completed" and isinstance(body.get("output"), list):
            body["output"] = self.output_list(prediction, base_url, now)
        return body

    def output_list(self, prediction: Prediction, base_url: str, now: float) -> list[str]:
        return [self._output_value(prediction, output, base_url, now)
                for output in self.interaction.outputs]

    def _output_value(self, prediction: Prediction, output: Output, base_url: str,
                      now: float) -> str:
        if output.file is None:
            return output.value or ""
        if not output.base64:
            return cdn_url(base_url, prediction.id, output.name)
        if retention.base64_expired(prediction, now):
            return retention.EXPIRED_BASE64
        data = self.media.get(output.file)
        if data is None:  # the file went missing (or is not a safe regular file)
            return output.value or ""
        kind = output.content_type or content_type(output.file)
        return f"data:{kind};base64," + base64.b64encode(data).decode("ascii")

    def output_file(self, prediction: Prediction, name: str,
                    now: float) -> tuple[bytes, str] | None:
        output = next((o for o in self.interaction.outputs if o.name == name), None)
        if (output is None or output.file is None or output.base64
                or retention.cdn_expired(prediction, now)):
            return None
        data = self.media.get(output.file)  # None: missing, a link, not a regular file
        if data is None:
            return None
        return data, output.content_type or content_type(output.file)


def _rank(step: Step) -> int:
    """How far along a recorded status is (``ORDER``); an undocumented in-between
    status counts as processing (the drift report lists it)."""
    return ORDER.get(step.status or "", 2)


def _phases(created_at: float, reached: int) -> tuple[float, float, float]:
    """Phase instants with every phase up to ``reached`` (an ``ORDER`` rank) begun now."""
    queued, processing, finished = (created_at if reached >= rank else PARKED
                                    for rank in (1, 2, 3))
    return queued, processing, finished

