"""The records steering operations answer: their JSON forms and helpers."""

from __future__ import annotations

import pytest

from fashn_mock import Config, Emulator
from fashn_mock.engine.journal import JournalEntry
from fashn_mock.steering import (
    ChaosSettings,
    ClockState,
    Credits,
    EffectiveConfig,
    ReplayReport,
    RequestLog,
    Violations,
)


def entry(seq: int, path: str, body: object = None, method: str = "POST",
          violations: list[dict[str, object]] | None = None) -> JournalEntry:
    return JournalEntry(seq, 0.0, method, path, {}, "k", body, 200,
                        violations=violations or [])


def test_credits_json_is_the_control_api_shape() -> None:
    credits = Credits("k", 2, 3, 1, 4, 0, 0.5)
    assert credits.total == 5 and credits.available == 4
    assert credits.as_json() == {"key": "k", "credits": {"total": 5, "subscription": 2,
                                                         "on_demand": 3}, "spent_usd": 0.5}


def test_the_effective_config_hides_the_token_and_shows_live_values() -> None:
    config = EffectiveConfig(Config(control_token="secret", failure_rate=0.1),
                             ChaosSettings(0.3, 0.2, {"reset": 0.5}),
                             ClockState(5.0, True, 1.0))
    values = config.as_json()
    assert values["control_token"] == "<set>" and values["failure_rate"] == 0.3
    assert values["network_chaos"] == {"reset": 0.5}
    assert values["clock"] == {"now": 5.0, "frozen": True}
    assert Emulator().effective_config().as_json()["control_token"] is None


def test_request_log_assertions() -> None:
    log = RequestLog([entry(1, "/v1/run", {"model_name": "edit"}),
                      entry(2, "/v1/status/x", method="GET"),
                      entry(3, "/api/v1/fashion/run", {"model_name": "edit"})], capacity=9)
    assert len(log.runs("edit")) == 2 and log.runs("tryon-v1.6") == []
    log.assert_called(model_name="edit", times=2)
    log.assert_called(path="/v1/status")
    log.assert_not_called(model_name="tryon-v1.6")
    with pytest.raises(AssertionError, match="expected 1 request"):
        log.assert_called(model_name="edit", times=1)
    with pytest.raises(AssertionError, match="no request with path='/nowhere'"):
        log.assert_called(path="/nowhere")
    assert log.as_json()["capacity"] == 9 and len(log.as_json()["entries"]) == 3


def test_violations_flatten_the_journal() -> None:
    found: dict[str, object] = {"location": "body", "field": "inputs.mode",
                                "problem": "bad", "contract": "one of ..."}
    violations = Violations.of([entry(1, "/v1/run", violations=[found, found]),
                                entry(2, "/v1/run")], strict=True)
    assert [v.seq for v in violations] == [1, 1]
    assert str(violations[0]) == "POST /v1/run: body inputs.mode: bad (contract: one of ...)"
    assert violations.as_json()["strict"] is True
    assert violations.as_json()["violations"][0]["field"] == "inputs.mode"


def test_the_replay_report_without_cassettes() -> None:
    report = Emulator().replay()
    assert report.replaying is False and report.played == 0
    assert "match" not in report.as_json()
    extra = ReplayReport.from_json({**report.as_json(), "future_field": 1})
    assert extra == report
