"""Concurred's subscribe stream: a prediction's life as Server-Sent Events, on the
emulator clock (docs/api-facts.md#concurred-sse).

Frames (``event: fashion``, one JSON ``data`` line each, ``\\n`` line ends so the
page's own JavaScript example parses them):

- ``job_submitted`` (prediction_id, model_name);
- one ``status_update`` (prediction_id, status) per status the prediction passed
  through after ``starting``, in order, none skipped (statuses of zero duration, as
  at ``--time-scale 0``, are not passed through);
- ``completed`` (prediction_id, status, output, ``error: null``) or ``failed``
  (prediction_id, status, ``output: null``, error object); a prediction ended by the
  control API (``canceled``/``time_out``) is ``failed`` with an error named after it;
- or, when the prediction has not finished 120 s x ``--time-scale`` after it was
  created, ``error`` (prediction_id, error object ``SubscribeTimeout``); also ``error``
  when the prediction vanished (a reset);
- then a bare ``data: [DONE]``.

No task sleeps per stream: the stream watches its prediction (the scheduler
publishes a ``transition`` event at each phase instant) and, when the prediction
would finish after the deadline, files one timer entry for its timeout; each event
only wakes the stream, which reads the truth from ``engine.status``. A client that
disconnects cancels the stream, whose ``finally`` unwatches, closes the subscription
and cancels the timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from sse_starlette import ServerSentEvent
from starlette.concurrency import run_in_threadpool

from fashn_mock.catalog.gateways.concurred import SSE_TIMEOUT
from fashn_mock.engine import Engine
from fashn_mock.engine.errors import UnknownPrediction
from fashn_mock.engine.events import Event, Subscription
from fashn_mock.engine.prediction import ORDER, TERMINAL, Prediction
from fashn_mock.engine.scheduler import Entry, SchedulerFull
from fashn_mock.engine.views import PredictionState
from fashn_mock.faces.outputs import output_values, renders_inline

EVENT = "fashion"
SEP = "\n"
TIMEOUT_KIND = "concurred.subscribe-timeout"
"""Scheduler entries (and the events they publish) that end a stream at its timeout."""
UPDATES = ("in_queue", "processing")
"""The statuses a ``status_update`` announces (``starting`` is the submitted state)."""
WAKE_CAPACITY = 4
"""Events kept per stream: they are only wake-ups, so a few suffice."""
DONE = ServerSentEvent("[DONE]", sep=SEP)
INTERRUPTED = {"canceled": ("PredictionCanceled", "The prediction was canceled"),
               "time_out": ("PredictionTimedOut", "The prediction timed out")}


def frame(payload: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(payload, separators=(",", ":")), event=EVENT, sep=SEP)


def updates(prediction: Prediction, reached: str, sent: int) -> list[str]:
    """The statuses after order ``sent`` up to ``reached`` that the prediction passed
    through (its timeline keeps only the phases that lasted)."""
    up_to = ORDER[reached]
    return [mark["status"] for mark in prediction.timeline()
            if mark["status"] in UPDATES and sent < ORDER[mark["status"]] <= up_to]


class Streams:
    """The live subscribe streams of one engine: their timers, and waking them all
    when the engine is reset (their predictions may be gone)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._wakers: set[Callable[[], None]] = set()
        self._resets: Subscription | None = None
        self._lock = threading.Lock()
        engine.scheduler.on(TIMEOUT_KIND, self._timed_out)

    def __len__(self) -> int:
        return len(self._wakers)

    async def follow(self, key: str, prediction: Prediction,
                     base_url: str) -> AsyncIterator[ServerSentEvent]:
        """The frames of one subscribe stream, ending with ``[DONE]``."""
        yield frame({"type": "job_submitted", "prediction_id": prediction.id,
                     "model_name": prediction.model})
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def notify() -> None:  # any thread; once the loop has closed nobody listens
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

        engine, pid = self.engine, prediction.id
        deadline = prediction.created_at + SSE_TIMEOUT * engine.config.time_scale
        subscription: Subscription | None = None
        timer: Entry | None = None
        watching = False
        self._opened(notify)
        try:
            try:
                subscription = engine.events.subscribe(prediction_id=pid, notify=notify,
                                                       capacity=WAKE_CAPACITY)
                watching = True  # counted before filing, so a refusal still unwatches
                engine.watches.watch(pid)
                if prediction.finished_at > deadline:  # else it finishes first
                    timer = engine.scheduler.file(deadline, TIMEOUT_KIND, pid)
            except (OverflowError, SchedulerFull) as full:
                yield self._error(pid, "StreamUnavailable", f"{full}; poll the status route")
            else:
                async for event in self._progress(key, prediction, deadline, wake,
                                                  subscription, base_url):
                    yield event
        finally:
            if timer is not None:
                engine.scheduler.cancel(timer)
            if watching:
                engine.watches.unwatch(pid)
            if subscription is not None:
                subscription.close()
            self._closed(notify)
        yield DONE

    async def _progress(self, key: str, prediction: Prediction, deadline: float,
                        wake: asyncio.Event, subscription: Subscription,
                        base_url: str) -> AsyncIterator[ServerSentEvent]:
        """Status updates, then the outcome (or the timeout): woken by ``wake``."""
        pid, sent = prediction.id, ORDER["starting"]
        while True:
            wake.clear()
            subscription.drain()
            try:
                state = self.engine.status(key, pid)
            except UnknownPrediction:
                yield self._error(pid, "NotFound", f"Prediction not found: {pid}")
                return
            # what the prediction had reached by the deadline, once that has passed
            status = state.status if state.now <= deadline else prediction.status_at(deadline)
            for passed in updates(prediction, status, sent):
                yield frame({"type": "status_update", "prediction_id": pid, "status": passed})
                sent = ORDER[passed]
            if status in TERMINAL:
                yield await self._outcome(state, base_url)
                return
            if state.now >= deadline:
                yield self._error(pid, "SubscribeTimeout", (
                    f"The subscribe stream timed out after {SSE_TIMEOUT:g} s; poll "
                    f"/api/v1/fashion/status/{pid} instead"))
                return
            await wake.wait()

    async def _outcome(self, state: PredictionState, base_url: str) -> ServerSentEvent:
        prediction = state.prediction
        if state.status == "completed":
            render = functools.partial(output_values, self.engine, state, base_url)
            output = await run_in_threadpool(render) if renders_inline(state) else render()
            return frame({"type": "completed", "prediction_id": prediction.id,
                          "status": "completed", "output": output, "error": None})
        error = prediction.error
        if error is None:
            name, message = INTERRUPTED.get(state.status, ("PipelineError", state.status))
            error = {"name": name, "message": f"{message} (fashn-mock control API)"}
        return frame({"type": "failed", "prediction_id": prediction.id,
                      "status": state.status, "output": None, "error": error})

    @staticmethod
    def _error(prediction_id: str, name: str, message: str) -> ServerSentEvent:
        return frame({"type": "error", "prediction_id": prediction_id,
                      "error": {"name": name, "message": message}})

    # --- bookkeeping -------------------------------------------------------------------
    def _timed_out(self, entry: Entry) -> None:
        """Scheduler handler: wake the stream of this prediction (it reads the clock)."""
        self.engine.publish(TIMEOUT_KIND, prediction_id=entry.subject)

    def _opened(self, waker: Callable[[], None]) -> None:
        with self._lock:
            self._wakers.add(waker)
            if self._resets is None:
                self._resets = self.engine.events.subscribe(
                    _is_reset, capacity=1, notify=self._wake_all)

    def _closed(self, waker: Callable[[], None]) -> None:
        with self._lock:
            self._wakers.discard(waker)
            resets, self._resets = (self._resets, None) if not self._wakers \
                else (None, self._resets)
        if resets is not None:
            resets.close()

    def _wake_all(self) -> None:
        with self._lock:
            wakers = list(self._wakers)
            if self._resets is not None:
                self._resets.drain()
        for waker in wakers:
            waker()


def _is_reset(event: Event) -> bool:
    return event.kind == "reset"
