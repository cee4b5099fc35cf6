from __future__ import annotations

from typing import Any

import httpx
import pytest

from fashn_mock import Config, Emulator
from tests.support import AUTH, tryon


def test_clock_routes(emulator: Emulator, client: httpx.Client) -> None:
    start = client.get("/_mock/clock").json()
    assert start["frozen"] is True
    advanced = client.post("/_mock/clock/advance", json={"seconds": 5}).json()
    assert advanced["now"] == start["now"] + 5
    assert client.post("/_mock/clock/advance", json={"seconds": -1}).status_code == 400
    assert client.post("/_mock/clock/advance", content=b"[").status_code == 400
    assert client.post("/_mock/clock/unfreeze").json()["frozen"] is False
    assert client.post("/_mock/clock/freeze").json()["frozen"] is True


def test_credits_routes(client: httpx.Client) -> None:
    response = client.put("/_mock/keys/test-key/credits", json={"total": 3})
    assert response.json()["credits"]["total"] == 3
    assert client.get("/v1/credits").json()["credits"]["total"] == 3
    assert client.put("/_mock/keys/test-key/credits", json={"total": "x"}).status_code == 400
    assert client.get("/_mock/keys/test-key/credits").json()["credits"]["on_demand"] == 3


def test_faults_predictions_and_interruptions(emulator: Emulator,
                                              client: httpx.Client) -> None:
    created = client.post("/_mock/faults", json={"error": "PoseError", "times": 1})
    assert created.json()["error"] == "PoseError"
    assert client.get("/_mock/faults").json()["faults"] == [created.json()]
    assert client.post("/_mock/faults", json={"error": "Nope"}).status_code == 400
    failing = client.post("/v1/run", json=tryon()).json()["id"]
    running = client.post("/v1/run", json=tryon()).json()["id"]
    assert client.get("/_mock/faults").json()["faults"] == []
    listed = client.get("/_mock/predictions", params={"key": "test-key"}).json()
    assert {p["id"] for p in listed["predictions"]} == {failing, running}
    cancelled = client.post(f"/_mock/predictions/{running}/cancel").json()
    assert cancelled["status"] == "canceled"
    assert client.get(f"/v1/status/{running}").json()["status"] == "canceled"
    assert client.post(f"/_mock/predictions/{running}/explode").status_code == 404
    emulator.advance(30)
    detail = client.get(f"/_mock/predictions/{failing}").json()
    assert detail["status"] == "failed" and detail["error"]["name"] == "PoseError"
    assert [m["status"] for m in detail["timeline"]][-1] == "failed"
    assert client.get("/_mock/predictions/unknown").status_code == 404


def test_chaos_and_config(client: httpx.Client) -> None:
    assert client.put("/_mock/chaos", json={"failure_rate": 0.5}).json() == {
        "failure_rate": 0.5, "jitter": 0.0, "network": {}}
    assert client.put("/_mock/chaos", json={"jitter": 2}).status_code == 400
    assert client.get("/_mock/config").json()["failure_rate"] == 0.5


def test_journal_routes(client: httpx.Client) -> None:
    client.post("/v1/run", json=tryon())
    client.get("/v1/status/nope")
    entries = client.get("/_mock/journal").json()["entries"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/v1/run", 200), ("GET", "/v1/status/nope", 404)]
    assert client.get("/_mock/journal", params={"status": 404}).json()["entries"][0][
        "error"] == "NotFound"
    assert client.get("/_mock/journal", params={"status": "x"}).status_code == 400
    client.delete("/_mock/journal")
    assert client.get("/_mock/journal").json()["entries"] == []


def test_reset_route_isolates_keys(client: httpx.Client) -> None:
    mine = client.post("/v1/run", json=tryon()).json()["id"]
    theirs = client.post("/v1/run", json=tryon(),
                         headers={"Authorization": "Bearer other"}).json()["id"]
    client.post("/_mock/reset", json={"key": "other"})
    assert client.get(f"/v1/status/{mine}").status_code == 200
    assert client.get(f"/v1/status/{theirs}",
                      headers={"Authorization": "Bearer other"}).status_code == 404
    client.post("/_mock/reset")
    assert client.get(f"/v1/status/{mine}").status_code == 404


def test_token_and_disabling() -> None:
    guarded = Emulator(Config(control_token="s3cret"))
    with guarded.httpx_client() as client:
        assert client.get("/_mock/clock").status_code == 401
        assert client.get("/_mock/clock", headers={"X-Fashn-Mock-Token": "s3cret"}) \
            .status_code == 200
    disabled = Emulator(Config(control=False))
    with disabled.httpx_client() as client:
        assert client.get("/_mock/clock").status_code == 404


@pytest.mark.parametrize("path", ["/_mock/reset", "/_mock/clock/advance"])
def test_control_bodies_must_be_objects(client: httpx.Client, path: str) -> None:
    assert client.post(path, content=b"[1]").status_code == 400


def test_strict_mode_records_violations() -> None:
    emulator = Emulator(Config(strict=True))
    with emulator.httpx_client(headers=AUTH) as client:
        client.post("/v1/run", json=tryon(num_samples=9))
        client.post("/v1/run", json=tryon())
        found = client.get("/_mock/violations").json()
    assert found["strict"] is True
    assert {v["seq"] for v in found["violations"]} == {1}  # the first request only
    fields = [v["field"] for v in found["violations"]]
    assert "inputs.num_samples" in fields
    assert [v.field for v in emulator.violations()] == fields
    assert emulator.violations().as_json() == found


def test_behaviour_report_flags_impolite_clients(emulator: Emulator,
                                                 client: httpx.Client) -> None:
    prediction_id = client.post("/v1/run", json=tryon(model_image="bad")).json()["id"]
    emulator.advance(30)
    for _ in range(4):  # polls a failed prediction again and again, with no pause
        assert client.get(f"/v1/status/{prediction_id}").json()["status"] == "failed"
    assert emulator.journal(path="/v1/status")[0].prediction_status == "failed"
    report = client.get("/_mock/behaviour", params={"key": "test-key"}).json()
    kinds = {finding["kind"] for finding in report["findings"]}
    assert {"fast-polling", "terminal-polling"} <= kinds, report
    assert not emulator.behaviour(key="test-key").ok
    assert client.get("/_mock/behaviour", params={"min_poll_interval": "x"}).status_code == 400


def test_credits_show_usd_spent(client: httpx.Client) -> None:
    assert client.get("/_mock/keys/test-key/credits").json()["spent_usd"] == 0.0
    assert client.put("/_mock/keys/test-key/credits", json={"total": 3}).json()["spent_usd"] \
        == 0.0


def test_run_until_done_route(emulator: Emulator, client: httpx.Client) -> None:
    run = client.post("/v1/run", json=tryon()).json()
    finish = emulator.engine.predictions[run["id"]].finished_at
    assert client.post("/_mock/clock/run-until-done").json()["now"] == finish
    assert client.get(f"/v1/status/{run['id']}", headers=AUTH).json()["status"] == "completed"
    assert client.post("/_mock/clock/run-until-done", json={"key": 5}).status_code == 400


def test_webhook_routes(emulator: Emulator, client: httpx.Client) -> None:
    url = emulator.webhook_url("hooks")
    failing = client.post("/_mock/inbox/hooks/fail", json={"times": 1, "status": 502})
    assert failing.json()["pending_failures"] == [502]
    rule = client.post("/_mock/webhooks/script", json={"duplicate": 1, "key": "test-key"})
    assert rule.json() == {"duplicate": 1, "delay": 0.0, "reorder": False,
                           "key": "test-key", "times": 1}
    assert client.get("/_mock/webhooks/script").json()["rules"] == [rule.json()]
    prediction_id = client.post("/v1/run", params={"webhook_url": url},
                                json=tryon()).json()["id"]
    assert client.get("/_mock/webhooks").json()["pending"][0]["prediction_id"] == \
        prediction_id
    emulator.run_until_done()
    emulator.wait_for_webhooks()
    found = client.get("/_mock/webhooks", params={"prediction_id": prediction_id}).json()
    assert [(a["kind"], a["status_code"]) for a in found["attempts"]] == [
        ("delivery", 502), ("duplicate", 200)]
    assert found["attempts"][0]["retry_at"] is not None and found["capacity"] == 1000
    assert client.post(f"/_mock/webhooks/{prediction_id}/redeliver").json()[
        "prediction_id"] == prediction_id
    emulator.wait_for_webhooks()
    box = client.get("/_mock/inbox/hooks").json()
    assert [r["answered"] for r in box["received"]] == [502, 200, 200]
    assert box["received"][1]["body"]["id"] == prediction_id
    assert client.get("/_mock/webhooks", params={"key": "other"}).json()["attempts"] == []
    assert len(client.get("/_mock/webhooks", params={"limit": 1}).json()["attempts"]) == 1
    assert client.delete("/_mock/inbox/hooks").json() == {"ok": True}
    assert client.get("/_mock/inbox/hooks").json()["received"] == []
    assert client.delete("/_mock/webhooks/script").json() == {"rules": []}


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("GET", "/_mock/webhooks?limit=x", None, 400),
    ("POST", "/_mock/webhooks/script", {"delay": -1}, 400),
    ("POST", "/_mock/webhooks/script", {"duplicate": 1, "times": 0}, 400),
    ("POST", "/_mock/webhooks/script", {}, 400),
    ("POST", "/_mock/webhooks/unknown/redeliver", None, 404),
    ("GET", "/_mock/inbox/bad%20name", None, 400),
    ("POST", "/_mock/inbox/x/fail", {"status": 200}, 400),
    ("POST", "/_mock/inbox/bad%20name", {}, 400),
])
def test_webhook_routes_refuse_nonsense(client: httpx.Client, method: str, path: str,
                                        body: Any, status: int) -> None:
    assert client.request(method, path, json=body).status_code == status


def test_redeliver_needs_a_finished_prediction_with_a_webhook(
        emulator: Emulator, client: httpx.Client) -> None:
    plain = client.post("/v1/run", json=tryon()).json()["id"]
    running = client.post("/v1/run", params={"webhook_url": "http://127.0.0.1:9/h"},
                          json=tryon()).json()["id"]
    for prediction_id in (plain, running):
        answer = client.post(f"/_mock/webhooks/{prediction_id}/redeliver")
        assert answer.status_code == 400, answer.text


def test_inboxes_receive_without_the_token_and_are_read_with_it() -> None:
    emulator = Emulator(Config(control_token="s3cret"))
    with emulator.httpx_client() as client:
        posted = client.post("/_mock/inbox/open", json={"id": "x"},
                             headers={"Authorization": "Bearer secret-key"})
        assert posted.status_code == 200 and posted.json() == {"inbox": "open",
                                                               "accepted": True}
        assert client.post("/_mock/inbox/open", content=b"not json").status_code == 200
        assert client.get("/_mock/inbox/open").status_code == 401
        box = client.get("/_mock/inbox/open", headers={"X-Fashn-Mock-Token": "s3cret"})
        bodies = [r["body"] for r in box.json()["received"]]
        assert bodies == [{"id": "x"}, "not json"]
        assert "authorization" not in box.json()["received"][0]["headers"]
        too_big = client.post("/_mock/inbox/open", content=b"x" * (16 * 1024 * 1024 + 1))
        assert too_big.status_code == 413


def test_unknown_fields_and_query_parameters_are_refused(client: httpx.Client) -> None:
    typo = client.put("/_mock/keys/test-key/credits", json={"totl": 3})
    assert typo.status_code == 400
    assert typo.json()["message"] == ("Control API: unknown field(s) totl; known: total, "
                                      "subscription, on_demand")
    assert client.get("/_mock/journal", params={"stauts": "404"}).status_code == 400
    assert client.post("/_mock/clock/freeze", json={"now": 1}).status_code == 400
    assert client.post("/_mock/clock/freeze", json={}).status_code == 200


def test_blank_query_values_and_null_fields_mean_the_default(client: httpx.Client) -> None:
    client.post("/v1/run", json=tryon())
    assert len(client.get("/_mock/predictions", params={"key": "", "model": ""}).json()[
        "predictions"]) == 1
    rule = client.post("/_mock/faults", json={"error": "PoseError", "model": None,
                                              "times": None}).json()
    assert rule["model"] is None and rule["times"] == 1
    missing = client.post("/_mock/faults", json={"model": "edit"})
    assert missing.status_code == 400 and missing.json()["message"] == "error: required"


def test_reads_that_only_the_table_added(emulator: Emulator, client: httpx.Client) -> None:
    client.put("/_mock/chaos", json={"jitter": 0.25})
    assert client.get("/_mock/chaos").json() == {"failure_rate": 0.0, "jitter": 0.25,
                                                 "network": {}}
    assert client.get("/_mock/inbox/orders/url").json() == {
        "url": "http://fashn-mock.local/_mock/inbox/orders"}
    assert client.post("/_mock/webhooks/wait", json={"timeout": 0.1}).json() == {"idle": True}
    assert client.post("/_mock/webhooks/wait", json={"timeout": 61}).status_code == 400
    client.post("/_mock/faults", json={"error": "PoseError", "key": "a"})
    client.post("/_mock/faults", json={"error": "PoseError", "key": "b"})
    assert client.delete("/_mock/faults", params={"key": "a"}).json()["faults"] == []
    assert [f["key"] for f in client.get("/_mock/faults").json()["faults"]] == ["b"]
    assert client.get("/_mock/network").json() == {"rules": [], "chaos": {}}
