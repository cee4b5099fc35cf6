"""``fashn-mock contract``: exit codes, the readable report, JSON, the local default,
progress and the summary table, options from the environment."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from starlette.applications import Starlette

from fashn_mock import BackgroundServer, Config, Emulator
from fashn_mock.cli import main
from fashn_mock.contract.cli import contract
from tests.contract import broken
from tests.support import free_port


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
    assert "running probes (1/1) ..." in err
    assert "fashn-mock contract: ok probes:" in err
    table = err[err.index("fashn-mock contract summary"):]
    assert "probes" in table and "ok" in table and "all contract checks passed" in table


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
    out, err = capsys.readouterr()
    assert "[FAILED] probes" in out and "expected HTTP 401, got 403" in out
    assert f"reproduce: curl -sS -X GET {server.url}/v1/credits" in out
    assert "FAILED probes" in err and "distinct failure(s)" in err  # progress, summary


def test_without_a_base_url_it_checks_a_fresh_local_emulator(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contract", "--suite", "probes"]) == 0
    out, err = capsys.readouterr()
    assert "no --base-url: checking a fresh emulator" in err and "[ok] probes" in out


@pytest.mark.parametrize(("dialect", "path", "summary"), [
    ("concurred", "", "sse"), ("pixazo", "/fashn-virtual-try-on/v1", "probes")])
def test_each_dialect_against_a_served_emulator(
        served: str, capsys: pytest.CaptureFixture[str], dialect: str, path: str,
        summary: str) -> None:
    suites = ["--suite", "probes"] + (["--suite", "sse"] if dialect == "concurred" else [])
    assert main(["contract", "--dialect", dialect, "--base-url", served + path,
                 "--api-key", "k", *suites]) == 0
    out, err = capsys.readouterr()
    assert f"fashn-mock contract: {served}{path} (fashn-mock emulator" in out
    assert f"dialect: {dialect}" in out and "[ok] probes" in out
    assert summary in err[err.index("fashn-mock contract summary"):]


def test_the_dialect_from_the_environment_and_a_fresh_local_emulator(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FASHN_MOCK_CONTRACT_DIALECT", "pixazo")
    assert main(["contract", "--suite", "probes", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dialect"] == "pixazo" and report["suites"][0]["cases"] > 10
    assert report["target"].endswith("/fashn-virtual-try-on-917/v1 (fashn-mock emulator, "
                                     "clock control via /_mock)")


@pytest.mark.parametrize(("args", "message"), [
    (["--dialect", "pixazo", "--suite", "sse"],
     "--suite sse does not apply to the pixazo dialect (its suites: probes, schemathesis, "
     "links, lifecycle)"),
    (["--suite", "sse"], "--suite sse does not apply to the native dialect"),
    (["--dialect", "pixazo", "--model", "tryon-v1.6"],
     "--model tryon-v1.6 is not a model of the pixazo dialect"),
    (["--dialect", "concurred", "--model", "edit"],
     "--model edit is not a model of the concurred dialect"),
    (["--dialect", "soap"], "Invalid value for '--dialect'"),
])
def test_what_a_dialect_does_not_have_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert main(["contract", *args, "--api-key", "k"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with BackgroundServer(Starlette()) as server:  # not fashn-mock, and no key given
        assert main(["contract", "--base-url", server.url]) == 2
    assert "an API key is needed" in capsys.readouterr().err
    for wrong in (["--budget", "-1"], ["--suite", "nonsense"], ["--examples", "0"],
                  ["--base-url", "not-a-url"], ["--base-url", "ftp://host"],
                  ["--model", "no-such-model"], ["--seed", "x"]):
        assert main(["contract", *wrong, "--api-key", "k"]) == 2, wrong
        err = capsys.readouterr().err
        assert f"Invalid value for '{wrong[0]}'" in err and "Traceback" not in err


def test_an_unreachable_target_is_one_line_and_exit_3(
        capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    assert main(["contract", "--base-url", url, "--api-key", "k", "--suite", "probes"]) == 3
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    [line] = [line for line in err.splitlines() if line.startswith("Error:")]
    assert line.startswith(f"Error: cannot reach {url} (ConnectError")


@pytest.mark.parametrize(("variable", "value", "error"), [
    ("FASHN_MOCK_CONTRACT_BUDGET", "-3", "--budget"),
    ("FASHN_MOCK_CONTRACT_EXAMPLES", "many", "--examples"),
    ("FASHN_MOCK_CONTRACT_COVERAGE", "-1", "--coverage"),
    ("FASHN_MOCK_CONTRACT_SEED", "1.5", "--seed"),
    ("FASHN_MOCK_CONTRACT_SUITES", "probes,nope", "--suite"),
    ("FASHN_MOCK_CONTRACT_MODELS", "tryon-v1.6,nope", "--model"),
    ("FASHN_MOCK_CONTRACT_JSON", "maybe", "--json"),
    ("FASHN_MOCK_CONTRACT_DIALECT", "soap", "--dialect"),
    ("FASHN_BASE_URL", "localhost:8000", "--base-url"),
])
def test_every_option_reads_its_variable_and_refuses_bad_values(
        monkeypatch: pytest.MonkeyPatch, variable: str, value: str, error: str) -> None:
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(contract, [])
    assert result.exit_code == 2 and f"Invalid value for '{error}'" in result.output
    assert f"(env var: '{variable}')" in result.output and result.exception is not None
    assert not isinstance(result.exception, ValueError | TypeError)  # no traceback


def test_options_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in [("FASHN_BASE_URL", "http://127.0.0.1:1"), ("FASHN_API_KEY", "k1"),
                            ("FASHN_OTHER_API_KEY", "k2"), ("FASHN_MOCK_CONTRACT_BUDGET", "4"),
                            ("FASHN_MOCK_CONTRACT_EXAMPLES", "2"),
                            ("FASHN_MOCK_CONTRACT_COVERAGE", "0"),
                            ("FASHN_MOCK_CONTRACT_SEED", "7"),
                            ("FASHN_MOCK_CONTRACT_SUITES", "probes, links"),
                            ("FASHN_MOCK_CONTRACT_MODELS", "tryon-v1.6,legacy"),
                            ("FASHN_MOCK_CONTRACT_JSON", "1")]:
        monkeypatch.setenv(variable, value)
    with contract.make_context("contract", []) as ctx:
        assert ctx.params == {"base_url": "http://127.0.0.1:1", "dialect": "native",
                              "api_key": "k1",
                              "other_api_key": "k2", "budget": 4, "examples": 2,
                              "coverage": 0, "seed": 7, "suites": ("probes", "links"),
                              "models": ("tryon-v1.6", "legacy"), "as_json": True}
    monkeypatch.setenv("FASHN_MOCK_CONTRACT_BUDGET", "")  # empty = unset
    with contract.make_context("contract", ["--suite", "lifecycle"]) as ctx:
        assert ctx.params["budget"] is None and ctx.params["suites"] == ("lifecycle",)


def test_help_shows_every_variable_and_the_exit_codes() -> None:
    text = " ".join(CliRunner().invoke(contract, ["--help"]).output.split())
    for variable in ("FASHN_BASE_URL", "FASHN_API_KEY", "FASHN_OTHER_API_KEY",
                     "FASHN_MOCK_CONTRACT_DIALECT", "FASHN_MOCK_CONTRACT_BUDGET",
                     "FASHN_MOCK_CONTRACT_EXAMPLES",
                     "FASHN_MOCK_CONTRACT_COVERAGE", "FASHN_MOCK_CONTRACT_SEED",
                     "FASHN_MOCK_CONTRACT_SUITES", "FASHN_MOCK_CONTRACT_MODELS",
                     "FASHN_MOCK_CONTRACT_JSON"):
        assert f"env var: {variable}" in text, variable
    assert "3 the target" in text and "verify-cassettes" in text


def test_a_non_emulator_defaults_to_free_checks(capsys: pytest.CaptureFixture[str]) -> None:
    with BackgroundServer(Starlette()) as server:
        code = main(["contract", "--base-url", server.url, "--api-key", "fa-x",
                     "--suite", "links", "--suite", "lifecycle"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "budget: 0 credits: only free checks" in out
    assert out.count("needs --budget") == 2
