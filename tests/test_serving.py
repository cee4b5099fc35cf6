"""``fashn_mock.serving`` as a real process: the banner after the bind with a usable
URL, JSON logs, a bounded graceful shutdown; and the address helpers."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
from collections.abc import Sequence

import httpx
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from fashn_mock.accesslog import AccessLog, Entry, Writer
from fashn_mock.serving import Bound, _Server, is_loopback
from tests.support import Spawned, free_port


def banner_url(line: str) -> str:
    return line.rsplit("FASHN_BASE_URL=", 1)[1].strip()


def test_the_banner_comes_once_bound_with_the_real_port() -> None:
    with Spawned("serve", "--port", "0", "--time-scale", "0") as server:
        url = banner_url(server.wait_for("FASHN_BASE_URL="))
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        # printed after the bind: the first request needs no retry
        assert httpx.get(f"{url}/healthz").json()["status"] == "ok"
        server.process.send_signal(signal.SIGINT)
        assert server.finish() == 0  # Ctrl-C is a clean stop


def test_json_logs_are_one_object_per_line() -> None:
    with Spawned("serve", "--port", "0", "--log-format", "json") as server:
        banner = json.loads(server.wait_for('"url"'))
        assert banner["logger"] == "fashn_mock" and banner["level"] == "INFO"
        assert banner["port"] > 0 and banner["url"] == f"http://127.0.0.1:{banner['port']}"
        httpx.get(f"{banner['url']}/v1/credits", headers={"Authorization": "Bearer k"})
        access = json.loads(server.wait_for("/v1/credits"))
        assert (access["logger"], access["method"], access["path"], access["status"]) \
            == ("uvicorn.access", "GET", "/v1/credits", 200)
        server.process.send_signal(signal.SIGTERM)
        server.finish()
    entries = [json.loads(line) for line in server.lines]  # every line is JSON
    assert {"uvicorn.error", "uvicorn.access", "fashn_mock"} <= {e["logger"] for e in entries}
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)


def test_access_lines_are_uvicorns_on_stdout_and_written_before_the_end() -> None:
    with Spawned("serve", "--port", "0", "--time-scale", "0") as server:
        url = banner_url(server.wait_for("FASHN_BASE_URL="))
        with httpx.Client() as client:
            client.get(f"{url}/v1/credits", headers={"Authorization": "Bearer k"})
            client.get(f"{url}/v1/status/no%20such?x=1", headers={"Authorization": "Bearer k"})
            local_port = client.get(f"{url}/healthz").extensions["network_stream"] \
                .get_extra_info("client_addr")[1]
            server.process.send_signal(signal.SIGTERM)  # at once: the lines still pending
        assert server.finish() == -signal.SIGTERM
    client_addr = f"127.0.0.1:{local_port}"
    assert f'INFO:     {client_addr} - "GET /v1/credits HTTP/1.1" 200 OK' in server.lines
    assert f'INFO:     {client_addr} - "GET /v1/status/no%20such?x=1 HTTP/1.1" 404 Not Found' \
        in server.lines
    assert f'INFO:     {client_addr} - "GET /healthz HTTP/1.1" 200 OK' in server.lines


def test_the_server_writes_pending_access_lines_when_it_stops() -> None:
    class Kept(Writer):
        def write(self, entries: Sequence[Entry]) -> None:
            lines.extend(entries)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    lines: list[Entry] = []
    log = AccessLog([Kept(logging.StreamHandler(), None)], interval=3600)
    stopped: list[bool] = []
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_config=None)
    server = _Server(config, lambda bound: None, lambda: stopped.append(bool(lines)), log)

    async def scenario() -> None:  # what uvicorn.Server.serve does, around a request
        config.load()
        server.lifespan = config.lifespan_class(config)
        await server.startup()
        log.add({"type": "http", "method": "GET", "path": "/healthz"}, 200)
        await server.shutdown()

    asyncio.run(scenario())
    assert [entry[0]["path"] for entry in lines] == ["/healthz"] and stopped == [True]


def test_log_level_warning_hides_the_access_lines() -> None:
    with Spawned("serve", "--port", "0", "--log-level", "warning") as server:
        url = banner_url(server.wait_for("FASHN_BASE_URL="))
        assert httpx.get(f"{url}/healthz").status_code == 200
        server.process.send_signal(signal.SIGINT)
        assert server.finish() == 0
    assert not any("/healthz" in line for line in server.lines)


def test_sigterm_does_not_wait_for_a_half_sent_request() -> None:
    with Spawned("serve", "--port", "0", "--shutdown-timeout", "1") as server:
        url = banner_url(server.wait_for("FASHN_BASE_URL="))
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as stuck:
            stuck.sendall(b"POST /v1/run HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
                          b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                          b'{"model_name": ')
            assert httpx.get(f"{url}/healthz").status_code == 200  # the server is past it
            server.process.send_signal(signal.SIGTERM)
            # the client never finishes its body: the shutdown cuts it off after 1 s
            assert server.finish(timeout=20) == -signal.SIGTERM
    assert any("timeout graceful shutdown exceeded" in line for line in server.lines)


def test_a_port_in_use_is_one_line_and_exit_3() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with Spawned("serve", "--port", str(port)) as server:
            assert server.finish() == 3
    errors = [line for line in server.lines if "ERROR" in line]
    assert len(errors) == 1 and "address already in use" in errors[0]
    assert not any("Traceback" in line for line in server.lines)


def test_healthz_is_served_without_the_control_api() -> None:
    port = free_port()
    with Spawned("serve", "--port", str(port), "--no-control") as server:
        url = banner_url(server.wait_for("FASHN_BASE_URL="))
        assert httpx.get(f"{url}/healthz").json()["status"] == "ok"
        assert httpx.get(f"{url}/_mock/config").status_code == 404


@pytest.mark.parametrize(("host", "url"), [
    ("127.0.0.1", "http://127.0.0.1:81"), ("0.0.0.0", "http://127.0.0.1:81"),
    ("", "http://127.0.0.1:81"), ("::", "http://[::1]:81"), ("::1", "http://[::1]:81"),
    ("localhost", "http://localhost:81"), ("10.1.2.3", "http://10.1.2.3:81"),
])
def test_the_banner_url_is_one_a_client_can_use(host: str, url: str) -> None:
    bound = Bound(host, 81)
    assert bound.url == url
    assert (bound.network_url is None) == (host not in ("", "0.0.0.0", "::"))
    if bound.network_url is not None:
        assert bound.network_url == f"http://{socket.gethostname()}:81"


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("LOCALHOST", True), ("api.localhost", True),
    ("0.0.0.0", False), ("::", False), ("", False), ("192.168.1.5", False),
    ("myhost", False), ("example.com", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
