"""The Emulator's webhook vocabulary: inboxes in-process, advance waits, scripted faults."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fashn_mock import Emulator
from fashn_mock.engine.errors import InvalidRequest
from tests.support import AUTH, tryon


def run(client: httpx.Client, url: str, headers: dict[str, str] | None = None,
        **inputs: Any) -> str:
    answer = client.post("/v1/run", params={"webhook_url": url}, json=tryon(**inputs),
                         headers=headers)
    assert answer.status_code == 200, answer.text
    prediction_id: str = answer.json()["id"]
    return prediction_id


def test_webhooks_reach_an_inbox_in_process(emulator: Emulator, client: httpx.Client) -> None:
    url = emulator.webhook_url("orders")
    assert url == "http://fashn-mock.local/_mock/inbox/orders"
    prediction_id = run(client, url)
    emulator.run_until_done()  # returns once the delivery was answered
    inbox = emulator.inbox("orders")
    assert inbox.payloads == [client.get(f"/v1/status/{prediction_id}").json()]
    [received] = inbox.received
    assert received.headers["content-type"] == "application/json"
    assert received.headers["user-agent"].startswith("fashn-mock/")
    assert received.at == emulator.engine.predictions[prediction_id].finished_at
    [attempt] = emulator.webhooks(prediction_id=prediction_id)
    assert attempt.result == "delivered" and attempt.url == url


def test_failed_predictions_are_delivered_with_their_error(
        emulator: Emulator, client: httpx.Client) -> None:
    run(client, emulator.webhook_url(), headers={"X-Fashn-Mock-Error": "PoseError"})
    emulator.run_until_done()
    [body] = emulator.inbox().payloads
    assert body["status"] == "failed" and body["error"]["name"] == "PoseError"
    assert body["output"] is None


def test_retries_follow_the_inbox_answers(emulator: Emulator, client: httpx.Client) -> None:
    emulator.inbox().fail_next(2, status=503)
    prediction_id = run(client, emulator.webhook_url())
    emulator.run_until_done()
    assert emulator.inbox().payloads == []
    emulator.advance(10)
    assert emulator.inbox().payloads == []
    emulator.advance(30)
    assert len(emulator.inbox().payloads) == 1
    results = [(a.attempt, a.status_code) for a in emulator.webhooks()]
    assert results == [(1, 503), (2, 503), (3, 200)]
    assert emulator.engine.webhooks.pending() == []
    emulator.redeliver(prediction_id)
    assert emulator.wait_for_webhooks()
    assert len(emulator.inbox().payloads) == 2
    assert emulator.webhooks()[-1].kind == "redeliver"


def test_script_webhook_duplicates(emulator: Emulator, client: httpx.Client) -> None:
    emulator.script_webhook(duplicate=2)
    prediction_id = run(client, emulator.webhook_url())
    emulator.run_until_done()
    emulator.wait_for_webhooks()
    assert [p["id"] for p in emulator.inbox().payloads] == [prediction_id] * 3


def test_header_delay_and_reorder(emulator: Emulator, client: httpx.Client) -> None:
    url = emulator.webhook_url()
    first = run(client, url, headers={"X-Fashn-Mock-Webhook": "reorder"})
    second = run(client, url, headers={"X-Fashn-Mock-Webhook": "delay=30"}, mode="quality")
    emulator.run_until_done()
    assert emulator.inbox().payloads == []  # first held back, second delayed
    emulator.advance(30)
    assert [p["id"] for p in emulator.inbox().wait(2)] == [second, first]


def test_a_marker_scripts_the_webhook(emulator: Emulator, client: httpx.Client) -> None:
    run(client, emulator.webhook_url(),
        model_image="https://example.com/m.jpg#fashn-mock-webhook=duplicate")
    emulator.run_until_done()
    emulator.wait_for_webhooks()
    assert len(emulator.inbox().payloads) == 2


def test_a_bad_script_header_is_a_400(client: httpx.Client, emulator: Emulator) -> None:
    answer = client.post("/v1/run", params={"webhook_url": emulator.webhook_url()},
                         json=tryon(), headers={"X-Fashn-Mock-Webhook": "twice"})
    assert answer.status_code == 400 and "X-Fashn-Mock-Webhook" in answer.json()["message"]
    assert emulator.predictions() == []


def test_served_emulator_delivers_over_its_port() -> None:
    with Emulator(time_scale=0) as emulator, httpx.Client(base_url=emulator.base_url,
                                                          headers=AUTH) as client:
        url = emulator.webhook_url("served")
        assert url.startswith("http://127.0.0.1:")
        prediction_id = run(client, url)
        [body] = emulator.inbox("served").wait(1)
        assert body["id"] == prediction_id
        assert body["output"][0].startswith(emulator.base_url + "/cdn/")


def test_webhook_vocabulary_checks_its_arguments(emulator: Emulator) -> None:
    with pytest.raises(InvalidRequest):
        emulator.webhook_url("no/slashes")
    with pytest.raises(InvalidRequest):
        emulator.script_webhook()
    with pytest.raises(InvalidRequest):
        emulator.script_webhook(duplicate=99)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("how", ["keyword", "config"])
def test_an_explicit_port_is_where_it_serves(how: str) -> None:
    from fashn_mock import Config

    port = free_port()
    emulator = Emulator(port=port) if how == "keyword" else Emulator(Config(port=port))
    with emulator:
        assert emulator.base_url == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{emulator.base_url}/_mock/clock").status_code == 200
    assert emulator.base_url == "http://fashn-mock.local"


def test_without_a_port_it_serves_on_a_free_one() -> None:
    with Emulator() as first, Emulator() as second:
        assert first.base_url != second.base_url
        assert not first.base_url.endswith(":8000")


def test_serving_beyond_loopback_needs_a_control_token() -> None:
    with pytest.raises(ValueError, match="control_token"):
        Emulator(host="0.0.0.0")
    guarded = Emulator(host="0.0.0.0", port=free_port(), control_token="t")
    with guarded:
        assert guarded.base_url.startswith("http://127.0.0.1:")  # never 0.0.0.0
    Emulator(host="0.0.0.0", control=False)  # no control API: nothing to guard
