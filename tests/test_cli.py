from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fashn_mock.cli import build_parser, config_from, main
from tests.support import fashn_mock_process


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


def test_env_vars_are_flag_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASHN_MOCK_TIME_SCALE", "0.5")
    monkeypatch.setenv("FASHN_MOCK_API_KEYS", "a,b")
    monkeypatch.setenv("FASHN_MOCK_CREDITS", "12")
    monkeypatch.setenv("FASHN_MOCK_NO_LIMITS", "1")
    config = config_from(build_parser().parse_args(["serve", "--seed", "3"]))
    assert (config.time_scale, config.api_keys, config.credits, config.limits, config.seed) \
        == (0.5, ("a", "b"), 12, False, 3)


def test_bad_flag_values_exit_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--time-scale", "-1"]) == 2
    assert "time_scale" in capsys.readouterr().err


def test_openapi_command_prints_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi"]) == 0
    assert capsys.readouterr().out.startswith("openapi: 3.1.0")
