"""The dashboard's one live stream: engine events pushed to the page over SSE.

While a page is connected it subscribes to every engine event (a bounded queue)
and watches every new prediction, so the scheduler publishes each status
transition at its instant. Events are only wake-ups: a message says *that*
something changed (kinds, a few ids, the clock, the journal's position) and the
page re-reads its view from the server, so a skipped event loses nothing.

Bounded everywhere: at most ``max_streams`` pages at once (more get 503), a small
event queue per stream (overflow counted as ``dropped``), at most one message per
``gap`` seconds, sends that time out. Clock moves and journal growth are seen on
a ``tick`` (wall seconds) even when no event was published; a running clock also
gets a ``tick`` message so pages can move their timelines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import Counter
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response

from fashn_mock.engine import Engine
from fashn_mock.engine.events import Event, Subscription

if TYPE_CHECKING:
    from sse_starlette import ServerSentEvent

RETRY_MS = 2000
"""How long a browser waits before reconnecting a dropped stream."""
MAX_IDS = 100


class Live:
    def __init__(self, engine: Engine, *, max_streams: int = 8, capacity: int = 256,
                 tick: float = 1.0, gap: float = 0.1) -> None:
        self.engine = engine
        self.max_streams = max_streams
        self.capacity = capacity
        self.tick = tick
        self.gap = gap
        self._open = 0
        self._lock = threading.Lock()

    @property
    def streams(self) -> int:
        """Pages connected now."""
        return self._open

    def response(self) -> Response:
        if self._open >= self.max_streams:
            return busy(self.max_streams)
        from sse_starlette import EventSourceResponse  # imported when first needed

        return EventSourceResponse(self.stream(), ping=15, send_timeout=10,
                                   headers={"cache-control": "no-store"})

    def state(self) -> tuple[bool, float | None, int]:
        """What a page shows that may change without an event: a frozen clock's
        instant and the journal's last sequence number."""
        clock = self.engine.clock
        return clock.frozen, clock.now() if clock.frozen else None, self.engine.journal.seq

    def message(self, kind: str, events: list[Event], dropped: int) -> ServerSentEvent:
        from sse_starlette import ServerSentEvent

        clock = self.engine.clock
        ids = list(dict.fromkeys(e.prediction_id for e in events if e.prediction_id))
        data: dict[str, Any] = {
            "now": clock.now(), "frozen": clock.frozen, "journal": self.engine.journal.seq,
            "kinds": dict(Counter(e.kind for e in events)), "ids": ids[:MAX_IDS],
            "more_ids": len(ids) > MAX_IDS, "dropped": dropped}
        return ServerSentEvent(json.dumps(data, separators=(",", ":")), event=kind,
                               retry=RETRY_MS)

    async def stream(self) -> AsyncGenerator[ServerSentEvent, None]:
        from sse_starlette import ServerSentEvent

        engine = self.engine
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def notify() -> None:  # any thread; once the loop has closed nobody listens
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

        subscription: Subscription | None = None
        watching = False
        with self._lock:
            self._open += 1
            over = self._open > self.max_streams
        try:
            if over:
                yield ServerSentEvent(json.dumps({"streams": self.max_streams}), event="busy")
                return
            try:
                subscription = engine.events.subscribe(notify=notify, capacity=self.capacity)
            except OverflowError:
                yield ServerSentEvent(json.dumps({"streams": self.max_streams}), event="busy")
                return
            engine.watches.watch_all(True)
            watching = True
            seen = self.state()
            yield self.message("update", [], 0)
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), self.tick)
                wake.clear()
                events = subscription.drain()
                now_state = self.state()
                if events or now_state != seen:
                    yield self.message("update", events, subscription.dropped)
                elif not now_state[0]:
                    yield self.message("tick", [], subscription.dropped)
                seen = now_state
                await asyncio.sleep(self.gap)  # coalesce a burst into one message
        finally:
            if watching:
                engine.watches.watch_all(False)
            if subscription is not None:
                subscription.close()
            with self._lock:
                self._open -= 1


def busy(limit: int) -> Response:
    return JSONResponse({"error": "ServiceUnavailable",
                         "message": f"Dashboard: {limit} live pages are open already"},
                        status_code=503, headers={"retry-after": "5"})
