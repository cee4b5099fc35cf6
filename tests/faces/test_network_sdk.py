"""The official Python SDK against network faults, over a socket and in-process.

The SDK retries connection errors and timeouts (3 times by default, 2 s apart at
first); the wait is patched to zero here so the tests stay fast.
"""

from __future__ import annotations

from collections.abc import Iterator

import fashn
import fashn._base_client
import pytest

from fashn_mock import BackgroundServer, Emulator
from fashn_mock.contract.behaviour import analyse
from tests.support import MINIMAL_INPUTS

KEY = "fa-sdk"
INPUTS = MINIMAL_INPUTS["tryon-v1.6"]


@pytest.fixture(autouse=True)
def no_retry_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fashn._base_client, "INITIAL_RETRY_DELAY", 0.0)


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(time_scale=0, seed=0, credits=10)


@pytest.fixture(params=["socket", "in-process"])
def sdk(request: pytest.FixtureRequest, emulator: Emulator) -> Iterator[fashn.Fashn]:
    if request.param == "socket":
        with BackgroundServer(emulator.app) as server, \
                fashn.Fashn(api_key=KEY, base_url=server.url) as client:
            yield client
    else:
        with fashn.Fashn(api_key=KEY, base_url=emulator.base_url,
                         http_client=emulator.httpx_client()) as client:
            yield client


def test_a_reset_status_is_retried_and_ends_completed(sdk: fashn.Fashn,
                                                      emulator: Emulator) -> None:
    emulator.network_next("reset", path="/v1/status", times=2)
    result = sdk.predictions.subscribe(model_name="tryon-v1.6", inputs=INPUTS,  # type: ignore[call-overload]
                                       poll_interval=0.01)
    assert result.status == "completed"
    polls = emulator.journal(path="/v1/status")
    assert [(e.status, (e.network_fault or {}).get("kind")) for e in polls] == [
        (0, "reset"), (0, "reset"), (200, None)]
    report = emulator.behaviour(key=KEY)
    assert [r.reaction for r in report.network] == ["retried", "retried"]
    assert len(emulator.predictions()) == 1 and emulator.credits(KEY).total == 9


def test_a_lost_run_answer_and_the_sdks_retry_make_two_charged_predictions(
        sdk: fashn.Fashn, emulator: Emulator) -> None:
    emulator.network_next("lost-response", path="/v1/run")
    result = sdk.predictions.subscribe(model_name="tryon-v1.6", inputs=INPUTS,  # type: ignore[call-overload]
                                       poll_interval=0.01)
    assert result.status == "completed"
    runs = emulator.journal(path="/v1/run")
    assert [(e.status, (e.network_fault or {}).get("kind")) for e in runs] == [
        (200, "lost-response"), (200, None)]
    lost, retried = (e.prediction_id for e in runs)
    assert lost is not None and retried is not None
    assert lost != retried and result.id == retried
    predictions = emulator.predictions(key=KEY)
    assert sorted(p.id for p in predictions) == sorted([lost, retried])
    assert all(p.status == "completed" for p in predictions)
    assert emulator.credits(KEY).total == 8  # both charged
    [finding] = analyse(emulator.journal()).of_kind("double-submit")
    assert lost in finding.message and retried in finding.message
    assert [r.reaction for r in emulator.behaviour(key=KEY).network] == ["resubmitted"]


def test_a_stalled_run_times_out_and_the_retry_charges_again(sdk: fashn.Fashn,
                                                            emulator: Emulator) -> None:
    emulator.network_next("delay=1", path="/v1/run")
    prediction = sdk.with_options(timeout=0.05).predictions.run(  # type: ignore[call-overload]
        model_name="tryon-v1.6", inputs=INPUTS)
    assert len(emulator.predictions(key=KEY)) == 2
    assert prediction.id == emulator.journal(path="/v1/run")[-1].prediction_id
