"""The client-behaviour report, from hand-written journals and from a real journal."""

from __future__ import annotations

from typing import Any

import pytest

from fashn_mock import Config, Emulator
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.contract.behaviour import analyse
from tests.support import AUTH, KEY, tryon


def entry(at: float, method: str = "GET", path: str = "/v1/status/p1", *,
          key: str | None = "k", status: int = 200, headers: dict[str, str] | None = None,
          prediction_status: str | None = None) -> dict[str, Any]:
    return {"at": at, "method": method, "path": path, "key": key, "status": status,
            "response_headers": headers or {}, "prediction_status": prediction_status}


def test_a_polite_client_has_nothing_to_report() -> None:
    journal = [entry(0.0, "POST", "/v1/run"),
               *[entry(1.0 + 2 * i, prediction_status="processing") for i in range(3)],
               entry(8.0, prediction_status="completed")]
    report = analyse(journal)
    assert report.ok and report.requests == 5
    assert "nothing to report" in report.render()


def test_polling_faster_than_the_interval() -> None:
    journal = [entry(t) for t in (0.0, 0.2, 0.3, 2.0)] + [entry(0.1, path="/v1/status/p2")]
    report = analyse(journal, min_poll_interval=1.0)
    [finding] = report.of_kind("fast-polling")
    assert finding.count == 2 and "p1" in finding.message and "0.100 s" in finding.message
    assert analyse(journal, min_poll_interval=0.05).ok


def test_retrying_a_429_before_retry_after() -> None:
    limited = entry(10.0, "POST", "/v1/run", status=429, headers={"Retry-After": "5"})
    journal = [limited, entry(12.0, "POST", "/v1/run"), entry(12.5, "GET", "/v1/credits"),
               entry(13.0, "POST", "/v1/run", key="other")]
    [finding] = analyse(journal).of_kind("early-retry")
    assert finding.at == 12.0 and "2.000 s after a 429" in finding.message
    assert finding.message.endswith("Retry-After: 5")
    patient = [limited, entry(15.0, "POST", "/v1/run")]
    assert analyse(patient).ok


def test_polling_a_terminal_prediction_again_and_again() -> None:
    journal = [entry(0.0, prediction_status="processing"),
               entry(5.0, prediction_status="failed"),
               *[entry(10.0 + 5 * i, prediction_status="failed") for i in range(4)]]
    [finding] = analyse(journal).of_kind("terminal-polling")
    assert finding.count == 4 and "already failed" in finding.message
    assert analyse(journal, terminal_polls_allowed=4).ok


def test_completion_is_recognised_from_the_credits_header_alone() -> None:
    done = {"x-fashn-credits-used": "1"}
    journal = [entry(0.0), entry(5.0, headers=done), entry(10.0, headers=done),
               entry(15.0, headers=done)]
    [finding] = analyse(journal).of_kind("terminal-polling")
    assert finding.count == 2


def test_missing_authorization() -> None:
    journal = [entry(1.0, "GET", "/v1/credits", key=None, status=401),
               entry(2.0, "POST", "/v1/run", key=None, status=401), entry(3.0)]
    [finding] = analyse(journal).of_kind("missing-auth")
    assert finding.count == 2 and "first: GET /v1/credits" in finding.message
    assert analyse(journal).as_json()["findings"][0]["kind"] == "missing-auth"


@pytest.mark.parametrize("rates", [{"run": RateRule(1, 60)}])
def test_report_from_the_emulators_own_journal(rates: dict[str, RateRule]) -> None:
    emulator = Emulator(Config(rates={**Config().rates, **rates}), manual_clock=True)
    with emulator.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", json=tryon()).json()["id"]
        assert client.post("/v1/run", json=tryon()).status_code == 429
        emulator.advance(1)
        client.post("/v1/run", json=tryon())  # too early: Retry-After said ~59 s
        for _ in range(3):
            client.get(f"/v1/status/{prediction_id}")  # no time passes between polls
        client.get("/v1/credits", headers={"Authorization": ""})
    report = analyse(emulator.journal())
    kinds = {f.kind for f in report.findings}
    assert {"early-retry", "fast-polling", "missing-auth"} <= kinds
    assert all(f.key in (KEY, None) for f in report.findings)


def faulted(at: float, method: str, path: str, fault: str, *, processed: bool = True,
            body: Any = None, prediction_id: str | None = None, status: int = 200,
            **extra: Any) -> dict[str, Any]:
    return {**entry(at, method, path, status=status), "body": body,
            "prediction_id": prediction_id,
            "network_fault": {"kind": fault.split("=")[0], "spec": fault,
                              "processed": processed, **extra}}


RUN = {"model_name": "tryon-v1.6", "inputs": {"model_image": "a", "garment_image": "b"}}


def run(at: float, prediction_id: str, body: Any = None) -> dict[str, Any]:
    return {**entry(at, "POST", "/v1/run"), "body": body or RUN,
            "prediction_id": prediction_id}


def test_a_retried_reset_is_a_reaction_not_a_finding() -> None:
    journal = [run(0.0, "p1"),
               faulted(1.0, "GET", "/v1/status/p1", "reset", processed=False, status=0),
               entry(1.0, prediction_status="completed")]
    report = analyse(journal)
    assert report.ok  # the retry right after a reset is not fast polling
    [reaction] = report.network
    assert (reaction.fault, reaction.reaction, reaction.after) == ("reset", "retried", 0.0)
    assert "reset on GET /v1/status/p1: retried after 0.000 s" in report.render()
    assert report.as_json()["network"][0]["reaction"] == "retried"


def test_a_fault_the_client_gave_up_on() -> None:
    report = analyse([faulted(0.0, "POST", "/v1/run", "empty", processed=False, status=0),
                      entry(400.0, "POST", "/v1/run")])  # later than the retry window
    assert [r.reaction for r in report.network] == ["did-not-retry"]


def test_resubmitting_a_run_whose_answer_was_lost() -> None:
    journal = [faulted(0.0, "POST", "/v1/run", "lost-response", body=RUN, prediction_id="p1"),
               run(2.0, "p2")]
    report = analyse(journal)
    [finding] = report.of_kind("double-submit")
    assert finding.at == 2.0 and "p1" in finding.message and "p2" in finding.message
    assert "2 predictions" in finding.message
    assert [r.reaction for r in report.network] == ["resubmitted"]


@pytest.mark.parametrize(("fault", "extra", "double"), [
    ("truncate", {}, True), ("malformed", {}, True),
    ("delay=5", {"client_left": True}, True), ("dribble=5", {"client_left": True}, True),
    ("delay=0.1", {}, False),  # the client read the answer: a second run is deliberate
    ("reset", {"processed": False}, False),
])
def test_which_faults_make_a_resubmission_a_double_submit(fault: str, extra: dict[str, Any],
                                                          double: bool) -> None:
    first = faulted(0.0, "POST", "/v1/run", fault, body=RUN, prediction_id="p1", **extra)
    report = analyse([first, run(1.0, "p2")])
    assert bool(report.of_kind("double-submit")) is double


def test_a_different_run_after_a_lost_answer_is_only_a_retry() -> None:
    other = {**RUN, "inputs": {"model_image": "c", "garment_image": "b"}}
    journal = [faulted(0.0, "POST", "/v1/run", "lost-response", body=RUN, prediction_id="p1"),
               run(1.0, "p2", other)]
    report = analyse(journal)
    assert report.ok and [r.reaction for r in report.network] == ["retried"]


def run_with_webhook(at: float, prediction_id: str = "p1") -> dict[str, Any]:
    return {**entry(at, "POST", "/v1/run"), "query": {"webhook_url": "http://127.0.0.1/h"},
            "prediction_id": prediction_id}


def test_polling_hard_despite_a_webhook() -> None:
    hard = [run_with_webhook(0.0), *[entry(2.0 * i) for i in range(1, 6)]]
    [finding] = analyse(hard).of_kind("webhook-polling")
    assert finding.count == 5 and finding.at == 6.0
    assert "registered a webhook for p1" in finding.message
    fallback = [run_with_webhook(0.0), entry(3.0), entry(60.0), entry(120.0)]
    assert analyse(fallback).ok  # one quick look and slow fallback polls are fine
    no_webhook = [{**entry(0.0, "POST", "/v1/run"), "prediction_id": "p1"},
                  *[entry(2.0 * i) for i in range(1, 6)]]
    assert not analyse(no_webhook).of_kind("webhook-polling")
    assert not analyse(hard, webhook_polls_allowed=5).of_kind("webhook-polling")


def test_webhook_polling_from_a_real_journal() -> None:
    emulator = Emulator(manual_clock=True, time_scale=1)
    with emulator.httpx_client(headers=AUTH) as client:
        prediction_id = client.post("/v1/run", params={"webhook_url": emulator.webhook_url()},
                                    json=tryon(mode="quality")).json()["id"]
        for _ in range(4):
            emulator.advance(3)
            client.get(f"/v1/status/{prediction_id}")
    [finding] = emulator.behaviour(key=KEY).of_kind("webhook-polling")
    assert prediction_id in finding.message and finding.count == 4
