"""``@pytest.mark.fashn_cassette`` in fresh pytest runs: record once against a real
upstream server, then replay in the default mode (none) without it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fashn_mock import BackgroundServer, Emulator
from tests.cassettes.conftest import KEY
from tests.cassettes.example import FOLDER

TESTS = """
import hashlib, json, os, pathlib

import httpx
import pytest

BODY = {"model_name": "tryon-v1.6",
        "inputs": {"model_image": "https://example.com/m.jpg",
                   "garment_image": "https://example.com/g.jpg", "mode": "performance"}}


def poll_until_done(body):
    headers = {"Authorization": "Bearer " + os.environ["FASHN_API_KEY"]}
    with httpx.Client(base_url=os.environ["FASHN_BASE_URL"], headers=headers) as client:
        prediction_id = client.post("/v1/run", json=body).json()["id"]
        seen = []
        while not seen or seen[-1].json()["status"] in ("starting", "in_queue", "processing"):
            seen.append(client.get(f"/v1/status/{prediction_id}"))
        output = client.get(seen[-1].json()["output"][0]).content
    return {"statuses": [s.json()["status"] for s in seen],
            "credits": seen[-1].headers.get("x-fashn-credits-used"),
            "output": hashlib.sha256(output).hexdigest()}


@pytest.mark.fashn_cassette("tryon")
def test_tryon(fashn_cassette):
    seen = poll_until_done(BODY)
    pathlib.Path(f"seen-{fashn_cassette.mode.value}.json").write_text(json.dumps(seen))
"""

NEAR_MISS = """
import os

import httpx
import pytest


@pytest.mark.fashn_cassette("tryon")
def test_sends_something_else(fashn_mock):
    body = {"model_name": "tryon-v1.6",
            "inputs": {"model_image": "https://example.com/m.jpg",
                       "garment_image": "https://example.com/g.jpg", "mode": "quality"}}
    headers = {"Authorization": "Bearer " + os.environ["FASHN_API_KEY"]}
    answer = httpx.post(os.environ["FASHN_BASE_URL"] + "/v1/run", json=body, headers=headers)
    assert answer.status_code == 400  # code under test might well swallow this...


@pytest.mark.fashn_cassette("missing")
def test_missing_cassette():
    pass
"""


def test_record_once_then_replay(pytester: pytest.Pytester,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_tryon=TESTS)
    upstream = Emulator(time_scale=0.02, api_keys=(KEY,))
    monkeypatch.setenv("FASHN_API_KEY", KEY)
    with BackgroundServer(upstream.app) as server:
        recorded = pytester.runpytest("-p", "no:cacheprovider", "--fashn-record-mode=once",
                                      "--fashn-upstream", server.url)
        recorded.assert_outcomes(passed=1)
    assert len(upstream.predictions()) == 1
    cassette = Path(pytester.path) / "tests" / "cassettes" / "tryon.yaml"
    assert cassette.is_file() and KEY not in cassette.read_text()

    monkeypatch.delenv("FASHN_API_KEY")  # CI has no key, and no upstream
    replayed = pytester.runpytest("-p", "no:cacheprovider")
    replayed.assert_outcomes(passed=1)
    live = json.loads((Path(pytester.path) / "seen-once.json").read_text())
    again = json.loads((Path(pytester.path) / "seen-none.json").read_text())
    assert again == live and live["credits"] == "1"
    assert live["statuses"][-1] == "completed"

    pytester.makepyfile(test_tryon=NEAR_MISS)
    missed = pytester.runpytest("-p", "no:cacheprovider")
    missed.assert_outcomes(passed=1, errors=2)
    missed.stdout.fnmatch_lines([
        "*1 request(s) matched no recording in*tryon.yaml*",
        '*inputs.mode: recorded "performance", sent "quality"*',
        "*missing.yaml: no such cassette*"])


def test_recording_needs_the_real_key(pytester: pytest.Pytester,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_tryon=TESTS)
    monkeypatch.delenv("FASHN_API_KEY", raising=False)
    result = pytester.runpytest("-p", "no:cacheprovider", "--fashn-record-mode=all",
                                "--fashn-upstream", "http://127.0.0.1:9")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*recording a cassette needs the real API key*"])


def test_cassette_directory_from_the_ini_file(pytester: pytest.Pytester) -> None:
    shutil.copytree(FOLDER, Path(pytester.path) / "recorded")
    pytester.makeini("[pytest]\nfashn_cassette_dir = recorded\n")
    pytester.makepyfile(test_example="""
        import fashn
        import pytest

        @pytest.mark.fashn_cassette("example")
        def test_sdk(fashn_mock):
            result = fashn.Fashn().predictions.subscribe(
                model_name="tryon-v1.6", poll_interval=0.001,
                inputs={"model_image": "https://example.com/model.jpg",
                        "garment_image": "https://example.com/shirt.jpg",
                        "mode": "performance"})
            assert result.status == "completed" and result.credits_used == 1
            assert len(fashn_mock.journal().runs()) == 1
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
