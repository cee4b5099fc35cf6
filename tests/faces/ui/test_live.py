"""The dashboard's live stream: engine events pushed as SSE messages, bounded, and
cleaned up when the page leaves."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fashn_mock import BackgroundServer, Emulator
from fashn_mock.engine.journal import JournalEntry
from fashn_mock.faces.ui.live import Live
from fashn_mock.validation import parse_run_body
from tests.support import MINIMAL_INPUTS

TRYON = parse_run_body({"model_name": "tryon-v1.6", "inputs": MINIMAL_INPUTS["tryon-v1.6"]})
WAIT = 10.0
"""Wall seconds a message may take to arrive before the test fails."""


def decode(event: Any) -> tuple[str, dict[str, Any]]:
    return event.event, json.loads(event.data)


async def next_message(stream: Any) -> tuple[str, dict[str, Any]]:
    return decode(await asyncio.wait_for(anext(stream), WAIT))


def test_events_wake_the_stream_and_say_what_changed() -> None:
    async def scenario() -> None:
        mock = Emulator(manual_clock=True, time_scale=1)
        live = Live(mock.engine, tick=0.05, gap=0)
        stream = live.stream()
        kind, hello = await next_message(stream)
        assert kind == "update" and hello["frozen"] is True and hello["now"] == mock.now()
        assert hello["kinds"] == {} and live.streams == 1 and mock.engine.events.active

        prediction = mock.engine.submit("k", TRYON)
        kind, message = await next_message(stream)
        assert kind == "update" and message["kinds"] == {"submitted": 1}
        assert message["ids"] == [prediction.id]

        # watched while a page is open: the transition is published at its instant
        mock.advance(prediction.queued_at - mock.now())
        kind, message = await next_message(stream)
        assert message["kinds"] == {"transition": 1} and message["now"] == mock.now()

        mock.advance(0.001)  # no event, but the frozen clock moved: the page must know
        kind, message = await next_message(stream)
        assert kind == "update" and message["kinds"] == {} and message["now"] == mock.now()

        mock.engine.journal.record(JournalEntry(0, mock.now(), "GET", "/v1/credits", {},
                                                "k", None, 429))
        kind, message = await next_message(stream)
        assert kind == "update" and message["journal"] == hello["journal"] + 1

        await stream.aclose()
        assert live.streams == 0 and not mock.engine.events.active
    asyncio.run(scenario())


def test_a_burst_of_events_is_one_bounded_message() -> None:
    async def scenario() -> None:
        mock = Emulator(manual_clock=True, limits=False)
        live = Live(mock.engine, tick=0.05, gap=0, capacity=10)
        stream = live.stream()
        await next_message(stream)
        for _ in range(150):
            mock.engine.submit("k", TRYON)
        _, message = await next_message(stream)
        assert message["kinds"] == {"submitted": 10} and message["dropped"] == 140
        assert len(message["ids"]) == 10 and not message["more_ids"]
        await stream.aclose()
    asyncio.run(scenario())


def test_a_running_clock_ticks() -> None:
    async def scenario() -> None:
        mock = Emulator()  # real time
        stream = Live(mock.engine, tick=0.01, gap=0).stream()
        assert (await next_message(stream))[1]["frozen"] is False
        kind, message = await next_message(stream)
        assert kind == "tick" and message["kinds"] == {}
        await stream.aclose()
    asyncio.run(scenario())


def test_streams_are_bounded() -> None:
    async def scenario() -> None:
        mock = Emulator(manual_clock=True)
        live = Live(mock.engine, max_streams=1, tick=0.05, gap=0)
        first = live.stream()
        await next_message(first)
        assert live.response().status_code == 503
        second = live.stream()  # one that raced past the check is told and ends
        assert (await next_message(second))[0] == "busy"
        with pytest.raises(StopAsyncIteration):
            await anext(second)
        assert live.streams == 1
        await first.aclose()
        assert live.streams == 0
    asyncio.run(scenario())


@pytest.fixture
def served() -> Iterator[tuple[Emulator, str]]:
    mock = Emulator(manual_clock=True, control_token="t0ken")
    with BackgroundServer(mock.app) as server:
        yield mock, server.url


def test_over_http_behind_the_token(served: tuple[Emulator, str]) -> None:
    mock, url = served
    assert httpx.get(f"{url}/_mock/ui/events").status_code == 401
    headers = {"X-Fashn-Mock-Token": "t0ken"}
    with httpx.stream("GET", f"{url}/_mock/ui/events", headers=headers, timeout=WAIT) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        lines = reply.iter_lines()
        assert next(lines) == "event: update"
        data = next(lines)
        assert data.startswith("data: ") and json.loads(data[6:])["frozen"] is True
        assert next(lines) == "retry: 2000"
        prediction = mock.engine.submit("k", TRYON)
        data = next(line for line in lines if line.startswith("data: "))
        assert json.loads(data[6:])["ids"] == [prediction.id]


def test_the_server_stops_with_a_stream_open() -> None:
    mock = Emulator(manual_clock=True)
    server = BackgroundServer(mock.app).start()
    opened = threading.Event()

    def listen() -> None:
        try:
            with httpx.stream("GET", f"{server.url}/_mock/ui/events", timeout=WAIT) as reply:
                for _ in reply.iter_lines():
                    opened.set()
        except httpx.HTTPError:
            pass
    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    assert opened.wait(WAIT)
    server.stop()
    assert not server._thread.is_alive()  # a graceful shutdown, bounded: not abandoned
    reader.join(WAIT)
    assert not mock.engine.events.active
