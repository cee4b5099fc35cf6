"""Test inboxes in the shared store: one inbox, seen from every process."""

from __future__ import annotations

from fashn_mock.engine import Engine


def test_a_delivery_to_one_process_is_seen_from_the_other(pair: tuple[Engine, Engine]) -> None:
    a, b = pair
    b.webhooks.inboxes.get("orders").fail_next(1, status=503)
    inbox = a.webhooks.inboxes.get("orders")
    answers = [inbox.receive(float(i), {"h": "v"}, {"n": i}, size=10) for i in range(3)]
    assert answers == [503, 200, 200]
    seen = b.webhooks.inboxes.get("orders")
    assert [(r.seq, r.answered, r.body) for r in seen.received] == [
        (1, 503, {"n": 0}), (2, 200, {"n": 1}), (3, 200, {"n": 2})]
    assert seen.wait(count=2, timeout=0) == [{"n": 1}, {"n": 2}]
    assert b.webhooks.inboxes.names() == ["orders"]
    b.webhooks.inboxes.drop("orders")
    assert a.webhooks.inboxes.names() == []
    assert a.webhooks.inboxes.get("orders").received == []


def test_inboxes_stay_bounded_in_count_and_bytes(pair: tuple[Engine, Engine]) -> None:
    a, _ = pair
    inbox = a.webhooks.inboxes.get("big")
    inbox.budget = 25
    for i in range(5):
        inbox.receive(float(i), {}, {"n": i}, size=10)
    assert [r.body["n"] for r in inbox.received] == [3, 4]  # 20 bytes kept of 25
