"""Record modes (none, once, new_episodes, all) through ``CassetteSession``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from fashn_mock import Emulator
from fashn_mock.cassettes import Cassette, CassetteError, CassetteSession, RecordMode
from fashn_mock.cassettes.session import Plan, plan
from tests.cassettes.conftest import AUTH, KEY, TRYON, Upstream, drive, record_session

OTHER = {"model_name": "background-remove", "inputs": {"image": "https://example.com/x.jpg"}}


def upstream_runs(upstream: Upstream) -> int:
    return len(upstream.emulator.journal(path="/v1/run"))


@pytest.mark.parametrize(("mode", "exists", "expected"), [
    ("none", True, Plan(replay=True, record=False, fresh=False)),
    ("once", True, Plan(replay=True, record=False, fresh=False)),
    ("once", False, Plan(replay=False, record=True, fresh=True)),
    ("new_episodes", True, Plan(replay=True, record=True, fresh=False)),
    ("new_episodes", False, Plan(replay=False, record=True, fresh=True)),
    ("all", True, Plan(replay=False, record=True, fresh=True)),
])
def test_plan(mode: str, exists: bool, expected: Plan) -> None:
    assert plan(mode, exists) == expected


def test_none_needs_an_existing_cassette(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="no such cassette"):
        CassetteSession(tmp_path / "missing.yaml", RecordMode.NONE)


def test_once_records_then_replays_without_touching_upstream(
        tmp_path: Path, upstream: Upstream) -> None:
    path = tmp_path / "once.yaml"
    first = record_session(path, upstream, mode="once")
    runs = upstream_runs(upstream)
    assert path.is_file() and runs == 4
    emulator = Emulator(manual_clock=True, time_scale=0)
    with CassetteSession(path, "once", emulator=emulator, upstream=upstream.url,
                         by_polls=True) as session:
        assert not session.recording and session.base_url == emulator.base_url
        with emulator.httpx_client(headers=AUTH) as client:
            again = drive(client, TRYON)
            unknown = client.post("/v1/run", json=OTHER)
    assert again.statuses == first.tryon.statuses
    assert unknown.status_code == 400 and len(session.misses) == 1
    assert upstream_runs(upstream) == runs


def test_new_episodes_replays_matches_and_records_the_rest(
        tmp_path: Path, upstream: Upstream) -> None:
    path = tmp_path / "episodes.yaml"
    record_session(path, upstream, mode="once")
    before = len(Cassette.load(path).interactions)
    runs = upstream_runs(upstream)
    clock = upstream.emulator.clock
    with CassetteSession(path, "new_episodes", upstream=upstream.url, by_polls=True,
                         clock=clock.now) as session, \
            httpx.Client(base_url=session.base_url, headers=AUTH) as client:
        assert session.recording
        proxy_url = session.base_url
        replayed = drive(client, TRYON)  # matched: answered by the local emulator
        assert upstream_runs(upstream) == runs
        assert replayed.run.json()["id"] not in {p.id for p in
                                                 upstream.emulator.predictions()}
        fresh = drive(client, OTHER, clock.advance)  # unmatched: recorded upstream
        output = client.get(replayed.last["output"][0])
    assert upstream_runs(upstream) == runs + 1
    assert replayed.statuses[-1] == fresh.statuses[-1] == "completed"
    assert output.status_code == 200  # the replayed output, served through the proxy
    assert replayed.last["output"][0].startswith(proxy_url + "/cdn/")
    cassette = Cassette.load(path)
    assert len(cassette.interactions) == before + 1
    assert cassette.interactions[-1].request.body == OTHER


def test_all_rerecords_from_scratch(tmp_path: Path, upstream: Upstream) -> None:
    path = tmp_path / "all.yaml"
    record_session(path, upstream, mode="all")
    with CassetteSession(path, "all", upstream=upstream.url) as session, \
            httpx.Client(base_url=session.base_url, headers=AUTH) as client:
        drive(client, OTHER, upstream.emulator.clock.advance)
    interactions = Cassette.load(path).interactions
    assert [i.request.body for i in interactions] == [OTHER]
    assert KEY not in path.read_text()
