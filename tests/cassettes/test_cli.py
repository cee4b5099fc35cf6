"""``fashn-mock record`` and ``fashn-mock serve --replay`` as real processes; their
options from flags and the environment."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from fashn_mock.cassettes import Cassette, CassetteError
from fashn_mock.cassettes.cli import record, replay_source_from
from fashn_mock.cli import cli, serve_params
from tests.cassettes.conftest import AUTH, KEY, TRYON, Upstream, drive
from tests.cassettes.example import FOLDER
from tests.support import Spawned, fashn_mock_process


def saved(path: Path, interactions: int) -> Cassette:
    """The cassette once the recorder's background writer has caught up."""
    deadline = time.monotonic() + 30
    while True:
        try:
            cassette = Cassette.load(path)
            if len(cassette.interactions) == interactions and \
                    len(cassette.interactions[-1].timeline) == 1:
                return cassette
        except CassetteError:
            pass  # not written yet
        assert time.monotonic() < deadline, "the recorder never wrote its changes"
        time.sleep(0.01)


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_record_survives_being_stopped_mid_session(tmp_path: Path, upstream: Upstream,
                                                   stop: signal.Signals) -> None:
    """Killed (SIGKILL): the cassette is complete up to the last background write,
    never torn. Stopped (SIGTERM, as Ctrl-C): everything recorded is written."""
    with fashn_mock_process("record", "--upstream", upstream.url, "--cassettes", str(tmp_path),
                            "--name", "live", "--mode", "all") as (url, process), \
            httpx.Client(base_url=url, headers=AUTH) as client:
        done = drive(client, TRYON, upstream.emulator.advance, step=5)  # the manual clock
        assert done.statuses[-1] == "completed"
        second = client.post("/v1/run", json=TRYON).json()["id"]
        client.get(f"/v1/status/{second}")  # the clock stands still: not finished
        if stop == signal.SIGKILL:
            saved(tmp_path / "live.yaml", 2)
        process.send_signal(stop)
        assert process.wait(timeout=30) is not None
    cassette = Cassette.load(tmp_path / "live.yaml")  # still a complete cassette
    first, interrupted = cassette.interactions
    assert first.terminal is not None and first.outputs[0].file is not None
    assert (tmp_path / first.outputs[0].file).is_file()
    assert sum(s.polls for s in first.timeline) == len(done.polls)
    assert len(interrupted.timeline) == 1 and interrupted.terminal is None
    assert KEY.encode() not in b"".join(p.read_bytes() for p in tmp_path.rglob("*")
                                        if p.is_file())


def test_serve_replays_the_example_cassette_by_polls() -> None:
    cassette = Cassette.load(FOLDER / "example.yaml")
    recorded = [s.status for s in cassette.interactions[0].timeline
                for _ in range(s.polls)]
    body = cassette.interactions[0].request.body
    with fashn_mock_process("serve", "--replay", str(FOLDER), "--replay-by", "polls",
                 "--replay-strict", "--time-scale", "1") as (url, _), \
            httpx.Client(base_url=url, headers={"Authorization": "Bearer ci"}) as client:
        replayed = drive(client, body)
        output = client.get(replayed.last["output"][0])
        miss = client.post("/v1/run", json={**body, "inputs": {**body["inputs"],
                                                               "mode": "quality"}})
    assert replayed.statuses == recorded
    recorded_file = cassette.interactions[0].outputs[0].file
    assert recorded_file is not None
    assert output.content == (FOLDER / recorded_file).read_bytes()
    assert miss.status_code == 400
    assert 'inputs.mode: recorded "performance", sent "quality"' in miss.json()["message"]


def test_serve_flags() -> None:
    params = serve_params(["--replay", str(FOLDER), "--replay-by", "polls",
                           "--match", "model_name,inputs.model_image",
                           "--match-ignore", "inputs.seed"])
    source = replay_source_from(params)
    assert source is not None and source.by_polls and not source.strict
    assert source.matcher.fields == ("model_name", "inputs.model_image")
    assert source.matcher.ignore == ("inputs.seed",)
    assert replay_source_from(serve_params([])) is None


def test_record_says_what_it_recorded_when_it_stops(tmp_path: Path,
                                                    upstream: Upstream) -> None:
    with Spawned("record", "--upstream", upstream.url, "--cassettes", str(tmp_path),
                 "--name", "told", "--mode", "all", "--port", "0") as recorder:
        url = recorder.wait_for("FASHN_BASE_URL=").split("FASHN_BASE_URL=")[1].split()[0]
        with httpx.Client(base_url=url, headers=AUTH) as client:
            done = drive(client, TRYON, upstream.emulator.advance, step=5)
            assert done.statuses[-1] == "completed"
            assert client.post("/v1/run", json=TRYON).status_code == 200  # never polled
            client.get("/v1/credits")
        recorder.process.send_signal(signal.SIGTERM)
        recorder.finish()
    [told] = [line for line in recorder.lines if "recorded " in line]
    cassette = Cassette.load(tmp_path / "told.yaml")
    assert f"recorded {len(cassette.interactions)} exchange(s) into " \
           f"{tmp_path / 'told.yaml'}: 2 prediction(s) (1 finished, 1 output file(s)), " \
           "0 refused run(s), 1 other exchange(s)" in told


def test_record_with_nothing_recorded_says_so(tmp_path: Path) -> None:
    with Spawned("record", "--upstream", "http://127.0.0.1:9", "--cassettes", str(tmp_path),
                 "--port", "0") as recorder:
        recorder.wait_for("FASHN_BASE_URL=")
        recorder.process.send_signal(signal.SIGINT)
        assert recorder.finish() == 0
    assert any(f"recorded nothing; {tmp_path / 'session.yaml'} is unchanged" in line
               for line in recorder.lines)
    assert not (tmp_path / "session.yaml").exists()


def test_record_options_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    for variable, value in [("FASHN_MOCK_UPSTREAM", "http://127.0.0.1:1"),
                            ("FASHN_MOCK_CASSETTES", str(tmp_path)),
                            ("FASHN_MOCK_RECORD_NAME", "n"), ("FASHN_MOCK_RECORD_MODE", "all"),
                            ("FASHN_MOCK_RECORD_HOST", "127.0.0.2"),
                            ("FASHN_MOCK_RECORD_PORT", "0"),
                            ("FASHN_MOCK_REDACT", "a,b\nc d"),
                            ("FASHN_MOCK_MATCH", "model_name"),
                            ("FASHN_MOCK_MATCH_IGNORE", "inputs.seed"),
                            ("FASHN_MOCK_LOG_LEVEL", "error"),
                            ("FASHN_MOCK_LOG_FORMAT", "json")]:
        monkeypatch.setenv(variable, value)
    with record.make_context("record", []) as ctx:
        assert ctx.params == {
            "upstream": "http://127.0.0.1:1", "cassettes": tmp_path, "name": "n",
            "mode": "all", "host": "127.0.0.2", "port": 0, "redact": ("a,b", "c d"),
            "match": "model_name", "match_ignore": ("inputs.seed",), "log_level": "error",
            "log_format": "json", "max_body": 64 * 1024 * 1024}
    text = " ".join(CliRunner().invoke(record, ["--help"]).output.split())
    for param in record.params:
        assert f"env var: {param.envvar}" in text, param.name


@pytest.mark.parametrize(("args", "error"), [
    (["--mode", "sometimes"], "Invalid value for '--mode'"),
    (["--port", "99999"], "Invalid value for '--port'"),
    (["--upstream", "api.fashn.ai"], "Invalid value for '--upstream'"),
    (["--match", "nope"], "Invalid value for '--match'"),
    (["--name", "../elsewhere"], "Invalid value for '--name'"),
    (["--mode", "none"], "no such cassette"),
])
def test_record_refuses_bad_options_in_one_line(tmp_path: Path, args: list[str],
                                                error: str) -> None:
    result = CliRunner().invoke(cli, ["record", "--cassettes", str(tmp_path), *args])
    assert result.exit_code == 2 and error in result.output, result.output
    assert isinstance(result.exception, SystemExit)
    assert CliRunner().invoke(cli, ["record"]).exit_code == 2  # --cassettes is required


def test_verify_cassettes_json_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASHN_MOCK_VERIFY_JSON", "1")
    result = CliRunner().invoke(cli, ["contract", "verify-cassettes", str(FOLDER)])
    assert result.output.lstrip().startswith("{"), result.output
    missing: Any = CliRunner().invoke(cli, ["contract", "verify-cassettes", "/no/such/dir"])
    assert missing.exit_code == 2 and "does not exist" in missing.output
