"""Network faults on the wire: every kind over a real socket and in-process, the ways
to ask for one (header, rules, chaos), the journal entries they leave."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fashn_mock import BackgroundServer, Emulator
from fashn_mock.faces.network import NetworkMiddleware
from fashn_mock.testing import SwitchableApp
from tests.support import AUTH, KEY, tryon

Clients = Callable[..., httpx.Client]


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(SwitchableApp()) as running:
        yield running


@pytest.fixture
def emulator(server: BackgroundServer) -> Iterator[Emulator]:
    emulator = Emulator(time_scale=0, seed=0, manual_clock=True)
    switch = server.app
    assert isinstance(switch, SwitchableApp)
    switch.target = emulator.app
    yield emulator
    switch.target = None


@pytest.fixture(params=["socket", "in-process"])
def via(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clients(emulator: Emulator, server: BackgroundServer, via: str) -> Clients:
    """Clients of the emulator, over the socket or in-process (``via``)."""
    def make(**kwargs: Any) -> httpx.Client:
        kwargs.setdefault("headers", AUTH)
        if via == "socket":
            return httpx.Client(base_url=server.url, **kwargs)
        return emulator.httpx_client(**kwargs)
    return make


def network(fault: str) -> dict[str, str]:
    return {"X-Fashn-Mock-Network": fault}


BROKEN = [
    ("reset", httpx.ReadError, "Connection reset by peer", False),
    ("empty", httpx.RemoteProtocolError, "Server disconnected without sending a response",
     False),
    ("garbage", httpx.RemoteProtocolError, "illegal status line", False),
    ("truncate", httpx.RemoteProtocolError,
     "peer closed connection without sending complete message body", True),
    ("lost-response", httpx.ReadError, "Connection reset by peer", True),
]


@pytest.mark.parametrize(("fault", "error", "message", "processed"), BROKEN)
def test_broken_connections_raise_what_httpx_raises(
        clients: Clients, emulator: Emulator, via: str, fault: str,
        error: type[Exception], message: str, processed: bool) -> None:
    with clients() as client, pytest.raises(error, match=message):
        client.post("/v1/run", json=tryon(), headers=network(fault))
    assert len(emulator.predictions()) == (1 if processed else 0)
    [entry] = emulator.journal()
    assert entry.network_fault is not None
    assert {k: entry.network_fault[k] for k in ("kind", "source", "processed", "via")} == {
        "kind": fault, "source": "header", "processed": processed, "via": via}
    assert (entry.status, entry.key, entry.dialect) == (200 if processed else 0, KEY, "native")
    assert (entry.prediction_id is not None) is processed
    with clients() as client:  # the next request is served as usual
        assert client.post("/v1/run", json=tryon()).status_code == 200


def test_truncate_sends_the_headers_and_half_the_body(clients: Clients) -> None:
    """(In-process, answers are read whole: the error comes when the stream opens.)"""
    with clients() as client, pytest.raises(httpx.RemoteProtocolError) as broken, \
            client.stream("POST", "/v1/run", json=tryon(),
                          headers=network("truncate")) as response:
        assert response.status_code == 200
        response.read()
    found = re.search(r"received (\d+) bytes, expected (\d+)", str(broken.value))
    assert found is not None and int(found[1]) == int(found[2]) // 2 > 0


def test_malformed_is_well_framed_broken_json(clients: Clients, emulator: Emulator) -> None:
    with clients() as client:
        response = client.post("/v1/run", json=tryon(), headers=network("malformed"))
    assert response.status_code == 200 and response.content.startswith(b'{"id":')
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        response.json()
    [prediction] = emulator.predictions()
    assert prediction.id.startswith(response.text[7:20])


@pytest.mark.parametrize("fault", ["delay=0.05", "dribble=0.05", "delay=0.02..0.05",
                                   "delay=lognormal:0.05:0.1"])
def test_delays_and_dribbles_answer_late_but_whole(clients: Clients, emulator: Emulator,
                                                   fault: str) -> None:
    with clients() as client:
        started = time.perf_counter()
        response = client.post("/v1/run", json=tryon(), headers=network(fault))
        took = time.perf_counter() - started
    [entry] = emulator.journal()
    assert entry.network_fault is not None
    assert response.json()["id"] == entry.prediction_id
    assert took >= entry.network_fault["seconds"] * 0.9  # wall time, by design


@pytest.mark.parametrize("fault", ["delay=0.4", "dribble=0.8"])
def test_a_read_timeout_shorter_than_the_wait_times_out(clients: Clients, emulator: Emulator,
                                                        via: str, fault: str) -> None:
    with clients(timeout=0.03) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/v1/credits", headers=network(fault))
    if via == "in-process":  # over a socket the server notices a moment later
        [entry] = emulator.journal()
        assert entry.network_fault is not None and entry.network_fault["client_left"]


def test_faults_reach_the_cdn_and_are_journaled(clients: Clients,
                                                emulator: Emulator) -> None:
    with clients() as client:
        prediction_id = client.post("/v1/run", json=tryon()).json()["id"]
        output = client.get(f"/v1/status/{prediction_id}").json()["output"][0]
        path = httpx.URL(output).path
        assert client.get(path).status_code == 200  # not journaled without a fault
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(path, headers=network("truncate"))
    entries = emulator.journal(dialect="cdn")
    assert [(e.path, e.status, e.prediction_id, e.key) for e in entries] == [
        (path, 200, prediction_id, None)]
    assert entries[0].network_fault is not None
    assert entries[0].network_fault["kind"] == "truncate"


def test_the_header_is_ignored_off_the_api_routes(clients: Clients) -> None:
    with clients() as client:
        assert client.get("/_mock/clock", headers=network("reset")).status_code == 200
        assert client.get("/openapi.yaml", headers=network("reset")).status_code == 200


def test_a_bad_header_is_a_400_in_the_journal(clients: Clients, emulator: Emulator) -> None:
    with clients() as client:
        response = client.get("/v1/credits", headers=network("delay=forever"))
    assert response.status_code == 400
    assert response.json()["error"] == "BadRequest"
    assert "X-Fashn-Mock-Network" in response.json()["message"]
    [entry] = emulator.journal()
    assert (entry.status, entry.error, entry.key, entry.network_fault) == (
        400, "BadRequest", KEY, None)


def test_rules_through_the_control_api(clients: Clients, emulator: Emulator) -> None:
    with clients() as client:
        rule = {"fault": "reset", "path": "/v1/status", "method": "GET", "times": 1}
        scheduled = client.post("/_mock/network", json=rule).json()
        assert scheduled == {**rule, "dialect": None, "key": None, "model": None}
        assert client.get("/_mock/network").json()["rules"] == [scheduled]
        prediction_id = client.post("/v1/run", json=tryon()).json()["id"]
        with pytest.raises(httpx.ReadError):
            client.get(f"/v1/status/{prediction_id}")
        assert client.get(f"/v1/status/{prediction_id}").status_code == 200
        assert client.get("/_mock/network").json()["rules"] == []
        client.post("/_mock/network", json={"fault": "empty"})
        assert client.delete("/_mock/network").json() == {"rules": [], "chaos": {}}
        assert client.get("/v1/credits").status_code == 200
        for bad in ({"fault": "explode"}, {"fault": "reset", "times": 0}, {"path": "/v1"},
                    {"fault": "reset", "colour": "red"}):
            assert client.post("/_mock/network", json=bad).status_code == 400
    [reset] = [e for e in emulator.journal() if e.network_fault]
    assert (reset.network_fault or {})["source"] == "rule"
    assert reset.prediction_id == prediction_id  # read from the status path


def test_model_rules_read_the_body_and_pass_it_on(clients: Clients,
                                                  emulator: Emulator) -> None:
    emulator.network_next("empty", model="reframe")
    with clients() as client:
        assert client.post("/v1/run", json=tryon()).status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/v1/run", json={"model_name": "reframe", "inputs": {
                "image": "https://example.com/a.jpg", "aspect_ratio": "16:9"}})
        assert client.post("/v1/run", content=b"{not json").status_code == 400
    assert [p.model for p in emulator.predictions()] == ["tryon-v1.6"]


def test_key_rules_spare_other_keys(clients: Clients, emulator: Emulator) -> None:
    emulator.network_next("reset", key="victim", times=5)
    with clients() as client:
        assert client.get("/v1/credits").status_code == 200
        with pytest.raises(httpx.ReadError):
            client.get("/v1/credits", headers={"Authorization": "Bearer victim"})
    emulator.clear_network(key="victim")
    assert emulator.engine.network.rules == []


def test_chaos_through_the_control_api(clients: Clients, emulator: Emulator) -> None:
    with clients() as client:
        refused = client.put("/_mock/chaos", json={"failure_rate": 0.5,
                                                    "network": {"reset": 2}})
        assert refused.status_code == 400 and "network" in refused.json()["message"]
        assert client.get("/_mock/config").json()["failure_rate"] == 0.0  # nothing changed
        set_ = client.put("/_mock/chaos", json={"network": "empty=1"}).json()
        assert set_["network"] == {"empty": 1.0}
        assert client.get("/_mock/network").json()["chaos"] == {"empty": 1.0}
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/v1/credits")
        assert client.put("/_mock/chaos", json={"network": {}}).json()["network"] == {}
        assert client.get("/v1/credits").status_code == 200
    [entry] = [e for e in emulator.journal() if e.network_fault]
    assert (entry.network_fault or {})["source"] == "chaos"


def outcomes(emulator: Emulator, requests: int = 40) -> list[str]:
    found = []
    with emulator.httpx_client(headers=AUTH, timeout=5) as client:
        for _ in range(requests):
            try:
                found.append(str(client.get("/v1/credits").status_code))
            except httpx.TransportError as error:
                found.append(type(error).__name__)
    return found


def test_the_same_seed_gives_the_same_faults() -> None:
    profile = {"reset": 0.2, "empty": 0.2, "malformed": 0.1}
    first = outcomes(Emulator(time_scale=0, seed=11, network_chaos=profile))
    assert first == outcomes(Emulator(time_scale=0, seed=11, network_chaos=profile))
    assert first != outcomes(Emulator(time_scale=0, seed=12, network_chaos=profile))
    assert {"ReadError", "RemoteProtocolError", "200"} <= set(first)


def test_without_a_link_faults_degrade_to_a_broken_answer() -> None:
    """Another ASGI server: no link, so the fault promises a body that never comes."""
    emulator = Emulator(time_scale=0)
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("a reset request never reaches the app")

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/v1/credits", "query_string": b"",
             "headers": [(b"x-fashn-mock-network", b"reset")]}
    import anyio

    anyio.run(NetworkMiddleware(app, emulator.engine), scope, receive, send)  # type: ignore[arg-type]
    assert sent == [{"type": "http.response.start", "status": 502,
                     "headers": [(b"content-length", b"1")]}]
    [entry] = emulator.journal()
    assert entry.network_fault is not None and entry.network_fault["via"] == "degraded"


hostile = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) \
    | st.sampled_from(["reset", "delay=0.01", "/v1/", "GET", "native", "tryon-v1.6"]) \
    | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=8), st.floats(),
                                                            max_size=2)


@settings(max_examples=150)
@given(rule=st.dictionaries(st.sampled_from(["fault", "path", "method", "dialect", "key",
                                             "model", "times", "other"]), hostile, max_size=5),
       profile=hostile)
def test_any_network_steering_is_answered_without_a_5xx(rule: dict[str, Any],
                                                        profile: Any) -> None:
    emulator = Emulator(time_scale=0)
    with emulator.httpx_client(headers=AUTH) as client:
        for method, path, body in (("POST", "/_mock/network", rule),
                                   ("PUT", "/_mock/chaos", {"network": profile})):
            response = client.request(method, path, content=json.dumps(body).encode())
            assert response.status_code < 500, response.text
        client.delete("/_mock/network")
        client.put("/_mock/chaos", json={"network": {}})
        assert client.post("/v1/run", json=tryon()).status_code == 200


@settings(max_examples=150)
@given(value=st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=300))
def test_any_header_value_is_a_fault_or_a_400(value: str) -> None:
    emulator = Emulator(time_scale=0)
    with emulator.httpx_client(headers=AUTH, timeout=0.2) as client:
        try:
            response = client.get("/v1/credits",
                                  headers=[(b"x-fashn-mock-network", value.encode("latin-1"))])
        except httpx.TransportError:
            assert emulator.journal()[-1].network_fault is not None
            return
        assert response.status_code in (200, 400), response.text
