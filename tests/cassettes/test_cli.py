"""``fashn-mock record`` and ``fashn-mock serve --replay`` as real processes."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from fashn_mock import BackgroundServer, Emulator
from fashn_mock.cassettes import Cassette, CassetteError
from fashn_mock.cassettes.cli import replay_source_from
from fashn_mock.cli import build_parser
from tests.cassettes.conftest import AUTH, KEY, TRYON, drive
from tests.cassettes.example import FOLDER
from tests.support import fashn_mock_process


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
def test_record_survives_being_stopped_mid_session(tmp_path: Path,
                                                   stop: signal.Signals) -> None:
    """Killed (SIGKILL): the cassette is complete up to the last background write,
    never torn. Stopped (SIGTERM, as Ctrl-C): everything recorded is written."""
    upstream = Emulator(time_scale=0.02, api_keys=(KEY,))  # real time: tryon takes ~0.1 s
    with BackgroundServer(upstream.app) as server, \
            fashn_mock_process("record", "--upstream", server.url, "--cassettes", str(tmp_path),
                    "--name", "live", "--mode", "all") as (url, process), \
            httpx.Client(base_url=url, headers=AUTH) as client:
        done = drive(client, TRYON, lambda s: time.sleep(s), step=0.01)
        assert done.statuses[-1] == "completed"
        second = client.post("/v1/run", json=TRYON).json()["id"]
        client.get(f"/v1/status/{second}")
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
    assert output.content == (FOLDER / cassette.interactions[0].outputs[0].file).read_bytes()
    assert miss.status_code == 400
    assert 'inputs.mode: recorded "performance", sent "quality"' in miss.json()["message"]


def test_serve_flags() -> None:
    args = build_parser().parse_args(["serve", "--replay", str(FOLDER), "--replay-by",
                                      "polls", "--match", "model_name,inputs.model_image",
                                      "--match-ignore", "inputs.seed"])
    source = replay_source_from(args)
    assert source is not None and source.by_polls and not source.strict
    assert source.matcher.fields == ("model_name", "inputs.model_image")
    assert source.matcher.ignore == ("inputs.seed",)
    assert replay_source_from(build_parser().parse_args(["serve"])) is None
