"""``fashn-mock`` (click): every ``serve`` option from its flag and its environment
variable, one usage line for every invalid value, ``--version``, completion, the
control-token guard on non-loopback binds, and a real ``serve`` process."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

from fashn_mock import __version__, serving
from fashn_mock.catalog.quotas import RateRule
from fashn_mock.cli import cli, config_from, guard_control, main, serve, serve_params
from fashn_mock.config import Config
from fashn_mock.transport import httpx_client
from tests.support import fashn_mock_process

MIB = 1024 * 1024
SERVE_VARIABLES = sorted(str(p.envvar) for p in serve.params if isinstance(p, click.Option)
                         and p.envvar)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in SERVE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def served() -> Iterator[str]:
    with fashn_mock_process("serve", "--time-scale", "0", "--api-key", "fa-one",
                            "--api-key", "fa-two", "--credits", "5") as (url, _):
        yield url


def test_serve_honours_flags(served: str) -> None:
    one = {"Authorization": "Bearer fa-one"}
    assert httpx.get(f"{served}/v1/credits", headers={"Authorization": "Bearer x"}) \
        .status_code == 401
    assert httpx.get(f"{served}/v1/credits", headers=one).json()["credits"]["total"] == 5
    run = httpx.post(f"{served}/v1/run", headers=one, json={
        "model_name": "tryon-v1.6",
        "inputs": {"model_image": "https://x/a.png", "garment_image": "https://x/b.png"}})
    status = httpx.get(f"{served}/v1/status/{run.json()['id']}", headers=one).json()
    assert status["status"] == "completed"
    assert status["output"][0].startswith(served + "/cdn/")
    assert httpx.get(status["output"][0]).headers["content-type"] == "image/png"


DEFAULTS: dict[str, Any] = {
    "host": "127.0.0.1", "port": 8000, "time_scale": 1.0, "seed": None, "api_keys": (),
    "credits": None, "no_limits": False, "rate_run": RateRule(50, 60),
    "rate_status": RateRule(50, 10), "rate_credits": RateRule(30, 10), "concurrency": 6,
    "failure_rate": 0.0, "jitter": 0.0, "network_chaos": {}, "webhook_allow_hosts": (),
    "no_control": False,
    "control_token": None,
    "journal_size": 1000, "strict": False, "media_cache_mb": 256, "input_cache_mb": 64,
    "max_body": 64 * MIB,
    "public_url": None, "fetch_inputs": False, "fetch_allow_hosts": (),
    "shutdown_timeout": 3, "replay": None, "replay_by": "time", "replay_strict": False,
    "match": "model_name,inputs", "match_ignore": (), "log_level": "info",
    "log_format": "text", "store": None, "store_prefix": "fashn-mock", "workers": 1,
}
FROM_ENVIRONMENT: list[tuple[str, str, str, Any]] = [
    ("FASHN_MOCK_HOST", "127.0.0.2", "host", "127.0.0.2"),
    ("FASHN_MOCK_PORT", "0", "port", 0),
    ("FASHN_MOCK_TIME_SCALE", "0.5", "time_scale", 0.5),
    ("FASHN_MOCK_SEED", "7", "seed", 7),
    ("FASHN_MOCK_API_KEYS", "a, b,,", "api_keys", ("a", "b")),
    ("FASHN_MOCK_CREDITS", "12", "credits", 12),
    ("FASHN_MOCK_NO_LIMITS", "1", "no_limits", True),
    ("FASHN_MOCK_RATE_RUN", "5/1.5", "rate_run", RateRule(5, 1.5)),
    ("FASHN_MOCK_RATE_STATUS", "9/9", "rate_status", RateRule(9, 9)),
    ("FASHN_MOCK_RATE_CREDITS", "1/60", "rate_credits", RateRule(1, 60)),
    ("FASHN_MOCK_CONCURRENCY", "2", "concurrency", 2),
    ("FASHN_MOCK_FAILURE_RATE", "0.25", "failure_rate", 0.25),
    ("FASHN_MOCK_JITTER", "0.2", "jitter", 0.2),
    ("FASHN_MOCK_NETWORK_CHAOS", "reset=0.05", "network_chaos", {"reset": 0.05}),
    ("FASHN_MOCK_WEBHOOK_ALLOW_HOSTS", "a.example, b.example", "webhook_allow_hosts",
     ("a.example", "b.example")),
    ("FASHN_MOCK_NO_CONTROL", "true", "no_control", True),
    ("FASHN_MOCK_CONTROL_TOKEN", "s3cret", "control_token", "s3cret"),
    ("FASHN_MOCK_JOURNAL_SIZE", "10", "journal_size", 10),
    ("FASHN_MOCK_STRICT", "yes", "strict", True),
    ("FASHN_MOCK_MEDIA_CACHE_MB", "0", "media_cache_mb", 0),
    ("FASHN_MOCK_INPUT_CACHE_MB", "8", "input_cache_mb", 8),
    ("FASHN_MOCK_MAX_BODY", "4096", "max_body", 4096),
    ("FASHN_MOCK_PUBLIC_URL", "https://mock.example", "public_url", "https://mock.example"),
    ("FASHN_MOCK_FETCH_INPUTS", "on", "fetch_inputs", True),
    ("FASHN_MOCK_FETCH_ALLOW_HOSTS", "a.test,b.test", "fetch_allow_hosts",
     ("a.test", "b.test")),
    ("FASHN_MOCK_SHUTDOWN_TIMEOUT", "10", "shutdown_timeout", 10),
    ("FASHN_MOCK_STORE", "valkey://cache:6379/2", "store", "valkey://cache:6379/2"),
    ("FASHN_MOCK_STORE_PREFIX", "staging", "store_prefix", "staging"),
    ("FASHN_MOCK_WORKERS", "4", "workers", 4),
    ("FASHN_MOCK_REPLAY_BY", "polls", "replay_by", "polls"),
    ("FASHN_MOCK_REPLAY_STRICT", "1", "replay_strict", True),
    ("FASHN_MOCK_MATCH", "model_name,inputs.seed", "match", "model_name,inputs.seed"),
    ("FASHN_MOCK_MATCH_IGNORE", "inputs.seed,query", "match_ignore", ("inputs.seed", "query")),
    ("FASHN_MOCK_LOG_LEVEL", "debug", "log_level", "debug"),
    ("FASHN_MOCK_LOG_FORMAT", "json", "log_format", "json"),
]
INVALID: list[tuple[str, str, str]] = [
    ("--host", "FASHN_MOCK_HOST", ""),  # placeholder, filtered below: any host is a string
    ("--port", "FASHN_MOCK_PORT", "99999"),
    ("--port", "FASHN_MOCK_PORT", "abc"),
    ("--time-scale", "FASHN_MOCK_TIME_SCALE", "nan"),
    ("--time-scale", "FASHN_MOCK_TIME_SCALE", "inf"),
    ("--time-scale", "FASHN_MOCK_TIME_SCALE", "-1"),
    ("--seed", "FASHN_MOCK_SEED", "-1"),
    ("--seed", "FASHN_MOCK_SEED", "4294967296"),
    ("--credits", "FASHN_MOCK_CREDITS", "-5"),
    ("--credits", "FASHN_MOCK_CREDITS", "1e3"),
    ("--no-limits", "FASHN_MOCK_NO_LIMITS", "maybe"),
    ("--rate-run", "FASHN_MOCK_RATE_RUN", "5/nan"),
    ("--rate-run", "FASHN_MOCK_RATE_RUN", "5/inf"),
    ("--rate-status", "FASHN_MOCK_RATE_STATUS", "0/10"),
    ("--rate-credits", "FASHN_MOCK_RATE_CREDITS", "ten"),
    ("--concurrency", "FASHN_MOCK_CONCURRENCY", "0"),
    ("--failure-rate", "FASHN_MOCK_FAILURE_RATE", "1.5"),
    ("--failure-rate", "FASHN_MOCK_FAILURE_RATE", "nan"),
    ("--jitter", "FASHN_MOCK_JITTER", "1"),
    ("--network-chaos", "FASHN_MOCK_NETWORK_CHAOS", "reset=2"),
    ("--no-control", "FASHN_MOCK_NO_CONTROL", "2"),
    ("--journal-size", "FASHN_MOCK_JOURNAL_SIZE", "0"),
    ("--strict", "FASHN_MOCK_STRICT", "sure"),
    ("--media-cache-mb", "FASHN_MOCK_MEDIA_CACHE_MB", "-1"),
    ("--input-cache-mb", "FASHN_MOCK_INPUT_CACHE_MB", "-1"),
    ("--max-body", "FASHN_MOCK_MAX_BODY", "-1"),
    ("--max-body", "FASHN_MOCK_MAX_BODY", "0"),
    ("--public-url", "FASHN_MOCK_PUBLIC_URL", "mock.example"),
    ("--fetch-inputs", "FASHN_MOCK_FETCH_INPUTS", "perhaps"),
    ("--shutdown-timeout", "FASHN_MOCK_SHUTDOWN_TIMEOUT", "0"),
    ("--workers", "FASHN_MOCK_WORKERS", "0"),
    ("--workers", "FASHN_MOCK_WORKERS", "many"),
    ("--replay", "FASHN_MOCK_REPLAY", "/no/such/cassettes"),
    ("--replay-by", "FASHN_MOCK_REPLAY_BY", "luck"),
    ("--replay-strict", "FASHN_MOCK_REPLAY_STRICT", "x"),
    ("--match", "FASHN_MOCK_MATCH", "model_name,colour"),
    ("--match-ignore", "FASHN_MOCK_MATCH_IGNORE", "nothing"),
    ("--log-level", "FASHN_MOCK_LOG_LEVEL", "loud"),
    ("--log-format", "FASHN_MOCK_LOG_FORMAT", "xml"),
]
INVALID = [case for case in INVALID if case[2]]
FLAGS = {"--no-limits", "--no-control", "--strict", "--fetch-inputs", "--replay-strict"}


def test_without_flags_or_variables_every_default_applies() -> None:
    assert serve_params([]) == DEFAULTS


@pytest.mark.parametrize(("variable", "value", "name", "expected"), FROM_ENVIRONMENT)
def test_every_option_reads_its_variable(monkeypatch: pytest.MonkeyPatch, variable: str,
                                         value: str, name: str, expected: Any) -> None:
    monkeypatch.setenv(variable, value)
    assert serve_params([])[name] == expected


def test_every_option_has_a_variable_in_the_table_and_in_help() -> None:
    tested = {variable for variable, *_ in FROM_ENVIRONMENT} | {"FASHN_MOCK_REPLAY"}
    assert set(SERVE_VARIABLES) == tested
    text = " ".join(CliRunner().invoke(cli, ["serve", "--help"]).output.split())
    for variable in SERVE_VARIABLES:
        assert f"env var: {variable}" in text, variable


@pytest.mark.parametrize("variable", sorted({v for v, *_ in FROM_ENVIRONMENT}))
def test_an_empty_variable_is_unset(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "")
    assert serve_params([]) == DEFAULTS


def test_flags_override_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASHN_MOCK_PORT", "9000")
    monkeypatch.setenv("FASHN_MOCK_API_KEYS", "env-key")
    params = serve_params(["--port", "9001", "--api-key", "a", "--api-key", "b"])
    assert params["port"] == 9001 and params["api_keys"] == ("a", "b")


@pytest.mark.parametrize(("flag", "variable", "value"), INVALID)
def test_an_invalid_value_is_one_usage_line(monkeypatch: pytest.MonkeyPatch, flag: str,
                                            variable: str, value: str) -> None:
    runner = CliRunner()
    from_flag = runner.invoke(cli, ["serve", f"{flag}={value}"]) if flag not in FLAGS \
        else None
    monkeypatch.setenv(variable, value)
    from_env = runner.invoke(cli, ["serve"])
    for result in (from_flag, from_env):
        if result is None:
            continue
        assert result.exit_code == 2, result.output
        [error] = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert error.startswith(f"Error: Invalid value for '{flag}' (env var: '{variable}')")
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_a_bad_serve_variable_does_not_break_other_commands(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for variable, value in [("FASHN_MOCK_PORT", "abc"), ("FASHN_MOCK_MAX_BODY", "-1"),
                            ("FASHN_MOCK_TIME_SCALE", "nan")]:
        monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(cli, ["openapi"])
    assert result.exit_code == 0 and result.output.startswith("openapi: 3.1.0")
    assert CliRunner().invoke(cli, ["record", "--help"]).exit_code == 0
    assert CliRunner().invoke(cli, ["serve", "--help"]).exit_code == 0


def test_config_from_the_options() -> None:
    config = config_from(serve_params(["--no-limits", "--no-control", "--credits", "3",
                                       "--media-cache-mb", "2", "--rate-run", "7/2"]))
    assert (config.limits, config.control, config.credits, config.media_cache_bytes) \
        == (False, False, 3, 2 * MIB)
    assert config.rates["run"] == RateRule(7, 2)


def test_an_empty_control_token_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["serve", "--control-token="])
    assert result.exit_code == 2 and "control_token must not be empty" in result.output


@pytest.mark.parametrize(("host", "extra", "generated"), [
    ("127.0.0.1", {}, False), ("localhost", {}, False), ("::1", {}, False),
    ("0.0.0.0", {}, True), ("::", {}, True), ("192.168.1.5", {}, True),
    ("0.0.0.0", {"control_token": "mine"}, False), ("0.0.0.0", {"control": False}, False),
])
def test_a_non_loopback_bind_needs_a_control_token(host: str, extra: dict[str, Any],
                                                   generated: bool) -> None:
    config, token = guard_control(Config(host=host, **extra))
    assert (token is not None) is generated
    if token is not None:
        assert config.control_token == token and len(token) >= 32
        assert guard_control(Config(host=host))[1] != token  # random each time
    else:
        assert config.control_token == extra.get("control_token")


def test_serve_on_every_interface_prints_the_generated_token(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    served: dict[str, Any] = {}

    def fake_run(app: Any, **options: Any) -> int:  # no socket: the app and the banner
        served.update(options, app=app)
        options["on_bound"](serving.Bound(options["host"], 8123))
        return 0

    monkeypatch.setattr(serving, "run", fake_run)
    monkeypatch.setattr("fashn_mock.cli.tune_gc", lambda: None)
    with caplog.at_level(logging.INFO, logger="fashn_mock"):
        result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 0, result.output
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    token = warning.split("X-Fashn-Mock-Token: ", 1)[1].split()[0]
    banner = " ".join(r.getMessage() for r in caplog.records)
    assert "FASHN_BASE_URL=http://127.0.0.1:8123" in banner and "0.0.0.0" not in banner
    with httpx_client(served["app"]) as client:
        assert client.get("/_mock/config").status_code in (401, 403)
        assert client.get("/_mock/config",
                          headers={"X-Fashn-Mock-Token": token}).status_code == 200
        assert client.get("/healthz").json()["status"] == "ok"


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output == f"fashn-mock, version {__version__}\n"


def test_python_dash_m_runs_the_command() -> None:
    done = subprocess.run([sys.executable, "-m", "fashn_mock", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == f"fashn-mock, version {__version__}\n"


def test_shell_completion() -> None:
    runner = CliRunner()
    script = runner.invoke(cli, [], prog_name="fashn-mock",
                           env={"_FASHN_MOCK_COMPLETE": "bash_source"})
    assert script.exit_code == 0 and "_fashn_mock_completion" in script.output
    words = runner.invoke(cli, [], prog_name="fashn-mock",
                          env={"_FASHN_MOCK_COMPLETE": "bash_complete",
                               "COMP_WORDS": "fashn-mock serve --log-f", "COMP_CWORD": "2"})
    assert "--log-format" in words.output
    values = runner.invoke(cli, [], prog_name="fashn-mock",
                           env={"_FASHN_MOCK_COMPLETE": "bash_complete",
                                "COMP_WORDS": "fashn-mock serve --log-format ",
                                "COMP_CWORD": "3"})
    assert "json" in values.output and "text" in values.output


def test_main_returns_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi"]) == 0
    assert capsys.readouterr().out.startswith("openapi: 3.1.0")
    assert main(["serve", "--time-scale", "-1"]) == 2
    assert "Invalid value for '--time-scale'" in capsys.readouterr().err
    assert main(["no-such-command"]) == 2


@pytest.mark.parametrize(("args", "says"), [
    (["--workers", "2"], "--workers above 1 needs a shared store"),
    (["--store", "http://cache:6379"], "store URL 'http://cache:6379': expected redis://"),
    (["--store", "redis://127.0.0.1:6379/0", "--store-prefix", "a:b"], "store prefix 'a:b'"),
    (["--store", "redis://127.0.0.1:1/0", "--replay", "."], "--replay keeps its recordings"),
    (["--store", "redis://127.0.0.1:1/0"], "the store at redis://127.0.0.1:1/0 cannot be "
                                           "used: "),
    (["--store", "redis://u:secret@[::1"], "store URL 'redis://u:***@[::1': Invalid IPv6"),
    (["--store", "redis://127.0.0.1:1/0?db=x"], "the store at redis://127.0.0.1:1/0?db=x "
                                                "cannot be used: Invalid value for 'db'"),
    (["--store", "redis://u:secret@127.0.0.1:1/0"], "the store at redis://u:***@127.0.0.1:1/0 "
                                                    "cannot be used: "),
])
def test_a_store_that_cannot_serve_is_one_error_line(args: list[str], says: str) -> None:
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    [error] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert error.startswith(f"Error: {says}"), result.output
    assert isinstance(result.exception, SystemExit)
