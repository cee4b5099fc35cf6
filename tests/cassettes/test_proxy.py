"""The recording proxy against a real upstream server: forwarding, redaction,
media download, and what it records."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pytest

from fashn_mock.cassettes import Cassette, CassetteSession, ReplaySource
from fashn_mock.cassettes import proxy as proxy_module
from fashn_mock.cassettes.matcher import compact_inputs
from fashn_mock.cassettes.proxy import Proxy
from fashn_mock.cassettes.recorder import Recorder
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
from tests.cassettes.example import FOLDER

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
    assert output.file is not None
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


# --- hardening ---------------------------------------------------------------------------
def call(proxy: Proxy, method: str, path: str, **options: Any) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=proxy.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
            return await client.request(method, path, **options)

    return asyncio.run(send())


def offline(tmp_path: Path, **options: Any) -> tuple[Proxy, Recorder]:
    recorder = Recorder(Cassette(tmp_path / "c.yaml"))
    return Proxy("http://127.0.0.1:9", recorder=recorder, **options), recorder


def test_request_bodies_are_capped(tmp_path: Path) -> None:
    proxy, recorder = offline(tmp_path, max_body=1000)
    declared = call(proxy, "POST", "/v1/run", content=b"x" * 1001)

    async def trickle() -> AsyncIterator[bytes]:  # no content-length: streamed
        for _ in range(100):
            yield b"y" * 100

    streamed = call(proxy, "POST", "/v1/run", content=trickle())
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert answer.json() == {"error": "BadRequest",
                                 "message": "Request body exceeds the 1000 byte limit"}
    assert recorder.cassette.interactions == []


def test_an_unreachable_upstream_is_a_json_502(tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    recorder = Recorder(Cassette(tmp_path / "c.yaml"))
    proxy = Proxy(f"http://127.0.0.1:{port}", recorder=recorder)
    for method, path in [("POST", "/v1/run"), ("GET", "/v1/status/p1"),
                         ("GET", "/v1/credits")]:
        answer = call(proxy, method, path, json=TRYON if method == "POST" else None,
                      headers=AUTH)
        assert answer.status_code == 502
        body = answer.json()
        assert body["error"] == "InternalServerError" and set(body) == {"error", "message"}
        assert f"upstream http://127.0.0.1:{port} is unreachable (ConnectError" in \
            body["message"]
        assert KEY not in answer.text
    recorder.close()
    assert recorder.cassette.interactions == []  # the proxy's own answers are not reality


def test_an_upstream_timeout_is_a_json_504(tmp_path: Path) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    proxy, _ = offline(tmp_path, transport=httpx.MockTransport(hang))
    answer = call(proxy, "GET", "/v1/credits", headers=AUTH)
    assert answer.status_code == 504 and answer.json()["error"] == "InternalServerError"
    assert "did not answer in time (ReadTimeout)" in answer.json()["message"]


def test_an_oversized_upstream_answer_is_a_json_502(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(proxy_module, "MAX_RESPONSE", 10)
    proxy, _ = offline(tmp_path, transport=httpx.MockTransport(
        lambda request: httpx.Response(200, json={"credits": {"total": 123456789}})))
    answer = call(proxy, "GET", "/v1/credits", headers=AUTH)
    assert answer.status_code == 502 and "larger than 10 bytes" in answer.json()["message"]


def test_the_control_plane_is_not_exposed(tmp_path: Path, upstream: Upstream) -> None:
    with CassetteSession(tmp_path / "x.yaml", "all", upstream=upstream.url) as session, \
            httpx.Client(base_url=session.base_url, headers=AUTH) as client:
        assert session.emulator.app is session.proxy.emulator  # it is there, behind
        for path in ("/_mock/config", "/_mock/journal", "/_mock/reset", "//_mock/config",
                     "/%5Fmock/config", "/cdn/../_mock/config", "/v1/../_mock/journal",
                     "/openapi.yaml"):
            for method in ("GET", "POST"):
                answer = client.request(method, path)
                assert answer.status_code == 404, (method, path)
                assert answer.json()["error"] == "NotFound", (method, path)
                assert "recording proxy" in answer.json()["message"]


def test_one_http_client_serves_the_whole_session(tmp_path: Path, upstream: Upstream,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[httpx.Client | httpx.AsyncClient] = []
    real_init = httpx.AsyncClient.__init__

    def counting(self: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        created.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", counting)
    clock = upstream.emulator.clock
    with CassetteSession(tmp_path / "c.yaml", "all", upstream=upstream.url,
                         clock=clock.now) as session, \
            httpx.Client(base_url=session.base_url, headers=AUTH) as client:
        for _ in range(3):
            assert drive(client, TRYON, clock.advance, step=1.0).statuses[-1] == "completed"
            client.get("/v1/credits")
    assert len(created) == 2  # one upstream client (outputs too), one for the emulator
    assert all(c.is_closed for c in created)  # closed with the session
    assert len(Cassette.load(tmp_path / "c.yaml").interactions) == 6


def test_hostile_bodies_still_leave_a_loadable_cassette(tmp_path: Path,
                                                        upstream: Upstream) -> None:
    deep: Any = "bottom"
    for _ in range(300):
        deep = {"d": deep}
    with CassetteSession(tmp_path / "c.yaml", "all", upstream=upstream.url) as session, \
            httpx.Client(base_url=session.base_url, headers=AUTH) as client:
        client.post("/v1/run", json={"model_name": "model-create",
                                     "inputs": {"prompt": "x", "deep": deep}})
        client.post("/v1/run", content=b'{"model_name": "model-create", "inputs": '
                                       b'{"prompt": "x", "n": NaN, "big": ' + b"9" * 200 +
                                       b', "s": "\\ud800"}}',
                    headers={"content-type": "application/json"})
        client.post("/v1/run", content=b"[" * 100_000 + b"]" * 100_000)
    first, second, third = Cassette.load(tmp_path / "c.yaml").interactions
    assert "nested deeper than" in json.dumps(first.request.body)
    inputs = second.request.body["inputs"]
    assert inputs["n"] == "<not recorded: nan>" and "more than 30 digits" in inputs["big"]
    assert third.request.body is None


def test_encoded_forms_of_the_key_never_reach_disk(tmp_path: Path,
                                                   upstream: Upstream) -> None:
    forms = [quote(KEY, safe=""), "".join(f"%{b:02X}" for b in KEY.encode()),
             "".join(f"%{b:02x}" for b in KEY.encode()),
             base64.b64encode(KEY.encode()).decode(),
             base64.urlsafe_b64encode(KEY.encode()).decode(),
             base64.b64encode(f"user:{KEY}".encode()).decode(),
             base64.b64encode(f"ab{KEY}".encode()).decode()]
    with CassetteSession(tmp_path / "leaky.yaml", "all", upstream=upstream.url) as session, \
            httpx.Client(base_url=session.base_url, headers=AUTH) as client:
        run = client.post("/v1/run", params={"webhook_url": f"https://hook.example/?k={forms[1]}"},
                          json={"model_name": "model-create",
                                "inputs": {"prompt": " ".join(forms)}})
        client.get(f"/v1/status/{run.json()['id']}")
    data = every_byte(tmp_path)
    assert run.status_code == 200 and data
    for form in [KEY, *forms]:
        assert form.encode() not in data, form
    decoded = unquote(unquote(data.decode()))
    assert KEY not in decoded


def test_deeply_nested_runs_are_matched_without_exhausting_the_stack(tmp_path: Path) -> None:
    deep: Any = "bottom"
    for _ in range(900):
        deep = [deep]
    body = {"model_name": "model-create", "inputs": {"prompt": "x", "deep": deep}}
    source = ReplaySource.load(FOLDER)
    proxy = Proxy("http://127.0.0.1:9", replay=source, emulator=Emulator().app)
    assert proxy._replayable(json.dumps(body).encode(), {}) is False
    cut = compact_inputs(body)
    assert "nested deeper than" in json.dumps(cut)
