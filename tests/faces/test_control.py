from __future__ import annotations

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
    assert created.json()["faults"][0]["error"] == "PoseError"
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
    assert found["strict"] is True and len(found["violations"]) == 1
    fields = [v["field"] for v in found["violations"][0]["violations"]]
    assert "inputs.num_samples" in fields
    assert [v["field"] for v in emulator.violations()] == fields


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
    assert not emulator.behaviour("test-key").ok
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
