"""``fashn-mock contract``: exit codes, the readable report, JSON, the local default."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette

from fashn_mock import BackgroundServer, Config, Emulator
from fashn_mock.cli import main
from tests.contract import broken


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FASHN_BASE_URL", "FASHN_API_KEY", "FASHN_OTHER_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def served() -> Iterator[str]:
    with BackgroundServer(Emulator(Config(time_scale=0)).app) as server:
        yield server.url


def test_probes_against_a_served_emulator(served: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "--base-url", served, "--api-key", "k", "--suite", "probes"]) == 0
    out, err = capsys.readouterr()
    assert f"fashn-mock contract: {served} (fashn-mock emulator" in out
    assert "[ok] probes:" in out and out.endswith("result: all contract checks passed\n")
    assert "running probes" in err


def test_json_report(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "--base-url", served, "--api-key", "k", "--suite", "probes",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["suites"][0]["name"] == "probes" and report["suites"][0]["cases"] > 10


def test_failures_exit_1_with_curl_lines(capsys: pytest.CaptureFixture[str]) -> None:
    emulator = broken.rewritten(broken.forbids_instead_of_401, time_scale=0)
    with BackgroundServer(emulator.app) as server:
        assert main(["contract", "--base-url", server.url, "--api-key", "k",
                     "--suite", "probes"]) == 1
    out = capsys.readouterr().out
    assert "[FAILED] probes" in out and "expected HTTP 401, got 403" in out
    assert f"reproduce: curl -sS -X GET {server.url}/v1/credits" in out


def test_without_a_base_url_it_checks_a_fresh_local_emulator(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "--suite", "probes"]) == 0
    out, err = capsys.readouterr()
    assert "no --base-url: checking a fresh emulator" in err and "[ok] probes" in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with BackgroundServer(Starlette()) as server:  # not fashn-mock, and no key given
        assert main(["contract", "--base-url", server.url]) == 2
    assert "an API key is needed" in capsys.readouterr().err
    assert main(["contract", "--budget", "-1", "--api-key", "k"]) == 2
    with pytest.raises(SystemExit):
        main(["contract", "--suite", "nonsense"])


def test_a_non_emulator_defaults_to_free_checks(capsys: pytest.CaptureFixture[str]) -> None:
    with BackgroundServer(Starlette()) as server:
        code = main(["contract", "--base-url", server.url, "--api-key", "fa-x",
                     "--suite", "links", "--suite", "lifecycle"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "budget: 0 credits: only free checks" in out
    assert out.count("needs --budget") == 2
