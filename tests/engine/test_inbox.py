"""Test inboxes: bounded, scriptable answers, waiting for payloads."""

from __future__ import annotations

import threading

import pytest

from fashn_mock.engine.errors import InvalidRequest
from fashn_mock.engine.inbox import MAX_INBOXES, Inbox, Inboxes


def test_keeps_payloads_and_answers_scripted_failures() -> None:
    inbox = Inbox("orders", capacity=3)
    inbox.fail_next(2, status=503)
    answers = [inbox.receive(float(i), {"a": "b"}, {"n": i}) for i in range(4)]
    assert answers == [503, 503, 200, 200]
    assert [r.body["n"] for r in inbox.received] == [1, 2, 3]  # bounded: oldest dropped
    assert inbox.payloads == [{"n": 2}, {"n": 3}]  # only the accepted ones
    inbox.clear()
    assert inbox.received == []


def test_wait_returns_once_enough_arrived() -> None:
    inbox = Inbox("orders")
    timer = threading.Timer(0.01, inbox.receive, (1.0, {}, {"status": "completed"}))
    timer.start()
    assert inbox.wait(count=1) == [{"status": "completed"}]
    timer.join()


def test_wait_says_what_arrived_when_it_gives_up() -> None:
    inbox = Inbox("orders")
    inbox.fail_next()
    inbox.receive(1.0, {}, {"status": "failed"})
    with pytest.raises(AssertionError, match=r"accepted 0 of 1.*\(500, 'failed'\)"):
        inbox.wait(count=1, timeout=0)


@pytest.mark.parametrize(("times", "status"), [(0, 500), (True, 500), (1, 200), (1, 600)])
def test_fail_next_checks_its_arguments(times: int, status: int) -> None:
    with pytest.raises(InvalidRequest):
        Inbox("x").fail_next(times, status)


def test_inboxes_are_named_and_bounded() -> None:
    boxes = Inboxes()
    assert boxes.get("a") is boxes.get("a")
    for bad in ("", "a/b", "x" * 65, "sp ace"):
        with pytest.raises(InvalidRequest):
            boxes.get(bad)
    for i in range(MAX_INBOXES - 1):
        boxes.get(f"b{i}")
    with pytest.raises(InvalidRequest, match="at most"):
        boxes.get("one-too-many")
    boxes.drop("a")
    boxes.get("one-too-many")
    boxes.forget()
    assert boxes.names() == []


def test_a_byte_budget_keeps_memory_bounded() -> None:
    inbox = Inbox("big", budget=100)
    for n in range(5):
        inbox.receive(float(n), {}, f"body {n}", size=40)
    assert [r.body for r in inbox.received] == ["body 3", "body 4"]
    inbox.receive(9.0, {}, "huge", size=1000)
    assert [r.body for r in inbox.received] == ["huge"]  # the newest is always kept
