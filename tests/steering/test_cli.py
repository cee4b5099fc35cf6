"""``fashn-mock ctl``: every operation against a served emulator, answering what the
Python view answers; the connection options and their environment variables; one
clear line (never a traceback) for every refusal."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from fashn_mock import Config, Emulator
from fashn_mock.cli import cli
from fashn_mock.steering import OPERATIONS
from fashn_mock.steering.operations import to_json
from tests.support import AUTH, KEY, tryon

Check = Callable[[Emulator, Any], Any]
READS = {"time", "credits", "faults", "chaos", "network", "predictions", "prediction",
         "journal", "violations", "behaviour", "effective_config", "replay", "webhooks",
         "webhook_scripts", "inbox", "webhook_url"}
"""Operations that change nothing: the command answers what Python answers."""
VARIABLES = ("FASHN_MOCK_URL", "FASHN_MOCK_CONTROL_TOKEN", "FASHN_MOCK_REQUEST_TIMEOUT")


class Scene:
    """A served emulator with three predictions of ``KEY``: ``done`` (finished, its
    webhook delivered to the ``hooks`` inbox), ``running`` and ``queued``."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.url = emulator.base_url
        with httpx.Client(base_url=self.url, headers=AUTH) as client:
            hook = emulator.webhook_url("hooks")
            self.done = client.post("/v1/run", params={"webhook_url": hook},
                                    json=tryon(mode="performance")).json()["id"]
            emulator.advance(30)
            self.running = client.post("/v1/run", json=tryon()).json()["id"]
            self.queued = client.post("/v1/run", json=tryon()).json()["id"]
            client.get(f"/v1/status/{self.done}")


@pytest.fixture
def scene(monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    for variable in VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    with Emulator(manual_clock=True, time_scale=1, seed=0) as emulator:
        yield Scene(emulator)


def arguments(scene: Scene) -> dict[str, list[str]]:
    """Command-line arguments for each operation, in this scene."""
    return {
        "time": [], "advance": ["1.5"], "freeze": [], "unfreeze": [],
        "run_until_done": ["--key", KEY], "reset": ["--key", "someone-else"],
        "credits": [KEY], "set_credits": [KEY, "--total", "5"],
        "fail_next": ["PoseError", "--model", "tryon-v1.6", "--times", "2", "--key", KEY],
        "faults": [], "clear_faults": ["--key", KEY], "chaos": [],
        "set_chaos": ["--jitter", "0.1", "--network", "reset=0.05"],
        "network_next": ["reset", "--path", "/v1/credits", "--times", "3"],
        "network": [], "clear_network": [],
        "predictions": ["--key", KEY, "--status", "completed"],
        "prediction": [scene.done], "cancel": [scene.running], "time_out": [scene.queued],
        "journal": ["--key", KEY, "--limit", "2"], "clear_journal": ["--key", KEY],
        "violations": [], "behaviour": ["--key", KEY, "--min-poll-interval", "2"],
        "effective_config": [], "replay": [], "webhooks": ["--key", KEY],
        "redeliver": [scene.done], "script_webhook": ["--delay", "5", "--reorder"],
        "webhook_scripts": [], "clear_webhook_scripts": [],
        "wait_for_webhooks": ["--timeout", "5"], "inbox": ["hooks"],
        "drop_inbox": ["hooks"], "fail_inbox": ["hooks", "--status", "502"],
        "webhook_url": ["hooks"],
    }


def python_call(scene: Scene, name: str) -> Any:
    """The same operation called in Python (reads only)."""
    emulator, calls = scene.emulator, {
        "credits": lambda: emulator.credits(KEY),
        "predictions": lambda: emulator.predictions(key=KEY, status="completed"),
        "prediction": lambda: emulator.prediction(scene.done),
        "journal": lambda: emulator.journal(key=KEY, limit=2),
        "behaviour": lambda: emulator.behaviour(key=KEY, min_poll_interval=2),
        "webhooks": lambda: emulator.webhooks(key=KEY),
        "inbox": lambda: emulator.inbox("hooks"),
        "webhook_url": lambda: emulator.webhook_url("hooks"),
    }
    return calls.get(name, getattr(emulator, name))()


EFFECTS: dict[str, Check] = {
    "advance": lambda e, answer: answer == e.time().as_json() and answer["frozen"],
    "set_credits": lambda e, answer: answer["credits"]["total"] == e.credits(KEY).total == 5,
    "fail_next": lambda e, answer: [f.as_json() for f in e.faults()] == [answer],
    "set_chaos": lambda e, answer: answer == e.chaos().as_json()
    and e.chaos().network == {"reset": 0.05},
    "network_next": lambda e, answer: e.network().rules[0].as_json() == answer,
    "cancel": lambda e, answer: answer["status"] == "canceled",
    "time_out": lambda e, answer: answer["status"] == "time_out",
    "clear_journal": lambda e, answer: e.journal(key=KEY) == [] == answer["entries"],
    "script_webhook": lambda e, answer: [r.as_json() for r in e.webhook_scripts()]
    == [answer],
    "wait_for_webhooks": lambda e, answer: answer == {"idle": True},
    "fail_inbox": lambda e, answer: e.inbox("hooks").as_json() == answer
    and answer["pending_failures"] == [502],
    "drop_inbox": lambda e, answer: answer == {"ok": True},
}


def ctl(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["ctl", *args], env=env)


def test_every_operation_has_arguments_here() -> None:
    placeholder = Scene.__new__(Scene)
    placeholder.done = placeholder.running = placeholder.queued = "x"
    assert set(arguments(placeholder)) == {operation.name for operation in OPERATIONS}
    assert {operation.name for operation in OPERATIONS} >= READS


@pytest.mark.parametrize("operation", OPERATIONS, ids=[o.name for o in OPERATIONS])
def test_each_operation_from_the_command_line(scene: Scene, operation: Any) -> None:
    result = ctl(operation.command, *arguments(scene)[operation.name], "--url", scene.url)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    if operation.name in READS:
        expected = to_json(python_call(scene, operation.name), operation.envelope)
        assert answer == json.loads(json.dumps(expected))
    check = EFFECTS.get(operation.name)
    if check is not None:
        assert check(scene.emulator, answer), answer


def test_the_url_comes_from_the_environment(scene: Scene) -> None:
    result = ctl("time", env={"FASHN_MOCK_URL": scene.url})
    assert result.exit_code == 0 and json.loads(result.output)["frozen"] is True


def test_the_token_comes_from_the_flag_or_the_environment() -> None:
    with Emulator(Config(control_token="s3cret"), manual_clock=True) as emulator:
        refused = ctl("time", "--url", emulator.base_url)
        assert refused.exit_code == 1
        assert refused.output.strip() == ("Error: HTTP 401: Control API: missing or wrong "
                                          "x-fashn-mock-token header")
        assert ctl("time", "--url", emulator.base_url, "--token", "s3cret").exit_code == 0
        from_env = ctl("time", "--url", emulator.base_url,
                       env={"FASHN_MOCK_CONTROL_TOKEN": "s3cret"})
        assert from_env.exit_code == 0, from_env.output


def test_refusals_are_one_line(scene: Scene) -> None:
    unknown = ctl("prediction", "nope", "--url", scene.url)
    assert unknown.exit_code == 1 and unknown.output.startswith("Error: HTTP 404:")
    nothing = ctl("script-webhook", "--url", scene.url)
    assert nothing.exit_code == 1
    assert nothing.output == "Error: HTTP 400: script_webhook: ask for duplicate, delay or " \
        "reorder\n"


@pytest.mark.parametrize("args", [["advance", "-5"], ["advance", "soon"], ["advance"],
                                  ["fail-next", "PoseError", "--times", "0"],
                                  ["set-chaos", "--network", "reset=2"],
                                  ["time", "--url", "ftp://x"],
                                  ["time", "--request-timeout", "0"],
                                  ["nonsense"]])
def test_bad_values_are_usage_errors(args: list[str]) -> None:
    result = ctl(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert [line for line in result.output.splitlines() if line.startswith("Error:")]


@pytest.mark.parametrize(("variable", "value"), [("FASHN_MOCK_URL", "nope"),
                                                 ("FASHN_MOCK_REQUEST_TIMEOUT", "-1")])
def test_bad_variables_are_usage_errors_naming_them(variable: str, value: str) -> None:
    result = ctl("time", env={variable: value})
    assert result.exit_code == 2
    assert f"(env var: '{variable}')" in result.output


def test_every_connection_option_shows_its_variable() -> None:
    text = " ".join(ctl("advance", "--help").output.split())
    for variable in VARIABLES:
        assert f"env var: {variable}" in text


def test_an_unreachable_emulator_is_exit_3() -> None:
    result = ctl("time", "--url", "http://127.0.0.1:9", "--request-timeout", "5")
    assert result.exit_code == 3
    assert result.output.startswith("Error: cannot reach the emulator at http://127.0.0.1:9")


def test_something_that_is_not_an_emulator_is_refused() -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from fashn_mock import BackgroundServer

    async def text(request: Any) -> PlainTextResponse:
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/_mock/clock", text)])
    with BackgroundServer(app) as server:
        result = ctl("time", "--url", server.base_url)
    assert result.exit_code == 1 and "not JSON" in result.output
