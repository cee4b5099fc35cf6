"""Webhook records are plain data: jobs from registrations, JSON for the control API."""

from __future__ import annotations

import json

from fashn_mock.engine.webhook_records import Attempt, Registration
from fashn_mock.engine.webhook_script import Script


def test_jobs_from_a_registration() -> None:
    reg = Registration("p", "k", "http://127.0.0.1/h", "http://base", Script(duplicate=1),
                       attempt=3, due=10.0)
    retry = reg.job()
    assert (retry.attempt, retry.kind, retry.due) == (3, "delivery", 10.0)
    copy = reg.job("duplicate", due=12.0)
    assert (copy.attempt, copy.kind, copy.due, copy.base_url) == (1, "duplicate", 12.0,
                                                                   "http://base")
    assert json.loads(json.dumps(reg.as_json()))["script"] == {"duplicate": 1, "delay": 0.0,
                                                               "reorder": False}


def test_attempts_serialise() -> None:
    attempt = Attempt(1, "p", "k", "http://127.0.0.1/h", 1, "delivery", 1.0, 1.5, 2.0,
                      "failed", 500, "HTTP 500", 3.25, "completed", retry_at=11.0)
    assert json.loads(json.dumps(attempt.as_json()))["retry_at"] == 11.0
