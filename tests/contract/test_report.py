"""Reports: readable, merged failures and curl lines that replay without leaking keys."""

from __future__ import annotations

import shlex

import httpx

from fashn_mock.contract.report import Failure, Report, SuiteResult, curl_line
from fashn_mock.contract.target import normalise_base_url, retry_after_seconds


def test_curl_line_replays_the_request_with_keys_as_variables() -> None:
    request = httpx.Request("POST", "https://api.fashn.ai/v1/run?webhook_url=https%3A%2F%2Fx",
                            headers={"Authorization": "Bearer fa-secret-123",
                                     "Content-Type": "application/json"},
                            json={"model_name": "edit", "inputs": {"prompt": "it's red"}})
    line = curl_line(request, {"fa-secret-123": "$FASHN_API_KEY"})
    assert "fa-secret-123" not in line
    assert '"authorization: Bearer $FASHN_API_KEY"' in line
    words = shlex.split(line)
    assert words[:5] == ["curl", "-sS", "-X", "POST",
                         "https://api.fashn.ai/v1/run?webhook_url=https%3A%2F%2Fx"]
    assert words[-1] == '{"model_name":"edit","inputs":{"prompt":"it\'s red"}}'


def test_curl_line_for_bytes_that_are_not_text() -> None:
    request = httpx.Request("POST", "http://h/v1/run", content=b"\x00\xff{")
    line = curl_line(request)
    assert line.startswith("printf '%b' '\\x00\\xff\\x7b' | curl")
    assert line.endswith("--data-binary @-")


def test_failures_merge_and_render() -> None:
    suite = SuiteResult("probes", "free checks", cases=3, requests=4, seconds=0.5)
    suite.skipped["costly"] += 2
    for where in ("tryon-v1.6", "edit", "edit"):
        suite.fail(Failure("check A", "went wrong\ndetails", "curl x", 500, "{}"), where)
    suite.fail(Failure("check B", "other", "curl y"))
    report = Report("http://h", "0 credits", [suite, SuiteResult("lifecycle", "x", ran=False)])
    text = report.render()
    assert [f.occurrences for f in report.failures] == [3, 1]
    assert "FAILURE 1 (x3): [check A] went wrong\n    details" in text
    assert "seen in: tryon-v1.6, edit" in text and "reproduce: curl x" in text
    assert "not sent: 2 x costly" in text and "[skipped] lifecycle" in text
    assert text.endswith("result: 2 distinct failure(s)\n") and not report.ok


def test_retry_after_parsing_and_base_urls() -> None:
    assert retry_after_seconds("20") == 20.0
    assert retry_after_seconds("1.5") == 1.5
    assert retry_after_seconds("-1") is None and retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("Thu, 01 Jan 2026 00:00:20 GMT", now=1767225600.0) == 20.0
    assert normalise_base_url("https://api.fashn.ai/v1/") == "https://api.fashn.ai"
