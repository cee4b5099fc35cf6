"""The official ``fashn`` SDK as a real client, over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fashn
import pytest

from fashn_mock import BackgroundServer, Config, Emulator
from fashn_mock.catalog import BY_NAME
from fashn_mock.catalog.quotas import RateRule
from tests.support import MINIMAL_INPUTS

SDK_MODEL_NAMES = ["tryon-max", "tryon-v1.6", "product-to-model", "face-to-model",
                   "model-create", "model-swap", "reframe", "background-change",
                   "background-remove", "image-to-video", "edit", "packshot"]


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(Emulator(time_scale=0).app) as running:
        yield running


@pytest.fixture
def sdk(server: BackgroundServer) -> Iterator[fashn.Fashn]:
    with fashn.Fashn(api_key="fa-test-key", base_url=server.url, max_retries=0) as client:
        yield client


@pytest.mark.parametrize("model_name", SDK_MODEL_NAMES)
def test_subscribe_completes_with_credits_used(sdk: fashn.Fashn, model_name: str) -> None:
    updates: list[str] = []
    result = sdk.predictions.subscribe(  # type: ignore[call-overload]
        model_name=model_name,
        inputs=MINIMAL_INPUTS[model_name],
        poll_interval=10, on_queue_update=lambda s: updates.append(s.status))
    assert result.status == "completed", result.error
    spec = BY_NAME[model_name]
    assert result.credits_used == spec.credits({**spec.defaults(),
                                                **MINIMAL_INPUTS[model_name]})
    assert result.output and updates[-1] == "completed"


def test_sdk_model_list_matches_the_catalog() -> None:
    from typing import get_args, get_type_hints

    from fashn.types import prediction_run_params

    names = {get_args(get_args(get_type_hints(tp, include_extras=True)["model_name"])[0])[0]
             for tp in get_args(prediction_run_params.PredictionRunParams)}
    assert names == set(SDK_MODEL_NAMES)


def test_run_and_status_errors_map_to_sdk_exceptions(sdk: fashn.Fashn) -> None:
    with pytest.raises(fashn.BadRequestError) as bad:
        sdk.predictions.run(model_name="tryon-v1.6",  # type: ignore[call-overload]
                            inputs={"model_image": "https://x/a.png"})
    assert "garment_image" in str(bad.value)
    with pytest.raises(fashn.NotFoundError):
        sdk.predictions.status("no-such-id")
    closed = Emulator(Config(api_keys=("fa-good",)))
    with fashn.Fashn(api_key="fa-bad", base_url="http://fashn-mock.local", max_retries=0,
                     http_client=closed.httpx_client()) as client, \
            pytest.raises(fashn.AuthenticationError):
        client.predictions.status("x")


def test_failed_prediction_surfaces_error_name(sdk: fashn.Fashn) -> None:
    result = sdk.predictions.subscribe(
        model_name="tryon-v1.6", poll_interval=10,
        inputs={"model_image": "iVBORw0KGgo=", "garment_image": "https://x/b.png"})
    assert result.status == "failed" and result.error is not None
    assert result.error.name == "ImageLoadError" and result.credits_used is None


def test_webhook_url_query_parameter(sdk: fashn.Fashn, server: BackgroundServer) -> None:
    run = sdk.predictions.run(model_name="background-remove",
                              inputs={"image": "https://x/a.png"},
                              webhook_url="https://example.com/webhook")
    assert run.id and run.error is None


async def _async_subscribe(emulator: Emulator) -> Any:
    async with fashn.AsyncFashn(api_key="k", base_url="http://fashn-mock.local",
                                http_client=emulator.async_httpx_client()) as client:
        return await client.predictions.subscribe(
            model_name="edit", poll_interval=10,
            inputs={"image": "https://x/a.png", "prompt": "red"})


def test_async_sdk_in_process() -> None:
    import asyncio

    result = asyncio.run(_async_subscribe(Emulator(time_scale=0)))
    assert result.status == "completed" and result.credits_used == 1


def test_subscribe_converges_through_429s() -> None:
    """The SDK honours Retry-After on 429 and gets through a tight status window."""
    emulator = Emulator(Config(time_scale=0.02, rates={"status": RateRule(2, 0.5)}))
    with BackgroundServer(emulator.app) as running, \
            fashn.Fashn(api_key="k", base_url=running.url, max_retries=3) as client:
        result = client.predictions.subscribe(
            model_name="tryon-v1.6", poll_interval=20,
            inputs={"model_image": "https://x/a.png", "garment_image": "https://x/b.png"})
    assert result.status == "completed" and result.credits_used == 1
    limited = emulator.journal(status=429)
    assert limited, "the window must actually have been hit"
    retries = emulator.journal(path="/v1/status")
    for denied in limited:
        later = [e for e in retries if e.seq > denied.seq]
        wait = int(denied.response_headers["retry-after"])
        assert later and later[0].at - denied.at >= wait - 0.05


def test_scripted_pose_error_surfaces_in_subscribe(sdk: fashn.Fashn) -> None:
    result = sdk.predictions.subscribe(
        model_name="tryon-v1.6", poll_interval=10,
        inputs={"model_image": "https://x/a.png", "garment_image": "https://x/b.png"},
        extra_headers={"X-Fashn-Mock-Error": "PoseError"})
    assert result.status == "failed" and result.error is not None
    assert result.error.name == "PoseError"
