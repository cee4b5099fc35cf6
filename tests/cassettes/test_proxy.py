"""The recording proxy against a real upstream server: forwarding, redaction,
media download, and what it records."""

from __future__ import annotations

from pathlib import Path

import httpx

from fashn_mock.cassettes import Cassette, CassetteSession, ReplaySource
from fashn_mock.emulator import Emulator
from tests.cassettes.conftest import (
    AUTH,
    KEY,
    TRYON,
    Recording,
    Upstream,
    drive,
    record_session,
)

CUSTOMER = r"https://example\.com/[\w./-]+"


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_secrets_never_reach_disk(tmp_path: Path, upstream: Upstream) -> None:
    leaky = {"model_name": "model-create",  # the key pasted into a prompt, twice
             "inputs": {"prompt": f"studio shot {KEY}, Authorization: Bearer {KEY}"}}
    with CassetteSession(tmp_path / "leaky.yaml", "all", upstream=upstream.url) as session, \
            httpx.Client(base_url=session.base_url, headers=AUTH) as client:
        run = client.post("/v1/run", json=leaky)
        client.get(f"/v1/status/{run.json()['id']}")
        denied = client.get("/v1/credits", headers={"Authorization": "Bearer fa-wrong-key"})
    assert run.status_code == 200 and denied.status_code == 401
    data = every_byte(tmp_path)
    assert data and KEY.encode() not in data
    for part in KEY.split("-")[1:]:  # no fragment of it either
        assert part.encode() not in data
    assert b"fa-wrong-key" not in data  # a rejected key is redacted too
    assert data.count(b"Bearer ") == data.count(b"Bearer <REDACTED>") == 1
    text = (tmp_path / "leaky.yaml").read_text()
    assert "prompt: 'studio shot <REDACTED>, Authorization: Bearer <REDACTED>'" in text


def test_extra_redactions_keep_requests_distinguishable(tmp_path: Path,
                                                        upstream: Upstream) -> None:
    recording = record_session(tmp_path / "redacted.yaml", upstream, redact=[CUSTOMER])
    text = (tmp_path / "redacted.yaml").read_text()
    assert "example.com" not in text and "<redacted:" in text
    assert Cassette.load(tmp_path / "redacted.yaml").redactions == [CUSTOMER]
    emulator = Emulator(manual_clock=True, time_scale=0)
    ReplaySource.load(tmp_path, by_polls=True, strict=True).attach(emulator)
    other_image = {"model_name": "tryon-v1.6",
                   "inputs": {**TRYON["inputs"], "model_image": "https://example.com/z.jpg"}}
    with emulator.httpx_client(headers=AUTH) as client:
        assert drive(client, TRYON).statuses == recording.tryon.statuses
        miss = client.post("/v1/run", json=other_image).json()["message"]
    assert "inputs.model_image: recorded \"<redacted:" in miss and "example.com" not in miss


def test_the_client_sees_the_upstream_answers(recording: Recording) -> None:
    cassette = Cassette.load(recording.path)
    output_url = recording.tryon.last["output"][0]
    assert output_url.startswith(f"{cassette.upstream}/cdn/")  # the real CDN URL
    assert recording.credits.json()["credits"]["total"] == 1_000_000_000 - 2
    assert recording.tryon.polls[-1].headers["x-fashn-credits-used"] == "1"


def test_what_a_prediction_looks_like_on_disk(recording: Recording) -> None:
    folder = Path(recording.path).parent
    tryon, failed, inline, limited, credits = Cassette.load(recording.path).interactions
    assert tryon.request.body == TRYON and tryon.response.body["id"] == \
        recording.tryon.run.json()["id"]
    assert [(s.status, s.at, s.polls) for s in tryon.timeline] == \
        [("starting", 0.0, 1), ("in_queue", 0.5, 1), ("processing", 1.0, 9),
         ("completed", 5.5, 1)]
    assert sum(s.polls for s in tryon.timeline) == len(recording.tryon.polls)
    terminal = tryon.timeline[-1].response
    assert terminal.headers["x-fashn-credits-used"] == "1"
    assert set(terminal.headers) >= {"x-ratelimit-limit", "x-ratelimit-remaining"}
    (output,) = tryon.outputs
    assert output.name == "output_0.png" and output.content_type == "image/png"
    assert terminal.body["output"] == [output.file]
    assert (folder / output.file).read_bytes() == recording.output_bytes
    assert failed.terminal is not None and failed.terminal.response.body["error"]["name"] == \
        "PoseError"
    assert inline.outputs[0].base64 and inline.outputs[0].file is not None
    assert limited.timeline == [] and limited.response.status == 429
    assert limited.response.headers["retry-after"] == "1"
    assert (credits.request.method, credits.request.path) == ("GET", "/v1/credits")


def test_unknown_prediction_polls_are_recorded_as_exchanges(tmp_path: Path,
                                                            upstream: Upstream) -> None:
    with CassetteSession(tmp_path / "x.yaml", "all", upstream=upstream.url) as session, \
            httpx.Client(base_url=session.base_url, headers=AUTH) as client:
        assert client.get("/v1/status/nope").status_code == 404
        assert client.get("/nowhere").status_code == 404  # the emulator's 404, not upstream
    (exchange,) = Cassette.load(tmp_path / "x.yaml").interactions
    assert exchange.request.path == "/v1/status/nope"
    assert exchange.response.body["error"] == "NotFound"
